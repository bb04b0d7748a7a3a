"""What the stock and price handlers share (functions/stock/handler.py, functions/prices/handler.py):
parsing a legacy payload, an SQS record, an unusable client, the outcome of one unit of work, the nightly
fan-out and the routing of an event. A `SyncDomain` names what differs: log messages, metric names, the
log table, the payload types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any, Union

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BasePartialBatchProcessor
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.clients.tiktok.rate_limit import settle_process_limiter
from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.parsing import MessageParser, ParsedBatchProcessor
from tiktok_vtex.sync.messages import AllClientsMessage, SkuMessage
from tiktok_vtex.sync.nightly import queue_all_clients
from tiktok_vtex.sync.outcomes import ClientUnavailable, RetryLater, SyncReport
from tiktok_vtex.sync.ports import ChangeLog
from tiktok_vtex.sync_functions.wiring import SyncWiring, wiring

Run = Callable[[BaseModel, SyncWiring], dict[str, Any]]


@dataclass(frozen=True)
class SyncDomain:
    name: str  # "stock" / "price": log messages
    metric_prefix: str  # "Stock" / "Price": metric names
    log_table: str  # the legacy log table written by `change_log`
    change_log: Callable[[SyncWiring], ChangeLog]
    models: Mapping[str, type[BaseModel]]  # payload type -> model
    invalid: type[ValueError]  # raised for a payload that is refused
    update_type: str  # the TikTok update message (a legacy one carries no reading time)
    normalise: Callable[[dict[str, Any]], dict[str, Any]]  # legacy payload -> one with a known type


def message_parser(domain: SyncDomain) -> MessageParser[BaseModel]:
    """The domain's payload types as one union on `type` (legacy type names normalised first), parsed by
    Powertools: an unknown type, or a field of the type's model refused, is named in the error."""

    def prepare(payload: Any) -> Any:
        if not isinstance(payload, dict):
            raise domain.invalid(f"{domain.name} message is not a JSON object")
        return domain.normalise(payload)

    message = Annotated[Union[tuple(domain.models.values())], Field(discriminator="type")]  # noqa: UP007
    return MessageParser(domain.name, message, domain.invalid, prepare=prepare, tag_in_reason=True)


def reading_time_from_envelope(domain: SyncDomain) -> Callable[[Any, Mapping[str, Any]], Any]:
    """A legacy update carries no reading time: the time it was queued is the closest bound we have
    (closer than "now", so a late redelivery cannot pass for a fresh reading)."""

    def prepare_record(payload: Any, record: Mapping[str, Any]) -> Any:
        if isinstance(payload, dict) and payload.get("type") == domain.update_type and "readAtMs" not in payload:
            sent = (record.get("attributes") or {}).get("SentTimestamp")
            if sent and str(sent).isdigit():
                return {**payload, "readAtMs": int(sent)}
        return payload

    return prepare_record


def record_unavailable(domain: SyncDomain, deps: SyncWiring, error: ClientUnavailable,
                       message_type: str) -> dict[str, Any]:
    logger.warning(f"{domain.name} sync skipped for client",
                   extra={"client_hash": error.client_hash, "reason": error.reason, "type": message_type})
    metrics.add_metric(name=f"{domain.metric_prefix}ClientUnavailable", unit=MetricUnit.Count, value=1)
    try:
        domain.change_log(deps).append(error.client_hash, "client_unavailable", error.client_hash,
                                       {"reason": error.reason, "type": message_type})
    except Exception:  # the log is best effort; the warning above already recorded it
        logger.exception(f"could not write {domain.log_table}")
    return {"status": "client_unavailable", "clientHash": error.client_hash, "reason": error.reason}


def finish(domain: SyncDomain, report: SyncReport, message_type: str) -> dict[str, Any]:
    metrics.add_metric(name=f"{domain.metric_prefix}SkusSent", unit=MetricUnit.Count, value=report.sent)
    metrics.add_metric(name=f"{domain.metric_prefix}SkusUnchanged", unit=MetricUnit.Count, value=report.unchanged)
    metrics.add_metric(name=f"{domain.metric_prefix}SkuFailures", unit=MetricUnit.Count,
                       value=len(report.failures))
    result = {"status": "ok" if not report.failures else "partial", "type": message_type, **report.as_dict()}
    logger.info(f"{domain.name} message handled", extra={k: v for k, v in result.items() if k != "failures"})
    if report.retryable_failures:
        raise RetryLater(f"{len(report.retryable_failures)} SKU(s) failed transiently for {report.client_hash}",
                         report.retryable_failures)
    return result


