"""The OAuth `state` parameter: signed, bound to a client_hash, short-lived, single use.

Format: `<payload>.<signature>`, both base64url without padding; payload is compact JSON
`{"v":1,"c":client_hash,"iat":issued,"exp":expires,"n":nonce}` and the signature is
HMAC-SHA256(oauth_state_secret, "tiktok-vtex-state.v1." + payload). Verification is constant-time and
checks expiry (with a small allowance for clock skew on `iat`). Single use is enforced by the callback
(StateNonceStore), not here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

DEFAULT_STATE_TTL_SECONDS = 24 * 3600  # the link travels to the seller by e-mail/chat; single use anyway
MAX_STATE_TTL_SECONDS = 7 * 24 * 3600
CLOCK_SKEW_SECONDS = 300
MAX_STATE_LENGTH = 1024
DEFAULT_AUTHORIZE_URL = "https://services.tiktokshop.com/open/authorize"
_DOMAIN = b"tiktok-vtex-state.v1."
_CLIENT_HASH = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")


class InvalidState(ValueError):
    """The state is malformed, forged, expired or not yet valid; `reason` is a short machine code."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


@dataclass(frozen=True)
class OAuthState:
    client_hash: str
    issued_at: int
    expires_at: int
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), _DOMAIN + payload.encode("ascii"), hashlib.sha256).digest())


def issue_state(client_hash: str, *, secret: str, now: float, ttl: int = DEFAULT_STATE_TTL_SECONDS,
                nonce: str | None = None) -> str:
    if not secret:
        raise ValueError("the OAuth state secret is empty")
    if not _CLIENT_HASH.match(client_hash):
        raise ValueError("client_hash must be 1-128 characters of [A-Za-z0-9_-]")
    if not 60 <= ttl <= MAX_STATE_TTL_SECONDS:
        raise ValueError(f"state ttl must be between 60 and {MAX_STATE_TTL_SECONDS} seconds")
    payload = {"v": 1, "c": client_hash, "iat": int(now), "exp": int(now) + int(ttl),
               "n": nonce or secrets.token_hex(16)}
    encoded = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{encoded}.{_sign(secret, encoded)}"


def verify_state(state: str | None, *, secret: str, now: float) -> OAuthState:
    """The verified state, or InvalidState(reason in unconfigured|missing|malformed|bad_signature|expired|
    not_yet_valid)."""
    if not secret:
        # A misconfigured stack (empty NoEcho parameter): with an empty key anyone could sign a state.
        raise InvalidState("unconfigured", "the OAuth state secret is not configured; no state is accepted")
    if not state:
        raise InvalidState("missing", "the callback has no state")
    # ASCII only (base64url + "."): a non-ASCII state used to raise UnicodeEncodeError in _sign -> a 500
    if len(state) > MAX_STATE_LENGTH or not state.isascii() or state.count(".") != 1:
        raise InvalidState("malformed", "the state is not in the expected format")
    encoded, signature = state.split(".")
    if not hmac.compare_digest(_sign(secret, encoded).encode("ascii"), signature.encode("ascii", "replace")):
        raise InvalidState("bad_signature", "the state signature does not match (forged or for another stack)")
    try:
        payload = json.loads(_unb64(encoded))
        parsed = OAuthState(client_hash=str(payload["c"]), issued_at=int(payload["iat"]),
                            expires_at=int(payload["exp"]), nonce=str(payload["n"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidState("malformed", "the state payload is not readable") from None
    if payload.get("v") != 1 or not _CLIENT_HASH.match(parsed.client_hash):
        raise InvalidState("malformed", "the state payload has an unknown version or client")
    if parsed.issued_at > now + CLOCK_SKEW_SECONDS:
        raise InvalidState("not_yet_valid", "the state was issued in the future")
    if parsed.expires_at <= now:
        raise InvalidState("expired", "the authorization link expired; ask for a new one")
    return parsed


def authorization_link(*, service_id: str, state: str, authorize_url: str = DEFAULT_AUTHORIZE_URL) -> str:
    """The seller consent link (reference 3.1): authorize URL + service_id + state."""
    if not service_id:
        raise ValueError("the TikTok service id is empty (app secret field service_id)")
    separator = "&" if "?" in authorize_url else "?"
    return f"{authorize_url}{separator}{urlencode({'service_id': service_id, 'state': state})}"
