"""Writes the sample events of the stock and price functions (run: `python -m events.stock_prices`).

One file per function and event type, with the demo client and demo catalog ids (local/stack.env,
local/fixtures/demo_catalog.py), so `sam local invoke -e` and the local runtime find the SKUs in the
sandboxes. Tests check that the committed files are what this script produces. No secret is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.env import stack_env
from local.fixtures.demo_catalog import demo_catalog

ROOT = Path(__file__).resolve().parent
SENT_AT_MS = 1_735_700_000_000


def _fifo_attributes(body: dict[str, Any], i: int, queue: str) -> dict[str, str]:
    """What Lambda adds to a record of a FIFO queue (the update queues: one message group per client)."""
    if not queue.endswith(".fifo"):
        return {}
    # sync_functions.wiring: the client; the nightly's continuation (it names no client) the group "nightly"
    return {"MessageGroupId": str(body.get("clientHash") or body.get("client_hash") or "nightly"),
            "MessageDeduplicationId": f"sample-dedup-{i}", "SequenceNumber": f"1860000000000000000{i}"}


def _sqs(*bodies: dict[str, Any], queue: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": f"0000000{i}-aaaa-bbbb-cccc-000000000000", "receiptHandle": f"sample-{i}",
        "body": json.dumps(body, separators=(",", ":")),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(SENT_AT_MS), "SenderId": "sample",
                       "ApproximateFirstReceiveTimestamp": str(SENT_AT_MS), **_fifo_attributes(body, i, queue)},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:integracao-tik-tok-{queue}", "awsRegion": "us-east-1",
    } for i, body in enumerate(bodies, start=1)]}


def _scheduled(rule: str) -> dict[str, Any]:
    return {"version": "0", "id": "00000000-0000-0000-0000-000000000001", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012", "time": "2026-01-01T02:00:00Z",
            "region": "us-east-1", "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
            "detail": {}}


def samples() -> dict[str, dict[str, Any]]:
    env = stack_env()
    client = env["DEMO_CLIENT_HASH"]
    warehouse = env["DEMO_TIKTOK_WAREHOUSE_ID"]
    catalog = demo_catalog()
    product = next(p for p in catalog["products"] if len(p["skus"]) >= 2)
    skus = product["skus"][:2]
    first = skus[0]
    batch = [s["seller_sku"] for p in catalog["products"][:4] for s in p["skus"]][:20]
    inventory_update = {
        "type": "triggerUpdateInventoryBySellerSku", "clientHash": client, "productId": product["tiktok_product_id"],
        "force": False,
        "skus": [{"sellerSku": s["seller_sku"], "tiktokSkuId": s["tiktok_sku_id"], "readAtMs": SENT_AT_MS,
                  "inventory": [{"warehouseIdTTK": warehouse, "quantity": 12 + i}]} for i, s in enumerate(skus)],
    }
    price_update = {
        "type": "triggerUpdatePriceBySellerSku", "clientHash": client, "productId": product["tiktok_product_id"],
        "force": False,
        "skus": [{"sellerSku": s["seller_sku"], "tiktokSkuId": s["tiktok_sku_id"], "readAtMs": SENT_AT_MS,
                  "amount": s["selling_price"], "listPrice": s["list_price"], "currency": "BRL"} for s in skus],
    }
    sku_batch = {"type": "triggerPepareSkuStockBatch", "clientHash": client, "sku": batch}
    # The nightly fan-out's own messages on the fetch queues: one per-store prepare (reconcile: its batches report
    # the SKUs found out of date), and, short of time, the nightly again from the last store it queued (cursor).
    stock_reconcile = {"type": "triggerPrepareStock", "clientHash": client, "force": True, "reconcile": True}
    stock_continuation = {"type": "triggerPrepareStockAllClients", "force": True, "cursor": client}
    price_reconcile = {"type": "triggerPrepareListPrice", "clientHash": client, "force": False, "reconcile": True}
    price_continuation = {"type": "triggerPrepareListPriceAllClients", "force": False, "cursor": client}
    price_batch = {"type": "triggerPrepareSkuPriceBatch", "clientHash": client, "sku": batch}
    return {
        "StockFetchFunction/trigger-prepare-stock": {"type": "triggerPrepareStock", "clientHash": client},
        "StockFetchFunction/trigger-prepare-stock-force": {"type": "triggerPrepareStock", "client_hash": client,
                                                           "force": True},
        "StockFetchFunction/trigger-sku-stock": {"type": "triggerPepareSkuStock", "clientHash": client,
                                                 "sku": first["seller_sku"]},
        "StockFetchFunction/trigger-sku-stock-batch": sku_batch,
        "StockFetchFunction/sqs-sku-stock-batch": _sqs(sku_batch, queue="busca-estoque-sku.fifo"),
        "StockFetchFunction/trigger-count-stock": {"type": "triggerCountStock", "clientHash": client},
        "StockFetchFunction/trigger-prepare-stock-all-clients": {"type": "triggerPrepareStockAllClients"},
        "StockFetchFunction/schedule-nightly": _scheduled("NightlyStock"),
        "StockFetchFunction/sqs-nightly-prepare-stock-reconcile": _sqs(stock_reconcile, queue="busca-estoque-sku.fifo"),
        "StockFetchFunction/sqs-nightly-continuation": _sqs(stock_continuation, queue="busca-estoque-sku.fifo"),
        "StockFetchFunction/bad-missing-client": {"type": "triggerPrepareStock"},
        "StockFetchFunction/bad-unknown-type": {"type": "triggerSomethingElse", "clientHash": client},
        "StockLegacyFunction/trigger-prepare-stock": {"type": "triggerPrepareStock", "clientHash": client},
        "StockUpdateFunction/trigger-update-inventory-legacy": {
            "type": "triggerUpdateInventoryBySellerSku", "clientHash": client, "sellerSku": first["seller_sku"],
            "quantity": 950, "warehouseIdTTK": warehouse},
        "StockUpdateFunction/trigger-update-inventory-product": inventory_update,
        "StockUpdateFunction/sqs-update-inventory": _sqs(inventory_update, queue="atualiza-estoque-ttk.fifo"),
        "StockUpdateFunction/bad-missing-quantity": {"type": "triggerUpdateInventoryBySellerSku",
                                                     "clientHash": client, "sellerSku": first["seller_sku"]},
        "PriceFetchFunction/trigger-prepare-list-price": {"type": "triggerPrepareListPrice", "clientHash": client},
        "PriceFetchFunction/trigger-prepare-list-price-legacy": {"client_hash": client},
        "PriceFetchFunction/trigger-sku-price": {"type": "triggerPrepareSkuPrice", "clientHash": client,
                                                 "sku": first["seller_sku"]},
        "PriceFetchFunction/sqs-sku-price-batch": _sqs(price_batch, queue="busca-preco-sku.fifo"),
        "PriceFetchFunction/trigger-prepare-list-price-all-clients": {"type": "triggerPrepareListPriceAllClients"},
        "PriceFetchFunction/schedule-nightly": _scheduled("NightlyPrices"),
        "PriceFetchFunction/sqs-nightly-prepare-price-reconcile": _sqs(price_reconcile, queue="busca-preco-sku.fifo"),
        "PriceFetchFunction/sqs-nightly-continuation": _sqs(price_continuation, queue="busca-preco-sku.fifo"),
        "PriceUpdateFunction/trigger-update-price-product": price_update,
        "PriceUpdateFunction/trigger-update-price-legacy": {
            "type": "triggerUpdatePriceBySellerSku", "clientHash": client, "sellerSku": first["seller_sku"],
            "price": first["selling_price"]},
        "PriceUpdateFunction/sqs-update-price": _sqs(price_update, queue="atualiza-preco-ttk.fifo"),
    }


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for name, event in samples().items():
        path = ROOT / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(event), encoding="utf-8")
        print(path.relative_to(ROOT.parent))


if __name__ == "__main__":
    main()
