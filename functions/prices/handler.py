"""Price functions (one handler, two functions; the event `type` decides):

- {FunctionPrefix}PRECO-VTEX-monta-lista-sku (legacy, invoked by the PHP dispatchPrepareListPrice):
  triggerPrepareListPrice (also a bare {"clientHash"}), triggerPrepareSkuPrice, triggerPrepareSkuPriceBatch
  (SQS_BUSCA_PRECO) and the nightly triggerPrepareListPriceAllClients;
- {FunctionPrefix}PRECO-TTK-atualiza-preco-sku: triggerUpdatePriceBySellerSku (SQS_ATUALIZA_PRECO or invoke).

Failure handling is the stock functions' (see functions/stock/handler.py); a product in a promotion is
recorded and skipped (TikTokLogPrice / TikTokLogPriceProduct), not retried.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from stock import sync_handler as common
from stock.wiring import PRICE_UPDATE_FUNCTION, SyncWiring

from tiktok_vtex.inventory.base import SyncReport
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


def _typed(payload: dict[str, Any]) -> dict[str, Any]:
    if "type" not in payload and ("clientHash" in payload or "client_hash" in payload):
        return {**payload, "type": m.PREPARE_LIST_PRICE}  # dispatchPrepareListPrice($clientHash)
    return payload


PRICE = common.SyncDomain(name="price", metric_prefix="Price", log_table="TikTokLogPrice",
                          change_log=lambda deps: deps.price_log, models=MODELS, invalid=InvalidPriceMessage,
                          update_type=m.UPDATE_PRICE, normalise=_typed)


def parse(payload: Any) -> BaseModel:
    return common.parse(PRICE, payload)


def _work(message: Any, deps: SyncWiring) -> SyncReport:
    client_hash: str = message.client_hash
    force: bool = message.force
    sync = deps.prices()
    ctx = deps.context(client_hash)
    if isinstance(message, m.PrepareListPrice):
        return sync.prepare(client_hash, deps.queue("SQS_BUSCA_PRECO"), force=force)
    if isinstance(message, m.PrepareSkuPrice):
        return sync.fetch_and_dispatch(ctx, message.sku, deps.vtex(client_hash),
                                       deps.invoker(PRICE_UPDATE_FUNCTION), force=force)
    if isinstance(message, m.PrepareSkuPriceBatch):
        return sync.fetch_and_dispatch(ctx, message.sku, deps.vtex(client_hash),
                                       deps.queue("SQS_ATUALIZA_PRECO"), force=force)
    if isinstance(message, m.UpdatePrice):
        return sync.update(ctx, message, deps.tiktok(client_hash))
    raise InvalidPriceMessage(f"unsupported message {type(message).__name__}")  # pragma: no cover - MODELS


def run(message: BaseModel, deps: SyncWiring) -> dict[str, Any]:
    return common.run_message(PRICE, message, deps, nightly=prepare_all_clients, work=_work)


def prepare_all_clients(deps: SyncWiring, *, force: bool = False) -> dict[str, Any]:
    """Nightly: triggerPrepareListPrice for every active client; one client failing does not stop the others."""
    sync = deps.prices()
    queue = deps.queue("SQS_BUSCA_PRECO")
    return common.fan_out(PRICE, deps, m.PREPARE_LIST_PRICE_ALL,
                          lambda client_hash: sync.prepare(client_hash, queue, force=force))


def record_handler(record: SQSRecord) -> dict[str, Any]:
    return common.handle_record(PRICE, record, run)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return common.handle_event(PRICE, event, context, processor=processor, record_handler=record_handler, run=run,
                               nightly=prepare_all_clients)
