"""Stock functions (one handler, three functions; the event `type` decides):

- {FunctionPrefix}ESTOQUE-VTEX-busca-estoque-sku: triggerPrepareStock, triggerPepareSkuStock,
  triggerPepareSkuStockBatch (SQS_BUSCA_ESTOQUE), triggerCountStock, and the nightly
  triggerPrepareStockAllClients (schedule cron(0 2 * * ? *)), which queues one triggerPrepareStock per active
  client to SQS_BUSCA_ESTOQUE (consumed here: each client's prepare in its own invocation);
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

from typing import Any

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from pydantic import BaseModel

from tiktok_vtex.inventory import models as m
from tiktok_vtex.observability import logger
from tiktok_vtex.sync.outcomes import SyncReport
from tiktok_vtex.sync_functions import handling as common
from tiktok_vtex.sync_functions.wiring import SyncWiring

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


STOCK = common.SyncDomain(name="stock", metric_prefix="Stock", log_table="TikTokLogStock",
                          change_log=lambda deps: deps.stock_log, models=MODELS, invalid=InvalidStockMessage,
                          update_type=m.UPDATE_INVENTORY, normalise=m.normalise_type)


def _work(message: Any, deps: SyncWiring) -> SyncReport | dict[str, Any]:
    client_hash: str = message.client_hash
    force: bool = message.force
    sync = deps.stock()
    if isinstance(message, m.PrepareStock):
        deps.context(client_hash)  # an unusable client stops here, before any message is queued
        return sync.prepare_stock(client_hash, deps.queue("SQS_BUSCA_ESTOQUE"), force=force,
                                  reconcile=message.reconcile)
    if isinstance(message, m.CountStock):
        counted = sync.count(deps.context(client_hash), deps.vtex(client_hash), deps.pending)
        logger.info("stock count", extra={k: v for k, v in counted.items() if k != "failures"})
        return {"status": "ok", "type": message.type, **counted}
    if isinstance(message, m.PrepareSkuStock):
        # One SKU, at once (legacy dispatchStockUpdateBySku invoked the TikTok function directly): its update
        # goes to the shop's FIFO group like every other, so the shop's 50 QPS stays exact (issue 19); with
        # the group idle it is handled within the next poll.
        return sync.fetch_and_dispatch(deps.context(client_hash), message.sku, deps.vtex(client_hash),
                                       deps.pending, deps.queue("SQS_ATUALIZA_ESTOQUE"), force=force)
    if isinstance(message, m.PrepareSkuStockBatch):
        return sync.fetch_and_dispatch(deps.context(client_hash), message.sku, deps.vtex(client_hash),
                                       deps.pending, deps.queue("SQS_ATUALIZA_ESTOQUE"), force=force)
    if isinstance(message, m.UpdateInventory):
        return sync.update(deps.context(client_hash), message, deps.tiktok(client_hash))
    raise InvalidStockMessage(f"unsupported message {type(message).__name__}")  # pragma: no cover - MODELS


FUNCTION = common.SyncFunction(STOCK, work=_work, client_type=m.PREPARE_STOCK, fetch_queue="SQS_BUSCA_ESTOQUE",
                               nightly_type=m.PREPARE_STOCK_ALL)
parse = FUNCTION.parse
lambda_handler = FUNCTION.lambda_handler()
