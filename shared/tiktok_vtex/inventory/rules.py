"""Quantity rules: from VTEX readings per warehouse to the quantities TikTok gets per warehouse.

Order of application (per SKU), and why:
1. each VTEX warehouse: `availableQuantity`, negative -> 0 (VTEX reports oversold stock as negative);
   unlimited -> the client's configured cap (TikTok needs a number);
2. units of TikTok orders not yet placed in VTEX are subtracted (VTEX does not know them yet, so its
   availability still counts them; TikTok already sold them), taken from the largest limited warehouse
   first;
3. the fixed safety stock is held back the same way (it is a per-SKU amount, not per warehouse);
4. the percentage is applied per TikTok warehouse (rounded down: never offer a unit we may not have);
5. the maximum caps each quantity sent; TikTok accepts at most 99,999.
Several VTEX warehouses mapped to one TikTok warehouse add up. Unlimited stock skips 2-4 (there is
nothing to protect) and is still capped by the maximum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from tiktok_vtex.models.client import StockRules

TIKTOK_MAX_QUANTITY = 99_999


class WarehouseConfigError(ValueError):
    """A VTEX warehouse of the client has no TikTok warehouse to go to."""


@dataclass(frozen=True)
class WarehouseRoute:
    vtex_warehouse_id: str
    tiktok_warehouse_id: str


@dataclass(frozen=True)
class WarehouseReading:
    """One VTEX inventory answer for one SKU in one warehouse."""

    warehouse_id: str
    available: int
    unlimited: bool = False


def resolve_routes(vtex_warehouse_ids: Sequence[str], *, settings_map: Mapping[str, str] | None = None,
                   credentials_map: Mapping[str, str] | None = None,
                   legacy_tiktok_warehouse_id: str | None = None) -> list[WarehouseRoute]:
    """Which VTEX warehouses are read and where each goes on TikTok.

    Mapping precedence: the client's connector settings (`warehouse_map`), then the map in its VTEX
    credentials, then the legacy single `tik_tok_shop_warehouse_id` for every unmapped warehouse.
    Warehouses named only in a map are read too.
    """
    settings_map = dict(settings_map or {})
    credentials_map = dict(credentials_map or {})
    ordered: list[str] = []
    for warehouse in [*vtex_warehouse_ids, *settings_map]:
        if warehouse and warehouse not in ordered:
            ordered.append(warehouse)
    routes = []
    for warehouse in ordered:
        target = settings_map.get(warehouse) or credentials_map.get(warehouse) or legacy_tiktok_warehouse_id
        if not target:
            raise WarehouseConfigError(
                f"VTEX warehouse {warehouse} has no TikTok warehouse (set warehouse_map or tik_tok_shop_warehouse_id)")
        routes.append(WarehouseRoute(warehouse, str(target)))
    if not routes:
        raise WarehouseConfigError("the client has no VTEX warehouse configured")
    return routes


def _take(quantities: dict[str, int], units: int, limited: Iterable[str]) -> None:
    """Removes `units` from the limited warehouses, largest first (in place, never below zero)."""
    for warehouse in sorted(limited, key=lambda w: -quantities[w]):
        if units <= 0:
            return
        taken = min(units, quantities[warehouse])
        quantities[warehouse] -= taken
        units -= taken


def compute_quantities(readings: Mapping[str, WarehouseReading], routes: Sequence[WarehouseRoute],
                       rules: StockRules, *, pending_units: int = 0) -> dict[str, int]:
    """TikTok quantity per TikTok warehouse for one SKU (every routed warehouse is present)."""
    vtex: dict[str, int] = {}
    unlimited: set[str] = set()
    for route in routes:
        reading = readings.get(route.vtex_warehouse_id)
        if reading is None:
            vtex[route.vtex_warehouse_id] = 0
        elif reading.unlimited:
            vtex[route.vtex_warehouse_id] = rules.unlimited_quantity
            unlimited.add(route.vtex_warehouse_id)
        else:
            vtex[route.vtex_warehouse_id] = max(0, int(reading.available))
    limited = [w for w in vtex if w not in unlimited]
    _take(vtex, max(0, pending_units), limited)
    _take(vtex, rules.safety_stock, limited)

    per_tiktok: dict[str, int] = {}
    tiktok_unlimited: set[str] = set()
    for route in routes:
        per_tiktok[route.tiktok_warehouse_id] = per_tiktok.get(route.tiktok_warehouse_id, 0) + \
            vtex[route.vtex_warehouse_id]
        if route.vtex_warehouse_id in unlimited:
            tiktok_unlimited.add(route.tiktok_warehouse_id)
    percentage = Decimal(rules.percentage)
    result: dict[str, int] = {}
    for warehouse, total in per_tiktok.items():
        quantity = total
        if warehouse not in tiktok_unlimited and percentage < 100:
            quantity = int((Decimal(quantity) * percentage / 100).to_integral_value(rounding=ROUND_FLOOR))
        if rules.maximum is not None:
            quantity = min(quantity, rules.maximum)
        result[warehouse] = max(0, min(quantity, TIKTOK_MAX_QUANTITY))
    return result
