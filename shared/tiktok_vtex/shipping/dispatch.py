"""SHIPPING-PACKAGE: ship a TikTok package whose NF-e TikTok accepted, keep its documents in S3, send the
tracking to the VTEX invoice. Every step is recorded on the order (ssxml_tik_tok_orders) and in
TikTokLogOrder.

Never ships twice: the ship call happens only under a claim on the order (conditional write with a lease).
A crash between TikTok's ship and our SHIPPED write leaves an expired claim; the retry re-claims, ships
again and TikTok answers "already shipped" (21011040 / 11006021 / 21008099), which counts as success (the
tracking number is then read from the package). Documents and the VTEX tracking are idempotent steps,
each recorded as done, so a retry resumes where the last attempt stopped.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.observability import logger
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRecord, OrderRepository
from tiktok_vtex.shipping.models import ShippingSettings, ShippingState
from tiktok_vtex.shipping.storage import DocumentStore, document_key

ALREADY_SHIPPED = frozenset({21011040, 11006021, 21008099})
INVOICE_REQUIRED = frozenset({21004006, 21004019})
NOT_TIKTOK_SHIPPING = frozenset({11034002, 21008017})
PACKAGE_NOT_FOUND = frozenset({21011001})


class ShippingRefused(ValueError):
    """An outcome, not a fault: recorded on the order, not retried."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


class ShippingBusy(RuntimeError):
    """Another worker holds a live claim on this package: the message is retried later."""


class InvoiceNotYetAccepted(RuntimeError):
    """TikTok still requires the invoice (21004006): retried later (the queue's backoff)."""


@dataclass(frozen=True)
class ShippingResult:
    outcome: str  # shipped | already_done | refused
    tracking_number: str | None = None
    documents: Mapping[str, Any] | None = None
    reason: str | None = None


def shipping_settings(settings: ClientSettings) -> ShippingSettings:
    raw = (settings.model_extra or {}).get("shipping") or {}
    return ShippingSettings.model_validate(raw if isinstance(raw, dict) else {})


