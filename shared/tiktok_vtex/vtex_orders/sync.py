"""What a verified VTEX hook delivery changes (VTEX-ORDERS-processor, behind the VTEX orders queue).

1. Only orders of our affiliate: the VTEX order id is `{affiliateId}-{marketplaceOrderId}[-01]`; anything
   else (the store's own orders, another marketplace's) is acknowledged and ignored (metric). The order is
   then read from OMS (authoritative: marketplaceOrderId, affiliateId, the invoice packages).
2. An order we never placed (no record for its marketplaceOrderId): recorded in the order log, ignored.
3. The state is recorded on the order (`vtex_status`, with `vtex_status_rank` and `vtex_changed_at`) by a
   conditional write: a status never replaces a later one of the seller flow (models.VTEX_STATUS_RANK),
   and within the same status an older change never replaces a newer one. A delivery that lost this race
   (out of order) changes nothing and triggers nothing.
4. Routing: `invoiced` -> the invoice flow (a VtexInvoiceMessage with the latest Output package on the
   INVOICE queue; the flow is idempotent per NF-e access key); `cancel` / `canceled` -> a seller cancellation
   on TikTok (tiktok_cancel); every other state is only recorded. A redelivery of the state we already hold
   re-emits its effect (both effects are idempotent downstream), so a crash between the write and the send
   loses nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.clients.vtex.errors import VtexNotFound
from tiktok_vtex.clients.vtex.models import VtexOrder
from tiktok_vtex.invoices.models import VtexInvoiceMessage
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.orders import OrderRecord, OrderRepository
from tiktok_vtex.vtex_orders.models import (
    CANCELLED_STATES,
    INVOICED_STATES,
    VTEX_STATUS_RANK,
    VtexHookMessage,
)
from tiktok_vtex.vtex_orders.tiktok_cancel import OrderLog, TikTokCanceller

METRIC_NOT_OURS = "VtexHookNotOurAffiliate"
METRIC_UNKNOWN_ORDER = "VtexHookUnknownOrder"
METRIC_INVOICED_WITHOUT_NFE = "VtexInvoicedWithoutPackage"


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


class VtexOmsPort(Protocol):
    credentials: Any

    def get_order(self, vtex_order_id: str) -> VtexOrder: ...


def marketplace_order_id(vtex_order_id: str, affiliate_id: str) -> str | None:
    """`MKP-576...-01` -> `576...` for our affiliate; None for any other order."""
    prefix = f"{affiliate_id}-"
    if not affiliate_id or not vtex_order_id.startswith(prefix):
        return None
    rest = vtex_order_id[len(prefix):]
    if rest.endswith("-01"):
        rest = rest[:-3]
    return rest or None


@dataclass
class VtexOrderSync:
    orders: OrderRepository
    vtex: Callable[[str], VtexOmsPort]
    canceller: TikTokCanceller
    invoice_queue: Dispatcher
    log: OrderLog | None = None
    clock: Callable[[], float] = time.time

    def on_hook(self, message: VtexHookMessage) -> str:  # noqa: PLR0911 (one return per outcome)
        client_hash, state = message.client_hash, message.state
        vtex = self.vtex(client_hash)
        affiliate = getattr(vtex.credentials, "affiliate_id", "")
        order_id = marketplace_order_id(message.vtex_order_id, affiliate)
        if order_id is None:
            metrics.add_metric(name=METRIC_NOT_OURS, unit=MetricUnit.Count, value=1)
            logger.info("VTEX hook for an order of another channel ignored",
                        extra={"client_hash": client_hash, "vtex_order_id": message.vtex_order_id})
            return "not_our_affiliate"
        try:
            vtex_order = vtex.get_order(message.vtex_order_id)
        except VtexNotFound:
            return self._unknown(client_hash, message, "VTEX does not know this order")
        if (vtex_order.affiliateId or affiliate) != affiliate or \
                (vtex_order.marketplaceOrderId or order_id) != order_id:
            metrics.add_metric(name=METRIC_NOT_OURS, unit=MetricUnit.Count, value=1)
            return "not_our_affiliate"
        record = self.orders.get(client_hash, order_id)
        if record is None:
            return self._unknown(client_hash, message, "no TikTok order of ours has this marketplaceOrderId",
                                 order_id)
        if not self._record_status(record, message):
            logger.info("older VTEX status ignored", extra={"client_hash": client_hash, "order_id": order_id,
                                                            "state": state, "held": record.vtex_status})
            return "stale_status_ignored"
        self._log(client_hash, order_id, "vtex_status", {"vtex_status": state, "last_state": message.last_state,
                                                          "vtex_order": message.vtex_order_id})
        if state in INVOICED_STATES:
            return self._invoice(client_hash, order_id, vtex_order)
        if state in CANCELLED_STATES:
            asked = (vtex_order.model_extra or {}).get("cancellationData")
            asked = asked if isinstance(asked, dict) else {}
            outcome = self.canceller.cancel(client_hash, order_id, source="vtex_hook",
                                            vtex_reason=vtex_order.cancelReason or asked.get("Reason"),
                                            requested_by_user=asked.get("RequestedByUser") is True)
            return f"tiktok_cancel_{outcome.outcome}"
        return "status_recorded"

    def _record_status(self, record: OrderRecord, message: VtexHookMessage) -> bool:
        """True when the state is now the one held (written now, or already held with this very change)."""
        rank = VTEX_STATUS_RANK.get(message.state, 0)
        now = int(self.clock())
        try:
            self.orders.set_attributes(
                record.client_hash, record.order_id, vtex_status=message.state, vtex_status_rank=rank,
                vtex_changed_at=message.changed_at, vtex_status_at=now, updated_at=now,
                condition="attribute_exists(order_id) AND (attribute_not_exists(vtex_status_rank) "
                          "OR vtex_status_rank < :rank OR (vtex_status_rank = :rank AND "
                          "(attribute_not_exists(vtex_changed_at) OR vtex_changed_at <= :changed)))",
                condition_values={":rank": rank, ":changed": message.changed_at})
        except ConditionFailed:
            return False
        return True

    def _invoice(self, client_hash: str, order_id: str, vtex_order: VtexOrder) -> str:
        package = vtex_order.invoice()
        if package is None:
            metrics.add_metric(name=METRIC_INVOICED_WITHOUT_NFE, unit=MetricUnit.Count, value=1)
            logger.error("VTEX order invoiced without an Output invoice package",
                         extra={"client_hash": client_hash, "order_id": order_id})
            self.orders.update_existing(client_hash, order_id, last_action={
                "action": "invoice_to_tiktok", "outcome": "no_invoice_package", "at": int(self.clock())})
            return "invoiced_without_package"
        message = VtexInvoiceMessage(type="vtexInvoice", client_hash=client_hash, order_id=order_id,
                                     invoice=package.model_dump(mode="json", exclude_none=True))
        self.invoice_queue.send([message.model_dump(mode="json", by_alias=True, exclude_none=True)])
        self.orders.update_existing(client_hash, order_id, last_action={
            "action": "invoice_to_tiktok", "outcome": "queued", "invoice_number": package.invoiceNumber,
            "at": int(self.clock())})
        self._log(client_hash, order_id, "vtex_invoice_forwarded", {"invoice_number": package.invoiceNumber})
        return "invoice_queued"

    def _unknown(self, client_hash: str, message: VtexHookMessage, reason: str, order_id: str | None = None) -> str:
        metrics.add_metric(name=METRIC_UNKNOWN_ORDER, unit=MetricUnit.Count, value=1)
        logger.warning("VTEX hook for an order we never placed", extra={
            "client_hash": client_hash, "vtex_order_id": message.vtex_order_id, "reason": reason})
        self._log(client_hash, order_id or message.vtex_order_id, "vtex_hook_unknown_order",
                  {"vtex_order": message.vtex_order_id, "state": message.state, "reason": reason})
        return "unknown_order"

    def _log(self, client_hash: str, order_id: str, kind: str, details: Mapping[str, Any]) -> None:
        if self.log is None:
            return
        try:
            self.log.append(client_hash, kind, order_id, details)
        except Exception:
            logger.exception("order log write failed", extra={"order_id": order_id})
