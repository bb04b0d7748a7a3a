"""Webhook test world: the template in moto, WEBHOOK's environment, a linked demo shop, signed samples."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from events import generate
from tests.unit.orders.fakes_orders import LambdaContextStub, make_dynamodb_writes_atomic
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository


@dataclass
class WebhookWorld:
    stack: Any
    env: dict[str, str]
    handler: Any  # functions/webhook/handler module
    sqs: Any
    ledger: WebhookEventRepository

    @property
    def queue_url(self) -> str:
        return self.env["WEBHOOK_QUEUE_URL"]

    def call(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = self.handler.lambda_handler(event, LambdaContextStub())
        return answer["statusCode"], json.loads(answer["body"] or "{}")

    def post(
        self, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None, *, sign: bool = True
    ) -> tuple[int, dict[str, Any]]:
        raw = body if isinstance(body, bytes) else generate.encode(body)
        all_headers = dict(headers or {})
        if sign:
            all_headers["authorization"] = generate.tiktok_signature(raw)
        return self.call(generate.http_event(raw, all_headers))

    def messages(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            batch = answer.get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def _clear_handler_caches(handler: Any) -> None:
    for name in ("secrets", "once", "ledger", "intake"):
        getattr(handler, name).cache_clear()


@pytest.fixture(autouse=True)
def metrics_namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shared Metrics object was created before the test environment; give it a namespace."""
    from tiktok_vtex.observability import metrics

    monkeypatch.setattr(metrics, "namespace", "TikTokVtexConnectorTest")
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture
def webhook_world(
    stack: Any,
    function_env: Callable[[str], dict[str, str]],
    stack_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[WebhookWorld]:
    make_dynamodb_writes_atomic(monkeypatch)
    env = function_env("WebhookFunction")
    from webhook import handler

    from tiktok_vtex import aws

    _clear_handler_caches(handler)
    ClientRepository(env["CLIENT_TABLE"], env["CLIENT_TIKTOK_TABLE"]).put_shop_link(
        ShopLink(
            client_hash=stack_env["DEMO_CLIENT_HASH"],
            status=ShopLinkStatus.TOKEN_GENERATED,
            tik_tok_shop_store_id=stack_env["DEMO_SHOP_ID"],
            cipher="ROW_demo",
        )
    )
    yield WebhookWorld(
        stack=stack,
        env=env,
        handler=handler,
        sqs=aws.client("sqs"),
        ledger=WebhookEventRepository(env["WEBHOOK_EVENTS_TABLE"]),
    )
    _clear_handler_caches(handler)
