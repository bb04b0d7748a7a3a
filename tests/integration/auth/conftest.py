"""Auth integration fixtures: moto (template provisioned in-process) + the TikTok sandbox on loopback."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tiktok_vtex.models.client import Client
from tiktok_vtex.observability import logger as app_logger


@dataclass
class RecordingDispatcher:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, messages: Any) -> int:
        self.sent.extend(dict(m) for m in messages)
        return len(messages)


@dataclass
class AuthWorld:
    env: dict[str, str]
    stack_env: dict[str, str]
    sandbox_url: str
    sandbox: Any  # local.tiktok_sandbox.state.Sandbox
    wiring: Any  # functions/auth/handler.Wiring
    http: httpx.Client
    state_secret: str

    @property
    def client_hash(self) -> str:
        return self.stack_env["DEMO_CLIENT_HASH"]

    @property
    def shop_id(self) -> str:
        return self.stack_env["DEMO_SHOP_ID"]

    @property
    def shop_code(self) -> str:
        return self.stack_env["DEMO_SHOP_CODE"]

    def register_client(self, client_hash: str, shop_code: str) -> None:
        self.wiring.clients.put_client(Client(client_hash=client_hash, tik_tok_shop_store_id=shop_code))

    def consent(self, shop_id: str | None = None) -> str:
        """The seller consents in the sandbox; returns the auth code (tests only: the demo never prints it)."""
        answer = self.http.post(f"{self.sandbox_url}/sandbox/consent", json={"shop_id": shop_id or self.shop_id})
        answer.raise_for_status()
        return answer.json()["code"]

    def calls(self, key: str) -> int:
        answer = self.http.get(f"{self.sandbox_url}/sandbox/calls").json()
        return int(answer["calls"].get(key, 0))

    def all_token_values(self) -> list[str]:
        return list(self.sandbox.access_tokens) + list(self.sandbox.refresh_tokens)

    def dump_tables(self) -> str:
        """Every item of every table of the stack, as text (to look for plain tokens)."""
        import boto3

        client = boto3.client("dynamodb")
        dumped = []
        for name in client.list_tables()["TableNames"]:
            for page in client.get_paginator("scan").paginate(TableName=name):
                dumped.append(json.dumps(page["Items"], default=str))
        return "\n".join(dumped)


@pytest.fixture
def auth_world(function_env: Callable[[str], dict[str, str]], tiktok_sandbox: Any, stack_env: dict[str, str],
               monkeypatch: pytest.MonkeyPatch) -> Iterator[AuthWorld]:
    from auth import handler

    from local.tiktok_sandbox import sandbox_of
    from tiktok_vtex.settings import get_settings, load_app_secrets

    handler.wiring.cache_clear()
    env = function_env("AuthCodesManagerFunction")
    monkeypatch.setenv("TIKTOK_API_BASE_URL", tiktok_sandbox.base_url)
    monkeypatch.setenv("TIKTOK_AUTH_BASE_URL", tiktok_sandbox.base_url)
    get_settings.cache_clear()
    settings = get_settings()
    secrets = load_app_secrets(settings)
    http = httpx.Client(timeout=10)
    wiring = handler.Wiring(settings, secrets, http=httpx.Client(timeout=10))
    world = AuthWorld(env, stack_env, tiktok_sandbox.base_url, sandbox_of(tiktok_sandbox.app), wiring, http,
                      secrets.oauth_state_secret.get_secret_value())
    world.register_client(world.client_hash, world.shop_code)
    yield world
    http.close()
    wiring.http.close()


@dataclass
class CapturedLogs:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured_logs() -> Iterator[CapturedLogs]:
    """Everything our logger and third-party loggers write, through the production (redacting) formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app_logger.registered_formatter)
    handler.setLevel(logging.DEBUG)
    targets = [app_logger._logger, logging.getLogger()]
    levels = [t.level for t in targets]
    for target in targets:
        target.addHandler(handler)
        target.setLevel(logging.DEBUG if target is app_logger._logger else logging.INFO)
    try:
        yield CapturedLogs(stream)
    finally:
        for target, level in zip(targets, levels, strict=True):
            target.removeHandler(handler)
            target.setLevel(level)


@pytest.fixture
def atomic_moto_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies a conditional write atomically per item and serialises reads consistently; moto
    checks-then-writes in Python and serialises the live item after the backend call, so threads can
    interleave (lost conditions, "dictionary changed size"). Serialise moto's DynamoDB requests to restore
    DynamoDB's guarantees; the code under test is unchanged."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    original = DynamoHandler.call_action

    def locked(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", locked)
