"""Price functions (one handler, two functions; the event `type` decides):

- {FunctionPrefix}PRECO-VTEX-monta-lista-sku (legacy, invoked by the PHP dispatchPrepareListPrice):
  triggerPrepareListPrice (also a bare {"clientHash"}), triggerPrepareSkuPrice, triggerPrepareSkuPriceBatch
  (SQS_BUSCA_PRECO) and the nightly triggerPrepareListPriceAllClients;
- {FunctionPrefix}PRECO-TTK-atualiza-preco-sku: triggerUpdatePriceBySellerSku (SQS_ATUALIZA_PRECO or invoke).

Failure handling is the stock functions' (see functions/stock/handler.py); a product in a promotion is
recorded and skipped (TikTokLogPrice / TikTokLogPriceProduct), not retried.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError
from stock.wiring import PRICE_UPDATE_FUNCTION, SyncWiring, describe_validation, wiring

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.inventory.base import ClientUnavailable, RetryLater, SyncReport
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.pricing import models as m

# Every failed record is reported in batchItemFailures, even when all failed (no invocation error).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

MODELS: dict[str, type[BaseModel]] = {
    m.PREPARE_LIST_PRICE: m.PrepareListPrice,
    m.PREPARE_LIST_PRICE_ALL: m.PrepareListPriceAllClients,
    m.PREPARE_SKU_PRICE: m.PrepareSkuPrice,
    m.PREPARE_SKU_PRICE_BATCH: m.PrepareSkuPriceBatch,
    m.UPDATE_PRICE: m.UpdatePrice,
}


class InvalidPriceMessage(ValueError):
    pass


def parse(payload: Any) -> BaseModel:
    if not isinstance(payload, dict):
        raise InvalidPriceMessage("price message is not a JSON object")
    if "type" not in payload and ("clientHash" in payload or "client_hash" in payload):
        payload = {**payload, "type": m.PREPARE_LIST_PRICE}  # dispatchPrepareListPrice($clientHash)
    model = MODELS.get(str(payload.get("type")))
    if model is None:
        raise InvalidPriceMessage(f"unknown price message type {str(payload.get('type'))[:60]!r}")
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise InvalidPriceMessage(f"invalid {payload['type']} message: {describe_validation(error)}") from None


def _record_unavailable(deps: SyncWiring, error: ClientUnavailable, message_type: str) -> dict[str, Any]:
    logger.warning("price sync skipped for client", extra={"client_hash": error.client_hash, "reason": error.reason,
                                                           "type": message_type})
    metrics.add_metric(name="PriceClientUnavailable", unit=MetricUnit.Count, value=1)
    try:
        deps.price_log.append(error.client_hash, "client_unavailable", error.client_hash,
                              {"reason": error.reason, "type": message_type})
    except Exception:
        logger.exception("could not write TikTokLogPrice")
    return {"status": "client_unavailable", "clientHash": error.client_hash, "reason": error.reason}


def _finish(report: SyncReport, message_type: str) -> dict[str, Any]:
    metrics.add_metric(name="PriceSkusSent", unit=MetricUnit.Count, value=report.sent)
    metrics.add_metric(name="PriceSkusUnchanged", unit=MetricUnit.Count, value=report.unchanged)
    metrics.add_metric(name="PriceSkuFailures", unit=MetricUnit.Count, value=len(report.failures))
    result = {"status": "ok" if not report.failures else "partial", "type": message_type, **report.as_dict()}
    logger.info("price message handled", extra={k: v for k, v in result.items() if k != "failures"})
    if report.retryable_failures:
        raise RetryLater(f"{len(report.retryable_failures)} SKU(s) failed transiently for {report.client_hash}",
                         report.retryable_failures)
    return result


def run(message: BaseModel, deps: SyncWiring) -> dict[str, Any]:
    if isinstance(message, m.PrepareListPriceAllClients):
        return prepare_all_clients(deps, force=message.force)
    client_hash: str = message.client_hash  # type: ignore[attr-defined]
    force: bool = message.force  # type: ignore[attr-defined]
    sync = deps.prices()
    try:
        ctx = deps.context(client_hash)
        if isinstance(message, m.PrepareListPrice):
            report = sync.prepare(client_hash, deps.queue("SQS_BUSCA_PRECO"), force=force)
        elif isinstance(message, m.PrepareSkuPrice):
            report = sync.fetch_and_dispatch(ctx, message.sku, deps.vtex(client_hash),
                                             deps.invoker(PRICE_UPDATE_FUNCTION), force=force)
        elif isinstance(message, m.PrepareSkuPriceBatch):
            report = sync.fetch_and_dispatch(ctx, message.sku, deps.vtex(client_hash),
                                             deps.queue("SQS_ATUALIZA_PRECO"), force=force)
        elif isinstance(message, m.UpdatePrice):
            report = sync.update(ctx, message, deps.tiktok(client_hash))
        else:  # pragma: no cover - MODELS is exhaustive
            raise InvalidPriceMessage(f"unsupported message {type(message).__name__}")
    except ClientUnavailable as error:
        return _record_unavailable(deps, error, message.type)  # type: ignore[attr-defined]
    except (ClientDeauthorized, ClientNotAuthorized) as error:
        # Raised while calling TikTok (token refresh refused, push 6 meanwhile): same as an unusable client.
        return _record_unavailable(deps, ClientUnavailable(client_hash, str(error)),
                                   message.type)  # type: ignore[attr-defined]
    return _finish(report, message.type)  # type: ignore[attr-defined]


def prepare_all_clients(deps: SyncWiring, *, force: bool = False) -> dict[str, Any]:
    done, failed = [], []
    sync = deps.prices()
    queue = deps.queue("SQS_BUSCA_PRECO")
    for client_hash in deps.clients.iter_client_hashes():
        try:
            deps.context(client_hash)
            report = sync.prepare(client_hash, queue, force=force)
            done.append({"clientHash": client_hash, "skus": report.read, "messages": report.messages})
        except ClientUnavailable as error:
            _record_unavailable(deps, error, m.PREPARE_LIST_PRICE_ALL)
            failed.append({"clientHash": client_hash, "reason": error.reason})
        except Exception as error:
            logger.exception("nightly price fan-out failed for a client", extra={"client_hash": client_hash})
            failed.append({"clientHash": client_hash, "reason": type(error).__name__})
    return {"status": "ok" if not failed else "partial", "clients": done, "failed": failed}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    try:
        payload = json.loads(record.body)
    except ValueError:
        raise InvalidPriceMessage("price message body is not JSON") from None
    if isinstance(payload, dict) and payload.get("type") == m.UPDATE_PRICE and "readAtMs" not in payload:
        # A legacy update carries no reading time: the time it was queued is the closest bound we have
        # (closer than "now", so a late redelivery cannot pass for a fresh reading).
        sent = record.attributes.sent_timestamp
        if sent and str(sent).isdigit():
            payload["readAtMs"] = int(sent)
    try:
        return run(parse(payload), wiring())
    except InvalidPriceMessage as error:
        logger.error("malformed price message", extra={"message_id": record.message_id, "error": str(error)})
        raise


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    if isinstance(event, dict) and (event.get("source") == "aws.events"
                                    or event.get("detail-type") == "Scheduled Event"):
        return prepare_all_clients(wiring())
    try:
        message = parse(event)
    except InvalidPriceMessage as error:
        logger.error("invalid price invoke", extra={"error": str(error)})
        return {"statusCode": 400, "body": {"message": str(error)}}
    return {"statusCode": 200, "body": run(message, wiring())}
