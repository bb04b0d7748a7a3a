"""The VTEX side of orders: ORDERHOOK-MANAGEMENT configures VTEX's orders hook (VTEX pings us first); a
cancellation decided in VTEX reaches TikTok; a TikTok buyer cancellation request is approved and cancels the
VTEX order; a return on a shipped order becomes one Input invoice in VTEX; a hook with a wrong secret is
refused; a seller-shipped order's tracking (added to the VTEX invoice) is sent to TikTok, and an unknown
carrier is a recorded refusal; the VTEX cancel reason is mapped to TikTok's reason code."""

from __future__ import annotations

import json
from typing import Any

from local.demo.context import DemoContext
from local.fixtures.demo_catalog import demo_catalog


def _order_row(ctx: DemoContext, order_id: str) -> dict[str, Any]:
    return ctx.table("OrdersTable").get_item(Key={"client_hash": ctx.client_hash, "order_id": order_id},
                                             ConsistentRead=True).get("Item") or {}


def _push(ctx: DemoContext, type_: int, data: dict[str, Any], notification_id: str) -> None:
    answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/webhooks/push", json={
        "url": f"{ctx.api_url}/tiktok/webhook", "type": type_, "shop_id": ctx.env["DEMO_SHOP_ID"], "data": data,
        "tts_notification_id": notification_id, "retry": True, "time_scale": 0})
    ctx.expect(answer.status_code == 200, f"the sandbox could not push: {answer.text[:200]}")
    status = answer.json()["deliveries"][0][-1]["status"]
    ctx.expect(status == 200, f"the webhook answered push {type_} with {status}")


def _placed_order(ctx: DemoContext, sku: str, label: str, **spec: Any) -> tuple[str, str]:
    answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders", json={
        "shop_id": ctx.env["DEMO_SHOP_ID"], "status": "AWAITING_SHIPMENT", "notify": False, "shipping_fee": "9.90",
        "items": [{"seller_sku": sku, "quantity": 1}], **spec})
    ctx.expect(answer.status_code == 201, f"the TikTok sandbox refused the order: {answer.text[:200]}")
    order = answer.json()
    _push(ctx, 1, {"order_id": order["id"], "order_status": order["status"], "update_time": order["update_time"]},
          f"vtex-orders-{order['id']}")
    row = ctx.wait_for(lambda: (r := _order_row(ctx, order["id"])).get("sync_state") == "AUTHORIZED" and r,
                       60, f"{label}: the order to be AUTHORIZED in VTEX")
    return order["id"], row["vtex_order"]


def _tiktok(ctx: DemoContext, kind: str, key: str) -> dict[str, Any]:
    return ctx.http.get(f"{ctx.tiktok_url}/sandbox/state/{kind}/{key}").json()


def _vtex(ctx: DemoContext, vtex_id: str) -> dict[str, Any]:
    return ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders/{vtex_id}").json()


def _advance(ctx: DemoContext, vtex_id: str, to: str, **extra: Any) -> dict[str, Any]:
    answer = ctx.http.post(f"{ctx.vtex_url}/sandbox/orders/{vtex_id}/advance", json={"to": to, **extra})
    ctx.expect(answer.status_code == 200, f"the VTEX sandbox could not move {vtex_id} to {to}: {answer.text[:200]}")
    return answer.json()


def _vtex_tracking(ctx: DemoContext, vtex_id: str, invoice_number: str, tracking: str, courier: str) -> None:
    """What the store does in VTEX (OMS: tracking added to the invoice); VTEX then calls our marketplace."""
    answer = ctx.http.patch(
        f"{ctx.vtex_url}/{ctx.env['VTEX_ACCOUNT']}/api/oms/pvt/orders/{vtex_id}/invoice/{invoice_number}",
        json={"trackingNumber": tracking, "courier": courier, "trackingUrl": None, "dispatchedDate": None},
        headers={"X-VTEX-API-AppKey": ctx.env["VTEX_APP_KEY"], "X-VTEX-API-AppToken": ctx.env["VTEX_APP_TOKEN"]})
    ctx.expect(answer.status_code == 200, f"VTEX refused the tracking: {answer.text[:200]}")


