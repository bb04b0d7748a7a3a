"""Reconciliation sweep and order search (BUSCA-PEDIDOS-TESTE).

TikTok gives up on a push after four retries (~15 h): the sweep makes a lost push harmless. Every run
(default every 15 minutes), for each active client, it searches TikTok orders updated in a window that
overlaps the previous run (default 35 minutes) and feeds through the same path as a push
(OrderEvents.order_status) every order that is missing from our table, whose TikTok update_time is newer
than ours, or whose stored effect may never have been sent (TikTok CANCELLED while our copy is not;
paid while we still hold it NEW / PENDING_PAYMENT): a repeat re-emits the idempotent effect. Orders it
sees without units get them from the search result (no extra call).
First, because it is cheap and the most urgent, it re-queues orders stuck in our own states (NEW, HELD
past its hold, CLAIMED past its lease, PLACED_IN_VTEX not yet authorized), so a crashed worker or a dropped
message cannot strand an order. Then it reconciles clients (starting point rotated every run) while the
Lambda's remaining time stays above a reserve; the clients left are reported and served by the next run.

At scale (issue 19) the scheduled run keeps a cursor per client (`orders_swept_until` on its shop link):
clients are served least recently swept first, each one's search starts where its last sweep ended (minus
an overlap for late-indexed updates) instead of a fixed window, a client stopped by the time budget resumes
from the last order it reached, and a client swept less than `min_interval` ago is not read again. So a
budget that covers only part of 500 stores never leaves a gap in any store's history, and no store is
starved by the order of the list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from tiktok_vtex.observability import logger
from tiktok_vtex.orders.events import Dispatcher, OrderEvents, has_units, new_order_message
from tiktok_vtex.orders.models import GetOrdersMessage, TikTokOrder, is_paid, normalize_status, order_units
from tiktok_vtex.repositories.orders import OrderRecord, OrderRepository, SyncState

DEFAULT_WINDOW_MINUTES = 35
STUCK_AFTER_SECONDS = 300
# Time kept in hand when the sweep stops: one TikTok search page at its worst (retry budget + timeouts)
# plus the final log and metrics.
DEFAULT_RESERVE_MS = 30_000
ROTATION_SECONDS = 900  # the schedule's period: each run starts with the next client
# Paid orders still in these states should have a creation message under way; feeding them again is safe.
AWAITING_CREATION = (SyncState.NEW, SyncState.PENDING_PAYMENT)
WITHOUT_UNITS_COUNTED = (SyncState.NEW, SyncState.HELD, SyncState.PENDING_PAYMENT, SyncState.ERROR)
# With a cursor: each search starts this long before the client's position (TikTok may index an update a
# little after its update_time; the old fixed window overlapped the previous run by 20 minutes too) ...
CURSOR_OVERLAP_SECONDS = 20 * 60
# ... but never further back than this (a stack that was down for weeks recovers a week, then alerts).
CURSOR_MAX_LOOKBACK_SECONDS = 7 * 86_400
DEFAULT_MIN_INTERVAL_SECONDS = 10 * 60  # a client swept this recently is not read again (schedule: 15 min)


@dataclass
class TimeBudget:
    """The Lambda's remaining time (context.get_remaining_time_in_millis); None = unbounded (tests, tools)."""

    remaining_ms: Callable[[], int] | None = None
    reserve_ms: int = DEFAULT_RESERVE_MS

    def exhausted(self) -> bool:
        return self.remaining_ms is not None and self.remaining_ms() < self.reserve_ms


class SweepCursor(Protocol):
    """How far each client's orders were swept (ClientRepository implements it on the shop links)."""

    def orders_swept_until(self, client_hashes: Iterable[str]) -> dict[str, int]: ...

    def advance_orders_swept_until(self, client_hash: str, until: int) -> bool: ...


class TikTokSearchPort(Protocol):
    def iter_orders(self, filters: Mapping[str, Any] | None = None, page_size: int = 100, *,
                    sort_field: str | None = None, sort_order: str | None = None) -> Iterator[dict[str, Any]]: ...

    def search_orders(self, filters: Mapping[str, Any] | None = None, page_size: int = 50,
                      page_token: str | None = None, *, sort_field: str | None = None,
                      sort_order: str | None = None) -> Any: ...

    def get_order_details(self, order_ids: Any) -> list[dict[str, Any]]: ...


