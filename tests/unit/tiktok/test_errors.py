"""Envelope parsing and the typed errors (no sockets: httpx.Response objects built in memory)."""

from __future__ import annotations

import pickle

import httpx
import pytest

from tiktok_vtex.clients.retry import RetryableError
from tiktok_vtex.clients.tiktok import errors as e
from tiktok_vtex.clients.tiktok.transport import parse_envelope, send_once


def _response(status: int, body: object) -> httpx.Response:
    if isinstance(body, bytes | str):
        return httpx.Response(status, content=body)
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        (36009002, 429, e.TikTokRateLimited),
        (36009002, 200, e.TikTokRateLimited),
        (36009003, 500, e.TikTokInternalError),
        (36009007, 504, e.TikTokTimeout),
        (105002, 401, e.TikTokTokenExpired),
        (106001, 401, e.TikTokSignatureError),
        (105005, 200, e.TikTokPermissionDenied),
        (101000, 401, e.TikTokPermissionDenied),
        (36004001, 200, e.TikTokTokenGrantError),
        (36009004, 400, e.TikTokValidationError),
        (106013, 400, e.TikTokValidationError),
        (12052038, 200, e.TikTokPriceLocked),
        (12052032, 200, e.TikTokNotFound),
        (12052205, 200, e.TikTokConflict),
        (10007014, 200, e.TikTokConflict),
        (21011040, 200, e.TikTokConflict),
        (25001003, 200, e.TikTokValidationError),
    ],
)
def test_codes_map_to_typed_errors(code: int, status: int, cls: type) -> None:
    response = _response(status, {"code": code, "message": "m", "request_id": "RID1", "data": None})
    with pytest.raises(cls) as info:
        parse_envelope(response, "GET /x")
    error = info.value
    assert (error.code, error.message, error.request_id, error.http_status) == (code, "m", "RID1", status)
    assert error.retryable == (code in (36009002, 36009003, 36009007))


def test_envelope_parsed_whatever_the_status() -> None:
    ok = parse_envelope(_response(200, {"code": 0, "message": "Success", "request_id": "R", "data": {"a": 1}}), "x")
    assert ok["data"] == {"a": 1}
    with pytest.raises(e.TikTokValidationError):  # HTTP 200 does not mean success
        parse_envelope(_response(200, {"code": 12019120, "message": "too many", "request_id": "R"}), "x")


def test_non_envelope_answers() -> None:
    with pytest.raises(e.TikTokInternalError):
        parse_envelope(_response(502, b"<html>bad gateway</html>"), "x")
    with pytest.raises(e.TikTokRateLimited):
        parse_envelope(_response(429, b"slow down"), "x")
    with pytest.raises(e.TikTokTransportError):
        parse_envelope(_response(404, b"nope"), "x")


def test_item_errors_are_returned_when_accepted() -> None:
    body = {
        "code": 12052990,
        "message": "Check failed",
        "request_id": "R",
        "data": {"errors": [{"code": 1, "message": "x", "detail": {"sku_id": "9"}}]},
    }
    assert parse_envelope(_response(200, body), "x", accept_item_errors=True)["code"] == 12052990
    with pytest.raises(e.TikTokValidationError) as info:
        parse_envelope(_response(200, body), "x")
    assert info.value.item_errors == body["data"]["errors"]


def test_send_once_wraps_retryable_and_transport_failures() -> None:
    with pytest.raises(RetryableError) as info:
        send_once(lambda: _response(429, {"code": 36009002, "message": "m", "request_id": "R"}), "x")
    assert isinstance(info.value.cause, e.TikTokRateLimited)

    def timeout() -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(RetryableError) as info:
        send_once(timeout, "x")
    assert isinstance(info.value.cause, e.TikTokTimeout)

    def refused() -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(RetryableError) as info:
        send_once(refused, "x")
    assert isinstance(info.value.cause, e.TikTokTransportError)
    with pytest.raises(e.TikTokValidationError):  # not wrapped: never retried
        send_once(lambda: _response(400, {"code": 36009004, "message": "m", "request_id": "R"}), "x")


def test_messages_never_carry_tokens_secrets_or_signatures() -> None:
    leaky = (
        "bad TTP_abcdefghijklmnop1234 sign=" + "a" * 64 + " app_secret=sbx-app-secret-3f9a0c1e7b2d4a68 "
        "access_token: TTP_zzzzzzzzzzzzz refresh_token=xyz123"
    )
    error = e.error_for(36009004, leaky, "R", 400, endpoint="GET /x")
    text = str(error) + repr(error) + error.message
    for secret in ("TTP_", "a" * 64, "sbx-app-secret", "xyz123"):
        assert secret not in text
    assert "36009004" in text and "R" in text
    assert e.redact("uses shh-secret-value here", ["shh-secret-value"]) == "uses *** here"


def test_errors_pickle() -> None:
    error = e.error_for(105002, "expired", "R", 401, endpoint="GET /x")
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(clone) is e.TikTokTokenExpired and clone.code == 105002 and clone.request_id == "R"
