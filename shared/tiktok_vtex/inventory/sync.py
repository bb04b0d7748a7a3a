"""Stock sync VTEX -> TikTok: fan-out, bounded concurrent VTEX reads, diff-only, one TikTok call per
product, partial failures per SKU, stale readings never win, and the count report.

Flow (legacy function names):
  triggerPrepareStock (ESTOQUE-VTEX-busca-estoque-sku / -atualizacao-estoque)
    -> Query the client's SKUs, batches of whole products -> SendMessageBatch to SQS_BUSCA_ESTOQUE
  triggerPepareSkuStockBatch (SQS_BUSCA_ESTOQUE)
    -> VTEX reads (concurrent, bounded, Retry-After honoured), quantity rules, diff against the last
       quantity sent -> one message per product with changed SKUs -> SendMessageBatch to SQS_ATUALIZA_ESTOQUE
  triggerUpdateInventoryBySellerSku (SQS_ATUALIZA_ESTOQUE, ESTOQUE-TTK-atualiza-estoque-sku)
    -> claim (newer reading only) -> TikTok update_inventory(product, every changed SKU with all its
       warehouses) -> per-SKU result stored and logged (TikTokLogStock)
  triggerPepareSkuStock: the fetch step for one SKU, then an async invoke of the TikTok function.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.clients.tiktok.models import BatchResult
from tiktok_vtex.clients.vtex.models import InventoryBalance
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
from tiktok_vtex.inventory.models import (
    PREPARE_SKU_STOCK_BATCH,
    SkuQuantity,
    UpdateInventory,
    WarehouseQuantity,
    update_message,
)
from tiktok_vtex.inventory.rules import WarehouseReading, WarehouseRoute, compute_quantities
from tiktok_vtex.models.client import PriceRules, StockRules
from tiktok_vtex.repositories.products import SellerSku

LOG_UPDATE = "stock_update"
LOG_FAILURE = "stock_update_failed"
LOG_COUNT = "stock_count"


class InventoryReader(Protocol):
    """VTEX logistics (VtexClient implements it)."""

    def get_inventory(self, sku_id: int | str, warehouse_id: str | None = None) -> InventoryBalance: ...


class InventoryWriter(Protocol):
    """TikTok inventory update (TikTokShopClient implements it)."""

    def update_inventory(self, product_id: str, skus: Sequence[dict[str, Any]]) -> BatchResult: ...


class PendingOrderUnits(Protocol):
    """Units of TikTok orders not yet placed in VTEX, per seller SKU, for one client."""

    def units_by_seller_sku(self, client_hash: str) -> dict[str, int]: ...


class NoPendingOrders:
    def units_by_seller_sku(self, client_hash: str) -> dict[str, int]:
        return {}


@dataclass(frozen=True)
class ClientSyncContext:
    """What the sync needs to know about one client (built by the handler from its shop link,
    connector settings and VTEX credentials)."""

    client_hash: str
    routes: tuple[WarehouseRoute, ...]
    stock_rules: StockRules = field(default_factory=StockRules)
    price_rules: PriceRules = field(default_factory=PriceRules)
    trade_policy: str = "1"
    currency: str = "BRL"

    @property
    def tiktok_warehouses(self) -> list[str]:
        out: list[str] = []
        for route in self.routes:
            if route.tiktok_warehouse_id not in out:
                out.append(route.tiktok_warehouse_id)
        return out


@dataclass
class StockSync:
    state: SyncStateStore
    log: ChangeLog
    clock: Callable[[], float] = time.time
    max_concurrency: int = 16
    fetch_batch_size: int = 50  # SKUs per SQS_BUSCA_ESTOQUE message (whole products kept together)

    # ----------------------------------------------------------------------------------- fan-out

    def prepare_stock(self, client_hash: str, fetch_queue: Dispatcher, *, force: bool = False) -> SyncReport:
        """triggerPrepareStock: every SKU of the client (Query, paginated) in batches to the fetch queue."""
        return prepare_batches(self.state, client_hash, fetch_queue, message_type=PREPARE_SKU_STOCK_BATCH,
                               batch_size=self.fetch_batch_size, force=force)

    # ----------------------------------------------------------------------------------- fetch

    def read_skus(self, ctx: ClientSyncContext, rows: Sequence[SellerSku], vtex: InventoryReader,
                  pending: dict[str, int]) -> tuple[dict[str, tuple[dict[str, int], int]], list[ItemFailure], int]:
        """VTEX readings for every (SKU, warehouse), concurrently within the bound.

        Returns {seller_sku: (TikTok quantities, read_at_ms)}, the failures and the VTEX calls made.
        A SKU's reading time is when its first request left: the values are at least that fresh.
        """
        jobs = [(row, route) for row in rows for route in ctx.routes]

        def read(job: tuple[SellerSku, WarehouseRoute]) -> tuple[InventoryBalance, int]:
            row, route = job
            started = now_ms(self.clock)
            return vtex.get_inventory(row.vtex_id, route.vtex_warehouse_id), started

        results = concurrent_map(read, jobs, max_workers=self.max_concurrency)
        readings: dict[str, dict[str, WarehouseReading]] = {}
        read_at: dict[str, int] = {}
        failed: dict[str, ItemFailure] = {}
        for (row, route), value, error in results:
            if error is not None or value is None:
                failed.setdefault(row.seller_sku, vtex_failure(row.seller_sku, error or RuntimeError("no answer")))
                continue
            balance, started = value
            readings.setdefault(row.seller_sku, {})[route.vtex_warehouse_id] = WarehouseReading(
                route.vtex_warehouse_id, balance.availableQuantity, balance.isUnlimited)
            read_at[row.seller_sku] = min(read_at.get(row.seller_sku, started), started)
        out: dict[str, tuple[dict[str, int], int]] = {}
        for row in rows:
            if row.seller_sku in failed or row.seller_sku not in readings:
                continue
            quantities = compute_quantities(readings[row.seller_sku], ctx.routes, ctx.stock_rules,
                                            pending_units=pending.get(row.seller_sku, 0))
            out[row.seller_sku] = (quantities, read_at[row.seller_sku])
        return out, list(failed.values()), len(jobs)

    def fetch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: InventoryReader,
              pending: PendingOrderUnits, *, force: bool = False) -> tuple[SyncReport, list[dict[str, Any]]]:
        """triggerPepareSkuStockBatch without the send: the update messages of the changed products."""
        report = SyncReport(ctx.client_hash)
        rows_by_sku = self.state.get_many(ctx.client_hash, list(seller_skus))
        rows = []
        for sku in seller_skus:
            row = rows_by_sku.get(sku)
            if row is None or not row.tik_tok_product_id:
                report.failures.append(ItemFailure(sku, "SKU_NOT_LINKED",
                                                   NOT_LINKED))
            else:
                rows.append(row)
        units = pending.units_by_seller_sku(ctx.client_hash) if rows else {}
        values, failures, calls = self.read_skus(ctx, rows, vtex, units)
        report.vtex_calls += calls
        report.failures.extend(failures)
        report.read = len(values)
        changed: list[SellerSku] = []
        for row in rows:
            if row.seller_sku not in values:
                continue
            quantities, _ = values[row.seller_sku]
            if not force and row.stock_sent == quantities:
                report.unchanged += 1
            else:
                changed.append(row)
        report.changed = len(changed)
        messages = []
        for product_id, group in group_by_product(changed).items():
            items = [SkuQuantity(seller_sku=r.seller_sku, tiktok_sku_id=r.tik_tok_sku_id,
                                 read_at_ms=values[r.seller_sku][1],
                                 inventory=[WarehouseQuantity(warehouse_id=w, quantity=q)
                                            for w, q in values[r.seller_sku][0].items()])
                     for r in group]
            messages.append(update_message(ctx.client_hash, product_id, items, force=force))
        report.messages = len(messages)
        return report, messages

    def fetch_and_dispatch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: InventoryReader,
                           pending: PendingOrderUnits, updates: Dispatcher, *, force: bool = False) -> SyncReport:
        report, messages = self.fetch(ctx, seller_skus, vtex, pending, force=force)
        if messages:
            report.dispatch_calls += updates.send(messages)
        self._record_failures(ctx.client_hash, report.failures, stage="vtex_read")
        return report

    # ----------------------------------------------------------------------------------- TikTok update

    def update(self, ctx: ClientSyncContext, message: UpdateInventory, tiktok: InventoryWriter) -> SyncReport:
        """triggerUpdateInventoryBySellerSku: claim, one TikTok call per product, record per SKU."""
        report = SyncReport(ctx.client_hash)
        items = message.items(now_ms(self.clock))
        rows = self.state.get_many(ctx.client_hash, [i.seller_sku for i in items])
        claimed: dict[str, list[tuple[SellerSku, dict[str, int], int]]] = {}
        default_warehouse = ctx.tiktok_warehouses[0] if ctx.routes else ""
        for item in items:
            row = linked_row(rows, item.seller_sku, item.tiktok_sku_id, report)
            if row is None:
                continue
            quantities = {(w or default_warehouse): q for w, q in item.quantities().items()}
            # TikTok wants every warehouse of the SKU: a legacy one-warehouse message keeps the others.
            for warehouse in ctx.tiktok_warehouses:
                if warehouse not in quantities:
                    quantities[warehouse] = (row.stock_sent or {}).get(warehouse, 0)
            read_at = item.read_at_ms or now_ms(self.clock)
            if row.stock_read_at_ms is not None and row.stock_read_at_ms >= read_at:
                report.stale += 1
                continue
            if not message.force and row.stock_sent == quantities:
                report.unchanged += 1
                continue
            if not self.state.claim_sync(ctx.client_hash, row.seller_sku, "stock", quantities, read_at):
                report.stale += 1
                continue
            if item.tiktok_sku_id and not row.tik_tok_sku_id:
                row = row.model_copy(update={"tik_tok_sku_id": item.tiktok_sku_id})
            claimed.setdefault(row.tik_tok_product_id or "", []).append((row, quantities, read_at))
        report.changed = sum(len(v) for v in claimed.values())
        for product_id, group in claimed.items():
            self._send_product(ctx, product_id, group, tiktok, report)
        self._record_failures(ctx.client_hash, report.failures, stage="tiktok_update")
        return report

    def _send_product(self, ctx: ClientSyncContext, product_id: str,
                      group: list[tuple[SellerSku, dict[str, int], int]], tiktok: InventoryWriter,
                      report: SyncReport) -> None:
        overtaken: list[SellerSku] = []
        self._send_attempts(ctx, product_id, group, tiktok, report, overtaken)
        if overtaken:
            self._repair(ctx, product_id, overtaken, tiktok, report)

    def _repair(self, ctx: ClientSyncContext, product_id: str, rows: list[SellerSku], tiktok: InventoryWriter,
                report: SyncReport) -> None:
        """A newer reading was sent and stored while ours was in flight, so ours may have reached TikTok last:
        send the newest stored value once more. If that fails, forget what was sent so the next run resends."""
        current = self.state.get_many(ctx.client_hash, [r.seller_sku for r in rows])
        targets = [(row, current[row.seller_sku].stock_sent) for row in rows
                   if row.tik_tok_sku_id and row.seller_sku in current and current[row.seller_sku].stock_sent]
        if not targets:
            return
        payload = [{"id": row.tik_tok_sku_id, "inventory": [{"warehouse_id": w, "quantity": q}
                                                             for w, q in (sent or {}).items()]}
                   for row, sent in targets]
        report.tiktok_calls += 1
        try:
            result = tiktok.update_inventory(product_id, payload)
            failed = set(errors_by_sku(result, [row.tik_tok_sku_id or "" for row, _ in targets]))
        except TikTokApiError:
            failed = {row.tik_tok_sku_id or "" for row, _ in targets}
        now = int(self.clock())
        for row, sent in targets:
            ok = (row.tik_tok_sku_id or "") not in failed
            if not ok:
                self.state.record_sync_error(ctx.client_hash, row.seller_sku, "stock", code="REPAIR_FAILED",
                                             message="a newer value may have been overwritten on TikTok", at=now,
                                             stock_sent={})
            self.log.append(ctx.client_hash, "stock_repair", row.seller_sku, {
                "product_id": product_id, "quantities": sent, "ok": ok})

    def _send_attempts(self, ctx: ClientSyncContext, product_id: str,
                       group: list[tuple[SellerSku, dict[str, int], int]], tiktok: InventoryWriter,
                       report: SyncReport, overtaken: list[SellerSku]) -> None:
        pending = {row.tik_tok_sku_id or "": (row, quantities, read_at) for row, quantities, read_at in group}
        for attempt in (1, 2):
            payload = [{"id": sku_id, "inventory": [{"warehouse_id": w, "quantity": q} for w, q in quantities.items()]}
                       for sku_id, (_row, quantities, _t) in pending.items()]
            report.tiktok_calls += 1
            try:
                result = tiktok.update_inventory(product_id, payload)
            except TikTokApiError as error:
                retryable = tiktok_call_retryable(error)
                for row, _q, _t in pending.values():
                    report.failures.append(ItemFailure(row.seller_sku, tiktok_failure_code(error),
                                                       error.message[:300] or str(error)[:300], retryable))
                return
            by_sku = errors_by_sku(result, pending)
            for sku_id, (row, quantities, read_at) in list(pending.items()):
                if sku_id in by_sku:
                    continue
                if not self._record_sent(ctx.client_hash, product_id, row, quantities, read_at):
                    overtaken.append(row)
                report.sent += 1
                del pending[sku_id]
            retry_now = {k: v for k, v in pending.items() if by_sku.get(k) is not None
                         and by_sku[k].code in RETRYABLE_TIKTOK_CODES}
            if attempt == 1 and retry_now:
                # TikTok said "try again" for some SKUs: once now, only those; the rest are final.
                for sku_id in set(pending) - set(retry_now):
                    row, _q, _t = pending.pop(sku_id)
                    report.failures.append(self._item_failure(row, by_sku.get(sku_id), result))
                continue
            for sku_id, (row, _q, _t) in pending.items():
                report.failures.append(self._item_failure(row, by_sku.get(sku_id), result))
            return

    @staticmethod
    def _item_failure(row: SellerSku, error: Any, result: BatchResult) -> ItemFailure:
        if error is None:
            return ItemFailure(row.seller_sku, f"TIKTOK_{result.code}", result.message[:300] or "update failed",
                               retryable=result.code in RETRYABLE_TIKTOK_CODES)
        detail = error.detail.get("extra_errors") if isinstance(error.detail, dict) else None
        message = error.message or "rejected"
        if detail:
            message += f" {detail}"[:200]
        return ItemFailure(row.seller_sku, f"TIKTOK_{error.code}", message[:300],
                           retryable=error.code in RETRYABLE_TIKTOK_CODES)

    def _record_sent(self, client_hash: str, product_id: str, row: SellerSku, quantities: dict[str, int],
                     read_at: int) -> bool:
        """Stores and logs what TikTok accepted; False when a newer reading was stored meanwhile."""
        now = int(self.clock())
        recorded = self.state.record_sync_sent(client_hash, row.seller_sku, "stock", quantities, read_at, now)
        self.log.append(client_hash, LOG_UPDATE, row.seller_sku, {
            "product_id": product_id, "tiktok_sku_id": row.tik_tok_sku_id, "quantities": quantities,
            "previous": row.stock_sent, "read_at_ms": read_at, "overtaken": not recorded,
        })
        return recorded

    def _record_failures(self, client_hash: str, failures: Sequence[ItemFailure], *, stage: str) -> None:
        record_failures(self.state, self.log, client_hash, failures, kind="stock", log_kind=LOG_FAILURE, stage=stage,
                        at=int(self.clock()))

    # ----------------------------------------------------------------------------------- count

    def count(self, ctx: ClientSyncContext, vtex: InventoryReader, pending: PendingOrderUnits) -> dict[str, Any]:
        """triggerCountStock: SKU count, total units and zero-stock SKUs per warehouse (VTEX as read, and
        TikTok as the rules would send it), recorded in TikTokLogStock and returned."""
        rows = [r for r in self.state.iter_client_skus(ctx.client_hash) if r.tik_tok_product_id]
        units = pending.units_by_seller_sku(ctx.client_hash)
        jobs = [(row, route) for row in rows for route in ctx.routes]
        results = concurrent_map(lambda job: vtex.get_inventory(job[0].vtex_id, job[1].vtex_warehouse_id), jobs,
                                 max_workers=self.max_concurrency)
        vtex_report: dict[str, dict[str, Any]] = {
            r.vtex_warehouse_id: {"skus": 0, "units": 0, "zeroStock": 0, "unlimited": 0, "zeroStockSkus": []}
            for r in ctx.routes}
        per_sku: dict[str, dict[str, WarehouseReading]] = {}
        failures: dict[str, ItemFailure] = {}
        for (row, route), balance, error in results:
            if error is not None or balance is None:
                failures.setdefault(row.seller_sku, vtex_failure(row.seller_sku, error or RuntimeError()))
                continue
            entry = vtex_report[route.vtex_warehouse_id]
            entry["skus"] += 1
            if balance.isUnlimited:
                entry["unlimited"] += 1
            elif balance.availableQuantity <= 0:
                entry["zeroStock"] += 1
                if len(entry["zeroStockSkus"]) < 100:
                    entry["zeroStockSkus"].append(row.seller_sku)
            else:
                entry["units"] += balance.availableQuantity
            per_sku.setdefault(row.seller_sku, {})[route.vtex_warehouse_id] = WarehouseReading(
                route.vtex_warehouse_id, balance.availableQuantity, balance.isUnlimited)
        tiktok_report: dict[str, dict[str, Any]] = {
            w: {"skus": 0, "units": 0, "zeroStock": 0} for w in ctx.tiktok_warehouses}
        for sku, readings in per_sku.items():
            if sku in failures:
                continue
            for warehouse, quantity in compute_quantities(readings, ctx.routes, ctx.stock_rules,
                                                          pending_units=units.get(sku, 0)).items():
                entry = tiktok_report[warehouse]
                entry["skus"] += 1
                entry["units"] += quantity
                entry["zeroStock"] += quantity == 0
        report = {
            "clientHash": ctx.client_hash, "skus": len(rows), "vtexCalls": len(jobs),
            "vtexWarehouses": vtex_report, "tiktokWarehouses": tiktok_report,
            "failed": len(failures), "failures": [f.as_dict() for f in list(failures.values())[:50]],
        }
        self.log.append(ctx.client_hash, LOG_COUNT, "count", {
            "skus": len(rows), "vtex_warehouses": {k: {kk: vv for kk, vv in v.items() if kk != "zeroStockSkus"}
                                                   for k, v in vtex_report.items()},
            "tiktok_warehouses": tiktok_report, "failed": len(failures)})
        return report
