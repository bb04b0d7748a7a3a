"""Typed VTEX errors. Each carries VTEX's own code (FMT009, ORD027, OMS003, ...) and the HTTP status.

`error_from_response` reads every error envelope VTEX uses (reference §6.1): the OMS/Checkout/fulfillment
`{"error": {"code", "message"}}`, Catalog's text/plain or `{"Message": ...}`, problem-details
`{"title", "status"}` and the Order Integration `{"code", "errors": [...]}`. Messages are trimmed and
never contain credentials (the client scrubs its own key and token out of any text it raises).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

UNAVAILABLE_CODES = frozenset({"ORD027", "ORD028", "ORD023", "FMT005", "FMT002", "FMT003", "FMT004", "FMT010"})
"""Codes that mean: the item cannot be sold now (no stock, no SLA, inactive or unknown SKU)."""

MAX_MESSAGE_CHARS = 500


class VtexError(Exception):
    """Base of every error raised by the VTEX client (including configuration errors)."""


class VtexCredentialsError(VtexError, ValueError):
    """The client's VTEX secret is missing or invalid. The message names fields, never values."""


class VtexApiError(VtexError):
    """A VTEX call failed. `status` is the HTTP status (None for transport failures), `code` VTEX's code."""

    retryable: ClassVar[bool] = False

    def __init__(self, status: int | None, code: str | None, message: str, *, method: str = "",
                 path: str = "", retry_after: float | None = None):
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f" {self.method} {self.path}".rstrip() if self.method else ""
        code = f" {self.code}" if self.code else ""
        return f"VTEX{where} -> {self.status}{code}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.status, self.code, self.message, self.method, self.path,
                           self.retry_after))


def _rebuild(cls: type[VtexApiError], status: int | None, code: str | None, message: str, method: str,
             path: str, retry_after: float | None) -> VtexApiError:
    return cls(status, code, message, method=method, path=path, retry_after=retry_after)


class VtexBadRequest(VtexApiError):
    """400: malformed request or a business rule (do not retry)."""


class VtexAuthError(VtexApiError):
    """401/403: app key or token wrong, or the key's role lacks the resource."""


class VtexNotFound(VtexApiError):
    """404: no such SKU, order, price, hook configuration or route."""


class VtexConflict(VtexApiError):
    """409: the resource is in the wrong state (OMS003 start-handling, mixed feed filters)."""


class VtexDuplicateOrder(VtexApiError):
    """FMT009: an order with this marketplaceOrderId already exists for this affiliate.

    The client sets `marketplace_order_id`, and `after_retry=True` when an earlier attempt of the same
    place-order call failed in transit (the existing order is then probably the caller's own).
    """

    after_retry: bool = False
    marketplace_order_id: str | None = None


class VtexUnavailableItem(VtexApiError):
    """ORD027/ORD028/FMT005...: an item is unknown, inactive, out of stock or has no SLA.

    Also raised for a simulation answered with HTTP 200 whose `messages[]` say an item is unavailable
    (when the caller asks for it). `items` lists the SKU ids concerned when known.
    """

    def __init__(self, status: int | None, code: str | None, message: str, *, items: list[str] | None = None,
                 **kwargs: Any):
        self.items = list(items or [])
        super().__init__(status, code, message, **kwargs)


class VtexPriceDivergence(VtexApiError):
    """FMT006/FMT007: prices or the payment total differ from what the store expects."""


class VtexLocked(VtexApiError):
    """423: inventory lock busy; retried with backoff."""

    retryable = True


class VtexRateLimited(VtexApiError):
    """429: rate limited; retried after Retry-After."""

    retryable = True


class VtexServerError(VtexApiError):
    """5xx: VTEX or a gateway failed; retried with backoff."""

    retryable = True


class VtexTransportError(VtexApiError):
    """Timeout or connection failure (status None); retried with backoff."""

    retryable = True


_DUPLICATE_CODES = frozenset({"FMT009", "EOI007"})
_PRICE_CODES = frozenset({"FMT006", "FMT007", "EOI003"})


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def parse_error_body(body: bytes | str | None) -> tuple[str | None, str]:
    """(code, message) from any VTEX error body; (None, text) when it is not a known envelope."""
    if body is None:
        return None, ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        return None, _trim(text)
    code: str | None = None
    message = ""
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            code = _str_or_none(inner.get("code"))
            message = str(inner.get("message") or "")
        elif isinstance(inner, str):
            message = inner
        if not message:
            for key in ("message", "Message", "title", "detail", "description"):
                if data.get(key):
                    message = str(data[key])
                    break
        if code is None and isinstance(data.get("code"), str):
            code = data["code"]
        errors = data.get("errors")
        if code is None and isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = _str_or_none(errors[0].get("code"))
            message = message or str(errors[0].get("description") or "")
    elif isinstance(data, str):
        message = data
    else:
        message = text
    return code, _trim(message)


def _str_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


_BY_CODE: dict[str, type[VtexApiError]] = {
    **dict.fromkeys(_DUPLICATE_CODES, VtexDuplicateOrder),
    **dict.fromkeys(UNAVAILABLE_CODES, VtexUnavailableItem),
    **dict.fromkeys(_PRICE_CODES, VtexPriceDivergence),
    "OMS003": VtexConflict,
}


def error_class(status: int | None, code: str | None) -> type[VtexApiError]:
    """The error type for an HTTP status and VTEX code. Codes win over statuses."""
    by_code = _BY_CODE.get(code or "")
    if by_code is not None:
        return by_code
    if status is None:
        return VtexTransportError
    by_status: dict[int, type[VtexApiError]] = {
        400: VtexBadRequest, 401: VtexAuthError, 403: VtexAuthError, 404: VtexNotFound, 409: VtexConflict,
        423: VtexLocked, 429: VtexRateLimited,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:
        return VtexServerError
    return VtexApiError


def error_from_response(status: int, body: bytes | str | None, *, method: str = "", path: str = "",
                        retry_after: float | None = None) -> VtexApiError:
    code, message = parse_error_body(body)
    cls = error_class(status, code)
    return cls(status, code, message or f"HTTP {status}", method=method, path=path, retry_after=retry_after)
