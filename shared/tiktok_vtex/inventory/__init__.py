"""Stock sync VTEX -> TikTok (legacy ESTOQUE-* functions): rules, diff-only state, per-product batching."""

from tiktok_vtex.inventory.base import ClientUnavailable, ItemFailure, RetryAfterGate, RetryLater, SyncReport
from tiktok_vtex.inventory.rules import WarehouseReading, WarehouseRoute, compute_quantities, resolve_routes
from tiktok_vtex.inventory.sync import ClientSyncContext, NoPendingOrders, StockSync

__all__ = [
    "ClientSyncContext",
    "ClientUnavailable",
    "ItemFailure",
    "NoPendingOrders",
    "RetryAfterGate",
    "RetryLater",
    "StockSync",
    "SyncReport",
    "WarehouseReading",
    "WarehouseRoute",
    "compute_quantities",
    "resolve_routes",
]
