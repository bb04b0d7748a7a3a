"""ORDERHOOK-MANAGEMENT against the VTEX sandbox (real ping), and hook deliveries through the whole path:
VTEX sandbox -> VTEX-ORDERHOOK over HTTP -> queue -> VTEX-ORDERS-processor -> TikTok sandbox / INVOICE queue."""

from __future__ import annotations

from typing import Any

from tests.integration.vtexorders.conftest import VtexWorld
from tests.unit.orders.fakes_orders import LambdaContextStub


def placed_order(world: VtexWorld) -> tuple[str, str]:
    """A TikTok order created in VTEX through the orders flow: (TikTok order id, VTEX order id)."""
    sku = world.flow.catalog["products"][0]["skus"][0]["seller_sku"]
    order = world.flow.create_order([(sku, 1)])
    world.push(1, {"order_id": order["id"], "order_status": "AWAITING_SHIPMENT",
                   "update_time": order["update_time"]}, notification_id=f"n-{order['id']}")
    world.pump()
    [vtex_order] = world.flow.vtex_orders(order["id"])
    return order["id"], vtex_order["orderId"]


def body(answer: dict[str, Any]) -> dict[str, Any]:
    return answer["body"]


def test_configure_is_pinged_by_vtex_and_safe_to_re_run(vtex_world: VtexWorld) -> None:
    first = vtex_world.manage("configure")
    assert first["statusCode"] == 200, first
    assert body(first)["outcome"] == "configured"
    state = vtex_world.hook_state()
    assert state["hook"]["url"] == f"{vtex_world.gateway_url}/vtex/orderhook/{vtex_world.flow.client_hash}"
    assert state["hook"]["headers"] == ["X-Connector-Hook-Secret"]  # names only in the sandbox dump
    assert set(state["filter"]["status"]) >= {"invoiced", "canceled", "cancel", "handling"}
    assert body(vtex_world.manage("configure"))["outcome"] == "unchanged"
    shown = body(vtex_world.manage("show"))
    assert shown["matches"] is True and shown["headers"] == ["X-Connector-Hook-Secret"]
    assert "secret" not in str(shown).lower().replace("x-connector-hook-secret", "").replace("secretrotatedat", "")


def test_rotate_replaces_the_header_and_remove_deletes_the_hook(vtex_world: VtexWorld) -> None:
    vtex_world.manage("configure")
    from tiktok_vtex import aws
    from tiktok_vtex.settings import get_settings
    from tiktok_vtex.vtex_orders.hook_secrets import HookSecretStore

    store = HookSecretStore(aws.client("secretsmanager"), get_settings().vtex_secret_prefix)
    before = store.get(vtex_world.flow.client_hash).current
    rotated = vtex_world.manage("rotate")
    assert body(rotated)["outcome"] == "rotated", rotated
    after = store.get(vtex_world.flow.client_hash)
    assert after.current != before and after.previous == before
    assert body(vtex_world.manage("show"))["matches"] is True  # VTEX holds the new header (it pinged with it)
    assert body(vtex_world.manage("replace"))["outcome"] == "configured"
    assert body(vtex_world.manage("remove"))["outcome"] == "removed"
    assert body(vtex_world.manage("show"))["outcome"] == "not_configured"
    assert body(vtex_world.manage("remove"))["outcome"] == "removed"  # re-running is safe


def test_a_hook_url_that_refuses_the_ping_fails_the_configuration(vtex_world: VtexWorld, monkeypatch: Any) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", vtex_world.gateway_url + "/nowhere")
    from tiktok_vtex.settings import get_settings

    get_settings.cache_clear()
    answer = vtex_world.manage("configure")
    assert answer["statusCode"] == 502 and "ping" in answer["body"]["message"]
    assert vtex_world.manage("show")["body"]["outcome"] == "not_configured"


def test_invalid_management_payload_is_400(vtex_world: VtexWorld) -> None:
    answer = vtex_world.handlers["management"].lambda_handler({"clientHash": "../x", "action": "explode"},
                                                              LambdaContextStub())
    assert answer["statusCode"] == 400 and "action" in answer["body"]["message"]


def test_a_cancellation_in_vtex_reaches_tiktok(vtex_world: VtexWorld) -> None:
    vtex_world.manage("configure")
    order_id, vtex_id = placed_order(vtex_world)
    vtex_world.advance(vtex_id, "canceled")
    deliveries = vtex_world.wait_deliveries()
    states = [d["payload"]["State"] for d in deliveries if d["payload"]["OrderId"] == vtex_id]
    assert "canceled" in states and all(d["delivered"] for d in deliveries)
    # VTEX also called the order's marketplaceServicesEndpoint back (VTEX-MARKETPLACE): answered 200 once
    # TikTok accepted (or 503 while the hook held the cancel lease, then 200 on VTEX's retry)
    [callback] = vtex_world.callbacks()
    assert callback["url"].endswith(f"/pvt/orders/{order_id}/cancel") and callback["attempts"][-1]["status"] == 200
    vtex_world.pump()
    tiktok_order = vtex_world.flow.http.get(f"{vtex_world.flow.tiktok.base_url}/sandbox/state/orders/{order_id}")
    assert tiktok_order.json()["status"] == "CANCELLED"
    record = vtex_world.order_record(order_id)
    assert record["vtex_status"] == "canceled"
    assert record["vtex_cancel"]["outcome"] == "accepted"


