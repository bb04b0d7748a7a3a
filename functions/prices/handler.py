"""Price functions (one handler, two functions; the event `type` decides):

- {FunctionPrefix}PRECO-VTEX-monta-lista-sku (legacy, invoked by the PHP dispatchPrepareListPrice):
  triggerPrepareListPrice (also a bare {"clientHash"}), triggerPrepareSkuPrice, triggerPrepareSkuPriceBatch
  (SQS_BUSCA_PRECO) and the nightly triggerPrepareListPriceAllClients (one triggerPrepareListPrice per active
  client to SQS_BUSCA_PRECO, consumed here);
- {FunctionPrefix}PRECO-TTK-atualiza-preco-sku: triggerUpdatePriceBySellerSku (SQS_ATUALIZA_PRECO or invoke).

Failure handling is the stock functions' (see functions/stock/handler.py); a product in a promotion is
recorded and skipped (TikTokLogPrice / TikTokLogPriceProduct), not retried.
"""

from __future__ import annotations

from typing import Any

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from pydantic import BaseModel

from tiktok_vtex.pricing import models as m
from tiktok_vtex.sync.outcomes import SyncReport
from tiktok_vtex.sync_functions import handling as common
from tiktok_vtex.sync_functions.wiring import SyncWiring

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


def _work(message: Any, deps: SyncWiring) -> SyncReport:
    client_hash: str = message.client_hash
    force: bool = message.force
    sync = deps.prices()
    ctx = deps.context(client_hash)
    if isinstance(message, m.PrepareListPrice):
        return sync.prepare(client_hash, deps.queue("SQS_BUSCA_PRECO"), force=force, reconcile=message.reconcile)
    if isinstance(message, m.PrepareSkuPrice):  # one SKU: through the shop's FIFO group too (stock handler)
        return sync.fetch_and_dispatch(ctx, message.sku, deps.vtex(client_hash),
                                       deps.queue("SQS_ATUALIZA_PRECO"), force=force)
    if isinstance(message, m.PrepareSkuPriceBatch):
        return sync.fetch_and_dispatch(ctx, message.sku, deps.vtex(client_hash),
                                       deps.queue("SQS_ATUALIZA_PRECO"), force=force)
    if isinstance(message, m.UpdatePrice):
        return sync.update(ctx, message, deps.tiktok(client_hash))
    raise InvalidPriceMessage(f"unsupported message {type(message).__name__}")  # pragma: no cover - MODELS


FUNCTION = common.SyncFunction(PRICE, work=_work, client_type=m.PREPARE_LIST_PRICE, fetch_queue="SQS_BUSCA_PRECO",
                               nightly_type=m.PREPARE_LIST_PRICE_ALL)
parse = FUNCTION.parse
lambda_handler = FUNCTION.lambda_handler()
