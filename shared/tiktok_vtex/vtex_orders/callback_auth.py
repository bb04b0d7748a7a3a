"""How VTEX's marketplace callbacks are authenticated: a per-client token in the `marketplaceServicesEndpoint`.

VTEX calls `{marketplaceServicesEndpoint}/pvt/orders/{id}/invoice` (and the rest) with no credential of
ours: the affiliate configuration has no header to set, and the endpoint is a URL we write into every order
we place. So the URL carries the credential: the endpoint is `{PUBLIC_BASE_URL}/vtex/marketplace/
{client_hash}.{token}`, where `token` = the first 32 hex digits (128 bits) of HMAC-SHA256(the stack's
internal webhook secret, "vtex-marketplace:" + client_hash). The route's `{client_hash}` segment therefore
holds `<client_hash>.<token>`; a request whose token does not verify (constant-time compare) is refused 401.

Why derived, not stored: the endpoint is fixed in each order when it is placed, and VTEX keeps calling it
for the order's life; a derived token needs no per-client secret to exist before the first order, no read
on the hot path and cannot drift. Rotating the internal webhook secret changes every client's token: orders
placed before a rotation then get 401 on their callbacks (the hook path still works), so rotate it only
with that in mind. The token is in a URL: it must not be logged (the handlers log the client hash only);
API Gateway access logs, if enabled, must not record the path. A callback never trusts its body alone: the
order must be one we placed for that client, and a cancel is applied through TikTok's own rules.
"""

from __future__ import annotations

import hashlib
import hmac

from tiktok_vtex.vtex_orders.models import CLIENT_HASH

TOKEN_HEX_DIGITS = 32
SEPARATOR = "."


def callback_token(secret: str, client_hash: str) -> str:
    if not secret:
        raise ValueError("the internal webhook secret is empty: callback tokens would be forgeable")
    digest = hmac.new(secret.encode(), f"vtex-marketplace:{client_hash}".encode(), hashlib.sha256).hexdigest()
    return digest[:TOKEN_HEX_DIGITS]


def services_endpoint(public_base_url: str, secret: str, client_hash: str) -> str:
    """What placement writes into `marketplaceServicesEndpoint`."""
    token = callback_token(secret, client_hash)
    return f"{public_base_url.rstrip('/')}/vtex/marketplace/{client_hash}{SEPARATOR}{token}"


def verified_client(segment: str | None, secret: str) -> str | None:
    """The client hash of a `<client_hash>.<token>` path segment whose token verifies; None otherwise."""
    if not segment or SEPARATOR not in segment or not secret:
        return None
    client_hash, _, token = segment.rpartition(SEPARATOR)
    if not CLIENT_HASH.match(client_hash) or len(token) != TOKEN_HEX_DIGITS:
        return None
    expected = callback_token(secret, client_hash)
    if not hmac.compare_digest(expected.encode(), token.lower().encode("utf-8", "replace")):
        return None
    return client_hash
