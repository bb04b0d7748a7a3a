"""Admin routes: signed webhook pushes (TikTok's retry timetable), automatic notifications, faults,
call counts, state reads, demo seeding."""

from __future__ import annotations

import json

import httpx
import pytest

from tiktok_vtex.clients.retry import NO_RETRY
from tiktok_vtex.clients.tiktok import (
    TikTokInternalError,
    TikTokRateLimited,
    TikTokTimeout,
    verify_webhook,
)

from .conftest import CATALOG, Env, Receiver


def test_push_is_signed_like_tiktok(tt: Env, receiver: Receiver) -> None:
    answer = tt.post(
        "/sandbox/webhooks/push",
        {
            "url": receiver.url,
            "type": 1,
            "shop_id": tt.shop_id,
            "tts_notification_id": "n-1",
            "data": {"order_id": "576684019603311365", "order_status": "AWAITING_SHIPMENT", "update_time": 1},
        },
    )
    assert answer["deliveries"][0][0]["status"] == 200
    hit = receiver.received[0]
    assert hit["headers"]["Content-Type"] == "application/json"
    assert verify_webhook(
        tt.env["TIKTOK_APP_KEY"], tt.env["TIKTOK_APP_SECRET"], hit["raw"], hit["headers"]["Authorization"]
    )
    payload = json.loads(hit["raw"])
    assert payload["type"] == 1 and payload["shop_id"] == tt.shop_id and payload["tts_notification_id"] == "n-1"
    assert hit["raw"].decode() == answer["body"]


def test_push_repeat_retry_timetable_and_bad_signature(tt: Env, receiver: Receiver) -> None:
    receiver.statuses.extend([500, 401])
    answer = tt.post(
        "/sandbox/webhooks/push",
        {"url": receiver.url, "type": "PACKAGE_UPDATE", "retry": True, "data": {"package_list": []}, "time_scale": 0},
    )
    attempts = answer["deliveries"][0]
    assert [a["status"] for a in attempts] == [500, 401, 200]
    assert [a["scheduled_delay_s"] for a in attempts] == [0.0, 120.0, 1800.0]
    assert len({r["raw"] for r in receiver.received}) == 1  # same notification each time

    receiver.statuses.extend([503] * 5)
    gave_up = tt.post("/sandbox/webhooks/push", {"url": receiver.url, "type": 4, "retry": True, "data": {}})
    assert [a["scheduled_delay_s"] for a in gave_up["deliveries"][0]] == [0.0, 120.0, 1800.0, 10800.0, 43200.0]

    repeated = tt.post("/sandbox/webhooks/push", {"url": receiver.url, "type": 12, "repeat": 2, "data": {}})
    assert len(repeated["deliveries"]) == 2
    forged = tt.post("/sandbox/webhooks/push", {"url": receiver.url, "type": 1, "data": {}, "signature": "0" * 64})
    last = receiver.received[-1]
    assert not verify_webhook(
        tt.env["TIKTOK_APP_KEY"], tt.env["TIKTOK_APP_SECRET"], last["raw"], last["headers"]["Authorization"]
    )
    assert forged["deliveries"][0][0]["status"] == 200
    unreachable = tt.post("/sandbox/webhooks/push", {"url": "http://127.0.0.1:9/hook", "type": 1, "data": {}})
    assert unreachable["deliveries"][0][0]["error"]


def test_state_changes_notify_configured_addresses(seeded: Env, receiver: Receiver) -> None:
    client = seeded.client()
    client.update_webhook("ORDER_STATUS_CHANGE", receiver.url)
    order = seeded.post("/sandbox/orders", {"items": [{"seller_sku": CATALOG["products"][0]["skus"][0]["seller_sku"]}]})
    received = receiver.wait(1)
    payload = json.loads(received[0]["raw"])
    assert payload["type"] == 1 and payload["data"]["order_id"] == order["id"]
    assert payload["data"]["order_status"] == "AWAITING_SHIPMENT"
    seeded.post(f"/sandbox/orders/{order['id']}/status", {"status": "CANCELLED"})
    # Pushes go out on their own threads and a slow ack is retried (as TikTok does): find it by content.
    statuses: list[str] = []
    for expected in range(2, 6):
        received = receiver.wait(expected)
        statuses = [json.loads(r["raw"])["data"]["order_status"] for r in received]
        if "CANCELLED" in statuses:
            break
    assert "CANCELLED" in statuses
    assert all(
        verify_webhook(
            seeded.env["TIKTOK_APP_KEY"], seeded.env["TIKTOK_APP_SECRET"], r["raw"], r["headers"]["Authorization"]
        )
        for r in received
    )
    assert len(seeded.get("/sandbox/webhooks/deliveries")["deliveries"]) >= 2