@dataclass
class SweepReport:
    clients: int = 0
    seen: int = 0
    fed: int = 0
    requeued: int = 0
    units_recorded: int = 0
    failed_clients: list[str] = field(default_factory=list)
    left_clients: list[str] = field(default_factory=list)      # not started: the time budget ran out
    partial_clients: list[str] = field(default_factory=list)   # stopped mid-client for the same reason
    not_due: int = 0  # clients swept less than the minimum interval ago (cursor runs only)
    # client -> the update_time up to which its orders were seen in this run (cursor runs advance to it)
    reached: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def needs_feeding(record: OrderRecord | None, status: str, update_time: int) -> bool:
    """Whether the push path must see this TikTok order (again)."""
    if record is None or (record.tiktok_update_time or 0) < update_time:
        return True
    if normalize_status(status) == "CANCELLED":
        # the cancel message may have been lost; an invoiced order's blocked cancel is alerted, not retried
        return record.sync_state != SyncState.CANCELLED and "cancel_blocked" not in (record.model_extra or {})
    return is_paid(normalize_status(status)) and record.sync_state in AWAITING_CREATION


def reconcile_client(client_hash: str, tiktok: TikTokSearchPort, orders: OrderRepository, events: OrderEvents, *,
                     now: int, window_minutes: int = DEFAULT_WINDOW_MINUTES, since: int | None = None,
                     report: SweepReport | None = None, budget: TimeBudget | None = None) -> SweepReport:
    """Feeds TikTok orders updated in the window (or from `since`) that we miss, hold stale or may not have
    acted on through the push path. Stops (client listed in `partial_clients`, `reached` = the last
    update_time seen; orders come oldest first) when the time budget runs out."""
    report = report or SweepReport()
    budget = budget or TimeBudget()
    start = since if since is not None else now - window_minutes * 60
    filters = {"update_time_ge": start, "update_time_lt": now + 60}
    report.reached[client_hash] = now
    for order in tiktok.iter_orders(filters, 100, sort_field="update_time", sort_order="ASC"):
        report.seen += 1
        order_id = str(order.get("id") or "")
        status = str(order.get("status") or "")
        update_time = int(order.get("update_time") or 0)
        if not order_id or not status:
            continue
        record = orders.get(client_hash, order_id, consistent=False)
        if needs_feeding(record, status, update_time):
            outcome = events.order_status(client_hash, order_id, status, update_time, now)
            report.fed += 1
            report.count(outcome)
            logger.info("sweep fed an order", extra={"client_hash": client_hash, "order_id": order_id,
                                                     "outcome": outcome})
        if normalize_status(status) != "CANCELLED" and (
                record is None or (record.sync_state in WITHOUT_UNITS_COUNTED and not has_units(record))):
            _record_units(client_hash, order, orders, update_time, report)
        if budget.exhausted():  # checked after each order: the next one may cost a TikTok page
            report.partial_clients.append(client_hash)
            report.reached[client_hash] = min(update_time, now) if update_time else start
            break
    return report


def _record_units(client_hash: str, order: Mapping[str, Any], orders: OrderRepository, update_time: int,
                  report: SweepReport) -> None:
    try:
        units = order_units(TikTokOrder.model_validate(order))
    except ValidationError:
        return  # the creation path reads the detail and records them
    if orders.set_units(client_hash, str(order["id"]), units, update_time=update_time):
        report.units_recorded += 1


def requeue_stuck(orders: OrderRepository, queue: Dispatcher, *, now: int, lease_seconds: int = 180,
                  report: SweepReport | None = None, replay_errors: bool = False) -> SweepReport:
    """Re-queues orders our own pipeline left behind (GSI by_sync_state). ERROR orders only on request
    (`replay_errors`, after the operator fixed the cause): they would fail again every run otherwise."""
    report = report or SweepReport()
    messages: list[dict[str, str]] = []
    checks: list[tuple[SyncState, int]] = [
        (SyncState.NEW, now - STUCK_AFTER_SECONDS),
        (SyncState.CLAIMED, now - lease_seconds),
        (SyncState.PLACED_IN_VTEX, now - STUCK_AFTER_SECONDS),
        (SyncState.HELD, now + 1),
    ]
    if replay_errors:
        checks.append((SyncState.ERROR, now + 1))
    for state, before in checks:
        for key in orders.iter_by_sync_state(state, updated_before=before):
            if state == SyncState.HELD:
                record = orders.get(key["client_hash"], key["order_id"], consistent=False)
                if record is None or (record.hold_until or 0) > now:
                    continue
            messages.append(new_order_message(key["client_hash"], key["order_id"]))
    if messages:
        queue.send(messages)
    report.requeued += len(messages)
    return report


