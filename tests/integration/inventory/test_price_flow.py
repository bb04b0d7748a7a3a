"""The price functions end to end: moto + VTEX and TikTok sandboxes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from prices import handler

from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository
from tiktok_vtex.settings import get_settings

PRICES = "/prices/update"


def price_sync(world: Any, **extra: Any) -> None:
    answer = world.invoke(handler, {"type": "triggerPrepareListPrice", "clientHash": world.client_hash, **extra})
    assert answer["statusCode"] == 200 and answer["body"]["status"] == "ok", answer
    assert all(r == {"batchItemFailures": []} for r in world.deliver(handler, "PriceFetchQueue", 5))
    assert all(r == {"batchItemFailures": []} for r in world.deliver(handler, "PriceUpdateQueue"))


def test_prices_full_sync_diff_and_promotion(world: Any) -> None:
    products = len(world.catalog["products"])
    price_sync(world)
    assert world.calls(PRICES) == products
    first = world.skus[0]
    sent = world.tiktok_sku(first["tiktok_sku_id"])["price"]["sale_price"]
    vtex_price = world.http.get(f"{world.vtex.base_url}/sandbox/state/prices/{first['id']}").json()
    assert Decimal(sent) > 0 and vtex_price  # the VTEX computed price of trade policy 1, no rules

    price_sync(world)  # unchanged
    assert world.calls(PRICES) == products

    changed = world.skus[5]
    world.http.put(f"{world.vtex.base_url}/sandbox/prices",
                   json={"sku_id": changed["id"], "selling_price": "77.70"}).raise_for_status()
    price_sync(world)
    assert world.calls(PRICES) == products + 1
    assert world.tiktok_sku(changed["tiktok_sku_id"])["price"]["sale_price"] == "77.70"

    # a product in a promotion: recorded, skipped, not retried (no failure reported, no DLQ)
    locked = world.catalog["products"][2]
    world.http.post(f"{world.tiktok.base_url}/sandbox/products/{locked['tiktok_product_id']}/promotion",
                    json={"locked": True}).raise_for_status()
    for sku in locked["skus"]:
        world.http.put(f"{world.vtex.base_url}/sandbox/prices",
                       json={"sku_id": sku["id"], "selling_price": "12.30"}).raise_for_status()
    price_sync(world)
    settings = get_settings()
    row = ProductRepository(settings.tables.products_seller_sku).get(world.client_hash, locked["skus"][0]["seller_sku"])
    assert row is not None and row.price_locked_code in (12052038, 12019045) and row.price_locked_until
    product_log = [e for e in LogRepository(settings.tables.log_price_product).entries(world.client_hash)
                   if e["kind"] == "price_locked_promotion"]
    assert [e["subject"] for e in product_log] == [locked["tiktok_product_id"]]
    calls = world.calls(PRICES)
    price_sync(world)  # skipped until the retry window ends: no TikTok call
    assert world.calls(PRICES) == calls


def test_single_sku_price_trigger_goes_through_the_shops_fifo_group(world: Any) -> None:
    """Changed in issue 19: no direct invoke of the TikTok price function beside the shop's FIFO group."""
    sku = world.skus[3]
    world.http.put(f"{world.vtex.base_url}/sandbox/prices",
                   json={"sku_id": sku["id"], "selling_price": "55.50"}).raise_for_status()
    answer = world.invoke(handler, {"type": "triggerPrepareSkuPrice", "client_hash": world.client_hash,
                                    "sku": sku["seller_sku"]})
    assert answer["body"]["messages"] == 1
    record = world.only_message("PriceUpdateQueue")
    assert json.loads(record["body"])["skus"][0]["amount"] == "55.50"
    assert world.invoke(handler, {"Records": [record]}) == {"batchItemFailures": []}
    assert world.tiktok_sku(sku["tiktok_sku_id"])["price"]["sale_price"] == "55.50"


def test_nightly_price_schedule_queues_each_clients_prepare_which_syncs_its_prices(world: Any) -> None:
    """Issue 19 (the stock twin is in test_stock_flow.py): the nightly queues one triggerPrepareListPrice per
    active client to SQS_BUSCA_PRECO; that message's own run queues the SKU batches, which reach TikTok."""
    from .conftest import add_client

    add_client(world, "client-b", vtex_secret=False)  # misconfigured: recorded by its own message
    answer = world.invoke(handler, {"type": "triggerPrepareListPriceAllClients"})["body"]
    assert answer == {"status": "ok", "clients": sorted([world.client_hash, "client-b"]), "calls": 1, "cursor": None}
    records = world.drain("PriceFetchQueue")
    assert sorted(json.loads(r["body"])["clientHash"] for r in records) == answer["clients"]
    assert {(json.loads(r["body"])["type"], json.loads(r["body"])["reconcile"]) for r in records} == {
        ("triggerPrepareListPrice", True)}
    assert world.invoke(handler, {"Records": records}) == {"batchItemFailures": []}
    batches = [json.loads(r["body"]) for r in world.drain("PriceFetchQueue")]
    assert {b["clientHash"] for b in batches} == {world.client_hash}
    assert sorted(s for b in batches for s in b["sku"]) == sorted(s["seller_sku"] for s in world.skus)
    from .conftest import sqs_record

    fetched = world.invoke(handler, {"Records": [sqs_record(json.dumps(b)) for b in batches]})
    assert fetched == {"batchItemFailures": []}
    assert all(r == {"batchItemFailures": []} for r in world.deliver(handler, "PriceUpdateQueue"))
    assert world.calls(PRICES) == len(world.catalog["products"])
    entries = LogRepository(get_settings().tables.log_price).entries("client-b")
    assert [(e["kind"], e["type"]) for e in entries] == [("client_unavailable", "triggerPrepareListPrice")]
