"""Fixtures: the VTEX sandbox on an ephemeral port with an injected clock, a client against it, a hook receiver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from flask import Flask, request

from local.httpserver import serve_in_thread
from local.vtex_sandbox import create_app
from tests.fakes import FakeTime
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.vtex import VtexClient, parse_vtex_credentials


@dataclass
class Sandbox:
    base_url: str
    app: Flask
    env: dict[str, str]
    admin: httpx.Client

    @property
    def store(self) -> Any:
        return self.app.extensions["vtex_sandbox"]["store"]

    def post(self, path: str, body: Any = None) -> Any:
        response = self.admin.post(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def put(self, path: str, body: Any) -> Any:
        response = self.admin.put(path, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, path: str) -> Any:
        response = self.admin.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def template(self) -> str:
        return self.base_url + "/{account}"


@pytest.fixture(scope="module")
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture(scope="module")
def vtex_env(stack_env: dict[str, str]) -> dict[str, str]:
    # no default rate limit here: the fake clock only moves when told, the limiter has its own tests
    return {
        **stack_env,
        "VTEX_SANDBOX_CANCEL_WINDOW_SECONDS": "30",
        "VTEX_SANDBOX_HOOK_RETRY_DELAYS": "0.01,0.02",
        "VTEX_SANDBOX_RATE_LIMIT_PER_MINUTE": "0",
    }


@pytest.fixture(scope="module")
def served_sandbox(vtex_env: dict[str, str], fake_time: FakeTime) -> Iterator[Sandbox]:
    """One server per module (stopping a werkzeug server costs its 0.5 s poll); state is reset per test."""
    app = create_app(vtex_env, clock=fake_time.clock, ticker=False)
    base_url, stop = serve_in_thread(app)
    admin = httpx.Client(base_url=base_url, timeout=10, trust_env=False)
    try:
        yield Sandbox(base_url, app, vtex_env, admin)
    finally:
        admin.close()
        app.extensions["vtex_sandbox"]["close"]()
        stop()


@pytest.fixture
def sandbox(served_sandbox: Sandbox, hook_receiver: HookReceiver) -> Sandbox:
    served_sandbox.post("/sandbox/reset", {"seed": "demo"})
    served_sandbox.post(
        "/sandbox/config",
        {
            "cancel_window_seconds": 30,
            "place_order_response": "array",
            "price_divergence": "accept",
            "rate_limit_per_minute": 0,
        },
    )
    hook_receiver.calls.clear()
    hook_receiver.statuses.clear()
    hook_receiver.callbacks.clear()
    hook_receiver.callback_statuses.clear()
    return served_sandbox


@pytest.fixture
def make_client(sandbox: Sandbox, fake_time: FakeTime) -> Iterator[Callable[..., VtexClient]]:
    clients: list[VtexClient] = []

    def build(*, app_token: str | None = None, timeout: float = 10.0, **policy: Any) -> VtexClient:
        env = sandbox.env
        creds = parse_vtex_credentials(
            {
                "account": env["VTEX_ACCOUNT"],
                "app_key": env["VTEX_APP_KEY"],
                "app_token": app_token or env["VTEX_APP_TOKEN"],
                "affiliate_id": env["VTEX_AFFILIATE_ID"],
                "sales_channel": env["VTEX_SALES_CHANNEL"],
                "warehouse_ids": env["VTEX_WAREHOUSE_ID"],
            }
        )
        retry = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock, rng=lambda: 1.0, **policy)
        client = VtexClient(
            creds,
            base_url_template=sandbox.template(),
            pricing_base_url_template=sandbox.template(),
            retry=retry,
            timeout=timeout,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., VtexClient]) -> VtexClient:
    return make_client()


# Where the orders these tests place want VTEX's marketplace callbacks (invoice, tracking, cancel): the hook
# receiver's `/vtex/marketplace` route once it runs (a cancel waits for the marketplace's 200).
MARKETPLACE = {"endpoint": "http://127.0.0.1:9/vtex/marketplace/test"}


@dataclass
class HookReceiver:
    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # scripted answers, then 200
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # marketplace callbacks (path, body)
    callback_statuses: list[int] = field(default_factory=list)  # scripted answers, then 200

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(list(self.calls)):
                return
            time.sleep(0.01)
        raise AssertionError(f"hook condition not met; calls: {self.calls}")

    def states(self, order_id: str) -> list[str]:
        return [c["body"]["State"] for c in self.calls if c["body"].get("OrderId") == order_id]


@pytest.fixture(scope="module")
def hook_receiver() -> Iterator[HookReceiver]:
    app = Flask("hook_receiver")
    receiver = HookReceiver(url="")

    @app.post("/vtex/orderhook")
    def orderhook() -> tuple[str, int]:
        receiver.calls.append({"body": request.get_json(), "headers": dict(request.headers)})
        status = receiver.statuses.pop(0) if receiver.statuses else 200
        return "", status

    @app.post("/vtex/marketplace/test/<path:rest>")
    def marketplace(rest: str) -> tuple[str, int]:
        receiver.callbacks.append({"path": rest, "body": request.get_json()})
        status = receiver.callback_statuses.pop(0) if receiver.callback_statuses else 200
        return '{"date": "2026-12-01T00:00:00Z", "orderId": "x", "receipt": "r"}', status

    base_url, stop = serve_in_thread(app)
    receiver.url = base_url + "/vtex/orderhook"
    MARKETPLACE["endpoint"] = base_url + "/vtex/marketplace/test"
    try:
        yield receiver
    finally:
        stop()
