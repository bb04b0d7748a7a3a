"""Issue 10 defect 5 end to end (moto + both sandboxes): VTEX 35 -> 45 (update queued) -> 35 read again
before the 45 message is processed. TikTok must end at 35, the VTEX value, for stock and for prices."""

from __future__ import annotations

from typing import Any

from prices import handler as prices
from stock import handler as stock


def fetch(world: Any, handler: Any, message_type: str, seller_sku: str) -> None:
    """The fetch function for one SKU (what SQS_BUSCA_* delivers); its update stays in the update queue."""
    answer = world.invoke(handler, {"type": message_type, "clientHash": world.client_hash, "sku": [seller_sku]})
    assert answer["statusCode"] == 200 and answer["body"]["failed"] == 0, answer


def test_stock_change_and_change_back_before_the_update_is_processed(world: Any) -> None:
    sku = world.skus[0]
    world.set_vtex_stock(sku["id"], 35)
    fetch(world, stock, "triggerPepareSkuStockBatch", sku["seller_sku"])
    world.deliver(stock, "StockUpdateQueue")
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] == 35

    world.set_vtex_stock(sku["id"], 45)
    fetch(world, stock, "triggerPepareSkuStockBatch", sku["seller_sku"])  # the 45 update is queued
    world.set_vtex_stock(sku["id"], 35)
    fetch(world, stock, "triggerPepareSkuStockBatch", sku["seller_sku"])  # read again before it is processed
    answers = world.deliver(stock, "StockUpdateQueue")
    assert answers == [{"batchItemFailures": []}]
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] == 35


def test_price_change_and_change_back_before_the_update_is_processed(world: Any) -> None:
    sku = world.skus[1]

    def set_price(amount: str) -> None:
        world.http.put(f"{world.vtex.base_url}/sandbox/prices",
                       json={"sku_id": sku["id"], "selling_price": amount}).raise_for_status()

    set_price("35.00")
    fetch(world, prices, "triggerPrepareSkuPriceBatch", sku["seller_sku"])
    world.deliver(prices, "PriceUpdateQueue")
    assert world.tiktok_sku(sku["tiktok_sku_id"])["price"]["sale_price"] == "35.00"

    set_price("45.00")
    fetch(world, prices, "triggerPrepareSkuPriceBatch", sku["seller_sku"])
    set_price("35.00")
    fetch(world, prices, "triggerPrepareSkuPriceBatch", sku["seller_sku"])
    assert world.deliver(prices, "PriceUpdateQueue") == [{"batchItemFailures": []}]
    assert world.tiktok_sku(sku["tiktok_sku_id"])["price"]["sale_price"] == "35.00"
