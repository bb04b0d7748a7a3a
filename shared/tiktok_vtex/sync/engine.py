"""The diff-only send engine the stock and price syncs share. A `Channel` names what differs (the
state fields, the TikTok payload and call, what is logged, the promotion lock of prices); the engine
does the rest:

- select (fetch step): a reading is queued when it differs from what TikTok last accepted, or while
  another reading of the SKU is queued or in flight (then what TikTok will hold is unknown: A -> B
  queued -> A must send A again, or B lands and stays). The reading is claimed before it is queued, so
  a queued older reading yields to it.
- update: claim (newer reading only), one TikTok call per product, per-SKU results stored and logged,
  one immediate retry of the SKUs TikTok calls retryable, failures recorded per SKU.
- repair: a send that landed after a newer one was stored is followed by the newest stored value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.clients.tiktok.models import BatchResult, ItemError
from tiktok_vtex.repositories.products import SellerSku, SyncKind
from tiktok_vtex.sync.batching import group_by_product
from tiktok_vtex.sync.context import ClientSyncContext
from tiktok_vtex.sync.failures import (
    NOT_LINKED,
    RETRYABLE_TIKTOK_CODES,
    call_failure,
    errors_by_sku,
    item_failure,
    linked_row,
    record_failures,
)
from tiktok_vtex.sync.messages import SkuItem
from tiktok_vtex.sync.outcomes import ItemFailure, SyncReport
from tiktok_vtex.sync.ports import ChangeLog, Dispatcher, SyncStateStore
from tiktok_vtex.sync.reads import now_ms

I = TypeVar("I", bound=SkuItem)  # noqa: E741 - the item type of one channel


@dataclass(frozen=True)
class Claim(Generic[I]):
    """One SKU's reading claimed for sending: its row, the update item, the value diffed and stored."""

    row: SellerSku
    item: I
    value: dict[str, Any]
    read_at: int


class Channel(Protocol[I]):
    """What differs between the stock and the price sync."""

    kind: SyncKind  # the <kind>_sent / _read_at_ms / _pending_read_at_ms / _error fields
    log_update: str  # log kind of a SKU TikTok accepted
    log_failure: str  # log kind of a SKU's failure
    noun: str  # what a failed repair may have overwritten ("value", "price")
    locked_codes: frozenset[int]  # TikTok codes that lock the product (prices in a promotion)

    def value_of(self, ctx: ClientSyncContext, row: SellerSku, item: I) -> dict[str, Any]: ...

    def held(self, row: SellerSku) -> bool: ...

    def payload(self, sku_id: str, value: dict[str, Any]) -> dict[str, Any]: ...

    def call(self, tiktok: Any, product_id: str, payload: list[dict[str, Any]]) -> BatchResult: ...

    def sent_details(self, claim: Claim[I]) -> dict[str, Any]: ...

    def sent_attributes(self, row: SellerSku) -> dict[str, Any]: ...

    def repair_details(self, value: dict[str, Any]) -> dict[str, Any]: ...

    def update_message(self, client_hash: str, product_id: str, items: list[I], *, force: bool) -> dict[str, Any]: ...

    def call_failed(self, ctx: ClientSyncContext, product_id: str, claims: list[Claim[I]],
                    error: TikTokApiError) -> None: ...

    def attempt_done(self, ctx: ClientSyncContext, product_id: str, sent: list[str], failed: list[str],
                     result: BatchResult, attempt: int) -> None: ...

    def lock(self, ctx: ClientSyncContext, product_id: str, claims: list[Claim[I]], code: int, message: str,
             report: SyncReport) -> None: ...


class ChannelDefaults(Generic[I]):
    """What a channel without a promotion lock does (the stock sync): nothing held, no product log."""

    locked_codes: frozenset[int] = frozenset()

    def held(self, row: SellerSku) -> bool:
        return False

    def sent_attributes(self, row: SellerSku) -> dict[str, Any]:
        return {}

    def call_failed(self, ctx: ClientSyncContext, product_id: str, claims: list[Claim[I]],
                    error: TikTokApiError) -> None:
        return None

    def attempt_done(self, ctx: ClientSyncContext, product_id: str, sent: list[str], failed: list[str],
                     result: BatchResult, attempt: int) -> None:
        return None

    def lock(self, ctx: ClientSyncContext, product_id: str, claims: list[Claim[I]], code: int, message: str,
             report: SyncReport) -> None:  # pragma: no cover - unreachable with no locked_codes
        raise NotImplementedError


