"""JSON in and out for the VTEX sandbox's routes: replies (pricing decimals as JSON numbers), VTEX-shaped
errors, and request bodies (decimals kept exact)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import Response, request

from local.vtex_sandbox.state import bad


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # pricing decimals go out as JSON numbers (149.9), as VTEX sends them
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def reply(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(data, default=_default, ensure_ascii=False)
    return Response(body, status=status, headers=dict(headers or {}), mimetype="application/json")


def error_reply(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, *, text: bool = False
) -> Response:
    if text:
        return Response(message, status=status, headers=dict(headers or {}), mimetype="text/plain")
    return reply({"error": {"code": code, "message": message, "exception": None}}, status, headers)


def json_body() -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise bad("1", "The request is invalid: malformed JSON") from None


def admin_body() -> dict[str, Any]:
    body = json_body()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad("1", "admin bodies are JSON objects")
    return body