def test_invoiced_in_vtex_reaches_the_invoice_flow(vtex_world: VtexWorld) -> None:
    vtex_world.manage("configure")
    order_id, vtex_id = placed_order(vtex_world)
    vtex_world.invoice_messages()
    vtex_world.advance(vtex_id, "invoiced")
    vtex_world.wait_deliveries()
    vtex_world.pump()
    # the hook (invoiced) and VTEX's invoice callback both forward it; INVOICE is idempotent per access key
    messages = vtex_world.invoice_messages()
    assert len(messages) == 2 and {m["invoice"]["invoiceNumber"] for m in messages} == {
        messages[0]["invoice"]["invoiceNumber"]}
    message = messages[0]
    assert message["type"] == "vtexInvoice" and message["orderId"] == order_id
    [callback] = vtex_world.callbacks()
    assert callback["url"].endswith(f"/pvt/orders/{order_id}/invoice") and callback["delivered"]
    assert message["invoice"]["embeddedInvoice"].lstrip().startswith("<")
    assert vtex_world.order_record(order_id)["vtex_status"] == "invoiced"


def tiktok_state(world: VtexWorld, kind: str, key: str) -> dict[str, Any]:
    answer = world.flow.http.get(f"{world.flow.tiktok.base_url}/sandbox/state/{kind}/{key}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_buyer_cancellation_request_is_approved_and_cancels_vtex(vtex_world: VtexWorld) -> None:
    order_id, _vtex_id = placed_order(vtex_world)
    http, tiktok = vtex_world.flow.http, vtex_world.flow.tiktok.base_url
    answer = http.post(f"{tiktok}/sandbox/orders/{order_id}/cancellations", json={"reason": "Comprei errado"})
    assert answer.status_code in (200, 201), answer.text
    cancel_id = answer.json()["cancel_id"]
    vtex_world.push(11, {"order_id": order_id, "cancellations_role": "BUYER", "cancel_id": cancel_id,
                              "cancel_status": "CANCELLATION_REQUEST_PENDING"}, notification_id=f"c-{cancel_id}")
    vtex_world.pump()
    assert tiktok_state(vtex_world, "cancellations", cancel_id)["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    assert vtex_world.order_record(order_id)["after_sales_buyer_cancellation"]["outcome"] == "approved"
    # TikTok's outcome push (the sandbox records it; delivered here as TikTok would) cancels the VTEX order
    vtex_world.push(11, {"order_id": order_id, "cancellations_role": "BUYER", "cancel_id": cancel_id,
                              "cancel_status": "CANCELLATION_REQUEST_SUCCESS"}, notification_id=f"s-{cancel_id}")
    vtex_world.pump()
    [vtex_order] = vtex_world.flow.vtex_orders(order_id)
    assert vtex_order["status"] in ("cancel", "canceled")


def test_a_return_on_a_shipped_order_creates_one_input_invoice(vtex_world: VtexWorld) -> None:
    order_id, vtex_id = placed_order(vtex_world)
    http, tiktok = vtex_world.flow.http, vtex_world.flow.tiktok.base_url
    vtex_world.advance(vtex_id, "invoiced")
    answer = http.post(f"{tiktok}/sandbox/orders/{order_id}/status", json={"status": "IN_TRANSIT", "force": True})
    assert answer.status_code == 200, answer.text
    answer = http.post(f"{tiktok}/sandbox/orders/{order_id}/returns", json={"return_type": "REFUND"})
    assert answer.status_code in (200, 201), answer.text
    return_id = answer.json()["return_id"]
    http.post(f"{tiktok}/sandbox/returns/{return_id}/status", json={"status": "RETURN_OR_REFUND_REQUEST_SUCCESS"})
    for n in range(2):  # TikTok may deliver the same outcome twice: one invoice
        vtex_world.push(12, {"order_id": order_id, "return_role": "BUYER", "return_type": "REFUND",
                                  "return_status": "RETURN_OR_REFUND_REQUEST_SUCCESS", "return_id": return_id},
                             notification_id=f"r-{return_id}-{n}")
        vtex_world.pump()
    detail = http.get(f"{vtex_world.flow.vtex.base_url}/sandbox/state/orders/{vtex_id}").json()
    inputs = [p for p in detail["packageAttachment"]["packages"] if p["type"] == "Input"]
    assert [p["invoiceNumber"] for p in inputs] == [f"DEV-{return_id}"]
    assert inputs[0]["invoiceValue"] > 0 and inputs[0]["items"]
    assert vtex_world.order_record(order_id)["after_sales_return_invoice"]["outcome"] == "already_posted"


def test_a_callback_with_a_forged_token_is_401_and_sampled_without_its_body(vtex_world: VtexWorld) -> None:
    import boto3
    from boto3.dynamodb.conditions import Key

    nfe = '{"invoiceNumber": "123", "invoiceValue": 1000, "embeddedInvoice": "<nfeProc>secret-ish</nfeProc>"}'
    answer = vtex_world.flow.http.post(
        f"{vtex_world.gateway_url}/vtex/marketplace/{vtex_world.flow.client_hash}.forged-token/pvt/orders/"
        "576001122334455667/invoice", content=nfe, headers={"content-type": "application/json"})
    assert answer.status_code == 401
    ledger = boto3.resource("dynamodb").Table(vtex_world.flow.stack.physical_ids["WebhookEventsTable"]).query(
        KeyConditionExpression=Key("shop_id").eq("vtex-marketplace"))["Items"]
    [row] = ledger
    assert row["outcome"] == "refused_401" and row["detail"] == "missing or invalid callback token"
    assert "payload" not in row and "nfeProc" not in str(row)  # a callback may carry an NF-e: never kept
