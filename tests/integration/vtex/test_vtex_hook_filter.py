"""The VTEX sandbox evaluates the orders hook filter (vtex-api.md 5.10): FromWorkflow statuses and FromOrders
JSONata expressions (single fire unless disabled); a filter it cannot evaluate is refused with VTEX's shape."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tiktok_vtex.clients.vtex import VtexClient

from .test_vtex_orders_oms_hook import build_order


def _set_hook(sandbox: Any, url: str, hook_filter: Any) -> Any:
    headers = {"X-VTEX-API-AppKey": sandbox.env["VTEX_APP_KEY"], "X-VTEX-API-AppToken": sandbox.env["VTEX_APP_TOKEN"]}
    return sandbox.admin.post(f"/{sandbox.env['VTEX_ACCOUNT']}/api/orders/hook/config", headers=headers,
                              json={"filter": hook_filter, "hook": {"url": url, "headers": {}}})


def _states(sandbox: Any, order_id: str) -> list[str]:
    deadline = time.monotonic() + 5
    while not sandbox.get("/sandbox/state/marketplace/deliveries")["idle"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    deliveries = sandbox.get("/sandbox/state/hook/deliveries")["deliveries"]
    return [d["payload"]["State"] for d in deliveries if d["payload"]["OrderId"] == order_id]


@pytest.fixture(autouse=True)
def stocked(sandbox: Any) -> None:
    for sku in (880408, 880409):
        sandbox.put("/sandbox/inventory", {"sku_id": sku, "quantity": 50})


def test_from_orders_expression_selects_changes_once_per_order(client: VtexClient, sandbox: Any,
                                                              hook_receiver: Any) -> None:
    answer = _set_hook(sandbox, hook_receiver.url, {
        "type": "FromOrders", "expression": 'status = "window-to-cancel" and affiliateId = "TTK" and value > 100'})
    assert answer.status_code == 200, answer.text
    placed = client.place_order(build_order(client, "576000000000000901", [(880408, 1)]))
    client.authorize_dispatch(placed.orderId, "576000000000000901")
    sandbox.post(f"/sandbox/orders/{placed.orderId}/advance", {"to": "ready-for-handling"})
    assert _states(sandbox, placed.orderId) == ["window-to-cancel"]  # not every change: the expression's


def test_disable_single_fire_delivers_every_matching_change(client: VtexClient, sandbox: Any,
                                                           hook_receiver: Any) -> None:
    answer = _set_hook(sandbox, hook_receiver.url, {
        "type": "FromOrders", "disableSingleFire": True,
        "expression": '$count(items[quantity >= 2]) > 0 and status in ["window-to-cancel", "ready-for-handling"]'})
    assert answer.status_code == 200, answer.text
    big = client.place_order(build_order(client, "576000000000000902", [(880409, 2)]))
    small = client.place_order(build_order(client, "576000000000000903", [(880409, 1)]))
    for placed, marketplace_id in ((big, "576000000000000902"), (small, "576000000000000903")):
        client.authorize_dispatch(placed.orderId, marketplace_id)
        sandbox.post(f"/sandbox/orders/{placed.orderId}/advance", {"to": "ready-for-handling"})
    assert _states(sandbox, big.orderId) == ["window-to-cancel", "ready-for-handling"]
    assert _states(sandbox, small.orderId) == []


def test_from_workflow_statuses_still_filter(client: VtexClient, sandbox: Any, hook_receiver: Any) -> None:
    assert _set_hook(sandbox, hook_receiver.url, {"type": "FromWorkflow", "status": ["ready-for-handling"]}
                     ).status_code == 200
    placed = client.place_order(build_order(client, "576000000000000904", [(880408, 1)]))
    client.authorize_dispatch(placed.orderId, "576000000000000904")
    sandbox.post(f"/sandbox/orders/{placed.orderId}/advance", {"to": "handling"})
    assert _states(sandbox, placed.orderId) == ["ready-for-handling"]


@pytest.mark.parametrize(("hook_filter", "status", "message"), [
    ({"type": "FromOrders", "expression": 'status = '}, 400, "not a valid JSONata"),
    ({"type": "FromOrders", "expression": "status = 'x' and ("}, 400, "not a valid JSONata"),
    ({"type": "FromOrders", "expression": ""}, 400, "expression is required"),
    ({"type": "FromOrders", "expression": "true", "disableSingleFire": "no"}, 400, "disableSingleFire"),
    ({"type": "FromWorkflow", "status": "invoiced"}, 400, "status is required"),
    ({"type": "FromOrders", "expression": "true", "status": ["invoiced"]}, 409, "cannot mix"),
    ({"type": "Everything"}, 400, "filter.type"),
])
def test_a_filter_vtex_cannot_evaluate_is_refused_before_the_ping(sandbox: Any, hook_receiver: Any,
                                                                  hook_filter: Any, status: int,
                                                                  message: str) -> None:
    answer = _set_hook(sandbox, hook_receiver.url, hook_filter)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "exception"} and message in error["message"]
    assert hook_receiver.calls == []  # refused before VTEX pings the URL
    assert sandbox.admin.get("/sandbox/state/hook").json()["config"] is None
