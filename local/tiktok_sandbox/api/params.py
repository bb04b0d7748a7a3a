"""Request parameters every API group reads the same way: money, id lists, pages, time ranges.

TikTok's page tokens are opaque; the sandbox's are base64 of `offset=N`."""

from __future__ import annotations

import base64
import binascii
import copy
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import Ctx


def money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise E.invalid(f"{what} must be a decimal string") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise E.invalid(f"{what} must be positive with at most 2 decimals")
    return amount


def id_list(value: Any, what: str, limit: int | None = None, code: int | None = None) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
        raise E.invalid(f"{what} must be a non-empty list")
    ids = [str(v) for v in value]
    if limit is not None and len(ids) > limit:
        if code is not None:
            raise E.ApiFail(code, f"Too many {what}: at most {limit}")
        raise E.invalid(f"{what}: at most {limit}")
    return ids


def page_params(ctx: Ctx, low: int, high: int, default: int | None = None) -> tuple[int, int]:
    raw = ctx.query.get("page_size")
    if raw is None or raw == "":
        if default is None:
            raise E.invalid("page_size is required")
        size = default
    else:
        if not raw.isdigit():
            raise E.invalid("page_size must be an integer")
        size = int(raw)
    if not low <= size <= high:
        raise E.invalid(f"page_size must be between {low} and {high}")
    offset = 0
    token = ctx.query.get("page_token")
    if token:
        try:
            text = base64.b64decode(token.encode(), validate=True).decode()
            key, _, number = text.strip().partition("=")
            if key != "offset" or not number.isdigit():
                raise ValueError
            offset = int(number)
        except (ValueError, binascii.Error):
            raise E.invalid("page_token is invalid") from None
    return size, offset


def paginate(items: list[Any], size: int, offset: int) -> tuple[list[Any], str]:
    chunk = items[offset : offset + size]
    end = offset + len(chunk)
    next_token = base64.b64encode(f"offset={end}\n".encode()).decode() if end < len(items) else ""
    return chunk, next_token


def time_filter(
    items: Iterable[dict[str, Any]], body: dict[str, Any], field: str, upper: str = "lt"
) -> list[dict[str, Any]]:
    ge, bound = body.get(f"{field}_ge"), body.get(f"{field}_{upper}")
    out = []
    for item in items:
        value = item.get(field, 0)
        if ge is not None and value < int(ge):
            continue
        if bound is not None and (value >= int(bound) if upper == "lt" else value > int(bound)):
            continue
        out.append(item)
    return out


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


def without_nulls(value: Any) -> Any:
    """TikTok leaves out an optional field that does not apply (absent, never null): drop None values,
    at every depth, from a view built from the sandbox's records."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def base_url() -> str:
    return request.host_url.rstrip("/")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
