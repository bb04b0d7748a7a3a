"""TikTokShopClient against an in-memory transport: signing of sent bytes, headers, retries,
token refresh, partial failures, pagination, chunking, secrets out of logs and errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from local.tiktok_sandbox.signing import api_sign
from tests.fakes import FakeTime
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.tiktok import (
    NoRateLimit,
    StaticAccessToken,
    TikTokAuthClient,
    TikTokInternalError,
    TikTokRateLimited,
    TikTokShopClient,
    TikTokTimeout,
    TikTokTokenExpired,
    TikTokValidationError,
)

APP_KEY, SECRET, CIPHER = "appkey1", "app-secret-value-123", "ROW_cipher"
TOKEN, NEW_TOKEN = "TTP_token_value_aaaaaaaaaa", "TTP_token_value_bbbbbbbbbb"


def ok(data: Any = None) -> httpx.Response:
    return httpx.Response(200, json={"code": 0, "message": "Success", "request_id": "RID", "data": data or {}})


def fail(code: int, status: int = 200, data: Any = None) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": "error", "request_id": "RIDF", "data": data})


def make(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    tokens: Any = None,
    cipher: str | None = CIPHER,
    fake: FakeTime | None = None,
) -> tuple[TikTokShopClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    fake = fake or FakeTime(0.0)

    def record(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return handler(request)

    client = TikTokShopClient(
        app_key=APP_KEY,
        app_secret=SECRET,
        base_url="https://open-api.tiktokglobalshop.com",
        shop_cipher=cipher,
        tokens=tokens or StaticAccessToken(TOKEN),
        http=httpx.Client(transport=httpx.MockTransport(record)),
        limiter=NoRateLimit(),
        clock=lambda: 1700000000.0,
        retry=RetryPolicy(
            max_attempts=5,
            base_delay=0.5,
            max_delay=4,
            total_budget=10,
            sleep=fake.sleep,
            clock=fake.clock,
            rng=lambda: 0.5,
        ),
    )
    return client, seen


def test_sent_bytes_are_signed_bytes_and_token_in_header() -> None:
    client, seen = make(lambda r: ok())
    client.update_webhook("ORDER_STATUS_CHANGE", "https://example.com/hook")
    request = seen[0]
    query = dict(request.url.params)
    assert request.headers["x-tts-access-token"] == TOKEN
    assert "access_token" not in query and TOKEN not in str(request.url)
    assert query["shop_cipher"] == CIPHER and query["app_key"] == APP_KEY and query["timestamp"] == "1700000000"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"address": "https://example.com/hook", "event_type": "ORDER_STATUS_CHANGE"}
    assert query["sign"] == api_sign(SECRET, request.url.path, query, request.content)


def test_shop_cipher_only_where_taken() -> None:
    client, seen = make(lambda r: ok({"shops": [], "id": "1", "uri": "u"}))
    client.get_authorized_shops()
    client.create_brand("Marca")
    client.upload_image(b"\x89PNG....", filename="a.png", mime_type="image/png")
    client.get_warehouses()
    assert ["shop_cipher" in r.url.params for r in seen] == [False, False, False, True]
    upload = seen[2]
    assert upload.headers["content-type"].startswith("multipart/form-data")
    query = dict(upload.url.params)
    assert query["sign"] == api_sign(SECRET, upload.url.path, query, b"")  # multipart body never signed


def test_shop_scoped_call_without_cipher_fails_locally() -> None:
    client, seen = make(lambda r: ok(), cipher=None)
    with pytest.raises(ValueError, match="shop_cipher"):
        client.get_warehouses()
    assert seen == []


def test_rate_limited_then_success_with_backoff() -> None:
    answers = iter([fail(36009002, 429), fail(36009003, 500), httpx.Response(503, content=b"busy"), ok({"x": 1})])
    fake = FakeTime(0.0)
    client, seen = make(lambda r: next(answers), fake=fake)
    assert client.get_warehouses() == []
    assert len(seen) == 4
    assert fake.slept == [0.375, 0.75, 1.5]  # full jitter with rng=0.5: ceiling * 0.75


def test_retry_after_header_is_honoured() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}, json={"code": 36009002, "message": "m"}), ok()])
    fake = FakeTime(0.0)
    client, _ = make(lambda r: next(answers), fake=fake)
    client.get_warehouses()
    assert fake.slept == [2.0]


def test_retries_are_bounded() -> None:
    fake = FakeTime(0.0)
    client, seen = make(lambda r: fail(36009002, 429), fake=fake)
    with pytest.raises(TikTokRateLimited) as info:
        client.get_warehouses()
    assert info.value.request_id == "RIDF"
    assert len(seen) == 5 and sum(fake.slept) <= 10


def test_timeouts_are_retried() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] < 3:
            raise httpx.ReadTimeout("timed out", request=request)
        return ok()

    client, _ = make(handler)
    client.get_warehouses()
    assert calls["n"] == 3

    client, _ = make(lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("t", request=r)))
    with pytest.raises(TikTokTimeout):
        client.get_warehouses()


def test_validation_errors_are_not_retried() -> None:
    client, seen = make(lambda r: fail(36009004, 400))
    with pytest.raises(TikTokValidationError):
        client.get_warehouses()
    assert len(seen) == 1


def test_expired_token_refreshes_once_and_retries() -> None:
    tokens = StaticAccessToken(TOKEN, refresh=lambda rejected: NEW_TOKEN)
    client, seen = make(
        lambda r: fail(105002, 401) if r.headers["x-tts-access-token"] == TOKEN else ok(), tokens=tokens
    )
    client.get_warehouses()
    assert [r.headers["x-tts-access-token"] for r in seen] == [TOKEN, NEW_TOKEN]
    assert tokens.refresh_count == 1


def test_expired_again_after_refresh_raises() -> None:
    tokens = StaticAccessToken(TOKEN, refresh=lambda rejected: NEW_TOKEN)
    client, seen = make(lambda r: fail(105002, 401), tokens=tokens)
    with pytest.raises(TikTokTokenExpired):
        client.get_warehouses()
    assert len(seen) == 2 and tokens.refresh_count == 1


def test_partial_failures_reach_the_caller() -> None:
    errors = [{"code": 12052225, "message": "bad qty", "detail": {"sku_id": "2", "extra_errors": []}}]
    client, _ = make(lambda r: ok({"errors": errors}))
    result = client.update_inventory(
        "1", [{"id": "1", "inventory": [{"quantity": 1}]}, {"id": "2", "inventory": [{"quantity": -1}]}]
    )
    assert not result.ok and result.failed_ids("sku_id") == {"2"} and result.errors[0].code == 12052225

    client, _ = make(lambda r: fail(12052990, 200, {"errors": errors}))
    result = client.update_prices("1", [{"id": "2", "price": {"amount": "1.00", "currency": "BRL"}}])
    assert result.code == 12052990 and result.failed_ids() == {"2"}


def test_product_batches_and_order_details_are_chunked() -> None:
    client, seen = make(
        lambda r: ok({"orders": [{"id": i} for i in r.url.params["ids"].split(",")]} if r.method == "GET" else {})
    )
    orders = client.get_order_details([str(i) for i in range(120)])
    assert len(orders) == 120
    assert [len(r.url.params["ids"].split(",")) for r in seen] == [50, 50, 20]
    seen.clear()
    client.deactivate_products([str(i) for i in range(45)])
    assert [len(json.loads(r.content)["product_ids"]) for r in seen] == [20, 20, 5]


def test_pagination_follows_tokens_until_empty_or_absent() -> None:
    pages = {
        None: ({"orders": [{"id": 1}], "next_page_token": "t1"}),
        "t1": ({"orders": [{"id": 2}], "next_page_token": "t2"}),
        "t2": ({"orders": [{"id": 3}], "next_page_token": ""}),
    }
    client, seen = make(lambda r: ok(pages[r.url.params.get("page_token")]))
    assert [o["id"] for o in client.iter_orders({"order_status": "AWAITING_SHIPMENT"}, page_size=1)] == [1, 2, 3]
    assert seen[0].url.params["page_size"] == "1" and "page_token" not in seen[0].url.params
    pages["t2"] = {"orders": [{"id": 3}]}  # absent token ends too
    assert len(list(client.iter_orders())) == 3


def test_no_secret_in_logs_or_errors(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make(lambda r: fail(36009003, 500))
    with pytest.raises(TikTokInternalError) as info:
        client.get_warehouses()
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err + str(info.value) + repr(client) + repr(info.value)
    assert "tiktok call failed" in caplog.text + captured.out + captured.err
    assert TOKEN not in text and SECRET not in text and "sign=" not in text


def test_auth_client_get_and_refresh() -> None:
    seen: list[httpx.Request] = []
    grant = {
        "access_token": TOKEN,
        "access_token_expire_in": 1,
        "refresh_token": NEW_TOKEN,
        "refresh_token_expire_in": 2,
        "open_id": "o",
        "seller_name": "s",
        "seller_base_region": "BR",
        "granted_scopes": ["a"],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(grant)

    auth = TikTokAuthClient(
        APP_KEY, SECRET, "https://auth.tiktok-shops.com", http=httpx.Client(transport=httpx.MockTransport(handler))
    )
    token = auth.get_token("code-1")
    assert token.access_token.get_secret_value() == TOKEN and TOKEN not in repr(token)
    auth.refresh_token(NEW_TOKEN)
    assert seen[0].url.path == "/api/v2/token/get" and seen[0].url.params["grant_type"] == "authorized_code"
    assert seen[1].url.path == "/api/v2/token/refresh" and seen[1].url.params["grant_type"] == "refresh_token"
    assert SECRET not in repr(auth)


def test_create_product_gets_one_idempotency_key_for_all_attempts() -> None:
    answers = iter([httpx.Response(504, json={"code": 36009007, "message": "timeout"}), ok({"product_id": "1"})])
    client, seen = make(lambda r: next(answers))
    assert client.create_product({"title": "t"}).product_id == "1"
    keys = [json.loads(r.content)["idempotency_key"] for r in seen]
    assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) == 32
    assert seen[0].content == seen[1].content
