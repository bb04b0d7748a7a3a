"""What a stock or price sync knows about one client (built by the wiring from its shop link, connector
settings and VTEX credentials)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tiktok_vtex.models.client import PriceRules, StockRules

if TYPE_CHECKING:  # annotation only: inventory builds on this package, not the other way round
    from tiktok_vtex.inventory.rules import WarehouseRoute


@dataclass(frozen=True)
class ClientSyncContext:
    client_hash: str
    routes: tuple[WarehouseRoute, ...]
    stock_rules: StockRules = field(default_factory=StockRules)
    price_rules: PriceRules = field(default_factory=PriceRules)
    trade_policy: str = "1"
    currency: str = "BRL"

    @property
    def tiktok_warehouses(self) -> list[str]:
        out: list[str] = []
        for route in self.routes:
            if route.tiktok_warehouse_id not in out:
                out.append(route.tiktok_warehouse_id)
        return out