def run(ctx: DemoContext) -> None:
    ctx.section("VTEX side of orders: ORDERHOOK-MANAGEMENT, VTEX-ORDERHOOK, VTEX-MARKETPLACE, cancels, returns")
    # one SKU of each of three products the other scenarios leave alone
    skus = [p["skus"][0]["seller_sku"] for p in demo_catalog()["products"][-5:-2]]

    # 1. A hook delivery with a wrong secret is refused (this also warms VTEX-ORDERHOOK: VTEX's ping on
    #    configuration must be answered within 5 s, a cold start on a loaded machine can miss that).
    wrong = ctx.http.post(f"{ctx.api_url}/vtex/orderhook/{ctx.client_hash}",
                          json={"Domain": "Fulfillment", "OrderId": "TTK-1-01", "State": "canceled",
                                "LastChange": "2026-12-01T13:00:00Z"},
                          headers={"X-Connector-Hook-Secret": "not-the-secret"})
    ctx.expect(wrong.status_code == 401, f"a hook with a wrong secret answered {wrong.status_code}")
    ctx.report(f"hook delivery with a wrong secret -> {wrong.status_code} (sampled in the ledger, shop 'vtex-hook')")

    # The hook: configured per client (VTEX pings our URL with the client's secret header), re-run safely.
    first = ctx.invoke("ORDERHOOK-MANAGEMENT", {"clientHash": ctx.client_hash, "action": "configure"})
    ctx.expect(first.get("statusCode") == 200, f"ORDERHOOK-MANAGEMENT failed: {json.dumps(first)[:300]}")
    again = ctx.invoke("ORDERHOOK-MANAGEMENT", {"clientHash": ctx.client_hash})
    hook = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/hook").json()["config"]
    ctx.report(f"ORDERHOOK-MANAGEMENT: {first['body']['outcome']} -> {hook['hook']['url']} "
               f"(filter {len(hook['filter']['status'])} statuses, header {hook['hook']['headers']}); "
               f"re-run: {again['body']['outcome']}")

    # 2. Cancelled in VTEX -> cancelled on TikTok (seller cancellation, before shipping), with TikTok's reason
    #    code mapped from VTEX's reason; VTEX marks its order canceled only after our callback's 200.
    order_id, vtex_id = _placed_order(ctx, skus[0], "VTEX cancel")
    _advance(ctx, vtex_id, "canceled", reason="Cliente desistiu da compra")
    ctx.wait_for(lambda: _tiktok(ctx, "orders", order_id).get("status") == "CANCELLED" or None, 60,
                 "the VTEX cancellation to reach TikTok")
    ctx.wait_for(lambda: _vtex(ctx, vtex_id).get("status") == "canceled" or None, 60,
                 "VTEX to mark its order canceled after the marketplace's answer")
    row = _order_row(ctx, order_id)
    mapped = row.get("vtex_cancel", {}).get("tiktok_reason", {})
    ctx.expect(mapped.get("code") == "seller_cancel_reason_buyer_requested_cancellation",
               f"the cancel reason was not mapped: {mapped}")
    ctx.report(f"VTEX order {vtex_id} canceled in VTEX ('Cliente desistiu da compra') -> TikTok order {order_id} "
               f"CANCELLED with reason {mapped.get('code')} ({mapped.get('basis')}); VTEX canceled after our 200 "
               f"(vtex_status {row.get('vtex_status')}, vtex_cancel {row.get('vtex_cancel', {}).get('outcome')})")

    # 3. A TikTok buyer cancellation request: approved (VTEX not handling yet), then the VTEX order is cancelled.
    order_id, vtex_id = _placed_order(ctx, skus[1], "buyer request")
    answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders/{order_id}/cancellations", json={"reason": "Desisti"})
    cancel_id = answer.json()["cancel_id"]
    _push(ctx, 11, {"order_id": order_id, "cancellations_role": "BUYER", "cancel_id": cancel_id,
                    "cancel_status": "CANCELLATION_REQUEST_PENDING"}, f"cancel-{cancel_id}")
    ctx.wait_for(lambda: _tiktok(ctx, "cancellations", cancel_id).get("cancel_status")
                 == "CANCELLATION_REQUEST_SUCCESS" or None, 60, "the buyer request to be approved")
    _push(ctx, 11, {"order_id": order_id, "cancellations_role": "BUYER", "cancel_id": cancel_id,
                    "cancel_status": "CANCELLATION_REQUEST_SUCCESS"}, f"cancel-done-{cancel_id}")
    ctx.wait_for(lambda: _vtex(ctx, vtex_id).get("status") in ("cancel", "canceled") or None, 60,
                 "the approved request to cancel the VTEX order")
    ctx.report(f"buyer request {cancel_id} on {order_id}: approved on TikTok (policy auto_approve_before_handling) "
               f"-> VTEX order {vtex_id} {_vtex(ctx, vtex_id)['status']}")

    # 4. A return on a shipped order: one Input (return) invoice in VTEX, however often TikTok tells us.
    order_id, vtex_id = _placed_order(ctx, skus[2], "return")
    _advance(ctx, vtex_id, "invoiced")
    ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders/{order_id}/status", json={"status": "IN_TRANSIT", "force": True})
    answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders/{order_id}/returns", json={"return_type": "REFUND"})
    ctx.expect(answer.status_code == 201, f"the TikTok sandbox refused the return: {answer.text[:200]}")
    return_id = answer.json()["return_id"]
    ctx.http.post(f"{ctx.tiktok_url}/sandbox/returns/{return_id}/status",
                  json={"status": "RETURN_OR_REFUND_REQUEST_SUCCESS"})
    for n in range(2):
        _push(ctx, 12, {"order_id": order_id, "return_role": "BUYER", "return_type": "REFUND",
                        "return_status": "RETURN_OR_REFUND_REQUEST_SUCCESS", "return_id": return_id},
              f"return-{return_id}-{n}")
    ctx.wait_idle()

    def inputs() -> list[dict[str, Any]] | None:
        found = [p for p in _vtex(ctx, vtex_id)["packageAttachment"]["packages"] if p["type"] == "Input"]
        return found or None

    found = ctx.wait_for(inputs, 60, "the return invoice in VTEX")
    ctx.expect([p["invoiceNumber"] for p in found] == [f"DEV-{return_id}"], f"return invoices: {found}")
    ctx.report(f"return {return_id} (REFUND) completed on shipped order {order_id}, pushed twice -> one Input "
               f"invoice {found[0]['invoiceNumber']} on {vtex_id}, R$ {found[0]['invoiceValue'] / 100:.2f}")

    _seller_tracking(ctx, demo_catalog()["products"][-5]["skus"][1]["seller_sku"])


