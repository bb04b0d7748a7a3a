"""State and rules of the VTEX sandbox: catalog, inventory with reservations, prices, orders (seller flow).

Everything is in memory behind one re-entrant lock. Business failures raise SandboxError with VTEX's
status, code and message (reference: ../shared/reference/vtex-api.md). Conventions reproduced:
cents in fulfillment/OMS, decimals in pricing, SKU ids numeric in the catalog and strings in orders,
VTEX order id `{affiliateId}-{marketplaceOrderId}-01` (the franchise form of DP-EMI collect-orders).
"""

from __future__ import annotations

from .catalog import CatalogArea
from .checkout import CheckoutArea
from .nfe import demo_nfe
from .oms import OmsArea
from .records import (
    CANCELLABLE,
    INVOICEABLE,
    SELLER_FLOW,
    SLAS,
    OrderRecord,
    PriceRecord,
    SandboxError,
    Sku,
    StockRow,
    bad,
    cents,
    decimal,
    now_iso,
)
from .watch import NotifyingArea


class VtexStore(NotifyingArea, CatalogArea, CheckoutArea, OmsArea):
    """The VTEX sandbox's store: every area over one state (see store.py for the state, each area's module
    for its rules; NotifyingArea tells the affiliates about stock, price and SKU changes)."""


__all__ = [
    "CANCELLABLE",
    "INVOICEABLE",
    "SELLER_FLOW",
    "SLAS",
    "OrderRecord",
    "PriceRecord",
    "SandboxError",
    "Sku",
    "StockRow",
    "VtexStore",
    "bad",
    "cents",
    "decimal",
    "demo_nfe",
    "now_iso",
]