class PackageShipper:
    def __init__(self, *, orders: OrderRepository, tiktok: Callable[[str], Any], vtex: Callable[[str], Any],
                 client_settings: Callable[[str], ClientSettings], store: DocumentStore,
                 download: Callable[[str], bytes], log: LogRepository, clock: Callable[[], float] = time.time,
                 lease_seconds: int = 300, token: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:
        self.orders = orders
        self.tiktok = tiktok
        self.vtex = vtex
        self.client_settings = client_settings
        self.store = store
        self.download = download
        self.log = log
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.token = token

    def dispatch(self, client_hash: str, order_id: str, package_id: str) -> ShippingResult:
        try:
            return self._dispatch(client_hash, order_id, package_id)
        except ShippingRefused as refused:
            now = int(self.clock())
            self.orders.update_existing(client_hash, order_id, shipping_error={
                "step": refused.step, "message": refused.message[:500], "at": now}, shipping_updated_at=now)
            self.log.append(client_hash, "shipping_refused", order_id, {"package_id": package_id,
                                                                       "step": refused.step,
                                                                       "reason": refused.message[:500]})
            logger.error("package not shipped", extra={"client_hash": client_hash, "order_id": order_id,
                                                       "package_id": package_id, "step": refused.step,
                                                       "reason": refused.message})
            return ShippingResult("refused", reason=str(refused))

    # ------------------------------------------------------------------------------------------------
    def _dispatch(self, client_hash: str, order_id: str, package_id: str) -> ShippingResult:
        record = self.orders.get(client_hash, order_id)
        if record is None:
            raise ShippingRefused("order", "unknown order for this client")
        extra = record.model_extra or {}
        state = extra.get("shipping_state")
        if extra.get("shipping_package_id") not in (None, package_id) and state in (ShippingState.SHIPPED,
                                                                                   ShippingState.DONE):
            raise ShippingRefused("package", "the order was shipped in another package")
        if state == ShippingState.DONE:
            return ShippingResult("already_done", extra.get("shipping_tracking_number"),
                                  extra.get("shipping_documents"))
        tiktok = self.tiktok(client_hash)
        settings = shipping_settings(self.client_settings(client_hash))
        if state != ShippingState.SHIPPED:
            record = self._ship(client_hash, record, package_id, tiktok, settings)
            extra = record.model_extra or {}
        documents = self._documents(client_hash, record, package_id, tiktok, settings)
        self._tracking_to_vtex(client_hash, record, settings)
        now = int(self.clock())
        self.orders.set_attributes(client_hash, order_id, shipping_state=ShippingState.DONE.value,
                                   shipping_updated_at=now)
        self.log.append(client_hash, "shipping_done", order_id, {"package_id": package_id,
                                                                "documents": sorted(documents)})
        return ShippingResult("shipped", extra.get("shipping_tracking_number"), documents)

    def _ship(self, client_hash: str, record: OrderRecord, package_id: str, tiktok: Any,
              settings: ShippingSettings) -> OrderRecord:
        order_id = record.order_id
        now = int(self.clock())
        token = self.token()
        try:
            self.orders.set_attributes(
                client_hash, order_id,
                condition="attribute_exists(order_id) AND (attribute_not_exists(shipping_state) "
                          "OR shipping_state = :failed OR (shipping_state = :claimed AND shipping_lease_until < :now))",
                condition_values={":failed": ShippingState.FAILED.value, ":claimed": ShippingState.CLAIMED.value,
                                  ":now": now},
                shipping_state=ShippingState.CLAIMED.value, shipping_claim_token=token,
                shipping_lease_until=now + self.lease_seconds, shipping_package_id=package_id,
                shipping_updated_at=now)
        except ConditionFailed:
            current = self.orders.get(client_hash, order_id)
            if current is not None and (current.model_extra or {}).get("shipping_state") in (
                    ShippingState.SHIPPED, ShippingState.DONE):
                return current
            raise ShippingBusy(f"package {package_id} is being shipped by another worker") from None
        try:
            package = tiktok.get_package(package_id)
        except TikTokApiError as error:
            if error.code in PACKAGE_NOT_FOUND:
                self._release(client_hash, order_id, token)
                raise ShippingRefused("package", "unknown package in the client's shop") from None
            raise
        if order_id not in [str(o.get("id")) for o in package.get("orders") or []]:
            self._release(client_hash, order_id, token)
            raise ShippingRefused("package", "the package does not belong to this order")
        request = self._ship_request(client_hash, record, package, tiktok, settings, token)
        already = False
        try:
            tiktok.ship_package(package_id, **request)
        except TikTokApiError as error:
            if error.code in ALREADY_SHIPPED:
                already = True
            elif error.code in INVOICE_REQUIRED:
                self._release(client_hash, order_id, token)
                raise InvoiceNotYetAccepted(f"TikTok requires the invoice first ({error.code})") from None
            else:
                self._release(client_hash, order_id, token)
                raise ShippingRefused("ship", f"TikTok refused to ship: {error.code} {error.message[:200]}") from None
        shipped = tiktok.get_package(package_id)
        tracking = shipped.get("tracking_number") or (request.get("self_shipment") or {}).get("tracking_number")
        now = int(self.clock())
        updated = self.orders.set_attributes(
            client_hash, order_id, condition="shipping_claim_token = :token", condition_values={":token": token},
            shipping_state=ShippingState.SHIPPED.value, shipping_tracking_number=tracking or "",
            shipping_provider=shipped.get("shipping_provider_name") or "",
            shipping_type=package.get("shipping_type") or "", shipping_handover=request.get("handover_method") or "",
            shipped_at=now, shipping_updated_at=now)
        self.log.append(client_hash, "package_shipped", order_id, {
            "package_id": package_id, "tracking_number": tracking or "", "already_shipped": already,
            "handover_method": request.get("handover_method") or "SELLER"})
        logger.info("package shipped", extra={"client_hash": client_hash, "order_id": order_id,
                                              "package_id": package_id, "already_shipped": already})
        return updated

    def _ship_request(self, client_hash: str, record: OrderRecord, package: Mapping[str, Any], tiktok: Any,
                      settings: ShippingSettings, token: str) -> dict[str, Any]:
        package_id = str(package.get("package_id") or package.get("id") or "")
        if package.get("shipping_type") == "SELLER":
            tracking, courier = self._vtex_tracking(client_hash, record)
            provider = settings.provider_ids.get((courier or "").strip().lower()) or settings.default_provider_id
            if not tracking or not provider:
                self._release(client_hash, record.order_id, token)
                raise ShippingRefused("ship", "seller shipping needs the tracking number and a mapped courier "
                                              "(connector_settings.shipping.provider_ids) on the VTEX invoice")
            return {"self_shipment": {"tracking_number": tracking, "shipping_provider_id": provider}}
        slots = tiktok.get_handover_time_slots(package_id)
        can_pickup, can_drop = bool(slots.get("can_pickup")), bool(slots.get("can_drop_off"))
        pickup = next((s for s in slots.get("pickup_slots") or [] if s.get("avaliable", s.get("available", True))),
                      None)
        wanted = settings.handover_method or "PICKUP"
        if wanted == "PICKUP" and (not can_pickup or pickup is None) and can_drop:
            wanted = "DROP_OFF"
        if wanted == "DROP_OFF" and not can_drop and can_pickup and pickup is not None:
            wanted = "PICKUP"
        if wanted == "PICKUP":
            if pickup is None:
                self._release(client_hash, record.order_id, token)
                raise ShippingRefused("handover", "no pickup slot available and drop-off not offered")
            return {"handover_method": "PICKUP",
                    "pickup_slot": {"start_time": int(pickup["start_time"]), "end_time": int(pickup["end_time"])}}
        return {"handover_method": "DROP_OFF"}

    def _release(self, client_hash: str, order_id: str, token: str) -> None:
        """Our claim -> FAILED (re-claimable by the next message), if we still hold it."""
        with contextlib.suppress(ConditionFailed):  # someone else took over: theirs to record
            self.orders.set_attributes(client_hash, order_id, condition="shipping_claim_token = :token",
                                       condition_values={":token": token}, shipping_state=ShippingState.FAILED.value)

    # ------------------------------------------------------------------------------------------------
    def _documents(self, client_hash: str, record: OrderRecord, package_id: str, tiktok: Any,
                   settings: ShippingSettings) -> dict[str, Any]:
        extra = record.model_extra or {}
        stored: dict[str, Any] = dict(extra.get("shipping_documents") or {})
        if extra.get("shipping_type") == "SELLER":
            return stored  # TikTok serves documents for TikTok shipping only (11034002 / 21008017)
        for document_type in settings.document_types:
            if document_type in stored:
                continue
            try:
                document = tiktok.get_shipping_document(package_id, document_type, document_format="PDF")
            except TikTokApiError as error:
                if error.code in NOT_TIKTOK_SHIPPING:
                    break
                raise
            body = self.download(document.doc_url)  # the URL is valid 24 h: we keep the file
            key = document_key(client_hash, record.order_id, package_id, document_type, "pdf")
            size = self.store.put(key, body, "application/pdf")
            stored[document_type] = {"key": key, "size": size}
            self.orders.set_attributes(client_hash, record.order_id, shipping_documents=stored,
                                       shipping_updated_at=int(self.clock()))
            self.log.append(client_hash, "shipping_document_stored", record.order_id,
                            {"package_id": package_id, "document_type": document_type, "key": key, "size": size})
        return stored

    def _vtex_invoice(self, client_hash: str, record: OrderRecord) -> Any:
        if not record.vtex_order:
            return None
        order = self.vtex(client_hash).get_order(record.vtex_order)
        packages = [p for p in order.packageAttachment.packages if (p.type or "Output") == "Output"]
        number = (record.model_extra or {}).get("invoice_number")
        return next((p for p in packages if p.invoiceNumber == number), packages[-1] if packages else None)

    def _vtex_tracking(self, client_hash: str, record: OrderRecord) -> tuple[str | None, str | None]:
        invoice = self._vtex_invoice(client_hash, record)
        return (invoice.trackingNumber, invoice.courier) if invoice is not None else (None, None)

    def _tracking_to_vtex(self, client_hash: str, record: OrderRecord, settings: ShippingSettings) -> None:
        extra = record.model_extra or {}
        if extra.get("shipping_vtex_tracking_at"):
            return
        invoice = self._vtex_invoice(client_hash, record)
        number = invoice.invoiceNumber if invoice is not None else None
        if not record.vtex_order or not number:
            raise ShippingRefused("vtex_tracking", "the VTEX order has no invoice to attach the tracking to")
        tracking = extra.get("shipping_tracking_number") or ""
        url = settings.tracking_url_template.format(tracking=tracking) if settings.tracking_url_template else None
        self.vtex(client_hash).update_tracking(record.vtex_order, number, {
            "trackingNumber": tracking, "trackingUrl": url, "courier": extra.get("shipping_provider") or "TikTok Shop",
            "dispatchedDate": datetime.fromtimestamp(int(extra.get("shipped_at") or self.clock()), UTC).isoformat()})
        now = int(self.clock())
        self.orders.set_attributes(client_hash, record.order_id, shipping_vtex_tracking_at=now,
                                   shipping_vtex_invoice=number, shipping_updated_at=now)
        self.log.append(client_hash, "tracking_sent_to_vtex", record.order_id,
                        {"vtex_order": record.vtex_order, "invoice_number": number})