def run_message(domain: SyncDomain, message: BaseModel, deps: SyncWiring, *,
                nightly: Callable[..., dict[str, Any]],
                work: Callable[[Any, SyncWiring], SyncReport | dict[str, Any]]) -> dict[str, Any]:
    """The nightly message goes to `nightly(deps, message)`; any other names one client and is `work`ed
    for it: an unusable client is recorded (not retried); a report is finished (metrics, log, RetryLater
    on transient failures); a ready answer (a dict) is returned as it is."""
    if isinstance(message, AllClientsMessage):
        return nightly(deps, message)
    client_hash: str = message.client_hash  # type: ignore[attr-defined]
    message_type: str = message.type  # type: ignore[attr-defined]
    try:
        outcome = work(message, deps)
    except ClientUnavailable as error:
        return record_unavailable(domain, deps, error, message_type)
    except (ClientDeauthorized, ClientNotAuthorized) as error:
        # Raised while calling TikTok (token refresh refused, push 6 meanwhile): same as an unusable client.
        return record_unavailable(domain, deps, ClientUnavailable(client_hash, str(error)), message_type)
    if isinstance(outcome, dict):
        return outcome
    if isinstance(message, SkuMessage) and message.reconcile:
        # the SKU batches only: a nightly per-client prepare (reconcile too) reads no value, it queues them
        report_out_of_date(domain, outcome)
    return finish(domain, outcome, message_type)


def report_out_of_date(domain: SyncDomain, report: SyncReport) -> None:
    """A nightly batch: the SKUs whose VTEX value differed from what TikTok held. With VTEX notifications
    flowing this stays near 0; `<Prefix>ReconcileOutOfDate` above the threshold alarms (template.yaml)."""
    metrics.add_metric(name=f"{domain.metric_prefix}ReconcileOutOfDate", unit=MetricUnit.Count, value=report.changed)
    if report.changed:
        logger.warning(f"nightly {domain.name} run found SKUs out of date",
                       extra={"client_hash": report.client_hash, "out_of_date": report.changed,
                              "read": report.read})


