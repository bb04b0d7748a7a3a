"""Webhook test world: the template in moto, WEBHOOK's environment, a linked demo shop, signed samples."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from events import generate
from tests.unit.orders.fakes_orders import LambdaContextStub, ModuleMoto, make_dynamodb_writes_atomic
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


@pytest.fixture
def module_function_env(module_moto: ModuleMoto, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], dict[str, str]]:
    """Like the root `function_env`, on the module's moto: tables are emptied and queues purged per test."""
    from aws_lambda_powertools.utilities import parameters

    from tiktok_vtex import aws
    from tiktok_vtex.settings import get_settings

    module_moto.clear("IdempotencyTable", "WebhookEventsTable", "ClientTikTokTable", "OrdersTable",
                      "ProductsSellerSkuTable", "LogProductTable")
    sqs = aws.client("sqs")
    for logical_id in ("WebhookQueue", "OrdersQueue", "ShippingQueue"):  # PurgeQueue is limited to 1/min
        url = module_moto.stack.physical_ids[logical_id]
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                              VisibilityTimeout=0).get("Messages", []):
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])

    def apply(logical_id: str) -> dict[str, str]:
        env = module_moto.stack.function_environment(logical_id)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        parameters.clear_caches()
        return env

    return apply


@pytest.fixture
def webhook_world(module_moto: ModuleMoto, module_function_env: Callable[[str], dict[str, str]],
                  stack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookWorld]:
    make_dynamodb_writes_atomic(monkeypatch)
    env = module_function_env("WebhookFunction")
    from webhook import handler

    from tiktok_vtex import aws

    _clear_handler_caches(handler)
    ClientRepository(env["CLIENT_TABLE"], env["CLIENT_TIKTOK_TABLE"]).put_shop_link(ShopLink(
        client_hash=stack_env["DEMO_CLIENT_HASH"], status=ShopLinkStatus.TOKEN_GENERATED,
        tik_tok_shop_store_id=stack_env["DEMO_SHOP_ID"], cipher="ROW_demo"))
    yield WebhookWorld(stack=module_moto.stack, env=env, handler=handler, sqs=aws.client("sqs"),
                       ledger=WebhookEventRepository(env["WEBHOOK_EVENTS_TABLE"]))
    _clear_handler_caches(handler)
