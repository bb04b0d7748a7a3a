"""Tokens, consent, and everything the sandbox checks before a handler runs."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tiktok_vtex.clients.retry import NO_RETRY
from tiktok_vtex.clients.tiktok import (
    StaticAccessToken,
    TikTokAuthClient,
    TikTokPermissionDenied,
    TikTokRateLimited,
    TikTokSignatureError,
    TikTokTokenExpired,
    TikTokTokenGrantError,
    TikTokValidationError,
    TokenBucketLimiter,
)
from tiktok_vtex.clients.tiktok.signing import signed_query

from .conftest import Env, Receiver, start


def test_consent_token_and_authorized_shops(tt: Env) -> None:
    grant = tt.grant()
    now = tt.sb.now()
    assert grant.access_token.get_secret_value().startswith("TTP_")
    assert grant.access_token_expire_in == pytest.approx(now + 7 * 86400, abs=5)
    assert grant.refresh_token_expire_in > grant.access_token_expire_in
    assert grant.seller_base_region == "BR" and grant.granted_scopes
    client = tt.client(tokens=StaticAccessToken(grant.access_token.get_secret_value()), cipher=None)
    shops = client.get_authorized_shops()
    assert [(s.id, s.code, s.name) for s in shops] == [(tt.shop_id, tt.env["DEMO_SHOP_CODE"], tt.env["DEMO_SHOP_NAME"])]
    assert shops[0].cipher == tt.sb.shops[tt.shop_id]["cipher"]


def test_auth_code_is_single_use_and_expires_after_30_minutes(tt: Env) -> None:
    auth = tt.auth()
    code = tt.post("/sandbox/consent", {"shop_id": tt.shop_id})["code"]
    auth.get_token(code)
    with pytest.raises(TikTokTokenGrantError) as info:
        auth.get_token(code)
    assert info.value.code == 36004005
    stale = tt.post("/sandbox/consent", {"shop_id": tt.shop_id})["code"]
    tt.post("/sandbox/clock", {"advance_seconds": 30 * 60 + 1})
    with pytest.raises(TikTokTokenGrantError):
        auth.get_token(stale)
    assert code not in json.dumps(tt.get("/sandbox/state/auth_codes"))


def test_token_endpoints_reject_wrong_credentials(tt: Env) -> None:
    code = tt.post("/sandbox/consent", {"shop_id": tt.shop_id})["code"]
    bad = TikTokAuthClient(tt.env["TIKTOK_APP_KEY"], "wrong-secret", tt.base_url, http=tt.http, retry=NO_RETRY)
    with pytest.raises(TikTokValidationError) as info:
        bad.get_token(code)
    assert info.value.code == 36009004 and "wrong-secret" not in str(info.value)
    raw = tt.http.get(
        tt.base_url + "/api/v2/token/refresh",
        params={
            "app_key": tt.env["TIKTOK_APP_KEY"],
            "app_secret": tt.env["TIKTOK_APP_SECRET"],
            "refresh_token": "x",
            "grant_type": "authorized_code",
        },
    ).json()
    assert raw["code"] == 36009004  # refresh needs grant_type=refresh_token


def test_refresh_and_refresh_token_expiry(tt: Env) -> None:
    grant = tt.grant()
    refreshed = tt.auth().refresh_token(grant.refresh_token.get_secret_value())
    assert refreshed.access_token.get_secret_value() != grant.access_token.get_secret_value()
    tt.client(tokens=StaticAccessToken(refreshed.access_token.get_secret_value())).get_warehouses()
    tt.post("/sandbox/clock", {"advance_seconds": 366 * 86400})
    with pytest.raises(TikTokTokenGrantError) as info:
        tt.auth().refresh_token(grant.refresh_token.get_secret_value())
    assert info.value.code == 36004001


def test_expired_access_token_is_refreshed_once_through_the_provider(tt: Env) -> None:
    grant = tt.grant()
    auth = tt.auth()
    refresh = grant.refresh_token.get_secret_value()
    tokens = StaticAccessToken(
        grant.access_token.get_secret_value(),
        refresh=lambda _: auth.refresh_token(refresh).access_token.get_secret_value(),
    )
    client = tt.client(tokens=tokens)
    client.get_warehouses()
    tt.post("/sandbox/clock", {"advance_seconds": 7 * 86400 + 1})
    assert client.get_warehouses()[0]["id"] == tt.warehouse_id
    assert tokens.refresh_count == 1
    statuses = [t["status"] for t in tt.get("/sandbox/state/tokens")["tokens"] if t["kind"] == "access"]
    assert sorted(statuses) == ["active", "expired"]
    assert grant.access_token.get_secret_value() not in json.dumps(tt.get("/sandbox/state/tokens"))

    stuck = tt.client(tokens=StaticAccessToken(grant.access_token.get_secret_value()))
    with pytest.raises(TikTokTokenExpired) as info:
        stuck.get_warehouses()
    assert info.value.code == 105002 and info.value.http_status == 401


def test_revoked_and_unknown_tokens(tt: Env) -> None:
    client = tt.client()
    tt.post("/sandbox/deauthorize", {"shop_id": tt.shop_id})
    with pytest.raises(TikTokValidationError) as info:
        client.get_warehouses()
    assert info.value.code == 36009004
    with pytest.raises(TikTokValidationError):
        tt.client(tokens=StaticAccessToken("TTP_made_up")).get_warehouses()


def test_consent_calls_the_redirect_url(tt: Env, receiver: Receiver) -> None:
    answer = tt.post("/sandbox/consent", {"shop_id": tt.shop_id, "redirect_url": receiver.url, "state": "csrf1"})
    assert answer["redirect"]["status"] == 200
    assert receiver.received[0]["args"] == {"code": answer["code"], "state": "csrf1"}
    denied = tt.post("/sandbox/consent", {"shop_id": tt.shop_id, "redirect_url": receiver.url, "deny": True})
    assert denied["code"] is None
    assert receiver.received[1]["args"]["error"] == "auth_denied"


def _raw(
    tt: Env,
    method: str,
    path: str,
    *,
    token: str,
    query: dict[str, str] | None = None,
    body: bytes | None = None,
    timestamp: int | None = None,
    sent_body: bytes | None = None,
    headers: dict[str, str] | None = None,
    app_key: str | None = None,
) -> dict:
    params = signed_query(
        app_key=app_key or tt.env["TIKTOK_APP_KEY"],
        app_secret=tt.env["TIKTOK_APP_SECRET"],
        path=path,
        timestamp=timestamp or int(time.time()),
        query=query or {},
        body=body,
    )
    all_headers = {"x-tts-access-token": token, "Content-Type": "application/json", **(headers or {})}
    content = sent_body if sent_body is not None else body
    return tt.http.request(method, tt.base_url + path, params=params, content=content, headers=all_headers).json()


def test_signature_covers_the_body(tt: Env) -> None:
    token = tt.grant().access_token.get_secret_value()
    cipher = tt.sb.shops[tt.shop_id]["cipher"]
    body = b'{"address":"https://hooks.example.com/tt","event_type":"ORDER_STATUS_CHANGE"}'
    tampered = body.replace(b"ORDER_STATUS_CHANGE", b"PACKAGE_UPDATE")
    answer = _raw(
        tt, "PUT", "/event/202309/webhooks", token=token, query={"shop_cipher": cipher}, body=body, sent_body=tampered
    )
    assert answer["code"] == 106001 and answer["request_id"]
    ok = _raw(tt, "PUT", "/event/202309/webhooks", token=token, query={"shop_cipher": cipher}, body=body)
    assert ok["code"] == 0 and ok["data"] == {}


def test_timestamp_window_and_app_key(tt: Env) -> None:
    token = tt.grant().access_token.get_secret_value()
    now = int(time.time())
    for offset, code in ((-301, 36009004), (31 + 5, 36009004), (-280, 0), (20, 0)):
        answer = _raw(tt, "GET", "/authorization/202309/shops", token=token, timestamp=now + offset)
        assert answer["code"] == code, (offset, answer)
    assert _raw(tt, "GET", "/authorization/202309/shops", token=token, app_key="other")["code"] == 36009004
    missing_sign = tt.http.get(
        tt.base_url + "/authorization/202309/shops",
        params={"app_key": tt.env["TIKTOK_APP_KEY"], "timestamp": str(now)},
        headers={"x-tts-access-token": token},
    ).json()
    assert missing_sign["code"] == 36009004


def test_client_with_stale_clock_or_wrong_secret_is_rejected(tt: Env) -> None:
    stale = tt.client(clock=lambda: time.time() - 600)
    with pytest.raises(TikTokValidationError) as info:
        stale.get_warehouses()
    assert info.value.code == 36009004
    wrong = tt.client(app_secret="not-the-secret")
    with pytest.raises(TikTokSignatureError) as sig:
        wrong.get_warehouses()
    assert sig.value.code == 106001 and "not-the-secret" not in str(sig.value)
    with pytest.raises(TikTokValidationError):
        tt.client(app_key="wrong-key").get_warehouses()


def test_shop_cipher_required_forbidden_and_owned(tt: Env) -> None:
    client = tt.client()
    with pytest.raises(TikTokValidationError) as info:
        client.call("GET", "/logistics/202309/warehouses", shop_scoped=False)
    assert info.value.code == 106013
    with pytest.raises(TikTokValidationError) as info:
        client.call("GET", "/authorization/202309/shops", shop_scoped=True)
    assert info.value.code == 36009004
    other = tt.post("/sandbox/shops", {"name": "Outra Loja"})
    with pytest.raises(TikTokPermissionDenied) as denied:
        tt.client(cipher=other["cipher"]).get_warehouses()  # token of the demo seller, cipher of another
    assert denied.value.code == 101000
    assert tt.client(shop_id=other["id"]).get_warehouses()[0]["type"] == "SALES_WAREHOUSE"


def test_content_types_paths_and_methods(tt: Env) -> None:
    token = tt.grant().access_token.get_secret_value()
    cipher = tt.sb.shops[tt.shop_id]["cipher"]
    body = b'{"event_type":"ORDER_STATUS_CHANGE"}'
    as_text = _raw(
        tt,
        "DELETE",
        "/event/202309/webhooks",
        token=token,
        query={"shop_cipher": cipher},
        body=body,
        headers={"Content-Type": "text/plain"},
    )
    assert as_text["code"] == 36009022
    upload = _raw(tt, "POST", "/product/202309/images/upload", token=token, body=None, sent_body=b"{}")
    assert upload["code"] == 36009023
    unknown = _raw(tt, "GET", "/product/202309/nothing", token=token)
    assert unknown["code"] == 36009009
    wrong_method = _raw(tt, "PATCH", "/logistics/202309/warehouses", token=token, query={"shop_cipher": cipher})
    assert wrong_method["code"] == 36009010


def test_rate_limit_per_api_per_shop(stack_env: dict[str, str], shared_http: httpx.Client) -> None:
    tt, stop = start(stack_env, shared_http, qps=3)
    try:
        client = tt.client(retry=NO_RETRY)
        for _ in range(3):
            client.get_warehouses()
        with pytest.raises(TikTokRateLimited) as info:
            client.get_warehouses()
        assert info.value.code == 36009002 and info.value.http_status == 429
        client.get_webhooks()  # another API has its own bucket
        other = tt.post("/sandbox/shops", {"name": "Outra"})
        tt.client(shop_id=other["id"], retry=NO_RETRY).get_warehouses()  # another shop too
        tt.post("/sandbox/config", {"qps": 20})
        limited = tt.client(retry=NO_RETRY, limiter=TokenBucketLimiter(rate_per_second=16, burst=16))
        for _ in range(25):  # the client-side bucket keeps it under the sandbox's limit
            limited.get_webhooks()
    finally:
        stop()
