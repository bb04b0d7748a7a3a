"""Writes the sample events of the VTEX notification functions (run: `python -m events.vtex_notifications`).

VtexNotificationFunction: HTTP API events of `POST /vtex/notification/{client_hash}/{token}/api/notification/`
as VTEX sends them (both field casings), with the demo client's token derived from local/stack.env's
INTERNAL_WEBHOOK_SECRET (a local-only value), and refusals to try by hand. VtexNotificationSyncFunction: an
SQS batch of what the intake queues (a burst for the SKUs of one product, and a removal from the affiliate).
Tests check that the committed files are what this script produces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.stock_prices import _sqs, render
from local.env import stack_env
from local.fixtures.demo_catalog import demo_catalog
from tiktok_vtex.notifications.token import notification_token

ROOT = Path(__file__).resolve().parent
MODIFIED = "2026-01-01T12:00:00.000Z"
MODIFIED_MS = 1_767_268_800_000


def token(client_hash: str | None = None) -> str:
    env = stack_env()
    return notification_token(env["INTERNAL_WEBHOOK_SECRET"], client_hash or env["DEMO_CLIENT_HASH"])


def notification(sku_id: int, product_id: int, *, legacy: bool = False, **flags: Any) -> dict[str, Any]:
    env = stack_env()
    body = {"idSKU": str(sku_id), "productId": product_id, "an": env["VTEX_ACCOUNT"],
            "idAffiliate": env["VTEX_AFFILIATE_ID"], "DateModified": MODIFIED, "isActive": True,
            "StockModified": False, "PriceModified": False, "HasStockKeepingUnitModified": False,
            "HasStockKeepingUnitRemovedFromAffiliate": False}
    body.update(flags)
    if legacy:
        renames = {"idSKU": "IdSku", "productId": "ProductId", "an": "An", "idAffiliate": "IdAffiliate",
                   "isActive": "IsActive"}
        body = {renames.get(k, k): v for k, v in body.items()}
    return body


def http_event(client_hash: str, token_value: str, raw: bytes, *, rest: str = "api/notification/",
               base64_body: bool = False) -> dict[str, Any]:
    """An HTTP API payload 2.0 event of the notification route (the path parameters API Gateway extracts)."""
    import base64

    path = f"/vtex/notification/{client_hash}/{token_value}/{rest}"
    route = "POST /vtex/notification/{client_hash}/{token}/{proxy+}"
    return {
        "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json; charset=utf-8", "user-agent": "VTEX-Notification"},
        "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": "localhost",
                           "domainPrefix": "localhost", "http": {"method": "POST", "path": path,
                                                                 "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                                                 "userAgent": "VTEX-Notification"},
                           "requestId": "sample", "routeKey": route, "stage": "$default",
                           "time": "01/Jan/2026:12:00:00 +0000", "timeEpoch": MODIFIED_MS},
        "pathParameters": {"client_hash": client_hash, "token": token_value, "proxy": rest},
        "body": base64.b64encode(raw).decode() if base64_body else raw.decode("utf-8", "surrogatepass"),
        "isBase64Encoded": base64_body,
    }


def queued(client_hash: str, sku_id: int, product_id: int, **flags: Any) -> dict[str, Any]:
    return {"type": "vtexNotification", "clientHash": client_hash, "skuId": str(sku_id),
            "productId": str(product_id), "modifiedMs": MODIFIED_MS, "receivedMs": MODIFIED_MS + 250,
            "isActive": True, "stock": False, "price": False, "sku": False, "removed": False, **flags}


def samples() -> dict[str, dict[str, Any]]:
    env = stack_env()
    client = env["DEMO_CLIENT_HASH"]
    product = demo_catalog(products=1)["products"][0]
    first = product["skus"][0]
    stock = json.dumps(notification(first["id"], product["id"], StockModified=True)).encode()
    legacy = json.dumps(notification(first["id"], product["id"], legacy=True, PriceModified=True)).encode()
    removed = json.dumps(notification(first["id"], product["id"],
                                      HasStockKeepingUnitRemovedFromAffiliate=True)).encode()
    other = json.dumps(notification(first["id"], product["id"], an="anotherstore", StockModified=True)).encode()
    burst = [queued(client, s["id"], product["id"], stock=True, price=n % 2 == 0)
             for n, s in enumerate(product["skus"])]
    return {
        "VtexNotificationFunction/stock-modified": http_event(client, token(), stock),
        "VtexNotificationFunction/price-modified-legacy-casing": http_event(client, token(), legacy),
        "VtexNotificationFunction/removed-from-affiliate": http_event(client, token(), removed),
        "VtexNotificationFunction/bad-wrong-token": http_event(client, "0" * 40, stock),
        "VtexNotificationFunction/bad-other-account": http_event(client, token(), other),
        "VtexNotificationFunction/bad-broken-json": http_event(client, token(), b'{"idSKU": '),
        "VtexNotificationSyncFunction/sqs-burst-one-product": _sqs(*burst, queue="vtex-notificacao"),
        "VtexNotificationSyncFunction/sqs-removed-from-affiliate": _sqs(
            queued(client, first["id"], product["id"], removed=True), queue="vtex-notificacao"),
    }


def main() -> None:
    for name, event in samples().items():
        path = ROOT / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(event), encoding="utf-8")
        print(path.relative_to(ROOT.parent))


if __name__ == "__main__":
    main()
