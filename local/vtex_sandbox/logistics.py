"""Logistics API of the VTEX sandbox: inventory per SKU and warehouse (with reservations), and the SLAs
and warehouse a quantity ships from."""

from __future__ import annotations

from typing import Any

from .records import (
    DOCK_ID,
    SLAS,
    SandboxError,
    bad,
)
from .store import StoreCore


class LogisticsArea(StoreCore):
    """Inventory and shipping options."""

    def inventory_items(self, sku_id: Any, warehouse: str) -> list[dict[str, Any]]:
        try:
            sid = int(str(sku_id))
        except ValueError:
            raise bad("1", f"invalid sku id {sku_id}") from None
        if warehouse not in self.warehouses:
            raise SandboxError(404, "1", f"Warehouse {warehouse} not found")
        row = self.stock.get((sid, warehouse))
        if row is None:
            return []
        shown = 1_000_000 if row.unlimited else row.total
        return [
            {
                "skuId": str(sid),
                "warehouseId": warehouse,
                "dockId": DOCK_ID,
                "totalQuantity": shown,
                "reservedQuantity": row.reserved,
                "availableQuantity": row.available,
                "isUnlimited": row.unlimited,
                "salesChannel": [self.sales_channel],
                "deliveryChannels": ["delivery"],
                "timeToRefill": None,
                "dateOfSupplyUtc": None,
                "supplyLotId": None,
                "keepSellingAfterExpiration": False,
                "transfer": None,
            }
        ]

    def inventory_sku(self, sku_id: Any) -> dict[str, Any]:
        try:
            sid = int(str(sku_id))
        except ValueError:
            raise bad("1", f"invalid sku id {sku_id}") from None
        balance = []
        for warehouse in self.warehouses:
            row = self.stock.get((sid, warehouse))
            if row is not None:
                balance.append(
                    {
                        "warehouseId": warehouse,
                        "warehouseName": f"Estoque {warehouse}",
                        "totalQuantity": row.total,
                        "reservedQuantity": row.reserved,
                        "hasUnlimitedQuantity": row.unlimited,
                        "timeToRefill": None,
                        "dateOfSupplyUtc": None,
                        "leadTime": row.lead_time,
                    }
                )
        return {"skuId": str(sid), "balance": balance}

    def set_inventory(
        self, sku_id: Any, warehouse: str, quantity: Any, unlimited: Any = False, lead_time: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            sku = self.sku(sku_id)
            if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0):
                raise bad("1", "quantity must be a non-negative integer")
            if warehouse not in self.warehouses:
                self.warehouses.append(warehouse)
            row = self._row(sku.id, warehouse)
            row.total = int(quantity or 0)
            row.unlimited = bool(unlimited)
            if lead_time:
                row.lead_time = lead_time
            return self.inventory_state(sku.id)

    def inventory_state(self, sku_id: int) -> dict[str, Any]:
        rows = {
            w: {"total": r.total, "reserved": r.reserved, "available": r.available, "unlimited": r.unlimited}
            for (s, w), r in self.stock.items()
            if s == sku_id
        }
        reservations = [
            {"orderId": oid, "warehouseId": w, "quantity": q}
            for oid, rec in self.orders.items()
            if rec.reserved
            for s, w, q in rec.reservations
            if s == sku_id
        ]
        return {"skuId": sku_id, "warehouses": rows, "reservations": reservations}

    def slas(self, sku_id: int, quantity: int) -> list[dict[str, Any]]:
        warehouse = self._warehouse_for(sku_id, quantity) or self.warehouses[0]
        out = []
        for sla_id, (name, estimate, base, per_unit) in SLAS.items():
            price = base + per_unit * quantity
            out.append(
                {
                    "id": sla_id,
                    "name": name,
                    "deliveryChannel": "delivery",
                    "deliveryIds": [
                        {
                            "courierId": "1",
                            "courierName": "Transportadora Demo",
                            "warehouseId": warehouse,
                            "dockId": DOCK_ID,
                            "quantity": quantity,
                            "kitItemDetails": [],
                        }
                    ],
                    "shippingEstimate": estimate,
                    "lockTTL": "8d",
                    "price": price,
                    "listPrice": price,
                    "tax": 0,
                    "pickupStoreInfo": None,
                    "pickupPointId": None,
                    "transitTime": estimate,
                    "availableDeliveryWindows": [],
                }
            )
        return out

    def _warehouse_for(self, sku_id: int, quantity: int) -> str | None:
        for warehouse in self.warehouses:
            row = self.stock.get((sku_id, warehouse))
            if row is not None and row.available >= quantity:
                return warehouse
        return None
