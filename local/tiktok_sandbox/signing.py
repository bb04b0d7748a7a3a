"""The sandbox's own implementation of TikTok's signatures.

Deliberately independent of tiktok_vtex.clients.tiktok.signing: if the client's signing had a bug,
a sandbox reusing the same code would accept it. Both are pinned to the reference test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def api_sign(app_secret: str, path: str, query: Mapping[str, str], body: bytes) -> str:
    keys = sorted(k for k in query if k not in ("sign", "access_token"))
    plain = path.encode() + b"".join(k.encode() + str(query[k]).encode() for k in keys) + body
    secret = app_secret.encode()
    return hmac.new(secret, secret + plain + secret, hashlib.sha256).hexdigest()


def webhook_sign(app_key: str, app_secret: str, raw_body: bytes) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))
