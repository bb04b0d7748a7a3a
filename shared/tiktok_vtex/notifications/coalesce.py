"""The near-real-time trigger: a batch of queued VTEX notifications becomes one fetch of the changed SKUs
through the stock and price syncs (the same engine the nightly run and the per-SKU triggers use).

Coalescing: the queue's batching window (VtexNotificationSyncFunction, `RealtimeWindowSeconds`) gathers a
burst; here the batch is merged per client and SKU, so 50 notifications for the SKUs of one product make one
VTEX read per SKU (stock: one per warehouse) and, through the fetch step's per-product grouping, one TikTok
inventory call and at most one price call for the product. Nothing is held in memory across invocations:
a container dying mid-batch leaves the messages on the queue.

Per SKU:
- not listed on TikTok (no row, or no TikTok product): dropped here, no VTEX read;
- taken out of the affiliate or deactivated (the newest notification decides; an older one arriving late
  changes nothing): stored on the row, and the stock sync sends 0 instead of reading VTEX until a
  notification says it is offered again;
- catalog data changed: stored on the row (`catalog_modified_at_ms`) for the catalog flow;
- stock / price changed: read again, unless the last reading applied or claimed for that SKU was taken
  after the change (plus a margin for the two clocks): that reading already holds it (stale notification).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tiktok_vtex.inventory.sync import InventoryReader, PendingOrderUnits, StockSync
from tiktok_vtex.notifications.models import QueuedChange
from tiktok_vtex.pricing.sync import PriceReader, PriceSync
from tiktok_vtex.repositories.products import SellerSku, SyncKind
from tiktok_vtex.sync.context import ClientSyncContext
from tiktok_vtex.sync.outcomes import SyncReport
from tiktok_vtex.sync.ports import Dispatcher

DEFAULT_STALE_MARGIN_MS = 5_000  # VTEX's DateModified and our reading times come from different clocks


class NotificationState(Protocol):
    """ssxml_tik_tok_products_seller_sku as the trigger sees it (ProductRepository implements it)."""

    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, SellerSku]: ...

    def record_vtex_availability(self, client_hash: str, seller_sku: str, *, unavailable: bool,
                                 at_ms: int) -> bool: ...

    def record_catalog_modified(self, client_hash: str, seller_sku: str, at_ms: int) -> None: ...


@dataclass
class SkuChanges:
    """Every notification of one SKU in the batch, merged."""

    sku_id: str
    stock_at: int | None = None  # newest change time of each kind (None: that kind did not change)
    price_at: int | None = None
    catalog_at: int | None = None
    latest: QueuedChange | None = None  # the newest notification: whether the SKU is offered now

    def add(self, change: QueuedChange) -> None:
        at = change.at_ms
        # A notification naming no change at all (older payloads) is taken as "anything may have changed".
        anything = not (change.stock or change.price or change.sku or change.removed)
        if change.stock or change.unavailable or anything:
            self.stock_at = max(at, self.stock_at or at)
        if change.price or anything:
            self.price_at = max(at, self.price_at or at)
        if change.sku:
            self.catalog_at = max(at, self.catalog_at or at)
        if self.latest is None or at >= self.latest.at_ms:
            self.latest = change


def merge(changes: Iterable[QueuedChange]) -> dict[str, dict[str, SkuChanges]]:
    """client hash -> SKU id -> its merged changes."""
    out: dict[str, dict[str, SkuChanges]] = {}
    for change in changes:
        per_client = out.setdefault(change.client_hash, {})
        per_client.setdefault(change.sku_id, SkuChanges(change.sku_id)).add(change)
    return out


@dataclass
class RealtimeReport:
    client_hash: str
    notified_skus: int = 0
    unknown: int = 0
    stale: int = 0
    unavailable: int = 0
    catalog: int = 0
    stock: SyncReport | None = None
    price: SyncReport | None = None
    stock_skus: list[str] = field(default_factory=list)
    price_skus: list[str] = field(default_factory=list)

    @property
    def retryable(self) -> bool:
        return any(r is not None and r.retryable_failures for r in (self.stock, self.price))

    def as_dict(self) -> dict[str, Any]:
        return {"clientHash": self.client_hash, "notifiedSkus": self.notified_skus, "unknown": self.unknown,
                "stale": self.stale, "unavailable": self.unavailable, "catalog": self.catalog,
                "stockSkus": len(self.stock_skus), "priceSkus": len(self.price_skus),
                "stock": self.stock.as_dict() if self.stock else None,
                "price": self.price.as_dict() if self.price else None}


def _seen_after(row: SellerSku, kind: SyncKind, changed_at: int, margin_ms: int) -> bool:
    """The newest reading applied or claimed for this SKU was taken after the change: it already holds it."""
    claimed = row.stock_pending_read_at_ms if kind == "stock" else row.price_pending_read_at_ms
    newest = max(row.read_at_ms(kind) or 0, claimed or 0)
    return newest >= changed_at + margin_ms


@dataclass
class RealtimeSync:
    state: NotificationState
    stock: StockSync
    prices: PriceSync
    clock: Callable[[], float] = time.time
    stale_margin_ms: int = DEFAULT_STALE_MARGIN_MS

    def run(self, ctx: ClientSyncContext, changes: dict[str, SkuChanges], *, vtex_stock: InventoryReader,
            vtex_prices: PriceReader, pending: PendingOrderUnits, stock_updates: Dispatcher,
            price_updates: Dispatcher) -> RealtimeReport:
        client_hash = ctx.client_hash
        report = RealtimeReport(client_hash, notified_skus=len(changes))
        rows = self.state.get_many(client_hash, list(changes))
        stock_skus: list[str] = []
        price_skus: list[str] = []
        for sku_id, merged in changes.items():
            row = rows.get(sku_id)
            if row is None or not row.tik_tok_product_id:
                report.unknown += 1  # not listed on TikTok: nothing to read, nothing to send
                continue
            moved = False
            if merged.latest is not None:
                now_unavailable = merged.latest.unavailable
                if now_unavailable != bool(row.vtex_unavailable):
                    moved = self.state.record_vtex_availability(client_hash, sku_id, unavailable=now_unavailable,
                                                                at_ms=merged.latest.at_ms)
                report.unavailable += now_unavailable
            if merged.catalog_at is not None:
                self.state.record_catalog_modified(client_hash, sku_id, merged.catalog_at)
                report.catalog += 1
            if moved or (merged.stock_at is not None
                         and not _seen_after(row, "stock", merged.stock_at, self.stale_margin_ms)):
                stock_skus.append(sku_id)
            elif merged.stock_at is not None:
                report.stale += 1
            if merged.price_at is not None and not _seen_after(row, "price", merged.price_at, self.stale_margin_ms):
                price_skus.append(sku_id)
            elif merged.price_at is not None:
                report.stale += 1
        report.stock_skus, report.price_skus = stock_skus, price_skus
        if stock_skus:
            report.stock = self.stock.fetch_and_dispatch(ctx, stock_skus, vtex_stock, pending, stock_updates)
        if price_skus:
            report.price = self.prices.fetch_and_dispatch(ctx, price_skus, vtex_prices, price_updates)
        return report

