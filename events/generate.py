"""Writes the sample events of the webhook and orders functions (run: `python -m events.generate`).

Webhook samples are API Gateway HTTP API (payload 2.0) events whose `Authorization` header is a valid
TikTok signature for the local/stack.env app key and secret (type 99: `X-Internal-Signature` with the
stack.env internal secret), so `sam local invoke -e` and the local runtime accept them. Regenerate after
changing stack.env; tests check that the committed files are what this script produces.
The sandbox credentials in stack.env are not secrets; no real credential is ever written here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from local.env import stack_env

ROOT = Path(__file__).resolve().parent
TIMESTAMP = 1_735_700_000
ORDER_ID = "576600000000000001"


def _push(type_: int, data: dict[str, Any], *, notification: str | None = None,
          shop_id: str | None = None) -> dict[str, Any]:
    env = stack_env()
    body: dict[str, Any] = {"type": type_}
    if notification is not False:
        body["tts_notification_id"] = notification or f"73{type_:02d}000000000000001"
    body["shop_id"] = shop_id or env["DEMO_SHOP_ID"]
    body["timestamp"] = TIMESTAMP
    body["data"] = data
    return body


def sample_pushes() -> dict[str, dict[str, Any]]:
    """One push per TikTok type handled (plus an unhandled one), keyed by sample name."""
    env = stack_env()
    return {
        "type-01-order-status": _push(1, {"order_id": ORDER_ID, "order_status": "AWAITING_SHIPMENT",
                                          "is_on_hold_order": False, "update_time": TIMESTAMP}),
        "type-02-reverse-status": _push(2, {"order_id": ORDER_ID, "reverse_order_status": 100,
                                            "reverse_event_type": "ORDER_REQUEST_CANCEL",
                                            "update_time": TIMESTAMP}),
        "type-03-recipient-address": _push(3, {"order_id": ORDER_ID, "update_time": TIMESTAMP}),
        "type-04-package-update": _push(4, {"sc_type": "SPLIT", "role_type": "ROLE_SELLER", "update_time": TIMESTAMP,
                                            "package_list": [{"package_id": "1153000000000000001",
                                                              "order_id_list": [ORDER_ID]}]}),
        "type-05-product-status": _push(5, {"product_id": 1729000000000000001, "status": "PRODUCT_AUDIT_FAILURE",
                                            "suspended_reason": "imagem fora do padrão", "update_time": TIMESTAMP}),
        "type-06-seller-deauthorization": _push(6, {
            "message": f"Shop_id {env['DEMO_SHOP_ID']} is deauthorized from your APP by merchant."}),
        "type-07-authorization-expiring": _push(7, {"message": "authorization expires in 30 days",
                                                    "expiration_time": str(TIMESTAMP + 30 * 86400)}),
        "type-11-cancellation": _push(11, {"order_id": ORDER_ID, "cancellations_role": "BUYER",
                                           "cancel_status": "CANCELLATION_REQUEST_COMPLETE",
                                           "cancel_id": "4035000000000000001", "create_time": TIMESTAMP}),
        "type-12-return": _push(12, {"order_id": ORDER_ID, "return_role": "BUYER", "return_type": "RETURN_AND_REFUND",
                                     "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
                                     "return_id": "4036000000000000001", "create_time": TIMESTAMP,
                                     "update_time": TIMESTAMP}),
        "type-15-product-information": _push(15, {"product_id": "1729000000000000001", "change_source": "SELLER_CENTER",
                                                  "changed_fields": ["title", "main_images"],
                                                  "update_time": TIMESTAMP}),
        "type-16-product-creation": _push(16, {"product_id": "1729000000000000001", "product_types": [],
                                               "update_time": TIMESTAMP}),
        "type-27-inventory-status": _push(27, {"product_id": "1729000000000000001", "sku_id": "1729000000000001001",
                                               "current_inventory_status": "LOW_STOCK",
                                               "trigger_reason": {"alert_type": "REALTIME", "low_stock_threshold": 5},
                                               "update_time": TIMESTAMP}),
        "type-36-invoice-success": _push(36, {"package_id": "1153000000000000001", "order_ids": [ORDER_ID],
                                              "invoice_status": "SUCCESS", "invalid_reason": None}),
        "type-36-invoice-invalid": _push(36, {"package_id": "1153000000000000001", "order_ids": [ORDER_ID],
                                              "invoice_status": "INVALID", "invalid_reason": "ACCESS_KEY_DUPLICATE"},
                                         notification="7336000000000000002"),
        "type-37-product-audit": _push(37, {"product_id": "1729000000000000001",
                                            "audit": {"status": "APPROVED", "pre_approved_reasons": []},
                                            "update_time": TIMESTAMP}),
        "type-14-unhandled": _push(14, {"message_id": "1", "conversation_id": "2", "type": "TEXT"}),
    }


def vtex_order_created() -> dict[str, Any]:
    env = stack_env()
    return {"type": 99, "timestamp": TIMESTAMP, "data": {
        "client_hash": env["DEMO_CLIENT_HASH"], "order_group_VTEX": "1535000500227", "order_id_TTK": ORDER_ID,
        "order_status_vtex": "CREATED"}}


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def tiktok_signature(raw: bytes) -> str:
    env = stack_env()
    return hmac.new(env["TIKTOK_APP_SECRET"].encode(), env["TIKTOK_APP_KEY"].encode() + raw,
                    hashlib.sha256).hexdigest()


def internal_signature(raw: bytes) -> str:
    return hmac.new(stack_env()["INTERNAL_WEBHOOK_SECRET"].encode(), raw, hashlib.sha256).hexdigest()


def http_event(raw: bytes, headers: dict[str, str], *, base64_body: bool = False) -> dict[str, Any]:
    """An HTTP API payload 2.0 event for POST /tiktok/webhook."""
    return {
        "version": "2.0", "routeKey": "POST /tiktok/webhook", "rawPath": "/tiktok/webhook", "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": "TikTokShop-Webhook", **headers},
        "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": "localhost",
                           "domainPrefix": "localhost", "http": {"method": "POST", "path": "/tiktok/webhook",
                                                                 "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                                                 "userAgent": "TikTokShop-Webhook"},
                           "requestId": "sample", "routeKey": "POST /tiktok/webhook", "stage": "$default",
                           "time": "01/Jan/2025:00:00:00 +0000", "timeEpoch": TIMESTAMP * 1000},
        "body": base64.b64encode(raw).decode() if base64_body else raw.decode(),
        "isBase64Encoded": base64_body,
    }


def webhook_events() -> dict[str, dict[str, Any]]:
    events: dict[str, dict[str, Any]] = {}
    for name, body in sample_pushes().items():
        raw = encode(body)
        events[name] = http_event(raw, {"authorization": tiktok_signature(raw)})
    raw99 = encode(vtex_order_created())
    events["type-99-vtex-order-created"] = http_event(raw99, {"x-internal-signature": internal_signature(raw99)})
    # Refusals, to try by hand: each must answer 401 / 400 and be recorded in the ledger (shop "unknown").
    events["bad-type-99-without-signature"] = http_event(raw99, {"authorization": tiktok_signature(raw99)})
    order_raw = encode(sample_pushes()["type-01-order-status"])
    events["bad-forged-signature"] = http_event(order_raw, {"authorization": "0" * 64})
    events["bad-missing-signature"] = http_event(order_raw, {})
    broken = b'{"type": 1, "shop_id": '
    events["bad-broken-json"] = http_event(broken, {"authorization": tiktok_signature(broken)})
    missing = encode(_push(1, {"order_status": "AWAITING_SHIPMENT"}, notification="7301000000000000009"))
    events["bad-missing-fields"] = http_event(missing, {"authorization": tiktok_signature(missing)})
    events["type-01-base64-body"] = http_event(order_raw, {"authorization": tiktok_signature(order_raw)},
                                               base64_body=True)
    return events


def sqs_event(bodies: list[dict[str, Any]], queue: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": f"00000000-0000-4000-8000-{n:012d}", "receiptHandle": f"sample-{n}",
        "body": json.dumps(body, separators=(",", ":")),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(TIMESTAMP * 1000),
                       "SenderId": "sample", "ApproximateFirstReceiveTimestamp": str(TIMESTAMP * 1000)},
        "messageAttributes": {}, "md5OfBody": hashlib.md5(json.dumps(body).encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
        "awsRegion": "us-east-1"} for n, body in enumerate(bodies)]}


def other_events() -> dict[str, dict[str, Any]]:
    env = stack_env()
    client = env["DEMO_CLIENT_HASH"]
    prefix = env["FUNCTION_PREFIX"]
    push = sample_pushes()["type-01-order-status"]
    raw = encode(push).decode()
    return {
        "WebhookProcessorFunction/sqs-order-status": sqs_event([{
            "kind": "push", "dedup_key": f"tts:{push['tts_notification_id']}", "received_ms": TIMESTAMP * 1000,
            "type": 1, "shop_id": env["DEMO_SHOP_ID"], "client_hash": client, "body": raw}], f"{prefix}webhook-events"),
        "OrdersFunction/trigger-new-order": {"type": "triggerNewOrderInTTK", "clientHash": client,
                                             "orderId": ORDER_ID},
        "OrdersFunction/sqs-new-order": sqs_event([{"type": "triggerNewOrderInTTK", "clientHash": client,
                                                    "orderId": ORDER_ID}], f"{prefix}orders"),
        "OrdersFunction/sqs-cancel-order": sqs_event([{"type": "cancelOrderInVtex", "clientHash": client,
                                                       "orderId": ORDER_ID, "reason": "Pedido cancelado no TikTok"}],
                                                     f"{prefix}orders"),
        "OrdersFunction/sqs-refresh-address": sqs_event([{"type": "refreshOrderAddress", "clientHash": client,
                                                          "orderId": ORDER_ID}], f"{prefix}orders"),
        "OrdersFunction/bad-missing-order-id": {"type": "triggerNewOrderInTTK", "clientHash": client},
        "OrdersSearchFunction/trigger-get-order": {"type": "triggerGetOrder", "clientHash": client,
                                                   "orderStatus": "AWAITING_SHIPMENT", "pageSize": 50},
        "OrdersSearchFunction/trigger-get-order-by-id": {"type": "triggerGetOrder", "clientHash": client,
                                                         "orderIds": [ORDER_ID]},
        "OrdersSweepFunction/schedule": {"version": "0", "id": "sample", "detail-type": "Scheduled Event",
                                         "source": "aws.events", "account": "123456789012",
                                         "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
                                         "resources": [], "detail": {}},
        "OrdersSweepFunction/one-client-long-window": {"clientHash": client, "windowMinutes": 1440},
        "OrdersSweepFunction/replay-errors": {"replayErrors": True},
    }


def all_events() -> dict[str, dict[str, Any]]:
    events = {f"WebhookFunction/{name}": event for name, event in webhook_events().items()}
    events.update(other_events())
    return events


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for name, event in all_events().items():
        path = ROOT / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(event), encoding="utf-8")
    print(f"wrote {len(all_events())} events under {ROOT}")


if __name__ == "__main__":
    main()
