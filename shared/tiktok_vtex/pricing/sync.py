"""Price sync VTEX -> TikTok: same shape as the stock sync (fan-out, concurrent reads, diff-only,
one TikTok call per product, stale readings never win), plus the promotion rule: a product TikTok
refuses because it is in a promotion (12052038 / 12019045) is recorded and skipped until
`price_rules.promotion_retry_hours` have passed (or `force`), never retried in a loop.
Logs: TikTokLogPrice (one entry per SKU change or failure), TikTokLogPriceProduct (one per product call).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tiktok_vtex.clients.tiktok.errors import PRICE_LOCKED, TikTokApiError
from tiktok_vtex.clients.tiktok.models import BatchResult
from tiktok_vtex.clients.vtex.models import ComputedPrice
from tiktok_vtex.inventory.base import (
    NOT_LINKED,
    RETRYABLE_TIKTOK_CODES,
    ChangeLog,
    Dispatcher,
    ItemFailure,
    SyncReport,
    SyncStateStore,
    concurrent_map,
    errors_by_sku,
    group_by_product,
    linked_row,
    now_ms,
    prepare_batches,
    record_failures,
    tiktok_call_retryable,
    tiktok_failure_code,
    vtex_failure,
)
from tiktok_vtex.inventory.sync import ClientSyncContext
from tiktok_vtex.pricing.models import PREPARE_SKU_PRICE_BATCH, SkuPrice, UpdatePrice, update_message
from tiktok_vtex.pricing.rules import PriceRuleError, apply_price_rules
from tiktok_vtex.repositories.products import SellerSku

LOG_UPDATE = "price_update"
LOG_FAILURE = "price_update_failed"
LOG_PRODUCT = "price_product_update"
LOG_LOCKED = "price_locked_promotion"


class PriceReader(Protocol):
    """VTEX pricing (VtexClient implements it)."""

    def get_computed_price(self, sku_id: int | str, trade_policy: str | None = None) -> ComputedPrice: ...


class PriceWriter(Protocol):
    """TikTok price update (TikTokShopClient implements it)."""

    def update_prices(self, product_id: str, skus: Sequence[dict[str, Any]]) -> BatchResult: ...


@dataclass
class PriceSync:
    state: SyncStateStore
    log: ChangeLog  # TikTokLogPrice
    product_log: ChangeLog  # TikTokLogPriceProduct
    clock: Callable[[], float] = time.time
    max_concurrency: int = 16
    fetch_batch_size: int = 50

    def _locked(self, row: SellerSku) -> bool:
        return row.price_locked_until is not None and row.price_locked_until > self.clock()

    # ----------------------------------------------------------------------------------- fan-out

    def prepare(self, client_hash: str, fetch_queue: Dispatcher, *, force: bool = False) -> SyncReport:
        return prepare_batches(self.state, client_hash, fetch_queue, message_type=PREPARE_SKU_PRICE_BATCH,
                               batch_size=self.fetch_batch_size, force=force)

    # ----------------------------------------------------------------------------------- fetch

    def fetch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: PriceReader, *,
              force: bool = False) -> tuple[SyncReport, list[dict[str, Any]]]:
        report = SyncReport(ctx.client_hash)
        found = self.state.get_many(ctx.client_hash, list(seller_skus))
        rows: list[SellerSku] = []
        for sku in seller_skus:
            row = found.get(sku)
            if row is None or not row.tik_tok_product_id:
                report.failures.append(ItemFailure(sku, "SKU_NOT_LINKED", NOT_LINKED))
            elif not force and self._locked(row):
                report.skipped += 1  # in a promotion: recorded when TikTok refused; tried again later
            else:
                rows.append(row)

        def read(row: SellerSku) -> tuple[ComputedPrice, int]:
            started = now_ms(self.clock)
            return vtex.get_computed_price(row.vtex_id, ctx.trade_policy), started

        results = concurrent_map(read, rows, max_workers=self.max_concurrency)
        report.vtex_calls = len(rows)
        changed: list[tuple[SellerSku, SkuPrice]] = []
        for row, value, error in results:
            if error is not None or value is None:
                report.failures.append(vtex_failure(row.seller_sku, error or RuntimeError("no answer")))
                continue
            computed, started = value
            try:
                amount = apply_price_rules(computed.sellingPrice, ctx.price_rules)
            except PriceRuleError as rule_error:
                report.failures.append(ItemFailure(row.seller_sku, "PRICE_INVALID", str(rule_error)))
                continue
            list_price = None
            if computed.listPrice is not None and computed.listPrice > 0:
                list_price = apply_price_rules(computed.listPrice, ctx.price_rules)
            report.read += 1
            item = SkuPrice(seller_sku=row.seller_sku, tiktok_sku_id=row.tik_tok_sku_id, read_at_ms=started,
                            amount=amount, list_price=list_price, currency=ctx.currency)  # type: ignore[arg-type]
            if not force and row.price_sent == item.value():
                report.unchanged += 1
            else:
                changed.append((row, item))
        report.changed = len(changed)
        items = {row.seller_sku: item for row, item in changed}
        messages = [update_message(ctx.client_hash, product_id, [items[r.seller_sku] for r in group], force=force)
                    for product_id, group in group_by_product([r for r, _ in changed]).items()]
        report.messages = len(messages)
        return report, messages

    def fetch_and_dispatch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: PriceReader,
                           updates: Dispatcher, *, force: bool = False) -> SyncReport:
        report, messages = self.fetch(ctx, seller_skus, vtex, force=force)
        if messages:
            report.dispatch_calls += updates.send(messages)
        self._record_failures(ctx.client_hash, report.failures, stage="vtex_read")
        return report

    # ----------------------------------------------------------------------------------- TikTok update

    def update(self, ctx: ClientSyncContext, message: UpdatePrice, tiktok: PriceWriter) -> SyncReport:
        report = SyncReport(ctx.client_hash)
        items = message.items(now_ms(self.clock))
        rows = self.state.get_many(ctx.client_hash, [i.seller_sku for i in items])
        claimed: dict[str, list[tuple[SellerSku, SkuPrice, int]]] = {}
        for item in items:
            row = linked_row(rows, item.seller_sku, item.tiktok_sku_id, report)
            if row is None:
                continue
            read_at = item.read_at_ms or now_ms(self.clock)
            if row.price_read_at_ms is not None and row.price_read_at_ms >= read_at:
                report.stale += 1
                continue
            if not message.force and self._locked(row):
                report.skipped += 1
                continue
            if not message.force and row.price_sent == item.value():
                report.unchanged += 1
                continue
            if not self.state.claim_sync(ctx.client_hash, row.seller_sku, "price", item.value(), read_at):
                report.stale += 1
                continue
            if item.tiktok_sku_id and not row.tik_tok_sku_id:
                row = row.model_copy(update={"tik_tok_sku_id": item.tiktok_sku_id})
            claimed.setdefault(row.tik_tok_product_id or "", []).append((row, item, read_at))
        report.changed = sum(len(v) for v in claimed.values())
        for product_id, group in claimed.items():
            self._send_product(ctx, product_id, group, tiktok, report)
        self._record_failures(ctx.client_hash, report.failures, stage="tiktok_update")
        return report

    def _send_product(self, ctx: ClientSyncContext, product_id: str, group: list[tuple[SellerSku, SkuPrice, int]],
                      tiktok: PriceWriter, report: SyncReport) -> None:
        overtaken: list[SellerSku] = []
        self._send_attempts(ctx, product_id, group, tiktok, report, overtaken)
        if overtaken:
            self._repair(ctx, product_id, overtaken, tiktok, report)

    def _repair(self, ctx: ClientSyncContext, product_id: str, rows: list[SellerSku], tiktok: PriceWriter,
                report: SyncReport) -> None:
        """A newer price was sent and stored while ours was in flight: send the newest stored price once more
        (ours may have reached TikTok last); if that fails, forget what was sent so the next run resends."""
        current = self.state.get_many(ctx.client_hash, [r.seller_sku for r in rows])
        targets = [(row, current[row.seller_sku].price_sent) for row in rows
                   if row.tik_tok_sku_id and row.seller_sku in current and current[row.seller_sku].price_sent]
        if not targets:
            return
        payload = [{"id": row.tik_tok_sku_id, "price": dict(sent or {})} for row, sent in targets]
        report.tiktok_calls += 1
        try:
            result = tiktok.update_prices(product_id, payload)
            failed = set(errors_by_sku(result, [row.tik_tok_sku_id or "" for row, _ in targets]))
        except TikTokApiError:
            failed = {row.tik_tok_sku_id or "" for row, _ in targets}
        now = int(self.clock())
        for row, sent in targets:
            ok = (row.tik_tok_sku_id or "") not in failed
            if not ok:
                self.state.record_sync_error(ctx.client_hash, row.seller_sku, "price", code="REPAIR_FAILED",
                                             message="a newer price may have been overwritten on TikTok", at=now,
                                             price_sent={})
            self.log.append(ctx.client_hash, "price_repair", row.seller_sku, {
                "product_id": product_id, "amount": (sent or {}).get("amount"), "ok": ok})

    def _send_attempts(self, ctx: ClientSyncContext, product_id: str,
                       group: list[tuple[SellerSku, SkuPrice, int]], tiktok: PriceWriter, report: SyncReport,
                       overtaken: list[SellerSku]) -> None:
        pending = {row.tik_tok_sku_id or "": entry for entry in group for row in [entry[0]]}
        for attempt in (1, 2):
            payload = [{"id": sku_id, "price": {"amount": f"{item.amount:.2f}", "currency": item.currency}}
                       for sku_id, (_row, item, _t) in pending.items()]
            report.tiktok_calls += 1
            try:
                result = tiktok.update_prices(product_id, payload)
            except TikTokApiError as error:
                if error.code in PRICE_LOCKED:
                    self._lock_product(ctx, product_id, list(pending.values()), error.code, error.message, report)
                    return
                retryable = tiktok_call_retryable(error)
                self.product_log.append(ctx.client_hash, LOG_PRODUCT, product_id, {
                    "skus": [r.seller_sku for r, _i, _t in pending.values()], "ok": False, "code": error.code,
                    "request_id": error.request_id})
                for row, _item, _t in pending.values():
                    report.failures.append(ItemFailure(row.seller_sku, tiktok_failure_code(error),
                                                       error.message[:300] or str(error)[:300], retryable))
                return
            by_sku = errors_by_sku(result, pending)
            sent = []
            for sku_id, (row, item, read_at) in list(pending.items()):
                if sku_id in by_sku:
                    continue
                if not self._record_sent(ctx.client_hash, product_id, row, item, read_at):
                    overtaken.append(row)
                report.sent += 1
                sent.append(row.seller_sku)
                del pending[sku_id]
            self.product_log.append(ctx.client_hash, LOG_PRODUCT, product_id, {
                "skus": sent, "failed": [r.seller_sku for r, _i, _t in pending.values()], "ok": not pending,
                "request_id": result.request_id, "attempt": attempt})
            locked = [entry for k, entry in pending.items() if by_sku[k].code in PRICE_LOCKED]
            if locked:
                code = next(by_sku[k].code for k in pending if by_sku[k].code in PRICE_LOCKED)
                self._lock_product(ctx, product_id, locked, code, "price locked by a promotion", report)
                pending = {k: v for k, v in pending.items() if by_sku[k].code not in PRICE_LOCKED}
            retry_now = {k: v for k, v in pending.items() if by_sku[k].code in RETRYABLE_TIKTOK_CODES}
            if attempt == 1 and retry_now:
                for sku_id in set(pending) - set(retry_now):
                    row = pending[sku_id][0]
                    report.failures.append(self._item_failure(row, by_sku[sku_id]))
                pending = retry_now
                continue
            for sku_id, (row, _item, _t) in pending.items():
                report.failures.append(self._item_failure(row, by_sku[sku_id]))
            return

    @staticmethod
    def _item_failure(row: SellerSku, error: Any) -> ItemFailure:
        return ItemFailure(row.seller_sku, f"TIKTOK_{error.code}", (error.message or "rejected")[:300],
                           retryable=error.code in RETRYABLE_TIKTOK_CODES)

    def _lock_product(self, ctx: ClientSyncContext, product_id: str, entries: list[tuple[SellerSku, SkuPrice, int]],
                      code: int, message: str, report: SyncReport) -> None:
        """Recorded and skipped: not a retryable failure (retrying would loop until the promotion ends)."""
        now = int(self.clock())
        until = now + ctx.price_rules.promotion_retry_hours * 3600
        for row, item, _t in entries:
            self.state.record_sync_error(ctx.client_hash, row.seller_sku, "price", code=f"TIKTOK_{code}",
                                         message=message or "price locked by a promotion", at=now,
                                         price_locked_until=until, price_locked_code=code)
            self.log.append(ctx.client_hash, LOG_LOCKED, row.seller_sku, {
                "product_id": product_id, "amount": f"{item.amount:.2f}", "code": code, "retry_after": until})
            report.skipped += 1
        self.product_log.append(ctx.client_hash, LOG_LOCKED, product_id, {
            "skus": [r.seller_sku for r, _i, _t in entries], "code": code, "retry_after": until})

    def _record_sent(self, client_hash: str, product_id: str, row: SellerSku, item: SkuPrice, read_at: int) -> bool:
        now = int(self.clock())
        unlock = {"price_locked_until": 0} if row.price_locked_until else {}
        recorded = self.state.record_sync_sent(client_hash, row.seller_sku, "price", item.value(), read_at, now,
                                               **unlock)
        self.log.append(client_hash, LOG_UPDATE, row.seller_sku, {
            "product_id": product_id, "tiktok_sku_id": row.tik_tok_sku_id, "amount": f"{item.amount:.2f}",
            "list_price": f"{item.list_price:.2f}" if item.list_price is not None else None,
            "currency": item.currency, "previous": (row.price_sent or {}).get("amount"), "read_at_ms": read_at,
            "overtaken": not recorded,
        })
        return recorded

    def _record_failures(self, client_hash: str, failures: Sequence[ItemFailure], *, stage: str) -> None:
        record_failures(self.state, self.log, client_hash, failures, kind="price", log_kind=LOG_FAILURE, stage=stage,
                        at=int(self.clock()))
