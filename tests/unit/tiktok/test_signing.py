"""Request signing: the reference test vectors and properties of the algorithm."""

from __future__ import annotations

import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from local.tiktok_sandbox.signing import api_sign
from tiktok_vtex.clients.tiktok.signing import sign_request, signed_query, string_to_sign, verify_request_sign

TV1 = (
    "e59af819cc",
    "/authorization/202309/shops",
    {"app_key": "29a39d", "timestamp": "1623812664"},
    None,
    "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
)
TV2 = (
    "app_secret",
    "/test-api",
    {"foo": "bar"},
    None,
    "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f",
)
TV3 = (
    "e59af819cc",
    "/event/202309/webhooks",
    {"app_key": "68xu9ks5p4i8", "shop_cipher": "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK", "timestamp": "1696909648"},
    b'{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}',
    "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a",
)


def test_tv1_official_example() -> None:
    secret, path, query, body, expected = TV1
    assert string_to_sign(path, query) == b"/authorization/202309/shopsapp_key29a39dtimestamp1623812664"
    assert sign_request(secret, path, query, body) == expected


def test_tv2_ecomphp_vector() -> None:
    secret, path, query, body, expected = TV2
    assert sign_request(secret, path, query, body) == expected


def test_tv3_json_body_is_appended() -> None:
    secret, path, query, body, expected = TV3
    assert sign_request(secret, path, query, body) == expected
    assert sign_request(secret, path, query, None) != expected


def test_sign_and_access_token_are_excluded() -> None:
    secret, path, query, body, expected = TV1
    noisy = {**query, "sign": "whatever", "access_token": "TTP_old"}
    assert sign_request(secret, path, noisy, body) == expected


def test_sandbox_implementation_agrees_on_vectors() -> None:
    for secret, path, query, body, expected in (TV1, TV2, TV3):
        assert api_sign(secret, path, query, body or b"") == expected


def test_signed_query_adds_app_key_timestamp_and_sign() -> None:
    params = signed_query(
        app_key="29a39d", app_secret="e59af819cc", path="/authorization/202309/shops", timestamp=1623812664
    )
    assert params == {"app_key": "29a39d", "timestamp": "1623812664", "sign": TV1[4]}
    assert verify_request_sign("e59af819cc", "/authorization/202309/shops", params, None, params["sign"])
    assert not verify_request_sign("e59af819cc", "/authorization/202309/shops", params, None, "0" * 64)
    assert not verify_request_sign("e59af819cc", "/authorization/202309/shops", params, None, None)


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda k: k not in ("sign", "access_token", "x-tts-access-token")
)
values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
queries = st.dictionaries(keys, values, max_size=8)
bodies = st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=10)), max_size=5)


@given(queries, st.randoms(use_true_random=False))
def test_parameter_order_does_not_matter(query: dict[str, str], rnd) -> None:
    items = list(query.items())
    rnd.shuffle(items)
    assert sign_request("secret", "/p", dict(items)) == sign_request("secret", "/p", query)


@given(queries, bodies, bodies)
def test_body_is_covered(query: dict[str, str], body_a: dict, body_b: dict) -> None:
    a, b = json.dumps(body_a).encode(), json.dumps(body_b).encode()
    same = sign_request("secret", "/p", query, a) == sign_request("secret", "/p", query, b)
    assert same == (a == b)


@given(queries, st.binary(min_size=1, max_size=64))
def test_multipart_body_is_not_signed(query: dict[str, str], multipart: bytes) -> None:
    # multipart uploads pass body=None: whatever the form holds, the sign depends on path+query only
    assert sign_request("secret", "/product/202309/images/upload", query, None) == sign_request(
        "secret", "/product/202309/images/upload", query
    )
    assert sign_request("secret", "/p", query, multipart) != sign_request("secret", "/p", query, None)


@given(queries, st.one_of(st.none(), st.binary(max_size=64)), st.text(min_size=1, max_size=16))
def test_matches_definition_and_sandbox(query: dict[str, str], body: bytes | None, secret: str) -> None:
    pairs = "".join(f"{k}{query[k]}" for k in sorted(query, key=lambda k: k.encode()))
    message = secret.encode() + ("/x" + pairs).encode() + (body or b"") + secret.encode()
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert sign_request(secret, "/x", query, body) == expected
    assert api_sign(secret, "/x", query, body or b"") == expected
    assert len(expected) == 64 and expected == expected.lower()