def test_faults_5xx_429_timeout_latency_and_counts(tt: Env) -> None:
    client = tt.client()
    tt.admin.delete("/sandbox/calls")
    endpoint = "GET /logistics/202309/warehouses"
    tt.post("/sandbox/faults", {"endpoint": endpoint, "error_rate_5xx": 1.0, "count": 2})
    assert client.get_warehouses()  # two 5xx, then success: the client retried
    assert tt.get("/sandbox/calls")["calls"][endpoint] == 3
    tt.post("/sandbox/faults", {"endpoint": endpoint, "rate_429": 1.0, "count": 1})
    client.get_warehouses()
    tt.post("/sandbox/faults", {"endpoint": endpoint, "error_rate_5xx": 1.0})
    with pytest.raises(TikTokInternalError):
        tt.client(retry=NO_RETRY).get_warehouses()
    tt.post("/sandbox/faults", {"endpoint": endpoint, "rate_429": 1.0})
    with pytest.raises(TikTokRateLimited):
        tt.client(retry=NO_RETRY).get_warehouses()
    tt.admin.delete("/sandbox/faults")
    assert tt.get("/sandbox/faults")["faults"] == []

    quick = httpx.Client(timeout=httpx.Timeout(0.3))
    try:
        tt.post("/sandbox/faults", {"endpoint": endpoint, "timeout": 1.0, "timeout_seconds": 0.6, "count": 1})
        assert tt.client(http=quick).get_warehouses()  # first call timed out, retry answered
        tt.post(
            "/sandbox/faults",
            {"endpoint": "/logistics/202309/warehouses", "timeout": 1.0, "timeout_seconds": 0.6, "count": 1},
        )
        with pytest.raises(TikTokTimeout):
            tt.client(http=quick, retry=NO_RETRY).get_warehouses()
        tt.post("/sandbox/faults", {"endpoint": endpoint, "latency_ms": 50})
        assert tt.client(http=quick).get_warehouses()
    finally:
        quick.close()
    bad = tt.admin.post("/sandbox/faults", json={"endpoint": endpoint, "error_rate_5xx": 0.8, "rate_429": 0.5})
    assert bad.status_code == 400
    counts = tt.get("/sandbox/calls")
    assert counts["total"] >= counts["calls"][endpoint] >= 8
    tt.admin.delete("/sandbox/calls")
    assert tt.get("/sandbox/calls")["total"] == 0


def test_state_routes_and_reset(seeded: Env) -> None:
    products = seeded.get("/sandbox/state/products")["products"]
    assert len(products) == 3 and products[0]["status"] == "ACTIVATE"
    assert products[0]["skus"][0]["inventory"] == [{"warehouse_id": seeded.warehouse_id, "quantity": 10}]
    shop = seeded.get(f"/sandbox/state/shops/{seeded.shop_id}")
    assert shop["code"] == seeded.env["DEMO_SHOP_CODE"]
    seeded.client()
    tokens = seeded.get("/sandbox/state/tokens")["tokens"]
    assert {t["kind"] for t in tokens} == {"access", "refresh"}
    assert all(not str(v).startswith("TTP_") for t in tokens for v in t.values())
    assert seeded.admin.get("/sandbox/state/nothing").status_code == 400
    assert seeded.admin.get("/sandbox/state/orders/404").status_code == 404
    assert seeded.post("/sandbox/clock", {"advance_seconds": 60})["offset_seconds"] == 60
    seeded.post("/sandbox/reset")
    assert seeded.get("/sandbox/state/products")["products"] == []
    assert seeded.get("/sandbox/clock")["offset_seconds"] == 0
    assert seeded.get("/sandbox/health") == {"status": "ok"}


def test_seed_from_the_demo_catalog_generator(tt: Env) -> None:
    from local.fixtures.demo_catalog import demo_catalog

    catalog = demo_catalog(products=4)
    counts = tt.post("/sandbox/seed/demo", {"products": 4})
    assert counts["products"] == 4 and counts["skus"] == sum(len(p["skus"]) for p in catalog["products"])
    client = tt.client()
    first = catalog["products"][0]
    product = client.get_product(first["tiktok_product_id"])
    assert product["status"] == "ACTIVATE"
    assert [s["id"] for s in product["skus"]] == [s["tiktok_sku_id"] for s in first["skus"]]
    assert [s["seller_sku"] for s in product["skus"]] == [s["seller_sku"] for s in first["skus"]]
    assert product["skus"][0]["inventory"][0]["warehouse_id"] == tt.warehouse_id
    assert product["skus"][0]["price"]["sale_price"] == first["skus"][0]["selling_price"]
