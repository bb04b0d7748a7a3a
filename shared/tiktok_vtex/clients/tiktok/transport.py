"""Envelope parsing and the per-attempt error classification shared by the API and auth clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from tiktok_vtex.clients.retry import RetryableError
from tiktok_vtex.observability import count_by, logger

from .errors import (
    TRANSPORT_ERROR,
    TikTokApiError,
    TikTokTimeout,
    TikTokTransportError,
    error_for,
    redact,
)

RATE_LIMITED_CODE = 36009002  # TikTok's "too many requests" (HTTP 429)
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)
"""Explicit timeouts: a Lambda must never hang on TikTok."""


def default_http(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    return httpx.Client(timeout=timeout, follow_redirects=False)


def json_bytes(body: Any) -> bytes:
    """Serialize a JSON body once, compactly; these exact bytes are signed and sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def parse_envelope(
    response: httpx.Response,
    endpoint: str,
    *,
    secrets: Iterable[str] = (),
    accept_item_errors: bool = False,
) -> dict[str, Any]:
    """The envelope as a dict when ``code == 0``; otherwise raise the typed error.

    The body is parsed whatever the HTTP status. With ``accept_item_errors``, a non-zero code that
    comes with ``data.errors`` (e.g. 12052990 "check failed") is returned too, so per-item failures
    reach the caller instead of a single exception.
    """
    status = response.status_code
    try:
        envelope = response.json()
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict) or "code" not in envelope:
        message = redact(f"non-envelope answer (HTTP {status})", secrets)
        if status == 429:
            raise error_for(36009002, message, None, status, endpoint=endpoint)
        if status >= 500:
            raise error_for(36009003, message, None, status, endpoint=endpoint)
        raise TikTokTransportError(TRANSPORT_ERROR, message, None, status, endpoint=endpoint)
    try:
        code = int(envelope.get("code"))
    except (TypeError, ValueError):
        code = TRANSPORT_ERROR
    request_id = envelope.get("request_id")
    if code == 0 and status < 400:
        return envelope
    data = envelope.get("data")
    message = redact(str(envelope.get("message") or ""), secrets)
    error = error_for(code if code != 0 else TRANSPORT_ERROR, message, request_id, status, data=data, endpoint=endpoint)
    if accept_item_errors and not error.retryable and error.item_errors and code != 0:
        return envelope
    raise error


def classify(error: TikTokApiError, response: httpx.Response | None = None) -> Exception:
    """Wrap a retryable TikTok error into the RetryPolicy's RetryableError; return others as they are."""
    if error.retryable:
        retry_after = _retry_after(response) if response is not None else None
        return RetryableError(str(error), retry_after=retry_after, cause=error)
    return error


def send_once(
    send: Callable[[], httpx.Response],
    endpoint: str,
    *,
    secrets: Iterable[str] = (),
    accept_item_errors: bool = False,
) -> dict[str, Any]:
    """One attempt: send, parse, and raise RetryableError for what may succeed later."""
    try:
        response = send()
    except httpx.TimeoutException as exc:
        error: TikTokApiError = TikTokTimeout(
            36009007,
            f"no answer within the client timeout ({type(exc).__name__})",
            None,
            None,
            endpoint=endpoint,
        )
        count_by("ApiErrors", api="tiktok", code="timeout")
        raise classify(error) from None
    except httpx.TransportError as exc:
        error = TikTokTransportError(
            TRANSPORT_ERROR, f"transport failure ({type(exc).__name__})", None, None, endpoint=endpoint
        )
        raise classify(error) from None
    try:
        envelope = parse_envelope(response, endpoint, secrets=secrets, accept_item_errors=accept_item_errors)
    except TikTokApiError as error:
        count_by("ApiErrors", api="tiktok", code=error.code)
        if error.code == RATE_LIMITED_CODE:
            count_by("RateLimitWaits", api="tiktok")
        logger.info(
            "tiktok call failed",
            extra={
                "endpoint": endpoint,
                "code": error.code,
                "http_status": error.http_status,
                "request_id": error.request_id,
            },
        )
        raise classify(error, response) from None
    logger.debug(
        "tiktok call",
        extra={"endpoint": endpoint, "code": envelope.get("code"), "request_id": envelope.get("request_id")},
    )
    return envelope