def sweep(client_hashes: Iterator[str] | list[str], tiktok_for: Callable[[str], TikTokSearchPort],
          orders: OrderRepository, events: OrderEvents, queue: Dispatcher, *, clock: Callable[[], float] = time.time,
          window_minutes: int = DEFAULT_WINDOW_MINUTES, lease_seconds: int = 180,
          replay_errors: bool = False, remaining_ms: Callable[[], int] | None = None,
          reserve_ms: int = DEFAULT_RESERVE_MS, cursor: SweepCursor | None = None,
          min_interval_seconds: int = DEFAULT_MIN_INTERVAL_SECONDS) -> SweepReport:
    """Without `cursor`: every client over the fixed window, starting point rotated each run (recovery
    invokes, tools). With `cursor`: the scheduled run at scale (see the module's docstring)."""
    now = int(clock())
    budget = TimeBudget(remaining_ms, reserve_ms)
    report = SweepReport()
    # Stuck orders first: a few index queries, and they are the orders a seller is waiting for.
    requeue_stuck(orders, queue, now=now, lease_seconds=lease_seconds, report=report, replay_errors=replay_errors)
    clients = list(dict.fromkeys(client_hashes))
    positions: dict[str, int] = {}
    if cursor is not None:
        positions = cursor.orders_swept_until(clients)
        clients.sort(key=lambda h: positions.get(h, 0))  # never swept, then least recently swept, first
    elif clients:  # rotate the start so a budget that never covers everyone still reaches every client
        start = (now // ROTATION_SECONDS) % len(clients)
        clients = clients[start:] + clients[:start]
    for index, client_hash in enumerate(clients):
        if budget.exhausted():
            report.left_clients = clients[index:]
            break
        position = positions.get(client_hash)
        if position is not None and now - position < min_interval_seconds:
            report.not_due += 1
            continue
        since = None if position is None else max(position - CURSOR_OVERLAP_SECONDS,
                                                  now - CURSOR_MAX_LOOKBACK_SECONDS)
        report.clients += 1
        try:
            reconcile_client(client_hash, tiktok_for(client_hash), orders, events, now=now,
                             window_minutes=window_minutes, since=since, report=report, budget=budget)
        except Exception as error:  # one client's failure never stops the others
            report.failed_clients.append(client_hash)
            report.reached.pop(client_hash, None)  # its position stays: the next run tries the same span
            logger.warning("sweep failed for a client", extra={"client_hash": client_hash,
                                                                 "error": f"{type(error).__name__}: {error}"})
            continue
        if cursor is not None:
            cursor.advance_orders_swept_until(client_hash, report.reached[client_hash])
    if report.left_clients or report.partial_clients:
        logger.warning("sweep time budget reached; the rest is left for the next run",
                       extra={"left_clients": len(report.left_clients), "partial_clients": report.partial_clients})
    return report


def search_orders(tiktok: TikTokSearchPort, request: GetOrdersMessage) -> dict[str, Any]:
    """BUSCA-PEDIDOS-TESTE: the shop's orders (paginated up to max_pages), or the detail of given ids."""
    if request.order_ids:
        orders = tiktok.get_order_details(request.order_ids)
        return {"orders": orders, "total_count": len(orders), "pages": 1, "next_page_token": None}
    filters = {k: v for k, v in {
        "order_status": request.order_status, "create_time_ge": request.create_time_ge,
        "create_time_lt": request.create_time_lt, "update_time_ge": request.update_time_ge,
        "update_time_lt": request.update_time_lt}.items() if v is not None}
    orders: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    total: int | None = None
    while pages < request.max_pages:
        page = tiktok.search_orders(filters, request.page_size, token)
        pages += 1
        orders.extend(page.items)
        total = page.total_count if page.total_count is not None else total
        token = page.next_page_token or None
        if not token:
            break
    return {"orders": orders, "total_count": total if total is not None else len(orders), "pages": pages,
            "next_page_token": token}
