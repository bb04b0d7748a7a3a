"""Request signing of the TikTok Shop Partner API (202309+).

Algorithm (reference 2.1): every query parameter except ``sign`` and ``access_token`` sorted by key,
concatenated as ``{key}{value}``, prefixed with the request path, followed by the raw body (JSON
requests only, never multipart), wrapped in the app secret on both sides, HMAC-SHA256 keyed with
the app secret, lower-case hex.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

EXCLUDED_KEYS = frozenset({"sign", "access_token", "x-tts-access-token"})


def string_to_sign(path: str, query: Mapping[str, str], body: bytes | None = None) -> bytes:
    """The message before wrapping: path + sorted ``{key}{value}`` pairs + raw body."""
    pairs = sorted(
        ((str(key), str(value)) for key, value in query.items() if key not in EXCLUDED_KEYS),
        key=lambda pair: pair[0].encode("utf-8"),
    )
    text = path + "".join(f"{key}{value}" for key, value in pairs)
    return text.encode("utf-8") + (body or b"")


def sign_request(app_secret: str, path: str, query: Mapping[str, str], body: bytes | None = None) -> str:
    """The ``sign`` query parameter for a request (64 lower-case hex characters).

    ``body`` is the exact byte string sent as a JSON body; pass ``None`` for GET requests and for
    multipart uploads (their body is never signed).
    """
    secret = app_secret.encode("utf-8")
    message = secret + string_to_sign(path, query, body) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify_request_sign(
    app_secret: str, path: str, query: Mapping[str, str], body: bytes | None, sign: str | None
) -> bool:
    """Constant-time check of a received ``sign`` (used by the sandbox)."""
    if not sign:
        return False
    expected = sign_request(app_secret, path, query, body)
    return hmac.compare_digest(expected.encode("ascii"), sign.strip().lower().encode("utf-8", "replace"))


def signed_query(
    *,
    app_key: str,
    app_secret: str,
    path: str,
    timestamp: int,
    query: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> dict[str, str]:
    """Query parameters with ``app_key``, ``timestamp`` and ``sign`` added (``sign`` computed last)."""
    params = {str(k): str(v) for k, v in (query or {}).items()}
    params["app_key"] = app_key
    params["timestamp"] = str(int(timestamp))
    params.pop("sign", None)
    params["sign"] = sign_request(app_secret, path, params, body)
    return params
