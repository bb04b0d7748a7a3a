"""Typed errors of the TikTok Shop client.

Every error carries ``code``, ``message``, ``request_id`` and ``http_status``. Messages come from the
server and are scrubbed: no access/refresh token, secret or signature ever reaches ``str(error)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Codes (reference 7)
RATE_LIMITED = 36009002
INTERNAL_ERROR = 36009003
REQUEST_INVALID = 36009004
REQUEST_TIMEOUT = 36009007
TOKEN_EXPIRED = 105002
ACCESS_DENIED = 105005
INVALID_SIGN = 106001
MISSING_SHOP_CIPHER = 106013
INVALID_CIPHER_OR_TOKEN = 101000
CHECK_FAILED = 12052990
PRICE_LOCKED = frozenset({12052038, 12019045})
NOT_FOUND_CODES = frozenset({12052032, 12052048})
CONFLICT_CODES = frozenset({12052205, 10007014, 11006021, 21011040, 21008099, 21011025})
TOKEN_GRANT_CODES = frozenset({36004001, 36004005})
# Product create/edit refusals (the reference names these rules but not their numbers; the sandbox's
# choice, listed in the README): category unknown / not a leaf / not available, brand unknown / not
# authorized, image not uploaded, duplicate seller_sku, required attribute missing, attribute value
# not allowed, several values for a single-value attribute, package dimensions required.
PRODUCT_VALIDATION_CODES = frozenset(
    {12052217, 12052218, 12052219, 12052226, 12052220, 12052221, 12052227, 12052228, 12052229, 12052232}
)
TRANSPORT_ERROR = -1

_SECRETS = [
    re.compile(r"TTP_[A-Za-z0-9_\-.~+/=]+"),
    re.compile(r"(?i)\b[0-9a-f]{64}\b"),
    re.compile(
        r"(?i)((?:app_secret|access_token|refresh_token|auth_code|sign|x-tts-access-token|authorization)"
        r"[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]+"
    ),
]


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """Remove anything that looks like a token, secret or signature from ``text``."""
    for value in extra:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    text = _SECRETS[0].sub("***", text)
    text = _SECRETS[1].sub("***", text)
    return _SECRETS[2].sub(lambda m: m.group(1) + "***", text)


class TikTokError(Exception):
    """Base of everything the TikTok client raises."""


class TikTokApiError(TikTokError):
    """The API answered ``code != 0`` (or could not be reached at all: see TikTokTransportError)."""

    retryable = False

    def __init__(
        self,
        code: int,
        message: str,
        request_id: str | None = None,
        http_status: int | None = None,
        *,
        data: Any = None,
        endpoint: str | None = None,
    ):
        self.code = int(code)
        self.message = redact(str(message or ""))
        self.request_id = request_id
        self.http_status = http_status
        self.data = data
        self.endpoint = endpoint
        super().__init__(self._text())

    def _text(self) -> str:
        where = f" on {self.endpoint}" if self.endpoint else ""
        return (
            f"TikTok API error {self.code}{where}: {self.message}"
            f" (request_id={self.request_id}, http_status={self.http_status})"
        )

    @property
    def item_errors(self) -> list[dict[str, Any]]:
        """Per-item ``data.errors`` of the failed call, when the server sent them."""
        if isinstance(self.data, dict) and isinstance(self.data.get("errors"), list):
            return list(self.data["errors"])
        return []

    def __reduce__(self):  # keep pickling (multiprocessing, Lambda destinations) working
        return (
            _rebuild,
            (type(self), self.code, self.message, self.request_id, self.http_status, self.endpoint),
        )


def _rebuild(cls, code, message, request_id, http_status, endpoint):
    return cls(code, message, request_id, http_status, endpoint=endpoint)


class TikTokValidationError(TikTokApiError):
    """The request is wrong (bad parameter, missing shop_cipher, invalid state). Never retried."""


class TikTokAuthError(TikTokApiError):
    """Credentials rejected: bad sign, bad app_key, unknown token, missing scope. Never retried."""


class TikTokSignatureError(TikTokAuthError):
    """106001: the sign does not match."""


class TikTokPermissionDenied(TikTokAuthError):
    """105005 / 101000 / 36009033: scope missing, token or cipher of another shop, IP not allowed."""


class TikTokTokenExpired(TikTokAuthError):
    """105002: the access token expired; the client refreshes once through its provider."""


class TikTokTokenGrantError(TikTokAuthError):
    """36004001 / 36004005 and friends from the token endpoints: re-authorization needed."""


class TikTokNotFound(TikTokValidationError):
    """The resource does not exist or is not in this shop."""


class TikTokConflict(TikTokValidationError):
    """Duplicate (brand name, invoice, tracking number) or already done (package shipped)."""


class TikTokPriceLocked(TikTokValidationError):
    """12052038 / 12019045: the product is in a promotion and its price cannot change."""


class TikTokRateLimited(TikTokApiError):
    """HTTP 429 / 36009002."""

    retryable = True


class TikTokInternalError(TikTokApiError):
    """36009003 or HTTP 5xx."""

    retryable = True


class TikTokTimeout(TikTokApiError):
    """36009007, or no answer within the client's timeout."""

    retryable = True


class TikTokTransportError(TikTokApiError):
    """The request could not be sent or the answer was not a TikTok envelope."""

    retryable = True


def error_for(
    code: int,
    message: str,
    request_id: str | None,
    http_status: int | None,
    *,
    data: Any = None,
    endpoint: str | None = None,
) -> TikTokApiError:
    """The typed error for an envelope with ``code != 0``."""
    cls: type[TikTokApiError]
    if code == RATE_LIMITED or http_status == 429:
        cls = TikTokRateLimited
    elif code == TOKEN_EXPIRED:
        cls = TikTokTokenExpired
    elif code == INVALID_SIGN:
        cls = TikTokSignatureError
    elif code in (ACCESS_DENIED, INVALID_CIPHER_OR_TOKEN, 36009033):
        cls = TikTokPermissionDenied
    elif code in TOKEN_GRANT_CODES:
        cls = TikTokTokenGrantError
    elif code in PRODUCT_VALIDATION_CODES:
        cls = TikTokValidationError
    elif code == INTERNAL_ERROR or (http_status is not None and http_status >= 500 and code != REQUEST_TIMEOUT):
        cls = TikTokInternalError
    elif code == REQUEST_TIMEOUT:
        cls = TikTokTimeout
    elif code in PRICE_LOCKED:
        cls = TikTokPriceLocked
    elif code in NOT_FOUND_CODES:
        cls = TikTokNotFound
    elif code in CONFLICT_CODES:
        cls = TikTokConflict
    else:
        cls = TikTokValidationError
    return cls(code, message, request_id, http_status, data=data, endpoint=endpoint)
