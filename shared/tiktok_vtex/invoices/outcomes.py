"""What a push 36 (invoice status) means for the order, beyond recording it:

- SUCCESS -> invoice ACCEPTED, the package goes to SHIPPING-PACKAGE (shipping queue, legacy payload);
- PROCESSING -> wait (recorded);
- INVALID / FAILED with a SEFAZ data delay (NOT_FOUND and the like: TikTok could not find the NF-e at SEFAZ
  yet) -> the stored XML is re-uploaded later, with exponential backoff, up to `max_reuploads` times;
- INVALID / FAILED for any other reason (ACCESS_KEY_DUPLICATE, NOT_AUTHORIZED, UNKNOWN, ...) -> REJECTED:
  the reason is on the order and in TikTokLogOrder, and the InvoiceRejected metric raises the alarm.

A repeat of the same push re-sends the same idempotent message (shipping and re-upload are idempotent), so a
failure between the write and the send loses nothing: the push is retried by its queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.invoices.models import InvoiceState
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository

METRIC_REJECTED = "InvoiceRejected"  # InvoiceRejectedAlarm (template) watches it
METRIC_REUPLOAD = "InvoiceReuploadScheduled"
# TikTok's invalid_reason values that mean "SEFAZ does not show this NF-e yet" (data delay): worth a retry.
SEFAZ_DELAY_REASONS = frozenset({"NOT_FOUND", "NFE_NOT_FOUND", "INVOICE_NOT_FOUND", "SEFAZ_NOT_FOUND",
                                 "SEFAZ_TIMEOUT", "SEFAZ_UNAVAILABLE", "SEFAZ_DELAY", "NOT_SYNCED", "PENDING"})
FAILED_STATUSES = frozenset({"INVALID", "FAILED"})
MAX_SQS_DELAY = 900


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


class DelayedDispatcher(Protocol):
    def send_later(self, message: Mapping[str, Any], delay_seconds: int) -> None: ...


def is_sefaz_delay(reason: str | None) -> bool:
    value = (reason or "").strip().upper()
    return value in SEFAZ_DELAY_REASONS or "NOT_FOUND" in value


def backoff_seconds(attempt: int, base: int) -> int:
    """base, 2 base, 4 base... capped at SQS's 15-minute maximum delay."""
    return min(MAX_SQS_DELAY, base * 2 ** max(0, attempt - 1))


def shipping_message(client_hash: str, order_id: str, package_id: str) -> dict[str, str]:
    """The legacy SHIPPING-PACKAGE payload."""
    return {"clientHash": client_hash, "orderId": order_id, "packageId": package_id}


