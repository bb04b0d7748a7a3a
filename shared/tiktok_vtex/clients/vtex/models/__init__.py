"""Pydantic models of the VTEX payloads the connector reads and writes.

Field names are VTEX's own JSON names (camelCase in logistics, pricing, fulfillment and OMS; PascalCase
in the catalog), so a response validates as-is and a request dumps as-is. Extra fields are kept.
Money: `int` = cents (fulfillment, OMS); `Decimal` = currency units (pricing). SKU ids are `int` in the
catalog and `str` in orders and simulations, as in VTEX.

One module per VTEX API area (base, logistics, catalog, pricing, fulfillment, oms, hook); every
model is re-exported here, so `from tiktok_vtex.clients.vtex.models import X` keeps working.
"""

from tiktok_vtex.clients.vtex.models.base import UNLIMITED_QUANTITY, VtexModel
from tiktok_vtex.clients.vtex.models.catalog import (
    Brand,
    Category,
    Product,
    SkuAlternateIds,
    SkuContext,
    SkuDimension,
    SkuFile,
    SkuImage,
)
from tiktok_vtex.clients.vtex.models.fulfillment import (
    Address,
    ClientProfileData,
    FulfillResult,
    MarketplaceOrder,
    OrderItem,
    OrderLogisticsInfo,
    OrderShippingData,
    PlacedOrder,
    SimulatedItem,
    SimulationItemRequest,
    SimulationLogisticsInfo,
    SimulationMessage,
    SimulationResult,
    Sla,
)
from tiktok_vtex.clients.vtex.models.hook import (
    HookFilter,
    HookTarget,
    OrderHookNotification,
    OrdersHookConfig,
)
from tiktok_vtex.clients.vtex.models.logistics import (
    InventoryBalance,
    SkuInventory,
    WarehouseBalance,
)
from tiktok_vtex.clients.vtex.models.oms import (
    Invoice,
    InvoiceItem,
    OmsReceipt,
    OrderPackage,
    PackageAttachment,
    TrackingUpdate,
    VtexOrder,
    VtexOrderItem,
)
from tiktok_vtex.clients.vtex.models.pricing import (
    ComputedPrice,
    FixedPrice,
    Price,
)

__all__ = [
    "UNLIMITED_QUANTITY",
    "Address",
    "Brand",
    "Category",
    "ClientProfileData",
    "ComputedPrice",
    "FixedPrice",
    "FulfillResult",
    "HookFilter",
    "HookTarget",
    "InventoryBalance",
    "Invoice",
    "InvoiceItem",
    "MarketplaceOrder",
    "OmsReceipt",
    "OrderHookNotification",
    "OrderItem",
    "OrderLogisticsInfo",
    "OrderPackage",
    "OrderShippingData",
    "OrdersHookConfig",
    "PackageAttachment",
    "PlacedOrder",
    "Price",
    "Product",
    "SimulatedItem",
    "SimulationItemRequest",
    "SimulationLogisticsInfo",
    "SimulationMessage",
    "SimulationResult",
    "SkuAlternateIds",
    "SkuContext",
    "SkuDimension",
    "SkuFile",
    "SkuImage",
    "SkuInventory",
    "Sla",
    "TrackingUpdate",
    "VtexModel",
    "VtexOrder",
    "VtexOrderItem",
    "WarehouseBalance",
]
