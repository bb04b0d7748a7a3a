"""TikTok sandbox -> WEBHOOK (HTTP) -> queue -> WEBHOOK-processor -> orders queue -> PEDIDOS -> VTEX sandbox."""

from __future__ import annotations

from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from tests.integration.orders.conftest import FlowWorld
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.vtex_orders.callback_auth import callback_token


def _orders(flow: FlowWorld) -> OrderRepository:
    return OrderRepository(flow.stack.physical_ids["OrdersTable"])


def _status_push(order: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": order["id"], "order_status": order["status"], "is_on_hold_order": False,
            "update_time": order["update_time"]}


def test_paid_order_pushed_twice_becomes_one_authorized_vtex_order(flow: FlowWorld) -> None:
    skus = [s["seller_sku"] for s in flow.catalog["products"][0]["skus"]]
    order = flow.create_order([(skus[0], 2), (skus[1], 1)])
    deliveries = flow.push(1, _status_push(order), repeat=2, notification_id="7300000000000000001")
    assert [d[-1]["status"] for d in deliveries] == [200, 200]
    flow.pump()
    [vtex_order] = flow.vtex_orders(order["id"])
    assert vtex_order["status"] != "waiting-ffmt-authorization"  # authorized
    detail = flow.http.get(f"{flow.vtex.base_url}/sandbox/state/orders/{vtex_order['orderId']}").json()
    first, second = flow.catalog["products"][0]["skus"][:2]
    assert sorted((i["id"], i["quantity"]) for i in detail["items"]) == sorted(
        [(str(first["id"]), 2), (str(second["id"]), 1)])
    # issue 15: the endpoint carries the client's callback token (tiktok_vtex.vtex_orders.callback_auth)
    token = callback_token(flow.stack_env["INTERNAL_WEBHOOK_SECRET"], flow.client_hash)
    public_base = flow.webhook_url.removesuffix("/tiktok/webhook")  # PUBLIC_BASE_URL (the flow's server)
    assert detail["marketplaceServicesEndpoint"] == f"{public_base}/vtex/marketplace/{flow.client_hash}.{token}"
    record = _orders(flow).get(flow.client_hash, order["id"])
    assert record is not None and record.sync_state == SyncState.AUTHORIZED
    assert record.vtex_order == vtex_order["orderId"] and record.status == "AWAITING_SHIPMENT"
    events = boto3.resource("dynamodb").Table(flow.stack.physical_ids["WebhookEventsTable"]).query(
        KeyConditionExpression=Key("shop_id").eq(flow.shop_id))["Items"]
    assert [e["outcome"] for e in events] == ["create_requested"]  # the duplicate never reached the queue


def test_push_lost_then_recovered_by_the_sweep(flow: FlowWorld) -> None:
    from orders import sweep as sweep_handler

    from tests.unit.orders.fakes_orders import LambdaContextStub

    skus = [s["seller_sku"] for s in flow.catalog["products"][1]["skus"]]
    order = flow.create_order([(skus[0], 1)])  # TikTok's pushes all failed: nothing reached us
    answer = sweep_handler.lambda_handler({"version": "0", "detail-type": "Scheduled Event", "detail": {}},
                                          LambdaContextStub())
    assert answer["statusCode"] == 200 and answer["body"]["fed"] >= 1
    flow.pump()
    assert len(flow.vtex_orders(order["id"])) == 1
    record = _orders(flow).get(flow.client_hash, order["id"])
    assert record is not None and record.sync_state == SyncState.AUTHORIZED
    # a late push afterwards is harmless
    flow.push(1, _status_push(order))
    flow.pump()
    assert len(flow.vtex_orders(order["id"])) == 1


def test_cancellation_in_tiktok_cancels_the_vtex_order(flow: FlowWorld) -> None:
    skus = [s["seller_sku"] for s in flow.catalog["products"][0]["skus"]]
    order = flow.create_order([(skus[2], 1)])
    flow.push(1, _status_push(order))
    flow.pump()
    cancelled = flow.http.post(f"{flow.tiktok.base_url}/sandbox/orders/{order['id']}/status",
                               json={"status": "CANCELLED", "notify": False}).json()
    flow.push(1, {**_status_push(cancelled), "order_status": "CANCEL"})
    flow.pump()
    [vtex_order] = flow.vtex_orders(order["id"])
    assert vtex_order["status"] in ("cancel", "canceled", "cancellation-requested")
    record = _orders(flow).get(flow.client_hash, order["id"])
    assert record is not None and record.sync_state == SyncState.CANCELLED


def test_search_function_pages_through_the_shop_orders(flow: FlowWorld) -> None:
    from orders import search

    from tests.unit.orders.fakes_orders import LambdaContextStub

    sku = flow.catalog["products"][0]["skus"][0]["seller_sku"]
    created = {flow.create_order([(sku, 1)])["id"] for _ in range(3)}
    answer = search.lambda_handler({"type": "triggerGetOrder", "clientHash": flow.client_hash, "pageSize": 2},
                                   LambdaContextStub())
    assert answer["statusCode"] == 200
    assert created <= {o["id"] for o in answer["body"]["orders"]} and answer["body"]["pages"] >= 2
    bad = search.lambda_handler({"type": "triggerGetOrder"}, LambdaContextStub())
    assert bad["statusCode"] == 400 and "clientHash" in bad["body"]["message"]


def test_direct_invoke_with_the_legacy_payload(flow: FlowWorld) -> None:
    from orders import handler

    from tests.unit.orders.fakes_orders import LambdaContextStub

    sku = flow.catalog["products"][1]["skus"][1]["seller_sku"]
    order = flow.create_order([(sku, 1)])
    payload = {"type": "triggerNewOrderInTTK", "clientHash": flow.client_hash, "orderId": order["id"]}
    first = handler.lambda_handler(payload, LambdaContextStub())
    second = handler.lambda_handler(payload, LambdaContextStub())
    assert first["body"]["outcome"] == "placed_authorized"
    assert second["body"]["outcome"] == "already_authorized"
    assert len(flow.vtex_orders(order["id"])) == 1
    assert handler.lambda_handler({"type": "triggerNewOrderInTTK"}, LambdaContextStub())["statusCode"] == 400


def test_a_rotated_vtex_key_is_picked_up_by_a_warm_orders_container(flow: FlowWorld) -> None:
    """Issue 10 defect 8: the orders functions read VTEX credentials through the max-age cache (and per
    account 429 gates), not once per container for ever."""
    import json

    from aws_lambda_powertools.utilities import parameters
    from orders.wiring import RETRY, wiring

    from tiktok_vtex.clients.vtex.credentials import vtex_secret_name

    warm = wiring()
    before = warm.vtex(flow.client_hash)
    assert before.credentials.app_token.get_secret_value() == flow.stack_env["VTEX_APP_TOKEN"]
    assert before.retry is RETRY  # the orders function's own budget (its timeout arithmetic depends on it)
    secrets = boto3.client("secretsmanager")
    name = vtex_secret_name(flow.client_hash, warm.settings.vtex_secret_prefix)
    secret = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps({**secret, "app_token": "ROTATEDtoken0001"}))
    assert warm.vtex(flow.client_hash).credentials.app_token.get_secret_value() != "ROTATEDtoken0001"  # cached
    parameters.clear_caches()  # what CREDENTIALS_MAX_AGE seconds do
    after = warm.vtex(flow.client_hash)
    assert after.credentials.app_token.get_secret_value() == "ROTATEDtoken0001"
