"""VTEX orders test world: the template in moto, VTEX-ORDERHOOK's environment, a client with a hook secret."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from events import generate
from tests.unit.orders.fakes_orders import LambdaContextStub, ModuleMoto
from tests.unit.webhooks.conftest import module_function_env  # noqa: F401 (fixture)
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository
from tiktok_vtex.vtex_orders.hook_secrets import HOOK_SECRET_HEADER, HookSecret, HookSecretStore

CLIENT = "680b0418c0a43b6c829bb93659ceb3e5608830fc"


def hook_event(client_hash: str, raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    event = generate.http_event(raw, headers)
    path = f"/vtex/orderhook/{client_hash}"
    event.update(routeKey="POST /vtex/orderhook/{client_hash}", rawPath=path,
                 pathParameters={"client_hash": client_hash})
    event["headers"]["user-agent"] = "VTEX-Hook"
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["routeKey"] = "POST /vtex/orderhook/{client_hash}"
    return event


def delivery(order_id: str = "MKP-576600000000000001-01", state: str = "ready-for-handling",
             last_change: str = "2026-12-01T13:00:00.1234567Z", **extra: Any) -> dict[str, Any]:
    return {"Domain": "Fulfillment", "OrderId": order_id, "State": state, "LastState": "window-to-cancel",
            "LastChange": last_change, "CurrentChange": last_change,
            "Origin": {"Account": "demostore", "Key": "vtexappkey-demostore-ABCDEF"}, **extra}


@dataclass
class HookWorld:
    env: dict[str, str]
    handler: Any
    sqs: Any
    store: HookSecretStore
    secret: HookSecret
    ledger: WebhookEventRepository

    def post(self, body: dict[str, Any] | bytes, *, secret: str | None = "", client_hash: str = CLIENT,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = dict(headers or {})
        if secret is not None:
            all_headers[HOOK_SECRET_HEADER] = secret or self.secret.current
        answer = self.handler.lambda_handler(hook_event(client_hash, raw, all_headers), LambdaContextStub())
        return answer["statusCode"], json.loads(answer["body"] or "{}")

    def messages(self) -> list[dict[str, Any]]:
        return drain(self.sqs, self.env["VTEX_ORDERS_QUEUE_URL"])


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                       WaitTimeSeconds=0).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def forget_secret(store: HookSecretStore, client_hash: str) -> None:
    """Deleted at once (a normal delete leaves it scheduled, and its name taken, for days)."""
    from tiktok_vtex import aws

    sm = aws.client("secretsmanager")
    with contextlib.suppress(sm.exceptions.ResourceNotFoundException):
        sm.delete_secret(SecretId=store.name(client_hash), ForceDeleteWithoutRecovery=True)


@pytest.fixture
def hook_world(module_moto: ModuleMoto, module_function_env: Callable[[str], dict[str, str]]  # noqa: F811
               ) -> Iterator[HookWorld]:
    env = module_function_env("VtexOrderHookFunction")
    from vtex_orders import hook

    from tiktok_vtex import aws

    hook.intake.cache_clear()
    hook.once.cache_clear()
    sqs = aws.client("sqs")
    drain(sqs, env["VTEX_ORDERS_QUEUE_URL"])
    store = HookSecretStore(aws.client("secretsmanager"), env["VTEX_SECRET_PREFIX"])
    forget_secret(store, CLIENT)
    secret, _ = store.ensure(CLIENT)
    yield HookWorld(env=env, handler=hook, sqs=sqs, store=store, secret=secret,
                    ledger=WebhookEventRepository(env["WEBHOOK_EVENTS_TABLE"]))
    hook.intake.cache_clear()
    hook.once.cache_clear()


def marketplace_event(segment: str, tail: str, body: bytes | dict[str, Any] | None,
                      scope: str = "pvt") -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    event = generate.http_event(raw, {"user-agent": "VTEX"})
    path = f"/vtex/marketplace/{segment}/{scope}/orders/{tail}"
    event.update(rawPath=path, routeKey=f"POST {path}")
    event["requestContext"]["http"]["path"] = path
    return event
