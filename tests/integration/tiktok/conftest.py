"""The TikTok sandbox on an ephemeral loopback port, an authorized client for the demo shop, and a
webhook receiver. Retries never sleep for real (the RetryPolicy's sleep is a no-op)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from flask import Flask, request

from local.httpserver import serve_in_thread
from local.tiktok_sandbox import create_app, sandbox_of
from local.tiktok_sandbox.state import Sandbox
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.tiktok import NoRateLimit, StaticAccessToken, TikTokAuthClient, TikTokShopClient

NO_WAIT = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, total_budget=5, sleep=lambda s: None)

CATALOG = {
    "brands": [{"id": 1, "name": "Marca Um"}, {"id": 2, "name": "Marca Dois"}],
    "categories": [
        {"id": 1, "name": "Moda", "parent_id": None, "tiktok_category_id": "824328"},
        {"id": 11, "name": "Calçados", "parent_id": 1, "tiktok_category_id": "824584"},
    ],
    "products": [
        {
            "id": 1000 + p,
            "name": f"Sandália {p}",
            "description": "<p>Sandália</p>",
            "brand_id": 1 + p % 2,
            "category_id": 11,
            "tiktok_product_id": str(1729380000000001000 + p),
            "skus": [
                {
                    "id": 880400 + 10 * p + s,
                    "seller_sku": str(880400 + 10 * p + s),
                    "tiktok_sku_id": str(1729590000000880400 + 10 * p + s),
                    "name": f"Sandália {p} - Tamanho {34 + s}",
                    "ean": "7890008804006",
                    "images": [f"https://img.example/{p}/{s}.jpg"],
                    "list_price": "199.90",
                    "selling_price": "149.90",
                    "stock": {"1_1": 10 + s},
                }
                for s in range(2)
            ],
        }
        for p in range(3)
    ],
}


@dataclass
class Env:
    base_url: str
    app: Any
    env: dict[str, str]
    admin: httpx.Client
    http: httpx.Client
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def sb(self) -> Sandbox:
        return sandbox_of(self.app)

    @property
    def shop_id(self) -> str:
        return self.env["DEMO_SHOP_ID"]

    @property
    def warehouse_id(self) -> str:
        return self.env["DEMO_TIKTOK_WAREHOUSE_ID"]

    def post(self, path: str, json: Any = None) -> Any:
        response = self.admin.post(path, json=json or {})
        assert response.status_code in (200, 201), response.text
        return response.json()

    def get(self, path: str) -> Any:
        response = self.admin.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def auth(self, **kwargs: Any) -> TikTokAuthClient:
        return TikTokAuthClient(
            self.env["TIKTOK_APP_KEY"],
            self.env["TIKTOK_APP_SECRET"],
            self.base_url,
            retry=kwargs.pop("retry", NO_WAIT),
            http=kwargs.pop("http", self.http),
            **kwargs,
        )

    def grant(self, shop_id: str | None = None) -> Any:
        code = self.post("/sandbox/consent", {"shop_id": shop_id or self.shop_id})["code"]
        return self.auth().get_token(code)

    def client(
        self, *, tokens: Any = None, cipher: str | bool | None = True, shop_id: str | None = None, **kwargs: Any
    ) -> TikTokShopClient:
        shop_id = shop_id or self.shop_id
        if tokens is None:
            tokens = StaticAccessToken(self.grant(shop_id).access_token.get_secret_value())
        if cipher is True:
            cipher = self.sb.shops[shop_id]["cipher"]
        http = kwargs.pop("http", None) or self.http
        return TikTokShopClient(
            app_key=kwargs.pop("app_key", self.env["TIKTOK_APP_KEY"]),
            app_secret=kwargs.pop("app_secret", self.env["TIKTOK_APP_SECRET"]),
            base_url=self.base_url,
            shop_cipher=cipher or None,
            tokens=tokens,
            http=http,
            limiter=kwargs.pop("limiter", NoRateLimit()),
            retry=kwargs.pop("retry", NO_WAIT),
            shop_id=shop_id,
            **kwargs,
        )


@pytest.fixture(scope="session")
def shared_http() -> Iterator[httpx.Client]:
    """One httpx client for the module (building one costs ~0.1 s of TLS setup)."""
    with httpx.Client(timeout=10) as http:
        yield http


def start(stack_env: dict[str, str], http: httpx.Client, **kwargs: Any) -> tuple[Env, Callable[[], None]]:
    app = create_app(stack_env, **kwargs)
    base_url, stop = serve_in_thread(app)
    admin = httpx.Client(base_url=base_url, timeout=10, transport=http._transport)
    return Env(base_url, app, dict(stack_env), admin, http), stop


@pytest.fixture
def tt(stack_env: dict[str, str], shared_http: httpx.Client) -> Iterator[Env]:
    env, stop = start(stack_env, shared_http, qps=10_000)
    try:
        yield env
    finally:
        stop()


@pytest.fixture
def seeded(tt: Env) -> Env:
    tt.post("/sandbox/seed/demo", {"catalog": CATALOG})
    return tt


@pytest.fixture
def client(tt: Env) -> TikTokShopClient:
    return tt.client()


@dataclass
class Receiver:
    url: str
    received: list[dict[str, Any]]
    statuses: list[int]
    event: threading.Event

    def wait(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = threading.Event()
        waited = 0.0
        while len(self.received) < count and waited < timeout:
            deadline.wait(0.02)
            waited += 0.02
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook endpoint recording raw bodies and headers; answers from `statuses` (then 200)."""
    app = Flask("receiver")
    received: list[dict[str, Any]] = []
    statuses: list[int] = []
    event = threading.Event()

    @app.route("/hook", methods=["POST", "GET"])
    def hook() -> Any:
        received.append(
            {
                "method": request.method,
                "raw": request.get_data(),
                "headers": dict(request.headers),
                "args": dict(request.args),
            }
        )
        event.set()
        status = statuses.pop(0) if statuses else 200
        return "", status

    base_url, stop = serve_in_thread(app)
    try:
        yield Receiver(base_url + "/hook", received, statuses, event)
    finally:
        stop()


Call = Callable[..., Any]
