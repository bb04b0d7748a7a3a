"""Auth integration fixtures: moto (template provisioned in-process) + the TikTok sandbox on loopback."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
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


def _reset_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from tiktok_vtex import aws as aws_clients
    from tiktok_vtex.auth import shop_access, tokens
    from tiktok_vtex.settings import get_settings

    aws_clients.reset()
    get_settings.cache_clear()
    parameters.clear_caches()
    tokens._plaintexts.clear()
    shop_access._http = None


@dataclass
class AuthModule:
    stack: Any  # local.provision.ProvisionedStack
    sandbox_url: str
    sandbox_app: Any
    http: httpx.Client  # one pool per module: building a client costs ~0.1 s


@pytest.fixture(scope="module")
def auth_module(stack_env: dict[str, str], template: dict[str, Any]) -> Iterator[AuthModule]:
    """moto (template provisioned once) and the TikTok sandbox (served once) for a whole test module;
    `auth_world` empties the tables and resets the sandbox before each test, which is much cheaper than
    provisioning the template again (the shared `stack` fixture does that per test)."""
    from moto import mock_aws

    from local.httpserver import serve_in_thread
    from local.provision import provision
    from local.template import parameters_from_stack_env
    from local.tiktok_sandbox import create_app

    patch = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            patch.delenv(name)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": stack_env["AWS_REGION"], "AWS_REGION": stack_env["AWS_REGION"],
                        "POWERTOOLS_TRACE_DISABLED": "true"}.items():
        patch.setenv(name, value)
    app = create_app(stack_env)
    base_url, stop = serve_in_thread(app)
    try:
        with mock_aws():
            _reset_caches()
            stack = provision(Path(__file__).resolve().parents[3] / "template.yaml",
                              parameters=parameters_from_stack_env(template, stack_env),
                              region=stack_env["AWS_REGION"])
            with httpx.Client(timeout=10) as http:
                yield AuthModule(stack, base_url, app, http)
    finally:
        stop()
        _reset_caches()
        patch.undo()


def _empty_tables() -> None:
    import boto3

    client = boto3.client("dynamodb")
    for name in client.list_tables()["TableNames"]:
        keys = [k["AttributeName"] for k in client.describe_table(TableName=name)["Table"]["KeySchema"]]
        for page in client.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                client.delete_item(TableName=name, Key={k: item[k] for k in keys})


@pytest.fixture
def auth_world(auth_module: AuthModule, stack_env: dict[str, str],
               monkeypatch: pytest.MonkeyPatch) -> AuthWorld:
    from auth import callback, handler

    from local.tiktok_sandbox import sandbox_of
    from tiktok_vtex.settings import get_settings, load_app_secrets

    _empty_tables()
    auth_module.http.post(f"{auth_module.sandbox_url}/sandbox/reset").raise_for_status()
    handler.wiring.cache_clear()
    callback.wiring.cache_clear()
    env = auth_module.stack.function_environment("AuthCodesManagerFunction")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", auth_module.sandbox_url)
    monkeypatch.setenv("TIKTOK_AUTH_BASE_URL", auth_module.sandbox_url)
    _reset_caches()
    settings = get_settings()
    secrets = load_app_secrets(settings)
    wiring = handler.Wiring(settings, secrets, http=auth_module.http)
    world = AuthWorld(env, stack_env, auth_module.sandbox_url, sandbox_of(auth_module.sandbox_app), wiring,
                      auth_module.http, secrets.oauth_state_secret.get_secret_value())
    world.register_client(world.client_hash, world.shop_code)
    return world


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
