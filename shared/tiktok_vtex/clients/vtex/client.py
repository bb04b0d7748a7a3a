"""The VTEX client: catalog, logistics, pricing, fulfillment, OMS and the orders hook, on httpx.

One class per VTEX API area (logistics.py, catalog.py, pricing.py, checkout.py, oms.py, hook.py), all on
the shared transport (transport.py: base URLs, credentials, retries, typed errors); VtexClient is all of
them. The names below stay importable from here.
"""

from __future__ import annotations

from tiktok_vtex.clients.vtex.catalog import CatalogApi
from tiktok_vtex.clients.vtex.checkout import CheckoutApi
from tiktok_vtex.clients.vtex.hook import OrdersHookApi
from tiktok_vtex.clients.vtex.logistics import LogisticsApi
from tiktok_vtex.clients.vtex.oms import OmsApi
from tiktok_vtex.clients.vtex.pricing import PricingApi
from tiktok_vtex.clients.vtex.transport import (
    DEFAULT_HOOK_STATUSES,
    MAX_SKU_PAGE_SIZE,
    PRODUCTION_BASE_URL_TEMPLATE,
    PRODUCTION_PRICING_BASE_URL_TEMPLATE,
    VtexTransport,
    parse_retry_after,
)

__all__ = ["DEFAULT_HOOK_STATUSES", "MAX_SKU_PAGE_SIZE", "PRODUCTION_BASE_URL_TEMPLATE",
           "PRODUCTION_PRICING_BASE_URL_TEMPLATE", "VtexClient", "VtexTransport", "parse_retry_after"]


class VtexClient(LogisticsApi, CatalogApi, PricingApi, CheckoutApi, OmsApi, OrdersHookApi):
    """Calls one VTEX account. Thread-safe; at most `max_concurrency` requests in flight."""
