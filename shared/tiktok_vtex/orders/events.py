"""What order-related pushes change, without calling VTEX (that happens behind the orders queue).

- type 1: the legacy rule (create when unknown and paid, else update the status) with statuses that
  never move backwards (TikTok update_time), CANCEL/CANCELLED understood, and creation re-requested for
  orders still waiting (NEW, HELD, ERROR, PENDING_PAYMENT that became paid); an unpaid order's units are
  requested (recordOrderUnits) so the stock sync counts them before payment. The effect is derived from
  the stored state, and a redelivery of the same (status, update_time) re-emits it: a delivery that died
  between the status write and the send loses nothing (every effect is idempotent downstream);
- types 2, 11, 12: recorded on the order; a successful cancellation cancels the VTEX order (queue); a pending
  buyer cancellation or return request is answered per policy, a completed refund becomes a VTEX Input
  invoice (queue: vtex_orders.after_sales, issue 15);
- type 3: the address refresh is queued;
- type 4: the package ids of each order are refreshed; for an order already shipped, `syncTracking` goes to
  SHIPPING-PACKAGE (tracking number and events to the VTEX invoice);
- type 36: handed to the invoice outcomes (tiktok_vtex.invoices.outcomes.InvoiceOutcomes, wired by the
  webhook processor): SUCCESS -> shipping queue, PROCESSING -> wait, a SEFAZ delay -> delayed re-upload,
  other reasons -> REJECTED + alarm. Every effect is re-emitted by a redelivered push (idempotent
  downstream). Without outcomes wired (OrderEvents alone) only the raw status is recorded and SUCCESS
  queued;
- type 99: vtex_order / vtex_status updated (legacy behaviour).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.orders.models import CANCELLED_VTEX_STATUSES, is_paid, normalize_status
from tiktok_vtex.repositories.orders import OrderRecord, OrderRepository, SyncState
from tiktok_vtex.shipping.models import ShippingState

CREATION_PENDING = (SyncState.NEW, SyncState.HELD, SyncState.ERROR, SyncState.PENDING_PAYMENT)
CANCEL_DONE = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
CANCEL_PENDING = "CANCELLATION_REQUEST_PENDING"
RETURN_PENDING = frozenset({"RETURN_OR_REFUND_REQUEST_PENDING", "REPLACEMENT_REQUEST_PENDING"})
RETURN_DONE = frozenset({"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"})
INVOICE_FAILED = frozenset({"INVALID", "FAILED"})
METRIC_INVOICE_REJECTED = "InvoiceRejected"
SHIPPED_STATES = frozenset({ShippingState.SHIPPED.value, ShippingState.DONE.value})


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


class InvoiceOutcomeHandler(Protocol):
    """tiktok_vtex.invoices.outcomes.InvoiceOutcomes (a Protocol here: orders never import invoices)."""

    def handle(self, client_hash: str, package_id: str, order_ids: Sequence[str], *, status: str,
               reason: str | None, now: int) -> str: ...


def new_order_message(client_hash: str, order_id: str) -> dict[str, str]:
    return {"type": "triggerNewOrderInTTK", "clientHash": client_hash, "orderId": order_id}


def units_message(client_hash: str, order_id: str) -> dict[str, str]:
    return {"type": "recordOrderUnits", "clientHash": client_hash, "orderId": order_id}


def has_units(record: OrderRecord) -> bool:
    return "sku_units" in (record.model_extra or {})


def tracking_message(client_hash: str, order_id: str) -> dict[str, str]:
    """SHIPPING-PACKAGE's `syncTracking` (tiktok_vtex.shipping.tracking)."""
    return {"type": "syncTracking", "clientHash": client_hash, "orderId": order_id}


def cancel_message(client_hash: str, order_id: str, reason: str | None = None) -> dict[str, Any]:
    return {"type": "cancelOrderInVtex", "clientHash": client_hash, "orderId": order_id, "reason": reason}


