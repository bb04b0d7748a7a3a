"""Webhook signature: the reference vector, constant-time verification, raw bytes only."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from local.tiktok_sandbox.signing import webhook_sign
from tiktok_vtex.clients.tiktok.webhook import sign_webhook, verify_webhook

BODY = (
    b'{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365",'
    b'"order_status":"AWAITING_SHIPMENT","update_time":1664095610}}'
)
EXPECTED = "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27"


def test_reference_vector() -> None:
    assert sign_webhook("fake_app_key", "fake_app_secret", BODY) == EXPECTED
    assert webhook_sign("fake_app_key", "fake_app_secret", BODY) == EXPECTED
    assert verify_webhook("fake_app_key", "fake_app_secret", BODY, EXPECTED)


def test_rejects_tampering_wrong_keys_and_missing_header() -> None:
    assert not verify_webhook("fake_app_key", "fake_app_secret", BODY + b" ", EXPECTED)
    assert not verify_webhook("other_key", "fake_app_secret", BODY, EXPECTED)
    assert not verify_webhook("fake_app_key", "other_secret", BODY, EXPECTED)
    assert not verify_webhook("fake_app_key", "fake_app_secret", BODY, None)
    assert not verify_webhook("fake_app_key", "fake_app_secret", BODY, "")
    assert not verify_webhook("fake_app_key", "fake_app_secret", BODY, "é" * 64)


def test_reserialised_json_does_not_verify() -> None:
    reserialised = json.dumps(json.loads(BODY)).encode()  # spaces after separators
    assert not verify_webhook("fake_app_key", "fake_app_secret", reserialised, EXPECTED)


def test_header_case_and_whitespace_tolerated() -> None:
    assert verify_webhook("fake_app_key", "fake_app_secret", BODY, f" {EXPECTED.upper()} ")


@given(st.binary(max_size=256), st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_roundtrip(body: bytes, key: str, secret: str) -> None:
    signature = sign_webhook(key, secret, body)
    assert verify_webhook(key, secret, body, signature)
    assert webhook_sign(key, secret, body) == signature
    assert not verify_webhook(key, secret, body + b"x", signature)