def _seller_tracking(ctx: DemoContext, sku: str) -> None:
    """Seller shipping: the store ships with its own carrier and adds the tracking to the VTEX invoice; VTEX
    calls our marketplace endpoint and the tracking reaches TikTok (package shipped with self_shipment,
    carrier matched in TikTok's provider list). An unknown carrier is recorded, not sent."""
    order_id, vtex_id = _placed_order(ctx, sku, "seller shipping", shipping_type="SELLER", need_upload_invoice=False)
    invoiced = _advance(ctx, vtex_id, "invoiced")
    number = invoiced["packageAttachment"]["packages"][0]["invoiceNumber"]
    tracking = f"LG{order_id[-9:]}BR"
    _vtex_tracking(ctx, vtex_id, number, tracking, "Loggi Express")
    shipped = ctx.wait_for(lambda: (o := _tiktok(ctx, "orders", order_id)).get("tracking_number") == tracking and o,
                           60, "the seller tracking to reach TikTok")
    sent = _order_row(ctx, order_id).get("tiktok_tracking", {})
    ctx.report(f"seller-shipped order {order_id}: tracking {tracking} ('Loggi Express') on VTEX invoice {number} "
               f"-> TikTok {shipped['status']}, provider {shipped.get('shipping_provider')} "
               f"({sent.get('outcome')}, {sent.get('provider_source')})")
    _vtex_tracking(ctx, vtex_id, number, f"ZT{order_id[-9:]}BR", "Transportadora Zeta")
    refused = ctx.wait_for(lambda: (t := _order_row(ctx, order_id).get("tiktok_tracking", {})).get("outcome")
                           == "refused_unknown_carrier" and t, 60, "the unknown carrier to be recorded")
    ctx.expect(_tiktok(ctx, "orders", order_id).get("tracking_number") == tracking, "an unknown carrier was sent")
    ctx.report(f"tracking with carrier 'Transportadora Zeta' -> not sent, recorded: {refused['outcome']} "
               "(alarm SellerTrackingRefused; map it in connector_settings.shipping.provider_ids)")
