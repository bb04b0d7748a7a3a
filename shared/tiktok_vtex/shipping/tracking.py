"""Tracking events of a shipped package to the VTEX invoice, as they change (push 4 package update, or a
scheduled refresh): TikTok `GET /fulfillment/202309/orders/{id}/tracking` -> VTEX
`PUT /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking`. Sent only when the events changed
(their count and newest time are kept on the order)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tiktok_vtex.repositories.orders import OrderRepository

DELIVERED_WORDS = ("delivered", "entregue")


def _iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def sync_tracking(client_hash: str, order_id: str, *, orders: OrderRepository, tiktok: Callable[[str], Any],
                  vtex: Callable[[str], Any], clock: Callable[[], float] = time.time) -> str:
    record = orders.get(client_hash, order_id)
    if record is None:
        return "unknown_order"
    extra = record.model_extra or {}
    number = extra.get("shipping_vtex_invoice")
    if not record.vtex_order or not number:
        return "not_shipped_yet"
    events = sorted(tiktok(client_hash).get_tracking(order_id), key=lambda e: int(e.get("update_time_millis") or 0))
    signature = f"{len(events)}:{events[-1].get('update_time_millis') if events else 0}"
    if signature == extra.get("shipping_tracking_signature"):
        return "unchanged"
    delivered = bool(events) and any(w in str(events[-1].get("description") or "").lower() for w in DELIVERED_WORDS)
    vtex(client_hash).send_tracking_events(
        record.vtex_order, number, is_delivered=delivered,
        delivered_date=_iso(int(events[-1]["update_time_millis"])) if delivered else None,
        events=[{"description": str(e.get("description") or "")[:200], "date": _iso(int(e.get("update_time_millis")
                                                                                       or 0)), "city": "",
                 "state": ""} for e in events])
    orders.set_attributes(client_hash, order_id, shipping_tracking_signature=signature,
                          shipping_tracking_synced_at=int(clock()), shipping_delivered=delivered)
    return "tracking_sent"
