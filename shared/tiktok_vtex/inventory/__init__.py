"""Stock sync VTEX -> TikTok (legacy ESTOQUE-* functions): rules, diff-only state, per-product batching."""

from tiktok_vtex.clients.vtex.throttle import RetryAfterGate
from tiktok_vtex.inventory.rules import WarehouseReading, WarehouseRoute, compute_quantities, resolve_routes
from tiktok_vtex.inventory.sync import NoPendingOrders, StockSync
from tiktok_vtex.sync.context import ClientSyncContext
from tiktok_vtex.sync.outcomes import ClientUnavailable, ItemFailure, RetryLater, SyncReport

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
