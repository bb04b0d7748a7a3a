"""The VTEX sandbox's store core: the in-memory state every VTEX area reads and writes, under one lock.

The areas (catalog, logistics, pricing, checkout, fulfillment, OMS) are mixins over `StoreCore`;
`state.VtexStore` composes them."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping
from decimal import Decimal
from threading import RLock
from typing import Any

from local.fixtures.demo_catalog import demo_catalog

from .records import (
    CANCELLABLE,
    CENT,
    STATUS_DESCRIPTIONS,
    Notify,
    OrderRecord,
    PriceRecord,
    SandboxError,
    Sku,
    StockRow,
    decimal,
    now_iso,
)


class StoreCore:
    """The store's state behind one re-entrant lock, seeding, and the lookups every area uses."""

    def __init__(
        self,
        *,
        account: str,
        affiliate_id: str,
        sales_channel: str,
        warehouses: list[str],
        clock: Callable[[], float],
        notify: Notify,
        cancel_window_seconds: float = 3.0,
    ):
        self.account = account
        self.affiliate_id = affiliate_id
        self.sales_channel = sales_channel
        self.configured_warehouses = list(warehouses)
        self.warehouses = list(warehouses)
        self.clock = clock
        self.notify = notify
        self.cancel_window_seconds = cancel_window_seconds
        self.place_order_response = "array"  # or "object" (the OAS-EMO shape)
        self.price_divergence = "accept"  # or "reject" (FMT006 when an item price differs)
        self.lock = RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.warehouses = list(self.configured_warehouses)
            self.brands: dict[int, dict[str, Any]] = {}
            self.categories: dict[int, dict[str, Any]] = {}
            self.products: dict[int, dict[str, Any]] = {}
            self.skus: dict[int, Sku] = {}
            self.stock: dict[tuple[int, str], StockRow] = {}
            self.prices: dict[int, PriceRecord] = {}
            self.orders: dict[str, OrderRecord] = {}
            self.by_marketplace_id: dict[tuple[str, str], str] = {}
            self.windows: dict[str, float] = {}  # order id -> when its cancellation window ends
            self._sequence = itertools.count(502001)
            self._receipts = itertools.count(1)

    def seed(self, catalog: Mapping[str, Any]) -> dict[str, int]:
        with self.lock:
            for brand in catalog["brands"]:
                self.brands[int(brand["id"])] = {"id": int(brand["id"]), "name": brand["name"], "isActive": True}
            for category in catalog["categories"]:
                self.categories[int(category["id"])] = dict(category)
            for product in catalog["products"]:
                pid = int(product["id"])
                self.products[pid] = {key: value for key, value in product.items() if key != "skus"}
                for index, sku in enumerate(product["skus"]):
                    sid = int(sku["id"])
                    self.skus[sid] = Sku(
                        sid,
                        pid,
                        sku["name"],
                        sku["ean"],
                        list(sku["images"]),
                        weight_g=200 + (sid % 7) * 150,
                        dims_cm=(8 + index % 5, 15, 25),
                    )
                    for warehouse, quantity in sku["stock"].items():
                        self.stock[(sid, warehouse)] = StockRow(total=int(quantity))
                        if warehouse not in self.warehouses:
                            self.warehouses.append(warehouse)
                    self.prices[sid] = PriceRecord(
                        base_price=decimal(sku["selling_price"], "selling_price"),
                        list_price=decimal(sku["list_price"], "list_price"),
                        cost_price=(decimal(sku["selling_price"], "selling_price") * Decimal("0.55")).quantize(CENT),
                    )
            return self.counts()

    def seed_demo(self, **options: Any) -> dict[str, int]:
        return self.seed(demo_catalog(warehouses=list(self.configured_warehouses), account=self.account, **options))

    def counts(self) -> dict[str, int]:
        return {
            "brands": len(self.brands),
            "categories": len(self.categories),
            "products": len(self.products),
            "skus": len(self.skus),
            "orders": len(self.orders),
        }

    def sku(self, sku_id: Any) -> Sku:
        try:
            return self.skus[int(str(sku_id))]
        except (KeyError, ValueError):
            raise SandboxError(
                404, "404", f"Seller StockKeepingUnit {sku_id} not found for this seller id 1", text=True
            ) from None

    def _row(self, sku_id: int, warehouse: str) -> StockRow:
        return self.stock.setdefault((sku_id, warehouse), StockRow())

    def available(self, sku_id: int) -> int:
        return sum(self.stock[(sku_id, w)].available for w in self.warehouses if (sku_id, w) in self.stock)

    def _receipt(self) -> str:
        return hashlib.sha1(f"{self.account}-{next(self._receipts)}".encode(), usedforsecurity=False).hexdigest()

    def order(self, order_id: str) -> OrderRecord:
        record = self.orders.get(order_id)
        if record is None:
            raise SandboxError(404, "1", f"Order {order_id} not found")
        return record

    def _move(self, record: OrderRecord, status: str) -> None:
        data = record.data
        last_state, last_change = data["status"], data["lastChange"]
        current = now_iso()
        data["status"] = status
        data["statusDescription"] = STATUS_DESCRIPTIONS.get(status, status)
        data["lastChange"] = current
        data["allowCancellation"] = status in CANCELLABLE or (record.returned and status == "invoiced")
        record.history.append({"status": status, "at": current})
        self.notify(data["orderId"], status, last_state, last_change if last_state else None, current)
