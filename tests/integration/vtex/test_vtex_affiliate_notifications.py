"""VTEX sandbox: affiliates API and the catalog-change notifications VTEX posts to the affiliate's search
endpoint (issue 16), through the real client where the connector calls it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from flask import Flask, request

from local.httpserver import serve_in_thread
from tests.integration.vtex.test_vtex_orders_oms_hook import build_order
from tiktok_vtex.clients.vtex import VtexClient
from tiktok_vtex.clients.vtex.errors import VtexBadRequest


@dataclass
class Receiver:
    base: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                calls = list(self.calls)
            if predicate(calls):
                return calls
            time.sleep(0.01)
        raise AssertionError(f"notification condition not met; calls: {self.calls}")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    app = Flask("search_endpoint")
    found = Receiver(base="")

    @app.post("/vtex/notification/<client_hash>/<token>/api/notification/")
    def notification(client_hash: str, token: str) -> tuple[str, int]:
        with found.lock:
            found.calls.append({"body": request.get_json(), "path": request.path})
            status = found.statuses.pop(0) if found.statuses else 200
        return "", status

    base_url, stop = serve_in_thread(app)
    found.base = base_url
    try:
        yield found
    finally:
        stop()


def affiliate_body(receiver: Receiver, **overrides: Any) -> dict[str, Any]:
    return {"name": "TikTok Shop", "salesChannel": "1", "followUpEmail": "ops@example.com",
            "searchURIEndpoint": f"{receiver.base}/vtex/notification/demo/tok", "searchURIEndpointVersion": "1.x.x",
            "searchURIEndpointAvailableVersions": ["1.x.x"], "useSellerPaymentMethod": False,
            "minimumValueAccumulated": None, **overrides}


@pytest.fixture
def subscribed(sandbox: Any, client: VtexClient, receiver: Receiver) -> Receiver:
    client.put_affiliate("TTK", affiliate_body(receiver))
    with receiver.lock:
        receiver.calls.clear()
        receiver.statuses.clear()
    return receiver


def test_affiliate_put_get_is_idempotent_and_validated(sandbox: Any, client: VtexClient, receiver: Receiver) -> None:
    assert client.get_affiliate("TTK") is None
    client.put_affiliate("TTK", affiliate_body(receiver))
    client.put_affiliate("TTK", affiliate_body(receiver))  # a re-run replaces, never duplicates
    found = client.get_affiliate("TTK")
    assert found is not None and found["id"] == "TTK" and found["searchURIEndpointVersion"] == "1.x.x"
    assert found["searchURIEndpoint"].endswith("/vtex/notification/demo/tok")
    assert len(sandbox.get("/sandbox/state/notifications")["deliveries"]) == 0
    for affiliate_id, body in [("TTK", affiliate_body(receiver, searchURIEndpoint="ftp://x")),
                               ("TTK", affiliate_body(receiver, followUpEmail="nobody")),
                               ("TTK", affiliate_body(receiver, name="")),
                               ("TOOLONG", affiliate_body(receiver))]:
        with pytest.raises(VtexBadRequest):
            client.put_affiliate(affiliate_id, body)
    unauthenticated = httpx.put(sandbox.base_url + f"/{sandbox.env['VTEX_ACCOUNT']}/api/fulfillment/pvt/affiliates/TTK",
                                json=affiliate_body(receiver), timeout=5, trust_env=False)
    assert unauthenticated.status_code == 401


def test_inventory_and_price_changes_notify_the_search_endpoint(sandbox: Any, subscribed: Receiver) -> None:
    sandbox.put("/sandbox/inventory", {"sku_id": 880408, "warehouse_id": "1_1", "quantity": 7})
    sandbox.put("/sandbox/prices", {"sku_id": 880409, "selling_price": "99.90"})
    calls = subscribed.wait_for(lambda c: len(c) >= 2)
    by_sku = {c["body"]["idSKU"]: c for c in calls}
    stock, price = by_sku["880408"], by_sku["880409"]
    assert stock["path"] == "/vtex/notification/demo/tok/api/notification/"
    assert stock["body"]["StockModified"] is True and stock["body"]["PriceModified"] is False
    assert price["body"]["PriceModified"] is True and price["body"]["StockModified"] is False
    assert stock["body"]["an"] == sandbox.env["VTEX_ACCOUNT"] and stock["body"]["idAffiliate"] == "TTK"
    assert stock["body"]["productId"] == sandbox.store.skus[880408].product_id
    assert stock["body"]["isActive"] is True and stock["body"]["DateModified"].endswith("Z")


def test_orders_and_cancellations_notify_stock(sandbox: Any, client: VtexClient, subscribed: Receiver) -> None:
    placed = client.place_order(build_order(client, "576000000000016001", [(880417, 1), (880418, 2)]))
    subscribed.wait_for(lambda c: {"880417", "880418"} <= {x["body"]["idSKU"] for x in c})
    count = len(subscribed.calls)
    client.cancel_order(placed.orderId, "buyer")
    calls = subscribed.wait_for(lambda c: len(c) >= count + 2)
    assert all(c["body"]["StockModified"] for c in calls)


def test_sku_change_deactivation_and_removal(sandbox: Any, subscribed: Receiver) -> None:
    sandbox.put("/sandbox/skus/880410", {"active": False})
    sandbox.post("/sandbox/notifications/emit", {"sku_id": 880411, "removed": True})
    calls = subscribed.wait_for(lambda c: len(c) >= 2)
    by_sku = {c["body"]["idSKU"]: c["body"] for c in calls}
    assert by_sku["880410"]["isActive"] is False and by_sku["880410"]["HasStockKeepingUnitModified"] is True
    assert by_sku["880411"]["HasStockKeepingUnitRemovedFromAffiliate"] is True


def test_failed_delivery_is_retried_then_recorded(sandbox: Any, subscribed: Receiver) -> None:
    subscribed.statuses.extend([503, 500])
    sandbox.put("/sandbox/inventory", {"sku_id": 880412, "warehouse_id": "1_1", "quantity": 3})
    subscribed.wait_for(lambda c: len(c) >= 3)
    deadline = time.monotonic() + 5
    while not sandbox.get("/sandbox/state/notifications")["delivered"] and time.monotonic() < deadline:
        time.sleep(0.01)
    delivery = sandbox.get("/sandbox/state/notifications")["deliveries"][0]
    assert [a.get("status") for a in delivery["attempts"]] == [503, 500, 200] and delivery["delivered"]
    assert "/notification/" not in delivery["url"]  # the per-client secret of the URL is not shown


def test_drop_rate_and_legacy_casing(sandbox: Any, subscribed: Receiver) -> None:
    sandbox.post("/sandbox/notifications/config", {"drop_rate": 1.0})
    sandbox.put("/sandbox/inventory", {"sku_id": 880413, "warehouse_id": "1_1", "quantity": 1})
    state = sandbox.get("/sandbox/state/notifications")
    assert state["dropped"] == 1 and state["pending"] == 0
    sandbox.post("/sandbox/notifications/config", {"drop_rate": 0, "casing": "legacy"})
    sandbox.put("/sandbox/inventory", {"sku_id": 880414, "warehouse_id": "1_1", "quantity": 2})
    calls = subscribed.wait_for(lambda c: len(c) >= 1)
    assert [c["body"]["IdSku"] for c in calls] == ["880414"] and calls[0]["body"]["An"]
    response = sandbox.admin.post("/sandbox/notifications/config", json={"drop_rate": 2})
    assert response.status_code == 400


def test_seeding_and_reset_send_nothing(sandbox: Any, subscribed: Receiver) -> None:
    sandbox.post("/sandbox/seed/demo", {"products": 5, "skus_per_product": 2})
    assert sandbox.get("/sandbox/state/notifications")["deliveries"] == []
    sandbox.post("/sandbox/reset", {"seed": "demo"})
    state = sandbox.get("/sandbox/state/notifications")
    assert state["deliveries"] == [] and sandbox.admin.get(
        f"/{sandbox.env['VTEX_ACCOUNT']}/api/fulfillment/pvt/affiliates/TTK",
        headers={"X-VTEX-API-AppKey": sandbox.env["VTEX_APP_KEY"],
                 "X-VTEX-API-AppToken": sandbox.env["VTEX_APP_TOKEN"]}).status_code == 404
