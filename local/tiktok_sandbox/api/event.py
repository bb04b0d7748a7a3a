"""Event API: the shop's webhook addresses, one per event type (pushes themselves: ../pushes.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.event_types import EVENT_TYPES
from local.tiktok_sandbox.gate import NONE, Ctx, Endpoint


def get_webhooks(ctx: Ctx) -> dict[str, Any]:
    hooks = ctx.sb.webhooks.get(ctx.shop["id"], {})  # type: ignore[index]
    rows = [{"event_type": k, **v} for k, v in sorted(hooks.items())]
    return {"webhooks": rows, "total_count": len(rows)}


def valid_webhook_address(address: str) -> bool:
    """TikTok: https, a domain name (no IP), no port, <= 255 characters. The sandbox also accepts
    http(s) on 127.0.0.1/localhost (any port) so the local stack can receive pushes."""
    if len(address) > 255:
        return False
    parts = urlsplit(address)
    host = parts.hostname or ""
    if host in ("127.0.0.1", "localhost"):
        return parts.scheme in ("http", "https")
    try:
        port = parts.port
    except ValueError:
        return False
    is_ip = bool(re.fullmatch(r"[\d.]+|\[?[0-9a-fA-F:]+\]?", host))
    return parts.scheme == "https" and "." in host and not is_ip and port is None


def update_webhook(ctx: Ctx) -> dict[str, Any]:
    address, event_type = ctx.body.get("address"), ctx.body.get("event_type")
    if not address:
        raise E.invalid("param body.address is missing")
    if event_type not in EVENT_TYPES:
        raise E.invalid("param body.event_type is invalid")
    if not isinstance(address, str) or not valid_webhook_address(address):
        raise E.invalid("address must be an https URL with a domain name, no port, at most 255 characters")
    hooks = ctx.sb.webhooks.setdefault(ctx.shop["id"], {})  # type: ignore[index]
    created = hooks.get(event_type, {}).get("create_time", ctx.now)
    hooks[event_type] = {"address": address, "create_time": created, "update_time": ctx.now}
    return {}


def delete_webhook(ctx: Ctx) -> dict[str, Any]:
    event_type = ctx.body.get("event_type")
    if event_type not in EVENT_TYPES:
        raise E.invalid("param body.event_type is invalid")
    ctx.sb.webhooks.get(ctx.shop["id"], {}).pop(event_type, None)  # type: ignore[index]
    return {}


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/event/202309/webhooks", get_webhooks, body=NONE),
    Endpoint("PUT", "/event/202309/webhooks", update_webhook),
    Endpoint("DELETE", "/event/202309/webhooks", delete_webhook),
]
