"""Orders TikTok -> VTEX, exactly once: the TikTok sandbox creates a paid order and pushes it twice to our
webhook; one VTEX order comes out, authorized. Forged pushes are refused; a push TikTok gave up on is
recovered by the reconciliation sweep."""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.conditions import Key

from local.demo.context import DemoContext
from local.fixtures.demo_catalog import demo_catalog


def _order_row(ctx: DemoContext, order_id: str) -> dict[str, Any]:
    return ctx.table("OrdersTable").get_item(Key={"client_hash": ctx.client_hash, "order_id": order_id},
                                             ConsistentRead=True).get("Item") or {}


def _vtex_orders(ctx: DemoContext, order_id: str) -> list[dict[str, Any]]:
    orders = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders").json()
    return [o for o in orders if o["marketplaceOrderId"] == order_id]


def _authorized(ctx: DemoContext, order_id: str) -> dict[str, Any] | None:
    row = _order_row(ctx, order_id)
    return row if row.get("sync_state") == "AUTHORIZED" else None


def _create_paid_order(ctx: DemoContext, items: list[tuple[str, int]]) -> dict[str, Any]:
    answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders", json={
        "shop_id": ctx.env["DEMO_SHOP_ID"], "status": "AWAITING_SHIPMENT", "notify": False, "shipping_fee": "15.90",
        "items": [{"seller_sku": sku, "quantity": quantity} for sku, quantity in items]})
    ctx.expect(answer.status_code == 201, f"the TikTok sandbox refused the order: {answer.text[:200]}")
    return answer.json()


def _push(ctx: DemoContext, data: dict[str, Any], *, repeat: int = 1, **extra: Any) -> dict[str, Any]:
    answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/webhooks/push", json={
        "url": f"{ctx.api_url}/tiktok/webhook", "type": 1, "shop_id": ctx.env["DEMO_SHOP_ID"], "data": data,
        "repeat": repeat, **extra})
    ctx.expect(answer.status_code == 200, f"the sandbox could not push: {answer.text[:200]}")
    return answer.json()


def run(ctx: DemoContext) -> None:
    ctx.section("Orders: TikTok -> VTEX, exactly once (WEBHOOK, PEDIDOS-novo-pedido-TTK, sweep)")
    link = ctx.table("ClientTikTokTable").get_item(Key={"client_hash": ctx.client_hash}).get("Item") or {}
    ctx.expect(link.get("status") == "token_generated", "the demo shop is not linked (run the auth scenario first)")
    # SKUs of the last demo product: the stock scenario changes the first ones and expects no reservations.
    skus = [s["seller_sku"] for s in demo_catalog()["products"][-1]["skus"]]

    # 1. A paid order, pushed twice (TikTok retries when it does not hear back in time).
    order = _create_paid_order(ctx, [(skus[0], 2), (skus[1], 1)])
    ctx.report(f"TikTok order {order['id']} created: {order['status']}, {len(order['line_items'])} line items "
               f"(one per unit), total R$ {order['payment']['total_amount']}")
    push = _push(ctx, {"order_id": order["id"], "order_status": order["status"], "is_on_hold_order": False,
                       "update_time": order["update_time"]}, repeat=2)
    statuses = [d[-1]["status"] for d in push["deliveries"]]
    elapsed = [d[-1]["elapsed_ms"] for d in push["deliveries"]]
    ctx.expect(statuses == [200, 200], f"the webhook answered {statuses}")
    ctx.report(f"order status push delivered twice (same tts_notification_id): HTTP {statuses} in {elapsed} ms "
               "(TikTok allows 3000 ms); the second was acknowledged as a duplicate")

    row = ctx.wait_for(lambda: _authorized(ctx, order["id"]), 60, "the order to be AUTHORIZED in VTEX")
    vtex = _vtex_orders(ctx, order["id"])
    ctx.expect(len(vtex) == 1, f"expected one VTEX order, found {len(vtex)}")
    detail = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders/{vtex[0]['orderId']}").json()
    items = ", ".join(f"SKU {i['id']} x{i['quantity']}" for i in detail.get("items", []))
    ctx.report(f"VTEX: exactly one order {vtex[0]['orderId']} ({items}), status {vtex[0]['status']}, "
               f"value R$ {int(vtex[0]['value']) / 100:.2f}")
    ctx.report(f"ssxml_tik_tok_orders: status {row['status']}, sync_state {row['sync_state']}, vtex_order "
               f"{row['vtex_order']}")

    # 2. Bad input is refused, recorded, and never reaches VTEX.
    forged = _push(ctx, {"order_id": order["id"], "order_status": "CANCEL", "update_time": order["update_time"] + 9},
                   signature="0" * 64)
    raw99 = json.dumps({"type": 99, "timestamp": order["update_time"], "data": {
        "client_hash": ctx.client_hash, "order_group_VTEX": "X", "order_id_TTK": order["id"],
        "order_status_vtex": "canceled"}}).encode()
    unsigned = ctx.http.post(f"{ctx.api_url}/tiktok/webhook", content=raw99,
                             headers={"Content-Type": "application/json"})
    broken = ctx.http.post(f"{ctx.api_url}/tiktok/webhook", content=b'{"type": 1,',
                           headers={"Authorization": "0" * 64})
    ctx.expect(forged["deliveries"][0][-1]["status"] == 401 and unsigned.status_code == 401,
               "a forged push was not refused")
    ctx.report(f"forged TikTok signature -> {forged['deliveries'][0][-1]['status']}, type 99 without "
               f"X-Internal-Signature -> {unsigned.status_code}, broken body with a bad signature -> "
               f"{broken.status_code}; all recorded in the ledger under shop 'unknown'")
    ctx.expect(_authorized(ctx, order["id"]) is not None and len(_vtex_orders(ctx, order["id"])) == 1,
               "a refused push changed the order")

    # 3. A push TikTok gave up on: the sweep still brings the order in.
    lost = _create_paid_order(ctx, [(skus[2], 1)])
    ctx.report(f"TikTok order {lost['id']} paid, but every push failed (TikTok stops after 4 retries)")
    ctx.fire_schedule("OrdersSweepFunction")
    lost_row = ctx.wait_for(lambda: _authorized(ctx, lost["id"]), 60, "the sweep to recover the lost order")
    ctx.expect(len(_vtex_orders(ctx, lost["id"])) == 1, "the sweep did not create exactly one VTEX order")
    ctx.report(f"reconciliation sweep (every 15 min) found it: VTEX order {lost_row['vtex_order']}, sync_state "
               f"{lost_row['sync_state']}")

    events = ctx.table("WebhookEventsTable").query(
        KeyConditionExpression=Key("shop_id").eq(ctx.env["DEMO_SHOP_ID"]))["Items"]
    refused = ctx.table("WebhookEventsTable").query(KeyConditionExpression=Key("shop_id").eq("unknown"))["Items"]
    outcomes: dict[str, int] = {}
    for event in events + refused:
        outcomes[event["outcome"]] = outcomes.get(event["outcome"], 0) + 1
    ctx.report("webhook ledger: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
