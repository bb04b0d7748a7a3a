"""The per-client secret in the notification URL. VTEX signs nothing: the URL it was given is the only
credential, so it carries a token only we can compute.

The token is derived (HMAC-SHA256 of the client hash under the stack's internal webhook secret, with its own
label), not stored: the intake checks it without a database read, so a flood of forged requests costs no
DynamoDB capacity, and the affiliate setup gives the same URL on every run. Rotating the internal secret
changes every client's URL: run `tiktok-vtex vtex-affiliate --apply` for each client afterwards.
"""

from __future__ import annotations

import hashlib
import hmac

TOKEN_LENGTH = 40
_LABEL = b"tiktok-vtex/vtex-notification/v1\x00"


def notification_token(secret: str, client_hash: str) -> str:
    return hmac.new(secret.encode(), _LABEL + client_hash.encode(), hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def token_matches(secret: str, client_hash: str, token: str) -> bool:
    """Constant-time comparison (the length of a wrong token reveals nothing either)."""
    expected = notification_token(secret, client_hash).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))


def notification_endpoint(base_url: str, client_hash: str, secret: str) -> str:
    """The affiliate's `searchURIEndpoint`: VTEX posts to it + `/api/notification/`."""
    return f"{base_url.rstrip('/')}/vtex/notification/{client_hash}/{notification_token(secret, client_hash)}"
