"""VTEX Logistics API: inventory per SKU and warehouse."""

from __future__ import annotations

from collections.abc import Sequence

from tiktok_vtex.clients.vtex.models import InventoryBalance, SkuInventory
from tiktok_vtex.clients.vtex.transport import VtexTransport, path_segment


class LogisticsApi(VtexTransport):
    """VTEX Logistics API calls of VtexClient (transport in transport.py)."""

    def get_inventory(self, sku_id: int | str, warehouse_id: str | None = None) -> InventoryBalance:
        """Stock of a SKU in one warehouse (default: the first configured), docks summed."""
        warehouse = warehouse_id or self.credentials.default_warehouse_id
        path = f"/api/logistics/pvt/inventory/items/{path_segment(sku_id)}/warehouses/{path_segment(warehouse)}"
        rows = self._get(path) or []
        if isinstance(rows, dict):
            rows = [rows]
        balance = InventoryBalance(skuId=str(sku_id), warehouseId=warehouse, docks=rows)
        for row in rows:
            total = int(row.get("totalQuantity") or 0)
            reserved = int(row.get("reservedQuantity") or 0)
            available = row.get("availableQuantity")
            balance.totalQuantity += total
            balance.reservedQuantity += reserved
            balance.availableQuantity += int(available) if available is not None else total - reserved
            balance.isUnlimited = balance.isUnlimited or bool(row.get("isUnlimited"))
        return balance

    def get_inventory_all_warehouses(self, sku_id: int | str) -> SkuInventory:
        data = self._get(f"/api/logistics/pvt/inventory/skus/{path_segment(sku_id)}") or {}
        data.setdefault("skuId", str(sku_id))
        return SkuInventory.model_validate(data)

    def get_available_quantity(self, sku_id: int | str, warehouse_ids: Sequence[str] | None = None) -> int:
        """Sellable units of a SKU summed over the configured (or given) warehouses."""
        return sum(self.get_inventory(sku_id, w).available for w in (warehouse_ids or self.credentials.warehouse_ids))