class OrderEvents:
    def __init__(self, orders: OrderRepository, orders_queue: Dispatcher, shipping_queue: Dispatcher,
                 invoices: InvoiceOutcomeHandler | None = None) -> None:
        self.orders = orders
        self.orders_queue = orders_queue
        self.shipping_queue = shipping_queue
        self.invoices = invoices

    # --- type 1 --------------------------------------------------------------------------------------
    def order_status(self, client_hash: str, order_id: str, status: str, update_time: int, now: int) -> str:
        status = normalize_status(status)
        paid = is_paid(status)
        initial = SyncState.NEW if paid else (
            SyncState.CANCELLED if status == "CANCELLED" else SyncState.PENDING_PAYMENT)
        record = self.orders.record_status(client_hash, order_id, status=status, update_time=update_time, now=now,
                                           initial_state=initial)
        if record is None:
            return "stale_status_ignored"
        # `record` is the stored state, also for a repeat of this very push: the effect below follows from it.
        if status == "CANCELLED":
            if record.sync_state == SyncState.CANCELLED and (
                    not record.vtex_order or record.vtex_status in CANCELLED_VTEX_STATUSES):
                return "cancelled"
            self.orders_queue.send([cancel_message(client_hash, order_id, "Pedido cancelado no TikTok Shop")])
            return "cancel_requested"
        if paid and record.sync_state in CREATION_PENDING:
            if record.sync_state == SyncState.PENDING_PAYMENT:
                self.orders.promote_pending(client_hash, order_id, now=now)
            self.orders_queue.send([new_order_message(client_hash, order_id)])
            return "create_requested"
        if not paid and record.sync_state == SyncState.PENDING_PAYMENT and not has_units(record):
            self.orders_queue.send([units_message(client_hash, order_id)])
            return "units_requested"
        return "status_updated"

    # --- types 2, 11, 12 -----------------------------------------------------------------------------
    def reverse(self, client_hash: str, order_id: str, data: Mapping[str, Any], now: int) -> str:
        self.orders.set_attributes(client_hash, order_id, reverse_event={**data, "received_at": now})
        return "recorded"

    def cancellation(self, client_hash: str, order_id: str, *, cancel_status: str, cancel_id: str | None,
                     role: str | None, now: int) -> str:
        self.orders.set_attributes(client_hash, order_id, cancellation={
            "cancel_id": cancel_id, "cancel_status": cancel_status, "role": role, "received_at": now})
        if cancel_status.upper() in CANCEL_DONE:
            self.orders_queue.send([cancel_message(client_hash, order_id,
                                                   f"Cancelamento TikTok {cancel_id or ''} ({role or 'n/a'})")])
            return "cancel_requested"
        if cancel_status.upper() == CANCEL_PENDING and (role or "").upper() == "BUYER" and cancel_id:
            # issue 15: answered per the client's policy by the orders function (vtex_orders.after_sales)
            self.orders_queue.send([{"type": "answerBuyerCancellation", "clientHash": client_hash,
                                     "orderId": order_id, "cancelId": cancel_id}])
            return "answer_requested"
        return "recorded"

    def return_status(self, client_hash: str, order_id: str, *, return_status: str, return_id: str | None,
                      return_type: str | None, role: str | None, now: int) -> str:
        self.orders.set_attributes(client_hash, order_id, return_request={
            "return_id": return_id, "return_status": return_status, "return_type": return_type, "role": role,
            "received_at": now})
        status, kind = return_status.upper(), (return_type or "").upper()
        if not return_id:
            return "recorded"
        # issue 15: requests answered per policy, completed refunds become an Input invoice in VTEX (once)
        if status in RETURN_PENDING:
            self.orders_queue.send([{"type": "answerReturnRequest", "clientHash": client_hash, "orderId": order_id,
                                     "returnId": return_id, "returnType": kind or None}])
            return "answer_requested"
        if status in RETURN_DONE and kind in ("REFUND", "RETURN_AND_REFUND"):
            self.orders_queue.send([{"type": "returnInvoiceInVtex", "clientHash": client_hash, "orderId": order_id,
                                     "returnId": return_id}])
            return "return_invoice_requested"
        if status == "REPLACEMENT_REQUEST_COMPLETE":
            metrics.add_metric(name="ReturnReplacementNeedsSeller", unit=MetricUnit.Count, value=1)
            logger.warning("TikTok replacement agreed: ship it from VTEX", extra={"client_hash": client_hash,
                                                                                "order_id": order_id})
        return "recorded"

    # --- type 3 --------------------------------------------------------------------------------------
    def address_changed(self, client_hash: str, order_id: str) -> str:
        self.orders_queue.send([{"type": "refreshOrderAddress", "clientHash": client_hash, "orderId": order_id}])
        return "address_refresh_requested"

    # --- type 4 --------------------------------------------------------------------------------------
    def packages_changed(self, client_hash: str, packages: Sequence[tuple[str, Sequence[str]]], *,
                         sc_type: str | None, now: int) -> str:
        by_order: dict[str, list[str]] = {}
        for package_id, order_ids in packages:
            for order_id in order_ids:
                by_order.setdefault(order_id, []).append(package_id)
        tracking = []
        for order_id, package_ids in by_order.items():
            record = self.orders.set_attributes(client_hash, order_id, package_ids=sorted(set(package_ids)),
                                                package_sc_type=sc_type or "", packages_updated_at=now)
            if (record.model_extra or {}).get("shipping_state") in SHIPPED_STATES:
                # A shipped package changed: SHIPPING-PACKAGE re-reads its tracking and sends what changed
                # to the VTEX invoice. Derived from the stored state, so a redelivered push re-emits it.
                tracking.append(tracking_message(client_hash, order_id))
        if tracking:
            self.shipping_queue.send(tracking)
            return "packages_updated_tracking_requested"
        return "packages_updated" if by_order else "no_orders_in_push"

    # --- type 36 -------------------------------------------------------------------------------------
    def invoice_status(self, client_hash: str, package_id: str, order_ids: Sequence[str], *, status: str,
                       reason: str | None, now: int) -> str:
        if self.invoices is not None:
            return self.invoices.handle(client_hash, package_id, order_ids, status=status, reason=reason, now=now)
        status = status.upper()
        for order_id in order_ids:
            self.orders.set_attributes(client_hash, order_id, invoice_status=status, invoice_reason=reason or "",
                                       invoice_package_id=package_id, invoice_updated_at=now)
        if status == "SUCCESS":
            # Legacy SHIPPING-PACKAGE payload. Its consumer belongs to the fulfillment issue (see template).
            self.shipping_queue.send([{"clientHash": client_hash, "orderId": order_ids[0], "packageId": package_id}])
            return "shipping_requested"
        if status in INVOICE_FAILED:
            metrics.add_metric(name=METRIC_INVOICE_REJECTED, unit=MetricUnit.Count, value=1)
            logger.error("TikTok rejected the invoice", extra={"client_hash": client_hash, "package_id": package_id,
                                                               "order_ids": list(order_ids), "reason": reason})
            return "invoice_rejected"
        return "recorded"

    # --- type 99 -------------------------------------------------------------------------------------
    def vtex_order_created(self, client_hash: str, order_id: str, vtex_order: str, vtex_status: str,
                           now: int) -> str:
        self.orders.set_attributes(client_hash, order_id, vtex_order=vtex_order, vtex_status=vtex_status,
                                   updated_at=now)
        return "vtex_order_updated"