@dataclass
class SendEngine(Generic[I]):
    state: SyncStateStore
    log: ChangeLog
    channel: Channel[I]
    clock: Callable[[], float]

    # ----------------------------------------------------------------------------------- fetch step

    def linked_rows(self, ctx: ClientSyncContext, seller_skus: Sequence[str], report: SyncReport, *,
                    force: bool) -> list[SellerSku]:
        """The stored rows worth reading: linked to a TikTok product and not held (a locked price)."""
        found = self.state.get_many(ctx.client_hash, list(seller_skus))
        rows: list[SellerSku] = []
        for sku in seller_skus:
            row = found.get(sku)
            if row is None or not row.tik_tok_product_id:
                report.failures.append(ItemFailure(sku, "SKU_NOT_LINKED", NOT_LINKED))
            elif not force and self.channel.held(row):
                report.skipped += 1  # recorded when TikTok refused; tried again later
            else:
                rows.append(row)
        return rows

    def select(self, ctx: ClientSyncContext, readings: Sequence[tuple[SellerSku, I]], report: SyncReport, *,
               force: bool) -> list[dict[str, Any]]:
        """The update messages (one per product) of the readings that must be sent, each claimed first."""
        kind = self.channel.kind
        changed: list[tuple[SellerSku, I]] = []
        for row, item in readings:
            value = self.channel.value_of(ctx, row, item)
            if not force and row.sent(kind) == value and not row.in_flight(kind):
                report.unchanged += 1
            elif not self.state.claim_sync(ctx.client_hash, row.seller_sku, kind, value,
                                           item.read_at_ms or now_ms(self.clock)):
                report.stale += 1  # a newer reading of this SKU is already on its way
            else:
                changed.append((row, item))
        report.changed = len(changed)
        items = {row.seller_sku: item for row, item in changed}
        messages = [self.channel.update_message(ctx.client_hash, product_id, [items[r.seller_sku] for r in group],
                                                force=force)
                    for product_id, group in group_by_product([r for r, _ in changed]).items()]
        report.messages = len(messages)
        return messages

    def dispatch(self, ctx: ClientSyncContext, report: SyncReport, messages: list[dict[str, Any]],
                 updates: Dispatcher) -> SyncReport:
        if messages:
            report.dispatch_calls += updates.send(messages)
        self.record_failures(ctx.client_hash, report.failures, stage="vtex_read")
        return report

    # ----------------------------------------------------------------------------------- update step

    def update(self, ctx: ClientSyncContext, items: Sequence[I], tiktok: Any, *, force: bool) -> SyncReport:
        """Claim, one TikTok call per product, record per SKU."""
        kind = self.channel.kind
        report = SyncReport(ctx.client_hash)
        rows = self.state.get_many(ctx.client_hash, [i.seller_sku for i in items])
        claimed: dict[str, list[Claim[I]]] = {}
        for item in items:
            row = linked_row(rows, item.seller_sku, item.tiktok_sku_id, report)
            if row is None:
                continue
            value = self.channel.value_of(ctx, row, item)
            read_at = item.read_at_ms or now_ms(self.clock)
            accepted = row.read_at_ms(kind)
            if accepted is not None and accepted >= read_at:
                report.stale += 1
            elif not force and self.channel.held(row):
                report.skipped += 1
            elif not force and row.sent(kind) == value:
                self._confirm(ctx, row, value, read_at)
                report.unchanged += 1
            elif not self.state.claim_sync(ctx.client_hash, row.seller_sku, kind, value, read_at):
                report.stale += 1
            else:
                if item.tiktok_sku_id and not row.tik_tok_sku_id:
                    row = row.model_copy(update={"tik_tok_sku_id": item.tiktok_sku_id})
                claimed.setdefault(row.tik_tok_product_id or "", []).append(Claim(row, item, value, read_at))
        report.changed = sum(len(v) for v in claimed.values())
        for product_id, group in claimed.items():
            overtaken: list[SellerSku] = []
            self._send_attempts(ctx, product_id, group, tiktok, report, overtaken)
            if overtaken:
                self._repair(ctx, product_id, overtaken, tiktok, report)
        self.record_failures(ctx.client_hash, report.failures, stage="tiktok_update")
        return report

    def _confirm(self, ctx: ClientSyncContext, row: SellerSku, value: dict[str, Any], read_at: int) -> None:
        """A reading equal to what TikTok accepted, while another one is queued or in flight: stored as
        what TikTok holds (no call needed), so the other send, if older, yields (its claim or its store
        is refused and the newest value is repaired) instead of landing last."""
        kind = self.channel.kind
        if row.in_flight(kind) and self.state.claim_sync(ctx.client_hash, row.seller_sku, kind, value, read_at):
            self.state.record_sync_sent(ctx.client_hash, row.seller_sku, kind, value, read_at,
                                        row.sent_at(kind) or int(self.clock()))

    def _send_attempts(self, ctx: ClientSyncContext, product_id: str, group: list[Claim[I]], tiktok: Any,
                       report: SyncReport, overtaken: list[SellerSku]) -> None:
        channel = self.channel
        pending = {c.row.tik_tok_sku_id or "": c for c in group}
        for attempt in (1, 2):
            payload = [channel.payload(sku_id, c.value) for sku_id, c in pending.items()]
            report.tiktok_calls += 1
            try:
                result = channel.call(tiktok, product_id, payload)
            except TikTokApiError as error:
                if error.code in channel.locked_codes:
                    channel.lock(ctx, product_id, list(pending.values()), error.code, error.message, report)
                    return
                channel.call_failed(ctx, product_id, list(pending.values()), error)
                report.failures.extend(call_failure(c.row.seller_sku, error) for c in pending.values())
                return
            by_sku: dict[str, ItemError] = errors_by_sku(result, pending)
            sent: list[str] = []
            for sku_id, claim in list(pending.items()):
                if sku_id in by_sku:
                    continue
                if not self._record_sent(ctx.client_hash, product_id, claim):
                    overtaken.append(claim.row)
                report.sent += 1
                sent.append(claim.row.seller_sku)
                del pending[sku_id]
            channel.attempt_done(ctx, product_id, sent, [c.row.seller_sku for c in pending.values()], result,
                                 attempt)
            locked = {k: c for k, c in pending.items() if by_sku[k].code in channel.locked_codes}
            if locked:
                channel.lock(ctx, product_id, list(locked.values()), by_sku[next(iter(locked))].code, "", report)
                pending = {k: c for k, c in pending.items() if k not in locked}
            retry_now = {k: c for k, c in pending.items() if by_sku[k].code in RETRYABLE_TIKTOK_CODES}
            if attempt == 1 and retry_now:
                # TikTok said "try again" for some SKUs: once now, only those; the rest are final.
                report.failures.extend(item_failure(c.row, by_sku[k]) for k, c in pending.items()
                                       if k not in retry_now)
                pending = retry_now
                continue
            report.failures.extend(item_failure(c.row, by_sku[k]) for k, c in pending.items())
            return

    def _record_sent(self, client_hash: str, product_id: str, claim: Claim[I]) -> bool:
        """Stores and logs what TikTok accepted; False when a newer reading was stored meanwhile."""
        row, kind = claim.row, self.channel.kind
        recorded = self.state.record_sync_sent(client_hash, row.seller_sku, kind, claim.value, claim.read_at,
                                               int(self.clock()), **self.channel.sent_attributes(row))
        self.log.append(client_hash, self.channel.log_update, row.seller_sku, {
            "product_id": product_id, "tiktok_sku_id": row.tik_tok_sku_id, **self.channel.sent_details(claim),
            "read_at_ms": claim.read_at, "overtaken": not recorded})
        return recorded

    def _repair(self, ctx: ClientSyncContext, product_id: str, rows: list[SellerSku], tiktok: Any,
                report: SyncReport) -> None:
        """A newer reading was sent and stored while ours was in flight, so ours may have reached TikTok last:
        send the newest stored value once more. If that fails, forget what was sent so the next run resends."""
        kind = self.channel.kind
        current = self.state.get_many(ctx.client_hash, [r.seller_sku for r in rows])
        targets = [(row, current[row.seller_sku].sent(kind) or {}) for row in rows
                   if row.tik_tok_sku_id and row.seller_sku in current and current[row.seller_sku].sent(kind)]
        if not targets:
            return
        sku_ids = [row.tik_tok_sku_id or "" for row, _ in targets]
        report.tiktok_calls += 1
        try:
            result = self.channel.call(tiktok, product_id, [self.channel.payload(sku_id, sent) for sku_id, (_, sent)
                                                            in zip(sku_ids, targets, strict=True)])
            failed = set(errors_by_sku(result, sku_ids))
        except TikTokApiError:
            failed = set(sku_ids)
        now = int(self.clock())
        for row, sent in targets:
            ok = (row.tik_tok_sku_id or "") not in failed
            if not ok:
                self.state.record_sync_error(ctx.client_hash, row.seller_sku, kind, code="REPAIR_FAILED",
                                             message=f"a newer {self.channel.noun} may have been overwritten on "
                                                     "TikTok", at=now, **{f"{kind}_sent": {}})
            self.log.append(ctx.client_hash, f"{kind}_repair", row.seller_sku, {
                "product_id": product_id, **self.channel.repair_details(sent), "ok": ok})

    def record_failures(self, client_hash: str, failures: Sequence[ItemFailure], *, stage: str) -> None:
        record_failures(self.state, self.log, client_hash, failures, kind=self.channel.kind,
                        log_kind=self.channel.log_failure, stage=stage, at=int(self.clock()))
