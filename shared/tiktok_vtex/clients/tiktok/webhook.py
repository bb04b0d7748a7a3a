"""Webhook signatures: ``Authorization = hex(HMAC-SHA256(app_secret, app_key + raw_body))``.

Used by the webhook function to verify pushes and by the sandbox to sign them (reference 4.1).
"""

from __future__ import annotations

import hashlib
import hmac


def sign_webhook(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The value TikTok puts in the ``Authorization`` header of a push."""
    message = app_key.encode("utf-8") + raw_body
    return hmac.new(app_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_webhook(app_key: str, app_secret: str, raw_body: bytes, authorization: str | None) -> bool:
    """True when ``authorization`` is the signature of ``raw_body`` (constant-time compare).

    The raw body must be the bytes as received: re-serialised JSON does not verify.
    """
    if not authorization or not app_secret or not app_key:
        # An empty secret (a misconfigured stack) would make the signature computable by anyone: refuse.
        return False
    expected = sign_webhook(app_key, app_secret, raw_body).encode("ascii")
    received = authorization.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, received)
