"""The HTTP side of the intakes (TikTok's webhook, VTEX's orders hook): an API Gateway HTTP API (payload 2.0)
event in, an intake's answer out.

The body is taken back as the exact bytes that were sent (API Gateway may base64-encode it; the signatures
cover these bytes), unreadable bodies are answered 400 without reaching the intake, and a failure before
or inside the intake (secrets or AWS unavailable) is answered 500, so the caller retries, with a message
that names no secret.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from tiktok_vtex.observability import logger
from tiktok_vtex.webhooks.intake import IntakeResult

TEMPORARY_FAILURE = IntakeResult(500, "failed", "temporary failure; retry later")
Handle = Callable[[bytes, dict[str, str]], IntakeResult]


class UnreadableBody(ValueError):
    """The event's body cannot be turned back into the bytes that were sent."""


def raw_body(event: Mapping[str, Any]) -> bytes:
    """The body exactly as it was sent (API Gateway may base64-encode it): the HMAC covers these bytes."""
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            return base64.b64decode(body, validate=True)
        return body.encode("utf-8")
    except (binascii.Error, ValueError, UnicodeEncodeError, AttributeError):
        raise UnreadableBody("the request body is not readable") from None


def answer(event: Mapping[str, Any], handle: Handle, *, failure_log: str) -> IntakeResult:
    """`handle(raw body, headers)` of a request event; 400 for an unreadable body, 500 when it fails."""
    try:
        body = raw_body(event)
    except UnreadableBody as error:
        return IntakeResult(400, "malformed", str(error))
    try:
        return handle(body, dict(event.get("headers") or {}))
    except Exception as error:
        logger.exception(failure_log, extra={"error_type": type(error).__name__})
        return TEMPORARY_FAILURE


def http_response(result: IntakeResult) -> dict[str, Any]:
    """The HTTP API (payload 2.0) response of an intake's answer, as Powertools' resolver writes it."""
    return {"statusCode": result.status_code, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(result.body(), separators=(",", ":")), "isBase64Encoded": False}
