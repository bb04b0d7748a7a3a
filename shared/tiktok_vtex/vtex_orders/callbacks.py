"""VTEX's marketplace callbacks (`marketplaceServicesEndpoint`, vtex-api.md 5.7), `/pvt/` and `/pub/` alike.

- `POST .../orders/{id}/invoice`: an Output invoice goes to the invoice flow (a VtexInvoiceMessage on the
  INVOICE queue: that flow validates the NF-e and is idempotent per access key); an Input (return) invoice
  is recorded. Either way the order records the callback (`vtex_invoice`).
- `POST .../orders/{id}/invoice/{invoiceNumber}`: tracking added to an invoice: recorded (`vtex_tracking`)
  and, for a seller-shipped TikTok order, sent to TikTok (seller_tracking; its outcome on `tiktok_tracking`).
  The invoice sent again with its tracking filled (VTEX's other way) does the same.
- `POST .../orders/{id}/invoice/{invoiceNumber}/tracking`: courier events: recorded (`vtex_tracking_status`).
- `POST .../orders/{id}/cancel`: a seller cancellation on TikTok (tiktok_cancel); answered 200 only once
  TikTok accepted it (or the TikTok order is already cancelled): VTEX marks its order canceled only after
  our 200. Refused (shipped, or TikTok said no) -> 409 with the reason; TikTok unavailable -> 503 (VTEX
  retries).
Every success answers VTEX's `{date, orderId, receipt}`; the receipt is derived from the request's identity
(client, order, action, invoice number), so a repeated callback gets the same receipt: idempotent.
Unknown order (never placed by us for this client) -> 404; invalid body -> 400 naming the field.
Authentication (the path token) is checked by the caller before any of this (callback_auth).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiktok_vtex.dispatch import DispatchError
from tiktok_vtex.invoices.models import VtexInvoiceMessage
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.vtex_orders.intake import describe
from tiktok_vtex.vtex_orders.seller_tracking import SellerTrackingSender
from tiktok_vtex.vtex_orders.tiktok_cancel import OrderLog, TikTokCanceller

ORDER_ID = r"^[0-9A-Za-z_-]{1,64}$"
Action = Literal["invoice", "invoice_update", "tracking", "cancel"]


class _Body(BaseModel):
    # unknown fields are ignored: nothing a caller adds reaches the order record or the invoice message
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CallbackInvoice(_Body):
    type: Literal["Output", "Input"] = "Output"
    invoiceNumber: str = Field(min_length=1, max_length=64)
    invoiceValue: int | None = Field(default=None, ge=0)
    issuanceDate: str | None = Field(default=None, max_length=40)
    invoiceKey: str | None = Field(default=None, max_length=64)
    invoiceUrl: str | None = Field(default=None, max_length=2000)
    embeddedInvoice: str | None = None
    courier: str | None = Field(default=None, max_length=200)
    trackingNumber: str | None = Field(default=None, max_length=200)
    trackingUrl: str | None = Field(default=None, max_length=2000)
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=500)


class CallbackTracking(_Body):
    courier: str | None = Field(default=None, max_length=200)
    trackingNumber: str | None = Field(default=None, max_length=200)
    trackingUrl: str | None = Field(default=None, max_length=2000)
    dispatchedDate: str | None = Field(default=None, max_length=40)


class CallbackTrackingStatus(_Body):
    isDelivered: bool = False
    deliveredDate: str | None = Field(default=None, max_length=40)
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=200)


class CallbackCancel(_Body):
    reason: str | None = Field(default=None, max_length=1000)


@dataclass(frozen=True)
class CallbackResult:
    status_code: int
    body: dict[str, Any]


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


def receipt_for(client_hash: str, order_id: str, action: str, invoice_number: str | None = None) -> str:
    digest = hashlib.sha256(f"{client_hash}|{order_id}|{action}|{invoice_number or ''}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def error(status: int, message: str) -> CallbackResult:
    return CallbackResult(status, {"error": {"message": message}})


@dataclass
class MarketplaceCallbacks:
    orders: OrderRepository
    canceller: TikTokCanceller
    invoice_queue: Dispatcher
    log: OrderLog | None = None
    clock: Callable[[], float] = time.time
    tracking: SellerTrackingSender | None = None
    _models: dict[str, type[_Body]] = field(default_factory=lambda: {
        "invoice": CallbackInvoice, "invoice_update": CallbackTracking, "tracking": CallbackTrackingStatus,
        "cancel": CallbackCancel})

    def handle(self, client_hash: str, order_id: str, action: Action, document: Any,
               invoice_number: str | None = None) -> CallbackResult:
        try:
            body = self._models[action].model_validate(document if document is not None else {})
        except ValidationError as problem:
            metrics.add_metric(name="VtexCallbackInvalid", unit=MetricUnit.Count, value=1)
            return error(400, f"invalid {action} callback: {describe(problem)}")
        record = self.orders.get(client_hash, order_id)
        if record is None:
            metrics.add_metric(name="VtexCallbackUnknownOrder", unit=MetricUnit.Count, value=1)
            logger.warning("VTEX callback for an order we never placed", extra={
                "client_hash": client_hash, "order_id": order_id, "action": action})
            return error(404, f"order {order_id} is not a TikTok order of this store")
        if isinstance(body, CallbackInvoice):
            previous = (record.model_extra or {}).get("vtex_invoice") or {}
            if (previous.get("invoice_number"), previous.get("type"), previous.get("invoice_key")) == (
                    body.invoiceNumber, body.type, body.invoiceKey):
                # the same invoice again (VTEX retried, or sent it again with tracking): already forwarded
                # (the record is written after the send succeeded), the same receipt answers it
                result = self._ok(client_hash, order_id, f"invoice:{body.type}", body.invoiceNumber)
            else:
                result = self._invoice(client_hash, order_id, body)
            if result.status_code == 200 and body.type == "Output" and body.trackingNumber:
                tracking = CallbackTracking(courier=body.courier, trackingNumber=body.trackingNumber,
                                            trackingUrl=body.trackingUrl)
                self._record(client_hash, order_id, "invoice_update", body.invoiceNumber, vtex_tracking={
                    "invoice_number": body.invoiceNumber, **tracking.model_dump(exclude_none=True)})
                self._to_tiktok(client_hash, order_id, body.invoiceNumber, tracking)
            return result
        if isinstance(body, CallbackTracking):
            result = self._record(client_hash, order_id, "invoice_update", invoice_number, vtex_tracking={
                "invoice_number": invoice_number, **body.model_dump(exclude_none=True)})
            self._to_tiktok(client_hash, order_id, invoice_number, body)
            return result
        if isinstance(body, CallbackTrackingStatus):
            return self._record(client_hash, order_id, "tracking", invoice_number, vtex_tracking_status={
                "invoice_number": invoice_number, "is_delivered": body.isDelivered,
                "delivered_date": body.deliveredDate, "events": len(body.events)})
        assert isinstance(body, CallbackCancel)
        return self._cancel(client_hash, order_id, body)

    def _ok(self, client_hash: str, order_id: str, action: str, invoice_number: str | None = None) -> CallbackResult:
        date = datetime.fromtimestamp(self.clock(), UTC).isoformat().replace("+00:00", "Z")
        return CallbackResult(200, {"date": date, "orderId": order_id,
                                    "receipt": receipt_for(client_hash, order_id, action, invoice_number)})

    def _invoice(self, client_hash: str, order_id: str, body: CallbackInvoice) -> CallbackResult:
        now = int(self.clock())
        summary = {"invoice_number": body.invoiceNumber, "type": body.type, "invoice_value": body.invoiceValue,
                   "invoice_key": body.invoiceKey, "at": now}
        outcome = "recorded_return_invoice"
        if body.type == "Output":
            message = VtexInvoiceMessage(type="vtexInvoice", client_hash=client_hash, order_id=order_id,
                                         invoice=body.model_dump(mode="json", exclude_none=True))
            try:
                self.invoice_queue.send([message.model_dump(mode="json", by_alias=True, exclude_none=True)])
            except DispatchError:
                return error(413, "invoice too large to forward: embeddedInvoice must fit 256 KiB")
            outcome = "invoice_queued"
        self.orders.update_existing(client_hash, order_id, vtex_invoice={**summary, "outcome": outcome},
                                    last_action={"action": "vtex_invoice_callback", "outcome": outcome, "at": now})
        self._log(client_hash, order_id, f"vtex_callback_{outcome}", summary)
        return self._ok(client_hash, order_id, f"invoice:{body.type}", body.invoiceNumber)

    def _record(self, client_hash: str, order_id: str, action: str, invoice_number: str | None,
                **attributes: Any) -> CallbackResult:
        now = int(self.clock())
        values = {k: {**v, "at": now} for k, v in attributes.items()}
        self.orders.update_existing(client_hash, order_id, **values)
        self._log(client_hash, order_id, f"vtex_callback_{action}", {"invoice_number": invoice_number})
        return self._ok(client_hash, order_id, action, invoice_number)

    def _to_tiktok(self, client_hash: str, order_id: str, invoice_number: str | None, body: CallbackTracking) -> None:
        """Seller shipping: the tracking to TikTok. A refusal is recorded by the sender (VTEX still gets its
        200: the tracking is ours now); a transient TikTok failure raises (503: VTEX retries, idempotent)."""
        if self.tracking is None or not body.trackingNumber:
            return
        self.tracking.send(client_hash, order_id, tracking_number=body.trackingNumber, courier=body.courier,
                           invoice_number=invoice_number)

    def _cancel(self, client_hash: str, order_id: str, body: CallbackCancel) -> CallbackResult:
        outcome = self.canceller.cancel(client_hash, order_id, source="vtex_callback", vtex_reason=body.reason)
        if outcome.done:
            return self._ok(client_hash, order_id, "cancel")
        if outcome.outcome == "unknown_order":
            return error(404, f"order {order_id} is not a TikTok order of this store")
        if outcome.outcome == "in_progress":  # the hook is cancelling it right now: VTEX retries, then 200
            return error(503, "the cancellation is being applied on TikTok; retry shortly")
        return error(409, f"TikTok did not accept the cancellation: {outcome.detail}")

    def _log(self, client_hash: str, order_id: str, kind: str, details: Mapping[str, Any]) -> None:
        if self.log is None:
            return
        try:
            self.log.append(client_hash, kind, order_id, details)
        except Exception:
            logger.exception("order log write failed", extra={"order_id": order_id})
