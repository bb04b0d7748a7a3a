"""Orders integration: the template in moto (in-process), both sandboxes on loopback, WEBHOOK served over
HTTP for the TikTok sandbox's pushes, and the queues drained into the real handlers."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
import pytest
from flask import Flask, Response, request

from tests.unit.orders.fakes_orders import LambdaContextStub, make_dynamodb_writes_atomic
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.products import SellerSku


def sqs_record(body: str) -> dict[str, Any]:
    return {"messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1", "SenderId": "x",
                           "ApproximateFirstReceiveTimestamp": "1"},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}


@dataclass
class FlowWorld:
    stack: Any
    stack_env: dict[str, str]
    tiktok: Any  # ServedSandbox
    vtex: Any
    sandbox: Any  # TikTok sandbox state
    http: httpx.Client
    webhook_url: str
    handlers: dict[str, Any]
    client_hash: str
    shop_id: str
    catalog: dict[str, Any]
    # waits until no push is still inside the webhook handler: a delivery the sandbox gave up on (its 3 s
    # acknowledgement timeout, under load) is still being handled, and would queue its message after a pump
    webhook_idle: Callable[[], None] = field(default=lambda: None)

    def drain(self, logical_id: str) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        url = self.stack.physical_ids[logical_id]
        records = []
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return records
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                records.append(sqs_record(message["Body"]))

    def pump(self) -> None:
        """Delivers queued messages to their consumers (as the runtime's SQS pollers do) until idle."""
        self.webhook_idle()
        while True:
            moved = 0
            for queue, handler in (("WebhookQueue", "worker"), ("OrdersQueue", "orders")):
                records = self.drain(queue)
                moved += len(records)
                for start in range(0, len(records), 10):
                    answer = self.handlers[handler].lambda_handler({"Records": records[start:start + 10]},
                                                                   LambdaContextStub())
                    assert answer == {"batchItemFailures": []}, answer
            if not moved:
                return

    def vtex_orders(self, marketplace_order_id: str) -> list[dict[str, Any]]:
        orders = self.http.get(f"{self.vtex.base_url}/sandbox/state/orders").json()
        return [o for o in orders if o["marketplaceOrderId"] == marketplace_order_id]

    def create_order(self, sku_quantities: list[tuple[str, int]], **spec: Any) -> dict[str, Any]:
        body = {"shop_id": self.shop_id, "items": [{"seller_sku": s, "quantity": q} for s, q in sku_quantities],
                "notify": False, "status": "AWAITING_SHIPMENT", "shipping_fee": "15.90", **spec}
        answer = self.http.post(f"{self.tiktok.base_url}/sandbox/orders", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def push(self, type_: int, data: dict[str, Any], *, repeat: int = 1,
             notification_id: str | None = None) -> list[dict[str, Any]]:
        answer = self.http.post(f"{self.tiktok.base_url}/sandbox/webhooks/push", json={
            "url": self.webhook_url, "type": type_, "shop_id": self.shop_id, "data": data, "repeat": repeat,
            "tts_notification_id": notification_id})
        assert answer.status_code == 200, answer.text
        return answer.json()["deliveries"]


class InFlight:
    """Requests inside a handler; `wait_idle` returns once there are none (or after `timeout`)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *_exc: object) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._count == 0, timeout)


def webhook_app(handler: Any) -> Flask:
    """POST /tiktok/webhook -> the WEBHOOK Lambda handler with an HTTP API v2 event (what API Gateway does)."""
    from events.generate import http_event

    app = Flask("webhook-under-test")
    in_flight = InFlight()
    app.extensions["in_flight"] = in_flight

    @app.post("/tiktok/webhook")
    def webhook() -> Response:
        event = http_event(request.get_data(), {k.lower(): v for k, v in request.headers.items()})
        with in_flight:
            answer = handler.lambda_handler(event, LambdaContextStub())
        return Response(answer["body"], status=answer["statusCode"], content_type="application/json")

    @app.post("/vtex/marketplace/<path:rest>")
    def marketplace(rest: str) -> Response:
        # VTEX's callbacks to the orders' marketplaceServicesEndpoint: a marketplace that accepts them (VTEX
        # cancels an order only after this 200); the real VTEX-MARKETPLACE is driven in tests/integration/vtexorders
        body = json.dumps({"date": "2026-12-01T00:00:00Z", "orderId": rest.split("/")[2], "receipt": "accepted"})
        return Response(body, status=200, content_type="application/json")

    return app


@pytest.fixture
def flow(stack: Any, function_env: Callable[[str], dict[str, str]], stack_env: dict[str, str], tiktok_sandbox: Any,
         vtex_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlowWorld]:
    from orders import handler as orders_handler
    from orders import wiring as orders_wiring
    from webhook import handler as webhook_handler
    from webhook import worker

    from local.fixtures.demo_catalog import demo_catalog
    from local.httpserver import serve_in_thread
    from local.tiktok_sandbox import sandbox_of
    from tiktok_vtex.auth.shop_access import ensure_client_active
    from tiktok_vtex.clients.retry import RetryPolicy
    from tiktok_vtex.clients.tiktok import StaticAccessToken, TikTokShopClient
    from tiktok_vtex.clients.vtex.credentials import vtex_secret_name
    from tiktok_vtex.observability import metrics
    from tiktok_vtex.repositories.clients import ClientRepository
    from tiktok_vtex.repositories.products import ProductRepository
    from tiktok_vtex.settings import get_settings

    make_dynamodb_writes_atomic(monkeypatch)
    monkeypatch.setattr(metrics, "namespace", "TikTokVtexConnectorTest")
    # one process plays every function: the union of their environments
    function_env("OrdersFunction")
    for logical_id in ("WebhookFunction", "WebhookProcessorFunction"):
        for key, value in stack.function_environment(logical_id).items():
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", tiktok_sandbox.base_url)
    monkeypatch.setenv("TIKTOK_AUTH_BASE_URL", tiktok_sandbox.base_url)
    monkeypatch.setenv("VTEX_BASE_URL_TEMPLATE", vtex_sandbox.base_url + "/{account}")
    monkeypatch.setenv("VTEX_PRICING_BASE_URL_TEMPLATE", vtex_sandbox.base_url + "/{account}")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:3000")
    get_settings.cache_clear()
    caches = (orders_wiring.wiring, worker.router, webhook_handler.secrets, webhook_handler.once,
              webhook_handler.intake, webhook_handler.ledger)
    for cache in caches:
        cache.cache_clear()
    settings = get_settings()

    http = httpx.Client(timeout=15)
    for served in (tiktok_sandbox, vtex_sandbox):
        http.post(f"{served.base_url}/sandbox/seed/demo", json={"products": 2}).raise_for_status()
    catalog = demo_catalog(products=2)
    sandbox = sandbox_of(tiktok_sandbox.app)
    client_hash, shop_id = stack_env["DEMO_CLIENT_HASH"], stack_env["DEMO_SHOP_ID"]
    shop = sandbox.shops[shop_id]
    clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)
    clients.put_shop_link(ShopLink(client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED,
                                   cipher=shop["cipher"], tik_tok_shop_store_id=shop_id))
    secret = {"account": stack_env["VTEX_ACCOUNT"], "app_key": stack_env["VTEX_APP_KEY"],
              "app_token": stack_env["VTEX_APP_TOKEN"], "warehouse_ids": [stack_env["VTEX_WAREHOUSE_ID"]],
              "sales_channel": stack_env["VTEX_SALES_CHANNEL"], "affiliate_id": stack_env["VTEX_AFFILIATE_ID"]}
    boto3.client("secretsmanager").create_secret(Name=vtex_secret_name(client_hash, settings.vtex_secret_prefix),
                                                 SecretString=json.dumps(secret))
    ProductRepository(settings.tables.products_seller_sku).put_many([
        SellerSku(client_hash=client_hash, seller_sku=s["seller_sku"], product_id=str(p["id"]),
                  tik_tok_product_id=p["tiktok_product_id"], tik_tok_sku_id=s["tiktok_sku_id"],
                  vtex_sku_id=str(s["id"])) for p in catalog["products"] for s in p["skus"]])

    token = sandbox.issue_tokens(shop_id)["access_token"]
    no_wait = RetryPolicy(sleep=lambda _s: None, max_attempts=4)

    def tiktok(self: Any, wanted: str) -> TikTokShopClient:
        ensure_client_active(self.clients.get_shop_link(wanted), wanted)  # production's link check
        return TikTokShopClient(app_key=stack_env["TIKTOK_APP_KEY"], app_secret=stack_env["TIKTOK_APP_SECRET"],
                                base_url=tiktok_sandbox.base_url, shop_cipher=shop["cipher"],
                                tokens=StaticAccessToken(token), shop_id=shop_id, retry=no_wait)

    monkeypatch.setattr(orders_wiring.OrdersWiring, "tiktok", tiktok)
    app = webhook_app(webhook_handler)
    base_url, stop = serve_in_thread(app)
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)  # orders name it as their marketplaceServicesEndpoint
    get_settings.cache_clear()
    orders_wiring.wiring.cache_clear()
    yield FlowWorld(stack, stack_env, tiktok_sandbox, vtex_sandbox, sandbox, http, base_url + "/tiktok/webhook",
                    {"orders": orders_handler, "worker": worker}, client_hash, shop_id, catalog,
                    app.extensions["in_flight"].wait_idle)
    stop()
    http.close()
    for cache in caches:
        cache.cache_clear()
