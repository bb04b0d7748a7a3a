"""Seller shipping: the tracking VTEX calls back with (the invoice sent again with tracking, or
`.../invoice/{invoiceNumber}`) goes to TikTok's fulfillment API (tiktok-shop-api.md 5.3).

The seller ships with their own carrier; VTEX learns the tracking number and carrier name from the store and
calls our marketplace callback. For a TikTok order whose `shipping_type` is SELLER:
- the carrier name becomes a TikTok `shipping_provider_id`: the client's own map
  (`connector_settings.shipping.provider_ids`, name -> id), else TikTok's provider list of the order's
  delivery option matched by name (accents and case ignored), else `shipping.default_provider_id`; none ->
  a recorded refusal (`tiktok_tracking.outcome = refused_unknown_carrier`, metric `SellerTrackingRefused`),
  never an exception: VTEX's callback is still answered (retrying it would not teach us the carrier);
- a package not shipped yet is shipped (`self_shipment`); TikTok requiring the NF-e first is recorded as
  `waiting_invoice` (SHIPPING-PACKAGE ships it once TikTok accepts the NF-e, with the VTEX invoice's
  tracking); a package already shipped gets `shipping_info/update`; a delivered or cancelled package is a
  recorded refusal.
Idempotent: the order keeps `tiktok_tracking {tracking_number, provider_id, package_id, outcome}`; the same
tracking again (VTEX redelivers) answers from it without calling TikTok. Transient TikTok failures raise
(the callback answers 503, VTEX retries).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.shipping.models import ShippingSettings
from tiktok_vtex.vtex_orders.tiktok_cancel import OrderLog

METRIC_SENT = "SellerTrackingSentToTikTok"
METRIC_REFUSED = "SellerTrackingRefused"
SENT = frozenset({"shipped", "updated"})
ALREADY_SHIPPED = frozenset({21011040, 11006021, 21008099})
INVOICE_REQUIRED = frozenset({21004006, 21004019})
PACKAGE_CLOSED = frozenset({"COMPLETED", "CANCELLED"})


class TikTokTrackingPort(Protocol):
    def get_order_details(self, order_ids: Any) -> list[dict[str, Any]]: ...
    def get_package(self, package_id: str) -> dict[str, Any]: ...
    def ship_package(self, package_id: str, *, self_shipment: Mapping[str, str] | None = None,
                     **other: Any) -> dict[str, Any]: ...
    def update_shipping_info(self, package_id: str, *, tracking_number: str,
                             shipping_provider_id: str) -> dict[str, Any]: ...
    def get_shipping_providers(self, delivery_option_id: str) -> list[dict[str, Any]]: ...


def fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def provider_for(courier: str, settings: ShippingSettings, providers: Callable[[], list[dict[str, Any]]]
                 ) -> tuple[str | None, str]:
    """(TikTok shipping_provider_id or None, where it came from) for a VTEX carrier name."""
    wanted = fold(courier)
    mapped = {fold(k): v for k, v in settings.provider_ids.items()}
    if wanted and wanted in mapped:
        return mapped[wanted], "client_map"
    if wanted:
        listed = providers()
        exact = [p for p in listed if fold(str(p.get("name") or "")) == wanted]
        # "Loggi Express" for TikTok's "Loggi": a listed name that is a whole word of the courier's name
        partial = [p for p in listed if fold(str(p.get("name") or "")) and
                   fold(str(p.get("name") or "")) in wanted.split()]
        found = exact or (partial if len(partial) == 1 else [])
        if found:
            return str(found[0]["id"]), "tiktok_list"
    if settings.default_provider_id:
        return settings.default_provider_id, "default"
    return None, "unknown"


@dataclass(frozen=True)
class TrackingOutcome:
    outcome: str  # shipped | updated | already_sent | waiting_invoice | not_seller_shipping | refused_*
    detail: str = ""


@dataclass
class SellerTrackingSender:
    orders: OrderRepository
    tiktok: Callable[[str], TikTokTrackingPort]
    client_settings: Callable[[str], ClientSettings]
    log: OrderLog | None = None
    clock: Callable[[], float] = time.time

    def send(self, client_hash: str, order_id: str, *, tracking_number: str | None,
             courier: str | None, invoice_number: str | None = None) -> TrackingOutcome:
        tracking = (tracking_number or "").strip()
        if not tracking:
            return TrackingOutcome("no_tracking")
        record = self.orders.get(client_hash, order_id)
        if record is None:
            return TrackingOutcome("unknown_order")
        previous = (record.model_extra or {}).get("tiktok_tracking") or {}
        if previous.get("outcome") in SENT and previous.get("tracking_number") == tracking \
                and previous.get("courier") == (courier or ""):
            return TrackingOutcome("already_sent", str(previous.get("provider_id") or ""))
        base = {"tracking_number": tracking, "courier": courier or "", "invoice_number": invoice_number}
        try:
            return self._send(client_hash, order_id, tracking, courier, base)
        except TikTokApiError as error:  # reading the order, package or providers: refused unless transient
            return self._tiktok_refused(client_hash, order_id, error, base)

    def _send(self, client_hash: str, order_id: str, tracking: str, courier: str | None,
              base: dict[str, Any]) -> TrackingOutcome:
        tiktok = self.tiktok(client_hash)
        details = tiktok.get_order_details([order_id])
        order = details[0] if details else {}
        if order.get("shipping_type") != "SELLER":
            return self._store(client_hash, order_id, TrackingOutcome(
                "not_seller_shipping", "TikTok ships this order: its tracking comes from TikTok"), base)
        package_ids = [str(p.get("id")) for p in order.get("packages") or [] if p.get("id")]
        if not package_ids:
            return self._refuse(client_hash, order_id, TrackingOutcome(
                "refused_no_package", "the TikTok order has no package yet"), base)
        package_id = package_ids[0]
        settings = ShippingSettings.model_validate(
            (self.client_settings(client_hash).model_extra or {}).get("shipping") or {})
        option = str(order.get("delivery_option_id") or "")
        provider, source = provider_for(courier or "", settings,
                                        lambda: tiktok.get_shipping_providers(option) if option else [])
        base.update(package_id=package_id, provider_source=source)
        if provider is None:
            return self._refuse(client_hash, order_id, TrackingOutcome(
                "refused_unknown_carrier", f"carrier {courier or '(none)'!r} is not a TikTok shipping provider: "
                "map it in connector_settings.shipping.provider_ids"), base)
        base["provider_id"] = provider
        return self._push(client_hash, order_id, tiktok, package_id, tracking, provider, base)

    def _push(self, client_hash: str, order_id: str, tiktok: TikTokTrackingPort, package_id: str,  # noqa: PLR0911
              tracking: str, provider: str, base: dict[str, Any]) -> TrackingOutcome:
        package = tiktok.get_package(package_id)
        status = str(package.get("package_status") or "")
        if package.get("tracking_number") == tracking and str(package.get("shipping_provider_id")) == provider:
            return self._store(client_hash, order_id, TrackingOutcome("updated", "TikTok already holds it"), base)
        if status in PACKAGE_CLOSED:
            return self._refuse(client_hash, order_id, TrackingOutcome(
                "refused_package_state", f"the TikTok package is {status}"), base)
        shipment = {"tracking_number": tracking, "shipping_provider_id": provider}
        if not package.get("tracking_number") and status == "PROCESSING":
            try:
                tiktok.ship_package(package_id, self_shipment=shipment)
                return self._store(client_hash, order_id, TrackingOutcome("shipped"), base)
            except TikTokApiError as error:
                if error.code in INVOICE_REQUIRED:
                    return self._store(client_hash, order_id, TrackingOutcome(
                        "waiting_invoice", "TikTok ships it once it accepts the NF-e"), base)
                if error.code not in ALREADY_SHIPPED:
                    return self._tiktok_refused(client_hash, order_id, error, base)
        try:
            tiktok.update_shipping_info(package_id, **shipment)
        except TikTokApiError as error:
            return self._tiktok_refused(client_hash, order_id, error, base)
        return self._store(client_hash, order_id, TrackingOutcome("updated"), base)

    def _tiktok_refused(self, client_hash: str, order_id: str, error: TikTokApiError,
                        base: dict[str, Any]) -> TrackingOutcome:
        if error.retryable:
            raise error
        return self._refuse(client_hash, order_id, TrackingOutcome(
            "refused", f"TikTok refused the tracking (code {error.code})"), {**base, "code": error.code})

    def _refuse(self, client_hash: str, order_id: str, outcome: TrackingOutcome,
                base: dict[str, Any]) -> TrackingOutcome:
        metrics.add_metric(name=METRIC_REFUSED, unit=MetricUnit.Count, value=1)
        logger.error("seller tracking not sent to TikTok", extra={
            "client_hash": client_hash, "order_id": order_id, "outcome": outcome.outcome, "detail": outcome.detail})
        return self._store(client_hash, order_id, outcome, base)

    def _store(self, client_hash: str, order_id: str, outcome: TrackingOutcome,
               base: dict[str, Any]) -> TrackingOutcome:
        now = int(self.clock())
        entry = {k: v for k, v in base.items() if v is not None} | {
            "outcome": outcome.outcome, "detail": outcome.detail[:500], "at": now}
        if outcome.outcome in SENT:
            metrics.add_metric(name=METRIC_SENT, unit=MetricUnit.Count, value=1)
        self.orders.update_existing(client_hash, order_id, tiktok_tracking=entry, last_action={
            "action": "tracking_to_tiktok", "outcome": outcome.outcome, "at": now})
        if self.log is not None:
            try:
                self.log.append(client_hash, f"tiktok_tracking_{outcome.outcome}", order_id, entry)
            except Exception:  # an audit line must not fail the callback
                logger.exception("order log write failed", extra={"order_id": order_id})
        return outcome
