"""Issue 10 defect 8: tenants do not affect each other through the VTEX client of a warm container."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import httpx

from tests.fakes import FakeTime
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.vtex.cache import VtexClientCache
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.throttle import RetryAfterGate, RetryAfterGates


def test_one_accounts_429_never_pauses_another_account() -> None:
    t = FakeTime(100.0)
    gates = RetryAfterGates(lambda: RetryAfterGate(clock=t.clock, sleep=t.sleep))
    gates.for_account("storea").on_response(SimpleNamespace(status_code=429, headers={"Retry-After": "30"}))
    gates.for_account("storeb").before_request(None)  # the other store's read goes at once
    assert t.slept == []
    gates.for_account("storea").before_request(None)  # the throttled store waits
    assert t.slept == [30.0] and gates.throttled == 1


class Secrets:
    """Secrets Manager as the cache reads it: `force` bypasses the max-age cache (what a 401 does)."""

    def __init__(self) -> None:
        self.current = {"account": "storea", "app_key": "key-one-aaaa", "app_token": "token-one-aaaa",
                        "affiliate_id": "TTK"}
        self.cached: dict[str, Any] | None = None
        self.reads: list[bool] = []

    def __call__(self, name: str, *, force: bool = False) -> dict[str, Any]:
        self.reads.append(force)
        if force or self.cached is None:
            self.cached = dict(self.current)
        return self.cached

    def rotate(self) -> None:
        self.current = {**self.current, "app_key": "key-two-bbbb", "app_token": "token-two-bbbb"}


def vtex_app(accepted: dict[str, str], seen: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["X-VTEX-API-AppKey"])
        if request.headers["X-VTEX-API-AppKey"] != accepted["key"]:
            return httpx.Response(401, json={"error": "unauthorized"})
        return httpx.Response(200, content=json.dumps([{"totalQuantity": 5, "reservedQuantity": 0}]))

    return httpx.MockTransport(handle)


def cache_with(secrets: Secrets, transport: httpx.MockTransport) -> VtexClientCache:
    def factory(credentials: Any, **kwargs: Any) -> VtexClient:
        kwargs["http"] = httpx.Client(transport=transport, event_hooks=kwargs["http"].event_hooks)
        kwargs["retry"] = RetryPolicy(sleep=lambda _s: None, max_attempts=1)
        return VtexClient(credentials, **kwargs)

    return VtexClientCache(secrets, client_factory=factory)


def test_a_rotated_key_is_used_after_a_401_once_then_a_refused_key_fails() -> None:
    secrets, seen = Secrets(), []
    accepted = {"key": "key-one-aaaa"}
    cache = cache_with(secrets, vtex_app(accepted, seen))
    assert cache.client("c1").get_inventory("1", "1_1").availableQuantity == 5

    secrets.rotate()  # rotated in Secrets Manager; the max-age cache still holds the old key
    accepted["key"] = "key-two-bbbb"
    assert cache.client("c1").get_inventory("1", "1_1").availableQuantity == 5
    assert seen == ["key-one-aaaa", "key-one-aaaa", "key-two-bbbb"]  # 401, re-read at once, repeated once
    assert secrets.reads[-1] is True

    accepted["key"] = "revoked"
    try:
        cache.client("c1").get_inventory("1", "1_1")
    except Exception as error:  # the same key refused after the re-read: a real auth failure, no loop
        assert type(error).__name__ == "VtexAuthError"
    else:  # pragma: no cover
        raise AssertionError("a refused key must fail")
    assert seen[3:] == ["key-two-bbbb"]  # re-read gave the same key: not repeated


def test_a_rotated_key_is_used_once_the_max_age_cache_expires() -> None:
    secrets, seen = Secrets(), []
    cache = cache_with(secrets, vtex_app({"key": "key-one-aaaa"}, seen))
    client = cache.client("c1")
    secrets.rotate()
    secrets.cached = None  # Powertools' max_age elapsed: the next read goes to Secrets Manager
    assert cache.client("c1") is client and client.credentials.app_key.get_secret_value() == "key-two-bbbb"
