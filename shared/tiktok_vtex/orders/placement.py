"""TikTok order -> VTEX order, exactly once, plus the VTEX-side cancellation and address refresh.

Exactly once under duplicates, retries and concurrency:
1. A conditional write claims the order in ssxml_tik_tok_orders (sync_state CLAIMED, a claim token and a
   lease). A second worker finds the claim and stops; a crashed worker's claim expires with its lease.
2. A retry (attempts > 1) first looks for the VTEX order of this marketplaceOrderId (`{affiliate}-{id}`):
   VTEX may have placed it before we crashed. Found -> linked, never placed again.
3. Placement answered FMT009 (duplicate) -> the existing order is found and linked.
4. PLACED_IN_VTEX is written with our claim token; a retry from that state only authorizes.
5. AUTHORIZED after the fulfill call (VTEX `authorize dispatch`, only for paid TikTok orders).

Cancel racing placement: `cancel()` never overwrites a live claim. Without a live claim it writes CANCELLED
(and, if an earlier claim may have placed before crashing, looks VTEX up and cancels that order); with one
it sets `cancel_requested`, which the claim holder checks after claiming, before placing and in every later
write (mark_placed / mark_error / release refuse while it is set), then cancels what it placed. A cancel
landing after placement is handled on the VTEX side and the claim holder's later writes see CANCELLED:
"cancelled meanwhile" is a normal outcome, never an exception.

Business refusals (unknown SKU, no stock, no SLA, invalid CPF, no address, price divergence) put the order
in ERROR with the reason and raise the `OrderCreationFailed` metric; the order stays claimable, so a replay
(new push, operator re-invoke) retries it. Transient failures give the claim back and re-raise: the queue
redelivers the message (then its DLQ).

Size (~440 lines): the exactly-once steps above are one state machine over one order record;
splitting them would separate each step from the conditional write that guards it.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.clients.vtex.errors import (
    VtexApiError,
    VtexDuplicateOrder,
    VtexNotFound,
    VtexPriceDivergence,
    VtexUnavailableItem,
)
from tiktok_vtex.clients.vtex.models import (
    FulfillResult,
    MarketplaceOrder,
    OmsReceipt,
    PlacedOrder,
    SimulationItemRequest,
    SimulationResult,
    VtexOrder,
)
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.orders import mapping
from tiktok_vtex.orders.models import CANCELLED_VTEX_STATUSES, TikTokOrder, is_paid, order_units
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.orders import OrderRecord, OrderRepository, SyncState
from tiktok_vtex.repositories.products import SellerSku

METRIC_CREATION_FAILED = "OrderCreationFailed"
METRIC_CREATED = "OrderCreatedInVtex"
METRIC_CANCEL_BLOCKED = "OrderCancelBlocked"
METRIC_ADDRESS_NOT_APPLIED = "OrderAddressChangeNotApplied"
# VTEX statuses after which the order can no longer be cancelled (it was invoiced).
INVOICED_STATUSES = frozenset({"invoice", "invoiced"})


class TikTokOrdersPort(Protocol):
    def get_order_details(self, order_ids: Sequence[str]) -> list[dict[str, Any]]: ...


class VtexCredentialsView(Protocol):
    affiliate_id: str
    seller_id: str


class VtexOrdersPort(Protocol):
    credentials: Any

    def simulate(self, items: Sequence[SimulationItemRequest], postal_code: str | None = None,
                 country: str | None = "BRA") -> SimulationResult: ...

    def place_order(self, order: MarketplaceOrder) -> PlacedOrder: ...

    def authorize_dispatch(self, vtex_order_id: str, marketplace_order_id: str) -> FulfillResult: ...

    def get_order(self, vtex_order_id: str) -> VtexOrder: ...

    def cancel_order(self, vtex_order_id: str, reason: str | None = None) -> OmsReceipt: ...


class SkuLookup(Protocol):
    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, SellerSku]: ...


class OrderLog(Protocol):
    def append(self, client_hash: str, kind: str, subject: str, details: Mapping[str, Any]) -> str: ...


class OrderNotFoundInTikTok(RuntimeError):
    """TikTok does not (yet) return the order: transient, the message is retried."""


@dataclass
class OrderPlacer:
    orders: OrderRepository
    skus: SkuLookup
    tiktok: Callable[[str], TikTokOrdersPort]
    vtex: Callable[[str], VtexOrdersPort]
    client_settings: Callable[[str], ClientSettings]
    services_endpoint: Callable[[str], str]
    log: OrderLog | None = None
    clock: Callable[[], float] = time.time
    lease_seconds: int = 180
    new_token: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    # Invoiced VTEX order + TikTok cancellation: post a full return (Input) invoice, True when it is there
    # (vtex_orders.after_sales.post_full_return); None keeps "cancel_blocked_invoiced" + alert.
    full_return: Callable[[Any, VtexOrder], bool] | None = None

    # ------------------------------------------------------------------ creation
    def create(self, client_hash: str, order_id: str) -> str:  # noqa: PLR0911 (one return per outcome)
        """Creates the order in VTEX if it is not there yet; returns the outcome (for logs and tests)."""
        now = int(self.clock())
        current = self.orders.get(client_hash, order_id)
        if current is not None:
            done = self._already_handled(current)
            if done is not None:
                return done
        token = self.new_token()
        try:
            record = self.orders.claim(client_hash, order_id, token=token, now=now, lease_seconds=self.lease_seconds)
        except ConditionFailed:
            current = self.orders.get(client_hash, order_id)
            if current is None:  # deleted under us: let the queue retry
                raise RuntimeError(f"order {order_id} vanished while claiming") from None
            return self._already_handled(current) or "in_progress"
        try:
            if record.cancel_requested:
                return self._honour_cancel(client_hash, order_id, token, record)
            return self._create_claimed(client_hash, order_id, record, token)
        except mapping.OrderRejected as rejected:
            return self._fail(client_hash, order_id, token, rejected.code, rejected.reason)
        except VtexUnavailableItem as error:
            return self._fail(client_hash, order_id, token, "NO_STOCK", str(error))
        except VtexPriceDivergence as error:
            return self._fail(client_hash, order_id, token, "PRICE_DIVERGENCE", str(error))
        except VtexDuplicateOrder:
            # FMT009 but the existing order is not readable yet (OMS indexing lag): retry, never re-place.
            self._give_back(client_hash, order_id, token)
            raise
        except VtexApiError as error:
            if not error.retryable and error.status is not None and 400 <= error.status < 500 \
                    and error.status not in (401, 403, 404, 408, 429):
                return self._fail(client_hash, order_id, token, f"VTEX_{error.code or error.status}", str(error))
            self._give_back(client_hash, order_id, token)
            raise
        except Exception:
            self._give_back(client_hash, order_id, token)
            raise

    def _already_handled(self, record: OrderRecord) -> str | None:
        if record.sync_state == SyncState.AUTHORIZED:
            return "already_authorized"
        if record.sync_state == SyncState.CANCELLED:
            return "cancelled"
        if record.sync_state == SyncState.PLACED_IN_VTEX and record.vtex_order:
            return self._authorize(record.client_hash, record.order_id, record.vtex_order)
        return None

    def _create_claimed(self, client_hash: str, order_id: str, record: OrderRecord, token: str) -> str:
        now = int(self.clock())
        detail = self._read_order(client_hash, order_id)
        status = detail.normalized_status
        # Units per seller SKU: the stock sync subtracts them while the order is not in VTEX yet.
        self.orders.set_units(client_hash, order_id, order_units(detail), update_time=detail.update_time)
        self.orders.record_status(client_hash, order_id, status=status, update_time=detail.update_time, now=now,
                                  initial_state=SyncState.CLAIMED)
        if status == "CANCELLED":
            return self._release(client_hash, order_id, token, SyncState.CANCELLED) or "cancelled"
        if not is_paid(status):
            return self._release(client_hash, order_id, token, SyncState.PENDING_PAYMENT) or "awaiting_payment"
        hold_minutes = self.client_settings(client_hash).order_hold_minutes
        if hold_minutes > 0:
            start = detail.paid_time or detail.create_time or detail.update_time or now
            hold_until = int(start) + hold_minutes * 60
            if now < hold_until:
                return self._release(client_hash, order_id, token, SyncState.HELD, hold_until=hold_until) or "held"
        vtex = self.vtex(client_hash)
        existing = record.vtex_order or (self._find_vtex_order(vtex, order_id) if record.attempts > 1 else None)
        if existing:
            logger.info("VTEX order already exists; linking it", extra={"client_hash": client_hash,
                                                                         "order_id": order_id})
            return self._placed(client_hash, order_id, token, existing, "linked")
        skus = self.skus.get_many(client_hash, sorted({(li.seller_sku or "").strip()
                                                       for li in detail.line_items if li.seller_sku}))
        items = mapping.aggregate_items(detail, skus)
        if detail.recipient_address is None:
            raise mapping.OrderRejected("NO_ADDRESS", "order has no recipient address")
        seller_id = getattr(vtex.credentials, "seller_id", "1") or "1"
        simulation = vtex.simulate(mapping.simulation_items(items, seller_id),
                                   mapping.postal_code(detail.recipient_address), "BRA")
        slas = mapping.check_simulation(items, simulation)
        order = mapping.build_marketplace_order(detail, items, slas, services_endpoint=self.services_endpoint(
            client_hash), seller_id=seller_id)
        latest = self.orders.get(client_hash, order_id)  # a cancel may have landed while we read and simulated
        if latest is not None and latest.cancel_requested:
            return self._honour_cancel(client_hash, order_id, token, latest)
        try:
            placed = vtex.place_order(order)
            vtex_id = placed.orderId
            how = "placed"
        except VtexDuplicateOrder:
            found = self._find_vtex_order(vtex, order_id)
            if not found:
                raise  # FMT009 but not findable yet: retried by the queue
            vtex_id, how = found, "linked_duplicate"
        return self._placed(client_hash, order_id, token, vtex_id, how)

    def _placed(self, client_hash: str, order_id: str, token: str, vtex_id: str, how: str) -> str:
        now = int(self.clock())
        try:
            self.orders.mark_placed(client_hash, order_id, token=token, vtex_order=vtex_id, vtex_status="created",
                                    now=now)
        except ConditionFailed:
            # A cancel was requested while we placed, or our claim was taken away (cancelled / lease expired).
            return self._after_lost_claim(client_hash, order_id, token, vtex_id)
        metrics.add_metric(name=METRIC_CREATED, unit=MetricUnit.Count, value=1)
        self._log(client_hash, order_id, how, {"vtex_order": vtex_id})
        return self._authorize(client_hash, order_id, vtex_id, how)

    def _authorize(self, client_hash: str, order_id: str, vtex_id: str, how: str = "resumed") -> str:
        vtex = self.vtex(client_hash)
        try:
            vtex.authorize_dispatch(vtex_id, order_id)
        except VtexApiError as error:
            if error.retryable or error.status is None:
                raise
            # Already authorized (a retry after a crash), or cancelled meanwhile? VTEX refuses the fulfill.
            status = vtex.get_order(vtex_id).status
            if status in CANCELLED_VTEX_STATUSES:
                self.orders.mark_cancelled(client_hash, order_id, now=int(self.clock()), vtex_status=status,
                                           vtex_order=vtex_id)
                return "cancelled_meanwhile"
            if status in ("waiting-ffmt-authorization", "order-accepted"):
                raise
            logger.info("VTEX order already past authorization", extra={"order_id": order_id, "status": status})
        try:
            self.orders.mark_authorized(client_hash, order_id, now=int(self.clock()))
        except ConditionFailed:
            current = self.orders.get(client_hash, order_id)
            if current is not None and current.sync_state == SyncState.CANCELLED:
                return "cancelled_meanwhile"  # the cancel handled the VTEX order (it saw vtex_order)
            raise
        self._log(client_hash, order_id, "authorized", {"vtex_order": vtex_id})
        return f"{how}_authorized" if how != "resumed" else "authorized"

    def _release(self, client_hash: str, order_id: str, token: str, state: SyncState,
                 **attributes: Any) -> str | None:
        """Gives the claim back in `state`; None when done, else the outcome of what happened meanwhile."""
        try:
            self.orders.release(client_hash, order_id, token=token, state=state, now=int(self.clock()),
                                **attributes)
        except ConditionFailed:
            return self._after_lost_claim(client_hash, order_id, token)
        return None

    def _after_lost_claim(self, client_hash: str, order_id: str, token: str, vtex_id: str | None = None) -> str:
        """A write of the claim holder was refused: a cancel was requested (honour it), the order was
        cancelled (cancel what we placed), or another worker took the expired claim (it owns the order now)."""
        current = self.orders.get(client_hash, order_id)
        if current is None:
            raise RuntimeError(f"order {order_id} vanished while claimed")
        if current.sync_state == SyncState.CLAIMED and current.claim_token == token and current.cancel_requested:
            return self._honour_cancel(client_hash, order_id, token, current, vtex_id)
        if current.sync_state == SyncState.CANCELLED:
            if vtex_id and current.vtex_status not in CANCELLED_VTEX_STATUSES:
                self._cancel_vtex(client_hash, order_id, vtex_id, "TikTok order cancelled during creation")
            return "cancelled_meanwhile"
        logger.warning("claim lost to another worker", extra={"client_hash": client_hash, "order_id": order_id,
                                                              "sync_state": current.sync_state})
        return "claim_lost"

    def _honour_cancel(self, client_hash: str, order_id: str, token: str, record: OrderRecord,
                       vtex_id: str | None = None) -> str:
        """We hold the claim and a cancel was requested: cancel what we (or a crashed earlier attempt) placed."""
        reason = record.cancel_note or "Pedido cancelado no TikTok Shop"
        if vtex_id is None and (record.vtex_order or record.attempts > 1):
            vtex_id = record.vtex_order or self._find_vtex_order(self.vtex(client_hash), order_id)
        if vtex_id:
            self._cancel_vtex(client_hash, order_id, vtex_id, reason)
        else:
            # refused only if a cancel already moved it to CANCELLED: nothing left to do then
            with contextlib.suppress(ConditionFailed):
                self.orders.release(client_hash, order_id, token=token, state=SyncState.CANCELLED,
                                    now=int(self.clock()))
            self._log(client_hash, order_id, "cancelled_before_creation", {"reason": reason})
        return "cancelled_meanwhile"

    def _find_vtex_order(self, vtex: VtexOrdersPort, order_id: str) -> str | None:
        """The VTEX order of this marketplace order id, if VTEX has one (ids `{affiliate}-{id}[-01]`)."""
        affiliate = getattr(vtex.credentials, "affiliate_id", "")
        for candidate in (f"{affiliate}-{order_id}", f"{affiliate}-{order_id}-01"):
            try:
                found = vtex.get_order(candidate)
            except VtexNotFound:
                continue
            if found.marketplaceOrderId in (None, order_id):
                return found.orderId
        return None

    def _read_order(self, client_hash: str, order_id: str) -> TikTokOrder:
        orders = self.tiktok(client_hash).get_order_details([order_id])
        match = next((o for o in orders if str(o.get("id")) == str(order_id)), None)
        if match is None:
            raise OrderNotFoundInTikTok(f"TikTok returned no detail for order {order_id}")
        return TikTokOrder.model_validate(match)

    def _fail(self, client_hash: str, order_id: str, token: str, code: str, reason: str) -> str:
        now = int(self.clock())
        try:
            self.orders.mark_error(client_hash, order_id, token=token, reason=reason, code=code, now=now)
        except ConditionFailed:  # cancelled meanwhile (an error no longer matters) or the claim was lost
            outcome = self._after_lost_claim(client_hash, order_id, token)
            if outcome == "cancelled_meanwhile":
                return outcome
        metrics.add_metric(name=METRIC_CREATION_FAILED, unit=MetricUnit.Count, value=1)
        logger.error("TikTok order not created in VTEX", extra={"client_hash": client_hash, "order_id": order_id,
                                                                "code": code, "reason": reason})
        self._log(client_hash, order_id, "error", {"code": code, "reason": reason[:500]})
        return f"error:{code}"

    def _give_back(self, client_hash: str, order_id: str, token: str) -> None:
        """Transient failure: hand the claim back (state NEW) so the redelivered message resumes at once.
        attempts stays incremented, so the retry looks VTEX up before placing."""
        try:
            self.orders.release(client_hash, order_id, token=token, state=SyncState.NEW, now=int(self.clock()))
        except ConditionFailed:
            pass
        except Exception:  # the lease expires anyway; never hide the original error
            logger.exception("could not release order claim", extra={"order_id": order_id})

    def _log(self, client_hash: str, order_id: str, kind: str, details: Mapping[str, Any]) -> None:
        if self.log is None:
            return
        try:
            self.log.append(client_hash, kind, order_id, details)
        except Exception:  # an audit line must not fail an order
            logger.exception("order log write failed", extra={"order_id": order_id})

    # ------------------------------------------------------------------ cancellation
    def cancel(self, client_hash: str, order_id: str, reason: str | None = None) -> str:
        """The TikTok order was cancelled: cancel its VTEX copy unless VTEX already invoiced it.

        Never overwrites a live claim: a placement in flight gets the cancel handed over (`cancel_requested`)
        and cancels what it placed. Idempotent (a repeat finds the order cancelled)."""
        reason = reason or "Pedido cancelado no TikTok Shop"
        record = self.orders.get(client_hash, order_id)
        for _ in range(3):  # each retry follows a state change of the claim holder; three are plenty
            now = int(self.clock())
            if record is not None and record.vtex_order:
                if record.sync_state == SyncState.CANCELLED and record.vtex_status in CANCELLED_VTEX_STATUSES:
                    return "already_cancelled"
                return self._cancel_vtex(client_hash, order_id, record.vtex_order, reason)
            if record is not None and record.sync_state == SyncState.CANCELLED:
                return "already_cancelled"
            try:
                cancelled = self.orders.cancel_unclaimed(client_hash, order_id, now=now, reason=reason)
            except ConditionFailed:
                try:
                    self.orders.request_cancel(client_hash, order_id, now=now, reason=reason)
                except ConditionFailed:  # placed or released meanwhile: look again
                    record = self.orders.get(client_hash, order_id)
                    continue
                self._log(client_hash, order_id, "cancel_handed_to_placement", {"reason": reason})
                return "cancel_handed_to_placement"
            if cancelled.attempts:  # an earlier claim may have placed the order before it crashed
                found = self._find_vtex_order(self.vtex(client_hash), order_id)
                if found:
                    return self._cancel_vtex(client_hash, order_id, found, reason)
            self._log(client_hash, order_id, "cancelled_before_creation", {"reason": reason})
            return "cancelled_before_creation"
        raise RuntimeError(f"order {order_id} kept changing state while cancelling; the message is retried")

    def _cancel_vtex(self, client_hash: str, order_id: str, vtex_id: str, reason: str) -> str:
        now = int(self.clock())
        vtex = self.vtex(client_hash)
        vtex_order = vtex.get_order(vtex_id)
        status = vtex_order.status
        if status in INVOICED_STATUSES and self.full_return is not None and self.full_return(vtex, vtex_order):
            # issue 15: a return (Input) invoice for every item first; VTEX then allows the cancel
            vtex.cancel_order(vtex_id, reason)
            self.orders.mark_cancelled(client_hash, order_id, now=now, vtex_status="cancellation-requested",
                                       reason=reason, vtex_order=vtex_id)
            self._log(client_hash, order_id, "returned_and_cancelled_in_vtex", {"vtex_order": vtex_id})
            return "returned_and_cancelled_in_vtex"
        if status in INVOICED_STATUSES:
            self.orders.set_attributes(client_hash, order_id, vtex_status=status, updated_at=now,
                                       cancel_blocked="VTEX order already invoiced: needs a return (Input invoice)")
            metrics.add_metric(name=METRIC_CANCEL_BLOCKED, unit=MetricUnit.Count, value=1)
            logger.error("TikTok order cancelled but VTEX order already invoiced",
                         extra={"client_hash": client_hash, "order_id": order_id, "vtex_order": vtex_id})
            self._log(client_hash, order_id, "cancel_blocked", {"vtex_order": vtex_id, "vtex_status": status})
            return "cancel_blocked_invoiced"
        if status not in CANCELLED_VTEX_STATUSES:
            vtex.cancel_order(vtex_id, reason)
            status = "cancellation-requested"
        self.orders.mark_cancelled(client_hash, order_id, now=now, vtex_status=status, reason=reason,
                                   vtex_order=vtex_id)
        self._log(client_hash, order_id, "cancelled_in_vtex", {"vtex_order": vtex_id})
        return "cancelled_in_vtex"

    # ------------------------------------------------------------------ units of orders not yet creatable
    def record_units(self, client_hash: str, order_id: str) -> str:
        """Unpaid orders are not claimed until paid, but TikTok already holds their stock: read the detail
        once and record the units (set_units keeps the newest reading)."""
        detail = self._read_order(client_hash, order_id)
        if not self.orders.set_units(client_hash, order_id, order_units(detail), update_time=detail.update_time):
            return "units_already_newer"
        return "units_recorded"

    # ------------------------------------------------------------------ address
    def refresh_address(self, client_hash: str, order_id: str) -> str:
        """Push 3: re-read the order. Before placement the new address is simply used at creation (we always
        read the order fresh); after placement the fulfillment protocol offers no address edit, so the
        change is recorded and alerted for the store to handle."""
        now = int(self.clock())
        detail = self._read_order(client_hash, order_id)
        address = detail.recipient_address
        summary = {"received_at": now,
                   "postal_code": address.postal_code if address else None,
                   "city": address.level("city", "l2") if address else None}
        record = self.orders.get(client_hash, order_id)
        if record is None or not record.is_placed:
            self.orders.set_attributes(client_hash, order_id, address_update={**summary, "applied": True,
                                                                               "how": "used at creation"},
                                       updated_at=now)
            return "address_used_at_creation"
        self.orders.set_attributes(client_hash, order_id, updated_at=now, address_update={
            **summary, "applied": False, "how": "VTEX order already placed; update it in the VTEX admin"})
        metrics.add_metric(name=METRIC_ADDRESS_NOT_APPLIED, unit=MetricUnit.Count, value=1)
        logger.warning("recipient address changed after the VTEX order was placed",
                       extra={"client_hash": client_hash, "order_id": order_id, "vtex_order": record.vtex_order})
        self._log(client_hash, order_id, "address_changed_after_placement", {"vtex_order": record.vtex_order})
        return "address_recorded_not_applied"
