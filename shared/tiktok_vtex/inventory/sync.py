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
from dataclasses import dataclass
from typing import Any, Protocol

from tiktok_vtex.clients.tiktok.models import BatchResult
from tiktok_vtex.clients.vtex.models import InventoryBalance
from tiktok_vtex.inventory.models import (
    PREPARE_SKU_STOCK_BATCH,
    SkuQuantity,
    UpdateInventory,
    WarehouseQuantity,
    update_message,
)
from tiktok_vtex.inventory.rules import WarehouseReading, WarehouseRoute, compute_quantities
from tiktok_vtex.repositories.products import SellerSku, SyncKind
from tiktok_vtex.sync.batching import prepare_batches
from tiktok_vtex.sync.context import ClientSyncContext
from tiktok_vtex.sync.engine import ChannelDefaults, Claim, SendEngine
from tiktok_vtex.sync.failures import vtex_failure
from tiktok_vtex.sync.outcomes import ItemFailure, SyncReport
from tiktok_vtex.sync.ports import ChangeLog, Dispatcher, SyncStateStore
from tiktok_vtex.sync.reads import concurrent_map, now_ms

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


class StockChannel(ChannelDefaults[SkuQuantity]):
    """The stock side of the send engine: {TikTok warehouse id: quantity} per SKU, update_inventory."""

    kind: SyncKind = "stock"
    log_update = LOG_UPDATE
    log_failure = LOG_FAILURE
    noun = "value"

    def value_of(self, ctx: ClientSyncContext, row: SellerSku, item: SkuQuantity) -> dict[str, Any]:
        default_warehouse = ctx.tiktok_warehouses[0] if ctx.routes else ""
        quantities = {(w or default_warehouse): q for w, q in item.quantities().items()}
        # TikTok wants every warehouse of the SKU: a legacy one-warehouse message keeps the others.
        for warehouse in ctx.tiktok_warehouses:
            if warehouse not in quantities:
                quantities[warehouse] = (row.stock_sent or {}).get(warehouse, 0)
        return quantities

    def payload(self, sku_id: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"id": sku_id, "inventory": [{"warehouse_id": w, "quantity": q} for w, q in value.items()]}

    def call(self, tiktok: InventoryWriter, product_id: str, payload: list[dict[str, Any]]) -> BatchResult:
        return tiktok.update_inventory(product_id, payload)

    def sent_details(self, claim: Claim[SkuQuantity]) -> dict[str, Any]:
        return {"quantities": claim.value, "previous": claim.row.stock_sent}

    def repair_details(self, value: dict[str, Any]) -> dict[str, Any]:
        return {"quantities": value}

    def update_message(self, client_hash: str, product_id: str, items: list[SkuQuantity], *,
                       force: bool) -> dict[str, Any]:
        return update_message(client_hash, product_id, items, force=force)


@dataclass
class StockSync:
    state: SyncStateStore
    log: ChangeLog
    clock: Callable[[], float] = time.time
    max_concurrency: int = 16
    fetch_batch_size: int = 50  # SKUs per SQS_BUSCA_ESTOQUE message (whole products kept together)

    def __post_init__(self) -> None:
        self._engine = SendEngine(self.state, self.log, StockChannel(), self.clock)

    # ----------------------------------------------------------------------------------- fan-out

    def prepare_stock(self, client_hash: str, fetch_queue: Dispatcher, *, force: bool = False,
                      reconcile: bool = False) -> SyncReport:
        """triggerPrepareStock: every SKU of the client (Query, paginated) in batches to the fetch queue."""
        return prepare_batches(self.state, client_hash, fetch_queue, message_type=PREPARE_SKU_STOCK_BATCH,
                               batch_size=self.fetch_batch_size, force=force, reconcile=reconcile)

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
        """triggerPepareSkuStockBatch without the send: the update messages of the changed products.

        A SKU VTEX took out of the affiliate or deactivated (`vtex_unavailable`, set by its notification), or
        one that left the client's feed (`removed_from_feed`, set by the catalog updates), is not read: TikTok
        gets 0 in every warehouse, the same diff-only, claimed path as any reading."""
        report = SyncReport(ctx.client_hash)
        rows = self._engine.linked_rows(ctx, seller_skus, report, force=force)
        unavailable = [r for r in rows if not r.offered]
        rows = [r for r in rows if r.offered]
        units = pending.units_by_seller_sku(ctx.client_hash) if rows else {}
        values, failures, calls = self.read_skus(ctx, rows, vtex, units)
        now = now_ms(self.clock)
        for row in unavailable:
            values[row.seller_sku] = (dict.fromkeys(ctx.tiktok_warehouses, 0), now)
        rows = [*rows, *unavailable]
        report.vtex_calls += calls
        report.failures.extend(failures)
        report.read = len(values)
        readings = [(row, SkuQuantity(seller_sku=row.seller_sku, tiktok_sku_id=row.tik_tok_sku_id,
                                      read_at_ms=values[row.seller_sku][1],
                                      inventory=[WarehouseQuantity(warehouse_id=w, quantity=q)
                                                 for w, q in values[row.seller_sku][0].items()]))
                    for row in rows if row.seller_sku in values]
        return report, self._engine.select(ctx, readings, report, force=force)

    def fetch_and_dispatch(self, ctx: ClientSyncContext, seller_skus: Sequence[str], vtex: InventoryReader,
                           pending: PendingOrderUnits, updates: Dispatcher, *, force: bool = False) -> SyncReport:
        report, messages = self.fetch(ctx, seller_skus, vtex, pending, force=force)
        return self._engine.dispatch(ctx, report, messages, updates)

    # ----------------------------------------------------------------------------------- TikTok update

    def update(self, ctx: ClientSyncContext, message: UpdateInventory, tiktok: InventoryWriter) -> SyncReport:
        """triggerUpdateInventoryBySellerSku: claim, one TikTok call per product, record per SKU."""
        return self._engine.update(ctx, message.items(now_ms(self.clock)), tiktok, force=message.force)

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
