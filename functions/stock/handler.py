"""Stock functions (one handler, three functions; the event `type` decides):

- {FunctionPrefix}ESTOQUE-VTEX-busca-estoque-sku: triggerPrepareStock, triggerPepareSkuStock,
  triggerPepareSkuStockBatch (SQS_BUSCA_ESTOQUE), triggerCountStock, and the nightly
  triggerPrepareStockAllClients (schedule cron(0 2 * * ? *));
- {FunctionPrefix}ESTOQUE-VTEX-atualizacao-estoque: the legacy name the PHP dispatchPrepareStock invokes
  (same code path);
- {FunctionPrefix}ESTOQUE-TTK-atualiza-estoque-sku: triggerUpdateInventoryBySellerSku (SQS_ATUALIZA_ESTOQUE
  or direct invoke).

Failures: a malformed message fails alone (SQS: reported as a batch item failure, so it ends in the DLQ
with its reason logged); an unknown / deauthorized / misconfigured client is recorded in TikTokLogStock
and reported, not retried; per-SKU failures (404 in VTEX, TikTok item errors) are recorded per SKU;
transient failures (VTEX or TikTok throttled / down after the clients' retries) fail the message so the
queue (or Lambda's async retry) redelivers it - diff-only makes the redelivery cheap.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from stock.wiring import STOCK_UPDATE_FUNCTION, SyncWiring, describe_validation, wiring
from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.inventory import models as m
from tiktok_vtex.inventory.base import ClientUnavailable, RetryLater, SyncReport
from tiktok_vtex.observability import logger, metrics, tracer

# Every failed record is reported in batchItemFailures, even when all failed (no invocation error).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

MODELS: dict[str, type[BaseModel]] = {
    m.PREPARE_STOCK: m.PrepareStock,
    m.PREPARE_STOCK_ALL: m.PrepareStockAllClients,
    m.PREPARE_SKU_STOCK: m.PrepareSkuStock,
    m.PREPARE_SKU_STOCK_BATCH: m.PrepareSkuStockBatch,
    m.UPDATE_INVENTORY: m.UpdateInventory,
    m.COUNT_STOCK: m.CountStock,
}


class InvalidStockMessage(ValueError):
    pass


def parse(payload: Any) -> BaseModel:
    if not isinstance(payload, dict):
        raise InvalidStockMessage("stock message is not a JSON object")
    payload = m.normalise_type(payload)
    model = MODELS.get(str(payload.get("type")))
    if model is None:
        raise InvalidStockMessage(f"unknown stock message type {str(payload.get('type'))[:60]!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise InvalidStockMessage(f"invalid {payload['type']} message: {describe_validation(error)}") from None


def _record_unavailable(deps: SyncWiring, error: ClientUnavailable, message_type: str) -> dict[str, Any]:
    logger.warning("stock sync skipped for client", extra={"client_hash": error.client_hash, "reason": error.reason,
                                                           "type": message_type})
    metrics.add_metric(name="StockClientUnavailable", unit=MetricUnit.Count, value=1)
    try:
        deps.stock_log.append(error.client_hash, "client_unavailable", error.client_hash,
                              {"reason": error.reason, "type": message_type})
    except Exception:  # the log is best effort; the warning above already recorded it
        logger.exception("could not write TikTokLogStock")
    return {"status": "client_unavailable", "clientHash": error.client_hash, "reason": error.reason}


def _finish(report: SyncReport, message_type: str) -> dict[str, Any]:
    metrics.add_metric(name="StockSkusSent", unit=MetricUnit.Count, value=report.sent)
    metrics.add_metric(name="StockSkusUnchanged", unit=MetricUnit.Count, value=report.unchanged)
    metrics.add_metric(name="StockSkuFailures", unit=MetricUnit.Count, value=len(report.failures))
    result = {"status": "ok" if not report.failures else "partial", "type": message_type, **report.as_dict()}
    logger.info("stock message handled", extra={k: v for k, v in result.items() if k != "failures"})
    if report.retryable_failures:
        raise RetryLater(f"{len(report.retryable_failures)} SKU(s) failed transiently for {report.client_hash}",
                         report.retryable_failures)
    return result


def run(message: BaseModel, deps: SyncWiring) -> dict[str, Any]:
    if isinstance(message, m.PrepareStockAllClients):
        return prepare_all_clients(deps, force=message.force)
    client_hash: str = message.client_hash  # type: ignore[attr-defined]
    force: bool = message.force  # type: ignore[attr-defined]
    sync = deps.stock()
    try:
        if isinstance(message, m.PrepareStock):
            deps.context(client_hash)  # an unusable client stops here, before any message is queued
            report = sync.prepare_stock(client_hash, deps.queue("SQS_BUSCA_ESTOQUE"), force=force)
        elif isinstance(message, m.CountStock):
            counted = sync.count(deps.context(client_hash), deps.vtex(client_hash), deps.pending)
            logger.info("stock count", extra={k: v for k, v in counted.items() if k != "failures"})
            return {"status": "ok", "type": message.type, **counted}
        elif isinstance(message, m.PrepareSkuStock):
            # One SKU, at once: read it and invoke the TikTok function directly (legacy dispatchStockUpdateBySku).
            report = sync.fetch_and_dispatch(deps.context(client_hash), message.sku, deps.vtex(client_hash),
                                             deps.pending, deps.invoker(STOCK_UPDATE_FUNCTION), force=force)
        elif isinstance(message, m.PrepareSkuStockBatch):
            report = sync.fetch_and_dispatch(deps.context(client_hash), message.sku, deps.vtex(client_hash),
                                             deps.pending, deps.queue("SQS_ATUALIZA_ESTOQUE"), force=force)
        elif isinstance(message, m.UpdateInventory):
            report = sync.update(deps.context(client_hash), message, deps.tiktok(client_hash))
        else:  # pragma: no cover - MODELS is exhaustive
            raise InvalidStockMessage(f"unsupported message {type(message).__name__}")
    except ClientUnavailable as error:
        return _record_unavailable(deps, error, message.type)  # type: ignore[attr-defined]
    except (ClientDeauthorized, ClientNotAuthorized) as error:
        # Raised while calling TikTok (token refresh refused, push 6 meanwhile): same as an unusable client.
        return _record_unavailable(deps, ClientUnavailable(client_hash, str(error)),
                                   message.type)  # type: ignore[attr-defined]
    return _finish(report, message.type)  # type: ignore[attr-defined]


def prepare_all_clients(deps: SyncWiring, *, force: bool = False) -> dict[str, Any]:
    """Nightly: triggerPrepareStock for every active client; one client failing does not stop the others."""
    done, failed = [], []
    sync = deps.stock()
    queue = deps.queue("SQS_BUSCA_ESTOQUE")
    for client_hash in deps.clients.iter_client_hashes():
        try:
            deps.context(client_hash)
            report = sync.prepare_stock(client_hash, queue, force=force)
            done.append({"clientHash": client_hash, "skus": report.read, "messages": report.messages})
        except ClientUnavailable as error:
            _record_unavailable(deps, error, m.PREPARE_STOCK_ALL)
            failed.append({"clientHash": client_hash, "reason": error.reason})
        except Exception as error:
            logger.exception("nightly stock fan-out failed for a client", extra={"client_hash": client_hash})
            failed.append({"clientHash": client_hash, "reason": type(error).__name__})
    logger.info("nightly stock fan-out", extra={"clients": len(done), "failed": len(failed)})
    return {"status": "ok" if not failed else "partial", "clients": done, "failed": failed}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    try:
        payload = json.loads(record.body)
    except ValueError:
        raise InvalidStockMessage("stock message body is not JSON") from None
    if isinstance(payload, dict) and payload.get("type") == m.UPDATE_INVENTORY and "readAtMs" not in payload:
        # A legacy update carries no reading time: the time it was queued is the closest bound we have
        # (closer than "now", so a late redelivery cannot pass for a fresh reading).
        sent = record.attributes.sent_timestamp
        if sent and str(sent).isdigit():
            payload["readAtMs"] = int(sent)
    try:
        return run(parse(payload), wiring())
    except InvalidStockMessage as error:
        logger.error("malformed stock message", extra={"message_id": record.message_id, "error": str(error)})
        raise


def _is_schedule(event: dict[str, Any]) -> bool:
    return event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event"


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    if isinstance(event, dict) and _is_schedule(event):
        return prepare_all_clients(wiring())
    try:
        message = parse(event)
    except InvalidStockMessage as error:
        logger.error("invalid stock invoke", extra={"error": str(error)})
        return {"statusCode": 400, "body": {"message": str(error)}}
    # A direct invoke raises RetryLater on transient failures: Lambda's async retries take over.
    return {"statusCode": 200, "body": run(message, wiring())}
