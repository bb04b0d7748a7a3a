"""Price sync VTEX -> TikTok: the stock sync's engine (fan-out, concurrent reads, diff-only, one TikTok
call per product, stale readings never win) with the promotion rule: a product TikTok refuses because
it is in a promotion (12052038 / 12019045) is recorded and skipped until
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
from tiktok_vtex.pricing.models import PREPARE_SKU_PRICE_BATCH, SkuPrice, UpdatePrice, update_message
from tiktok_vtex.pricing.rules import PriceRuleError, apply_price_rules
from tiktok_vtex.repositories.products import SellerSku, SyncKind
from tiktok_vtex.sync.batching import prepare_batches
from tiktok_vtex.sync.context import ClientSyncContext
from tiktok_vtex.sync.engine import Claim, SendEngine
from tiktok_vtex.sync.failures import vtex_failure
from tiktok_vtex.sync.outcomes import ItemFailure, SyncReport
from tiktok_vtex.sync.ports import ChangeLog, Dispatcher, SyncStateStore
from tiktok_vtex.sync.reads import concurrent_map, now_ms

LOG_UPDATE = "price_update"
LOG_FAILURE = "price_update_failed"
LOG_PRODUCT = "price_product_update"
LOG_LOCKED = "price_locked_promotion"


class PriceReader(Protocol):  # VTEX pricing: VtexClient implements it
    def get_computed_price(self, sku_id: int | str, trade_policy: str | None = None) -> ComputedPrice: ...


class PriceWriter(Protocol):  # TikTok price update: TikTokShopClient implements it
    def update_prices(self, product_id: str, skus: Sequence[dict[str, Any]]) -> BatchResult: ...


@dataclass
class PriceChannel:
    """The price side of the send engine: {"amount", "currency"} per SKU, update_prices, the promotion
    lock and the per-product log (TikTokLogPriceProduct)."""

    state: SyncStateStore
    log: ChangeLog
    product_log: ChangeLog
    clock: Callable[[], float]
    kind: SyncKind = "price"
    log_update: str = LOG_UPDATE
    log_failure: str = LOG_FAILURE
    noun: str = "price"
    locked_codes: frozenset[int] = PRICE_LOCKED

    def value_of(self, ctx: ClientSyncContext, row: SellerSku, item: SkuPrice) -> dict[str, Any]:
        return item.value()

    def held(self, row: SellerSku) -> bool:
        return row.price_locked_until is not None and row.price_locked_until > self.clock()

    def payload(self, sku_id: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"id": sku_id, "price": dict(value)}

    def call(self, tiktok: PriceWriter, product_id: str, payload: list[dict[str, Any]]) -> BatchResult:
        return tiktok.update_prices(product_id, payload)

    def sent_details(self, claim: Claim[SkuPrice]) -> dict[str, Any]:
        item = claim.item
        return {"amount": f"{item.amount:.2f}",
                "list_price": f"{item.list_price:.2f}" if item.list_price is not None else None,
                "currency": item.currency, "previous": (claim.row.price_sent or {}).get("amount")}

    def sent_attributes(self, row: SellerSku) -> dict[str, Any]:
        return {"price_locked_until": 0} if row.price_locked_until else {}

    def repair_details(self, value: dict[str, Any]) -> dict[str, Any]:
        return {"amount": value.get("amount")}

    def update_message(self, client_hash: str, product_id: str, items: list[SkuPrice], *,
                       force: bool) -> dict[str, Any]:
        return update_message(client_hash, product_id, items, force=force)

    def call_failed(self, ctx: ClientSyncContext, product_id: str, claims: list[Claim[SkuPrice]],
                    error: TikTokApiError) -> None:
        self.product_log.append(ctx.client_hash, LOG_PRODUCT, product_id, {
            "skus": [c.row.seller_sku for c in claims], "ok": False, "code": error.code,
            "request_id": error.request_id})

    def attempt_done(self, ctx: ClientSyncContext, product_id: str, sent: list[str], failed: list[str],
                     result: BatchResult, attempt: int) -> None:
        self.product_log.append(ctx.client_hash, LOG_PRODUCT, product_id, {
            "skus": sent, "failed": failed, "ok": not failed, "request_id": result.request_id, "attempt": attempt})

    def lock(self, ctx: ClientSyncContext, product_id: str, claims: list[Claim[SkuPrice]], code: int, message: str,
             report: SyncReport) -> None:
        """Recorded and skipped: not a retryable failure (retrying would loop until the promotion ends)."""
        now = int(self.clock())
        until = now + ctx.price_rules.promotion_retry_hours * 3600
        for claim in claims:
            self.state.record_sync_error(ctx.client_hash, claim.row.seller_sku, "price", code=f"TIKTOK_{code}",
                                         message=message or "price locked by a promotion", at=now,
                                         price_locked_until=until, price_locked_code=code)
            self.log.append(ctx.client_hash, LOG_LOCKED, claim.row.seller_sku, {
                "product_id": product_id, "amount": f"{claim.item.amount:.2f}", "code": code, "retry_after": until})
            report.skipped += 1
        self.product_log.append(ctx.client_hash, LOG_LOCKED, product_id, {
            "skus": [c.row.seller_sku for c in claims], "code": code, "retry_after": until})


@dataclass
class PriceSync:
    state: SyncStateStore
    log: ChangeLog  # TikTokLogPrice
    product_log: ChangeLog  # TikTokLogPriceProduct
    clock: Callable[[], float] = time.time
    max_concurrency: int = 16
    fetch_batch_size: int = 50

    def __post_init__(self) -> None:
        self._engine = SendEngine(self.state, self.log,
                                  PriceChannel(self.state, self.log, self.product_log, self.clock), self.clock)

    def prepare(self, client_hash: str, fetch_queue: Dispatcher, *, force: bool = False,
                reconcile: bool = False) -> SyncReport:
        return prepare_batches(self.state, client_hash, fetch_queue, message_type=PREPARE_SKU_PRICE_BATCH,
                               batch_size=self.fetch_batch_size, force=force, reconcile=reconcile)

    def fetch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: PriceReader, *,
              force: bool = False) -> tuple[SyncReport, list[dict[str, Any]]]:
        report = SyncReport(ctx.client_hash)
        rows = self._engine.linked_rows(ctx, seller_skus, report, force=force)

        def read(row: SellerSku) -> tuple[ComputedPrice, int]:
            started = now_ms(self.clock)
            return vtex.get_computed_price(row.vtex_id, ctx.trade_policy), started

        report.vtex_calls = len(rows)
        readings: list[tuple[SellerSku, SkuPrice]] = []
        for row, value, error in concurrent_map(read, rows, max_workers=self.max_concurrency):
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
            readings.append((row, SkuPrice(seller_sku=row.seller_sku, tiktok_sku_id=row.tik_tok_sku_id,
                                           read_at_ms=started, amount=amount, list_price=list_price,
                                           currency=ctx.currency)))  # type: ignore[arg-type]
        return report, self._engine.select(ctx, readings, report, force=force)

    def fetch_and_dispatch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: PriceReader,
                           updates: Dispatcher, *, force: bool = False) -> SyncReport:
        report, messages = self.fetch(ctx, seller_skus, vtex, force=force)
        return self._engine.dispatch(ctx, report, messages, updates)

    def update(self, ctx: ClientSyncContext, message: UpdatePrice, tiktok: PriceWriter) -> SyncReport:
        return self._engine.update(ctx, message.items(now_ms(self.clock)), tiktok, force=message.force)