class InvoiceOutcomes:
    def __init__(self, *, orders: OrderRepository, shipping_queue: Dispatcher, reupload_queue: DelayedDispatcher,
                 log: LogRepository | None = None, max_reuploads: int = 5, base_delay_seconds: int = 120) -> None:
        self.orders = orders
        self.shipping_queue = shipping_queue
        self.reupload_queue = reupload_queue
        self.log = log
        self.max_reuploads = max_reuploads
        self.base_delay = base_delay_seconds

    def handle(self, client_hash: str, package_id: str, order_ids: Sequence[str], *, status: str,
               reason: str | None, now: int) -> str:
        status = status.upper()
        if status == "PROCESSING":
            return self._processing(client_hash, package_id, order_ids, now)
        for order_id in order_ids:  # the raw push, as events.py recorded it before
            self.orders.set_attributes(client_hash, order_id, invoice_status=status, invoice_reason=reason or "",
                                       invoice_package_id=package_id, invoice_updated_at=now)
        if not order_ids:
            return "no_orders_in_push"
        if status == "SUCCESS":
            self._state(client_hash, order_ids, InvoiceState.ACCEPTED, now)
            self.shipping_queue.send([shipping_message(client_hash, order_ids[0], package_id)])
            self._log(client_hash, order_ids, "invoice_accepted", {"package_id": package_id})
            return "shipping_requested"
        if status not in FAILED_STATUSES:
            logger.warning("unknown invoice status in push 36", extra={"client_hash": client_hash,
                                                                       "package_id": package_id, "status": status})
            return "recorded"
        if is_sefaz_delay(reason):
            scheduled = self._schedule_reupload(client_hash, order_ids[0], package_id, reason, now)
            if scheduled:
                return "reupload_scheduled"
            reason = f"{reason} (SEFAZ still without the NF-e after {self.max_reuploads} re-uploads)"
        self._state(client_hash, order_ids, InvoiceState.REJECTED, now, invoice_rejection=reason or "UNKNOWN")
        metrics.add_metric(name=METRIC_REJECTED, unit=MetricUnit.Count, value=1)
        metrics.add_metadata(key="invoice_reason", value=reason or "UNKNOWN")
        self._log(client_hash, order_ids, "invoice_rejected", {"package_id": package_id, "status": status,
                                                               "reason": reason or "UNKNOWN"})
        logger.error("TikTok rejected the invoice", extra={"client_hash": client_hash, "package_id": package_id,
                                                           "order_ids": list(order_ids), "status": status,
                                                           "reason": reason or "UNKNOWN"})
        return "invoice_rejected"

    # ------------------------------------------------------------------------------------------------
    def _processing(self, client_hash: str, package_id: str, order_ids: Sequence[str], now: int) -> str:
        """Wait. Pushes arrive out of order: a PROCESSING after the final SUCCESS / rejection changes nothing."""
        final = {":accepted": InvoiceState.ACCEPTED.value, ":rejected": InvoiceState.REJECTED.value}
        stale = 0
        for order_id in order_ids:
            try:
                self.orders.set_attributes(
                    client_hash, order_id, condition="attribute_not_exists(invoice_state) OR NOT invoice_state "
                    "IN (:accepted, :rejected)", condition_values=final, invoice_status="PROCESSING",
                    invoice_reason=None, invoice_package_id=package_id, invoice_state=InvoiceState.PROCESSING.value,
                    invoice_updated_at=now)
            except ConditionFailed:
                stale += 1
        if not order_ids:
            return "no_orders_in_push"
        return "stale_status_ignored" if stale == len(order_ids) else "waiting"

    def _state(self, client_hash: str, order_ids: Sequence[str], state: InvoiceState, now: int,
               **extra: Any) -> None:
        for order_id in order_ids:
            self.orders.set_attributes(client_hash, order_id, invoice_state=state.value, invoice_updated_at=now,
                                       **extra)

    def _schedule_reupload(self, client_hash: str, order_id: str, package_id: str, reason: str | None,
                           now: int) -> bool:
        record = self.orders.get(client_hash, order_id)
        extra = (record.model_extra or {}) if record else {}
        access_key = extra.get("invoice_access_key")
        if not access_key or not extra.get("invoice_xml_key"):
            return False  # not uploaded by us (no stored XML): nothing to re-send
        try:
            updated = self.orders.set_attributes(
                client_hash, order_id,
                condition="attribute_not_exists(invoice_reuploads) OR invoice_reuploads < :max",
                condition_values={":max": self.max_reuploads},
                invoice_state=InvoiceState.RETRY_SCHEDULED.value, invoice_updated_at=now,
                invoice_reuploads=int(extra.get("invoice_reuploads") or 0) + 1)
        except ConditionFailed:
            return False
        attempt = int((updated.model_extra or {}).get("invoice_reuploads") or 1)
        delay = backoff_seconds(attempt, self.base_delay)
        self.reupload_queue.send_later({"type": "reuploadInvoice", "clientHash": client_hash, "orderId": order_id,
                                        "packageId": package_id, "accessKey": access_key, "attempt": attempt},
                                       delay)
        metrics.add_metric(name=METRIC_REUPLOAD, unit=MetricUnit.Count, value=1)
        self._log(client_hash, [order_id], "invoice_reupload_scheduled",
                  {"package_id": package_id, "reason": reason or "", "attempt": attempt, "delay_seconds": delay})
        logger.info("invoice re-upload scheduled (SEFAZ delay)", extra={
            "client_hash": client_hash, "order_id": order_id, "attempt": attempt, "delay_seconds": delay})
        return True

    def _log(self, client_hash: str, order_ids: Sequence[str], kind: str, details: Mapping[str, Any]) -> None:
        if self.log is not None:
            for order_id in order_ids:
                self.log.append(client_hash, kind, order_id, details)