def fan_out(domain: SyncDomain, deps: SyncWiring, message: AllClientsMessage, *, client_type: str,
            fetch_queue: str, remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """Nightly: one `client_type` message (clientHash, force, reconcile) per active client to the function's
    fetch queue, which runs each client's prepare in its own invocation (an unusable client is recorded there
    by `run_message`); short of time, the nightly `message` again with a cursor."""
    force = message.force

    def client_message(client_hash: str) -> dict[str, Any]:
        return {"type": client_type, "clientHash": client_hash, "force": force, "reconcile": True}

    def continuation(cursor: str) -> dict[str, Any]:
        return {"type": message.type, "force": force, "cursor": cursor}

    return queue_all_clients(deps.clients.iter_client_hashes(), deps.queue(fetch_queue), client_message=client_message,
                             continuation=continuation, after=message.cursor, remaining_ms=remaining_ms,
                             kind=domain.name)


def handle_record(domain: SyncDomain, record: Any, run: Run) -> dict[str, Any]:
    """One SQS record, its body already parsed (the processor's model: see `SyncFunction`)."""
    try:
        return run(record.body, wiring())
    except domain.invalid as error:
        logger.error(f"malformed {domain.name} message", extra={"message_id": record.messageId,
                                                               "error": str(error)})
        raise


def handle_event(domain: SyncDomain, event: Any, context: LambdaContext, *, processor: BasePartialBatchProcessor,
                 record_handler: Callable[[Any], dict[str, Any]], run: Run,
                 nightly: Callable[[SyncWiring], dict[str, Any]], parse: Callable[[Any], BaseModel]) -> dict[str, Any]:
    """SQS batch, nightly schedule, or direct invoke (which raises RetryLater on transient failures:
    Lambda's async retries take over)."""
    return route_event(event, context, processor=processor, record_handler=record_handler,
                       parse=parse, invalid=domain.invalid,
                       invalid_log=f"invalid {domain.name} invoke", scheduled=lambda: nightly(wiring()),
                       invoke=lambda message: {"statusCode": 200, "body": run(message, wiring())})


class ConcurrentBatchProcessor(ParsedBatchProcessor):
    """The records of one SQS batch handled at once (up to `workers()` threads), results in record order.

    Why: the update queues are FIFO per shop (template.yaml), so one container holds a shop's whole 50 QPS;
    one call after another (60-300 ms each) would use a fraction of it. The shop's limiter (thread-safe token
    bucket) still spaces the calls. Order inside a shop's batch does not matter for correctness: every SKU
    carries its reading time and an older reading never overwrites a newer one (sync/engine.py). A batch
    holding several shops' records no longer makes one wait for another's throttled calls either."""

    def __init__(self, *args: Any, workers: Callable[[], int], settle: Callable[[], float] = lambda: 0.0,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._workers = workers
        self._settle = settle

    def process(self) -> list[tuple]:
        workers = max(1, min(len(self.records), self._workers()))
        try:
            if workers == 1:
                return super().process()
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync-record") as pool:
                return list(pool.map(self._process_record, self.records))
        finally:
            self._settle()  # the shop's next batch may run in another container: leave the buckets full


def settle_limiters() -> float:
    """After a batch: the TikTok process limiter's buckets and the VTEX account buckets full again (both follow a
    shop's FIFO group from container to container; settled one after the other the wait is the longer of the
    two, not their sum). Returns the seconds waited."""
    return settle_process_limiter() + wiring().gate.settle()


def batch_concurrency() -> int:
    """SYNC_BATCH_CONCURRENCY of the function (template.yaml; 1 when unset: records one after another)."""
    return int(wiring().settings.extra.get("SYNC_BATCH_CONCURRENCY") or 1)


Work = Callable[[Any, SyncWiring], SyncReport | dict[str, Any]]
RemainingMs = Callable[[], int] | None  # context.get_remaining_time_in_millis; None = unbounded (tools)


class SyncFunction:
    """One stock or price handler from what it names: its domain, its unit of work for one client's message
    (`work`), and the per-client message (`client_type`: the client's full run) the nightly queues to the
    queue named by the `fetch_queue` variable, which this same handler consumes."""

    def __init__(self, domain: SyncDomain, *, work: Work, client_type: str, fetch_queue: str,
                 nightly_type: str) -> None:
        if client_type not in domain.models or nightly_type not in domain.models:
            raise ValueError(f"{domain.name} handler does not consume {client_type} / {nightly_type}")
        self.domain = domain
        self._work = work
        self._client_type = client_type
        self._fetch_queue = fetch_queue
        self._nightly_type = nightly_type
        self.parser = message_parser(domain)
        # Every failed record is reported in batchItemFailures, even when all failed (no invocation error).
        self.processor = ConcurrentBatchProcessor(
            self.parser, self.parser.record_model(prepare_record=reading_time_from_envelope(domain)),
            raise_on_entire_batch_failure=False, workers=batch_concurrency,
            settle=settle_limiters)

    def parse(self, payload: Any) -> BaseModel:
        return self.parser.parse(payload)

    def run(self, message: BaseModel, deps: SyncWiring, remaining_ms: RemainingMs = None) -> dict[str, Any]:
        return run_message(self.domain, message, deps, work=self._work,
                           nightly=lambda d, m: self.prepare_all_clients(d, m, remaining_ms=remaining_ms))

    def prepare_all_clients(self, deps: SyncWiring, message: AllClientsMessage | None = None, *,
                            remaining_ms: RemainingMs = None) -> dict[str, Any]:
        """Nightly: one per-client prepare message per active client (the schedule without an Input: every
        client, not forced); one client failing does not stop the others, each is its own invocation."""
        message = message or AllClientsMessage(type=self._nightly_type)
        result = fan_out(self.domain, deps, message, client_type=self._client_type, fetch_queue=self._fetch_queue,
                         remaining_ms=remaining_ms)
        logger.info(f"nightly {self.domain.name} fan-out",
                    extra={"clients": len(result["clients"]), "cursor": result["cursor"], "calls": result["calls"]})
        return result

    def record_handler(self, record: Any, lambda_context: LambdaContext | None = None) -> dict[str, Any]:
        """One SQS record (Powertools passes the invocation's context: a nightly continuation needs its time)."""
        remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
        return handle_record(self.domain, record, lambda message, deps: self.run(message, deps, remaining))

    def lambda_handler(self) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
        """The Lambda entry point (logger context, metrics flush, X-Ray segment)."""

        @logger.inject_lambda_context(clear_state=True)
        @metrics.log_metrics
        @tracer.capture_lambda_handler
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            remaining = getattr(context, "get_remaining_time_in_millis", None)
            return handle_event(self.domain, event, context, processor=self.processor,
                                record_handler=self.record_handler,
                                run=lambda message, deps: self.run(message, deps, remaining),
                                nightly=lambda deps: self.prepare_all_clients(deps, remaining_ms=remaining),
                                parse=self.parse)

        return lambda_handler
