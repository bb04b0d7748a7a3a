"""Writes the sample events of the VTEX side of orders (`python -m events.vtex_orders`).

- VtexOrderHookFunction: `POST /vtex/orderhook/{client_hash}` (HTTP API payload 2.0): the ping and two
  deliveries, with the demo client's hook secret in `X-Connector-Hook-Secret`: the local-only
  `DEMO_VTEX_HOOK_SECRET` of local/stack.env, which the seeding of the local stack stores as the client's
  secret (`<stack>/vtex-hook/<client_hash>`; a deployed stack's secret is random, from ORDERHOOK-MANAGEMENT,
  and ORDERHOOK-MANAGEMENT's rotate replaces it); `bad-wrong-secret` is refused by design.
- VtexOrdersProcessorFunction: SQS batches of verified deliveries (canceled, invoiced).
- OrderHookManagementFunction: each action, and an invalid one.
- VtexMarketplaceFunction: the callbacks, with the callback token derived from local/stack.env's internal
  webhook secret (sandbox-only value, as the auth samples do): valid for the local stack; `bad-no-token`
  is refused. Orders, invoice numbers and the NF-e are synthetic (no buyer data).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.generate import http_event, render
from local.env import stack_env
from tiktok_vtex.vtex_orders.callback_auth import callback_token

ROOT = Path(__file__).resolve().parent
ORDER_ID = "576600000000000001"


def _http(path: str, route: str, body: dict[str, Any], headers: dict[str, str],
          params: dict[str, str]) -> dict[str, Any]:
    event = http_event(json.dumps(body, separators=(",", ":")).encode(), {"user-agent": "VTEX", **headers})
    event.update(routeKey=f"POST {route}", rawPath=path, pathParameters=params)
    event["requestContext"]["http"].update(path=path, userAgent="VTEX")
    event["requestContext"]["routeKey"] = f"POST {route}"
    return event


def _sqs(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": [{
        "messageId": f"0000000{n}-0000-4000-8000-000000000015", "receiptHandle": "sample", "body": json.dumps(b),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1764594000000", "SenderId": "sample",
                       "ApproximateFirstReceiveTimestamp": "1764594000000"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:integracao-tik-tok-vtex-orders",
        "awsRegion": "us-east-1"} for n, b in enumerate(bodies)]}


def vtex_order_events() -> dict[str, dict[str, Any]]:
    env = stack_env()
    client = env["DEMO_CLIENT_HASH"]
    vtex_id = f"{env['VTEX_AFFILIATE_ID']}-{ORDER_ID}-01"
    hook_route = "/vtex/orderhook/{client_hash}"
    hook_path = f"/vtex/orderhook/{client}"

    def delivery(state: str, last: str, when: str) -> dict[str, Any]:
        return {"Domain": "Fulfillment", "OrderId": vtex_id, "State": state, "LastState": last, "LastChange": when,
                "CurrentChange": when, "Origin": {"Account": env["VTEX_ACCOUNT"], "Key": "vtexappkey-sample"}}

    def hook(body: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
        header = {"x-connector-hook-secret": secret or env["DEMO_VTEX_HOOK_SECRET"]}
        return _http(hook_path, hook_route, body, header, {"client_hash": client})

    segment = f"{client}.{callback_token(env['INTERNAL_WEBHOOK_SECRET'], client)}"

    def callback(tail: str, route_tail: str, body: dict[str, Any], seg: str = segment) -> dict[str, Any]:
        route = f"/vtex/marketplace/{{client_hash}}/pvt/orders/{{marketplaceOrderId}}/{route_tail}"
        return _http(f"/vtex/marketplace/{seg}/pvt/orders/{ORDER_ID}/{tail}", route, body, {},
                     {"client_hash": seg, "marketplaceOrderId": ORDER_ID})

    invoice = {"type": "Output", "invoiceNumber": "1234", "invoiceValue": 11215, "issuanceDate": "2026-12-01",
               "invoiceKey": "35261200000000000191550010000012341000012345", "items": [],
               "embeddedInvoice": "<nfeProc versao=\"4.00\"><!-- synthetic NF-e --></nfeProc>",
               "courier": None, "trackingNumber": None, "trackingUrl": None}
    hook_message = {"clientHash": client, "type": "vtexOrderHook", "vtexOrderId": vtex_id, "lastState": "handling",
                    "changedAt": 1764594000000000, "receivedMs": 1764594000123}
    return {
        "VtexOrderHookFunction/ping": hook({"hookConfig": "ping"}),
        "VtexOrderHookFunction/delivery-canceled": hook(delivery("canceled", "cancel", "2026-12-01T13:00:00.1234567Z")),
        "VtexOrderHookFunction/delivery-invoiced": hook(delivery("invoiced", "invoice", "2026-12-01T13:05:00Z")),
        "VtexOrderHookFunction/bad-wrong-secret": hook(delivery("canceled", "cancel", "2026-12-01T13:00:00Z"),
                                                       "not-the-secret"),
        "VtexOrdersProcessorFunction/sqs-canceled": _sqs([{**hook_message, "state": "canceled"}]),
        "VtexOrdersProcessorFunction/sqs-invoiced": _sqs([{**hook_message, "state": "invoiced"}]),
        **{f"OrderHookManagementFunction/{action}": {"type": "dispatchGenerateOrderHook", "clientHash": client,
                                                     "action": action}
           for action in ("configure", "show", "replace", "rotate", "remove")},
        "OrderHookManagementFunction/bad-action": {"clientHash": client, "action": "explode"},
        "VtexMarketplaceFunction/invoice": callback("invoice", "invoice", invoice),
        "VtexMarketplaceFunction/invoice-tracking": callback(
            "invoice/1234", "invoice/{invoiceNumber}",
            {"courier": "Correios", "trackingNumber": "BR000000000BR", "trackingUrl": "https://rastreio.example/x"}),
        "VtexMarketplaceFunction/tracking-events": callback(
            "invoice/1234/tracking", "invoice/{invoiceNumber}/tracking",
            {"isDelivered": False, "events": [{"city": "São Paulo", "state": "SP", "description": "Em trânsito",
                                               "date": "2026-12-02T10:00:00Z"}]}),
        "VtexMarketplaceFunction/cancel": callback("cancel", "cancel", {"reason": "Produto sem estoque"}),
        "VtexMarketplaceFunction/bad-no-token": callback("cancel", "cancel", {"reason": "x"}, seg=client),
    }


def main() -> None:
    events = vtex_order_events()
    for name, event in events.items():
        path = ROOT / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(event), encoding="utf-8")
    print(f"wrote {len(events)} events under {ROOT}")


if __name__ == "__main__":
    main()
