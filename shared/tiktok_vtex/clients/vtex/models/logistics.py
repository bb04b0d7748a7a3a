"""VTEX Logistics API (inventory by SKU and warehouse) (pydantic; conventions in models/__init__)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from tiktok_vtex.clients.vtex.models.base import UNLIMITED_QUANTITY, VtexModel

# --- logistics -------------------------------------------------------------------------------------


class InventoryBalance(VtexModel):
    """Stock of one SKU in one warehouse (the rows of every dock summed).

    From `GET /api/logistics/pvt/inventory/items/{skuId}/warehouses/{warehouseId}`; `docks` keeps the rows.
    """

    skuId: str
    warehouseId: str
    totalQuantity: int = 0
    reservedQuantity: int = 0
    availableQuantity: int = 0
    isUnlimited: bool = False
    docks: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def available(self) -> int:
        """Sellable units: UNLIMITED_QUANTITY when unlimited, never negative."""
        if self.isUnlimited:
            return UNLIMITED_QUANTITY
        return max(0, self.availableQuantity)


class WarehouseBalance(VtexModel):
    warehouseId: str
    warehouseName: str | None = None
    totalQuantity: int = 0
    reservedQuantity: int = 0
    hasUnlimitedQuantity: bool = False
    timeToRefill: str | None = None
    dateOfSupplyUtc: str | None = None
    leadTime: str | None = None

    @property
    def available(self) -> int:
        """total - reserved (this route has no availableQuantity), never negative."""
        if self.hasUnlimitedQuantity:
            return UNLIMITED_QUANTITY
        return max(0, self.totalQuantity - self.reservedQuantity)


class SkuInventory(VtexModel):
    """From `GET /api/logistics/pvt/inventory/skus/{skuId}`."""

    skuId: str
    balance: list[WarehouseBalance] = Field(default_factory=list)

    @field_validator("skuId", mode="before")
    @classmethod
    def _str_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    def available(self, warehouse_ids: list[str] | None = None) -> int:
        """Sellable units across the given warehouses (all when None)."""
        rows = [b for b in self.balance if warehouse_ids is None or b.warehouseId in warehouse_ids]
        return min(UNLIMITED_QUANTITY, sum(b.available for b in rows))
