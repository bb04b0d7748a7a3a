"""Tracking of a shipped package to the VTEX invoice, as it changes (push 4 package update, push 1 of a
shipped order, or an invoke `{"type": "syncTracking"}`):

- the tracking number / carrier: TikTok `GET /fulfillment/202309/packages/{id}` -> VTEX
  `PATCH /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}` when they differ from what we sent
  (a re-labelled or re-combined package gets a new tracking number);
- the tracking events: TikTok `GET /fulfillment/202309/orders/{id}/tracking` -> VTEX
  `PUT .../invoice/{invoiceNumber}/tracking`, sent only when the events changed (their count and newest
  time are kept on the order).

Idempotent: what was sent is recorded on the order (`shipping_tracking_number`, `shipping_tracking_signature`)
and each send is logged in TikTokLogOrder; a repeat with nothing new calls VTEX not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tiktok_vtex.observability import logger
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository

DELIVERED_WORDS = ("delivered", "entregue")


def _iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def sync_tracking(client_hash: str, order_id: str, *, orders: OrderRepository, tiktok: Callable[[str], Any],
                  vtex: Callable[[str], Any], log: LogRepository | None = None,
                  tracking_url_template: str | None = None, clock: Callable[[], float] = time.time) -> str:
    record = orders.get(client_hash, order_id)
    if record is None:
        return "unknown_order"
    extra = record.model_extra or {}
    number = extra.get("shipping_vtex_invoice")
    if not record.vtex_order or not number:
        return "not_shipped_yet"
    shop = tiktok(client_hash)
    outcomes = []
    package_id = extra.get("shipping_package_id")
    if package_id:
        package = shop.get_package(str(package_id))
        tracking = str(package.get("tracking_number") or "")
        provider = str(package.get("shipping_provider_name") or "")
        if tracking and tracking != extra.get("shipping_tracking_number"):
            url = tracking_url_template.format(tracking=tracking) if tracking_url_template else None
            vtex(client_hash).update_tracking(record.vtex_order, number, {
                "trackingNumber": tracking, "trackingUrl": url,
                "courier": provider or extra.get("shipping_provider") or "TikTok Shop",
                "dispatchedDate": datetime.fromtimestamp(int(extra.get("shipped_at") or clock()), UTC).isoformat()})
            orders.set_attributes(client_hash, order_id, shipping_tracking_number=tracking,
                                  shipping_provider=provider or extra.get("shipping_provider") or "",
                                  shipping_updated_at=int(clock()))
            _log(log, client_hash, order_id, "tracking_number_sent_to_vtex", {
                "vtex_order": record.vtex_order, "invoice_number": number, "tracking_number": tracking,
                "previous": extra.get("shipping_tracking_number") or ""})
            outcomes.append("tracking_number_sent")
    events = sorted(shop.get_tracking(order_id), key=lambda e: int(e.get("update_time_millis") or 0))
    signature = f"{len(events)}:{events[-1].get('update_time_millis') if events else 0}"
    if events and signature != extra.get("shipping_tracking_signature"):
        delivered = any(w in str(events[-1].get("description") or "").lower() for w in DELIVERED_WORDS)
        vtex(client_hash).send_tracking_events(
            record.vtex_order, number, is_delivered=delivered,
            delivered_date=_iso(int(events[-1]["update_time_millis"])) if delivered else None,
            events=[{"description": str(e.get("description") or "")[:200],
                     "date": _iso(int(e.get("update_time_millis") or 0)), "city": "", "state": ""} for e in events])
        orders.set_attributes(client_hash, order_id, shipping_tracking_signature=signature,
                              shipping_tracking_synced_at=int(clock()), shipping_delivered=delivered)
        _log(log, client_hash, order_id, "tracking_events_sent_to_vtex", {
            "vtex_order": record.vtex_order, "invoice_number": number, "events": len(events),
            "delivered": delivered})
        outcomes.append("tracking_sent")
    outcome = "+".join(outcomes) or "unchanged"
    logger.info("tracking synced", extra={"client_hash": client_hash, "order_id": order_id, "outcome": outcome})
    return outcome


def _log(log: LogRepository | None, client_hash: str, order_id: str, kind: str, details: dict[str, Any]) -> None:
    if log is not None:
        log.append(client_hash, kind, order_id, details)
