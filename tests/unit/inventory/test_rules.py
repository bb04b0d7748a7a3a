from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiktok_vtex.inventory.rules import (
    TIKTOK_MAX_QUANTITY,
    WarehouseConfigError,
    WarehouseReading,
    WarehouseRoute,
    compute_quantities,
    resolve_routes,
)
from tiktok_vtex.models.client import StockRules

ONE = (WarehouseRoute("1_1", "TW1"),)
TWO = (WarehouseRoute("1_1", "TW1"), WarehouseRoute("2_1", "TW2"))


def q(available: int, rules: StockRules | None = None, *, unlimited: bool = False, pending: int = 0) -> int:
    readings = {"1_1": WarehouseReading("1_1", available, unlimited)}
    return compute_quantities(readings, ONE, rules or StockRules(), pending_units=pending)["TW1"]


def test_negative_availability_becomes_zero() -> None:
    assert q(-7) == 0


def test_unlimited_becomes_the_configured_cap_and_respects_maximum() -> None:
    assert q(0, StockRules(unlimited_quantity=500), unlimited=True) == 500
    assert q(0, StockRules(unlimited_quantity=500, maximum=50), unlimited=True) == 50
    # safety stock, percentage and pending orders do not eat into unlimited stock
    assert q(0, StockRules(unlimited_quantity=500, safety_stock=10, percentage=Decimal(50)), unlimited=True,
             pending=3) == 500


def test_buffer_rules_in_order_safety_then_percentage_then_maximum() -> None:
    assert q(100, StockRules(safety_stock=10)) == 90
    assert q(100, StockRules(percentage=Decimal(75))) == 75
    assert q(99, StockRules(percentage=Decimal(50))) == 49  # rounded down: never offer half a unit
    assert q(100, StockRules(safety_stock=10, percentage=Decimal(50))) == 45
    assert q(100, StockRules(safety_stock=10, percentage=Decimal(50), maximum=20)) == 20
    assert q(5, StockRules(safety_stock=10)) == 0


def test_pending_tiktok_orders_are_subtracted_before_the_buffer() -> None:
    assert q(10, pending=3) == 7
    assert q(10, StockRules(safety_stock=2), pending=3) == 5
    assert q(2, pending=5) == 0


def test_several_warehouses_map_and_sum() -> None:
    readings = {"1_1": WarehouseReading("1_1", 4), "2_1": WarehouseReading("2_1", 6)}
    assert compute_quantities(readings, TWO, StockRules()) == {"TW1": 4, "TW2": 6}
    merged = (WarehouseRoute("1_1", "TW1"), WarehouseRoute("2_1", "TW1"))
    assert compute_quantities(readings, merged, StockRules()) == {"TW1": 10}
    # pending units come off the largest warehouse first
    assert compute_quantities(readings, TWO, StockRules(), pending_units=5) == {"TW1": 4, "TW2": 1}
    assert compute_quantities(readings, TWO, StockRules(), pending_units=8) == {"TW1": 2, "TW2": 0}


def test_missing_reading_counts_as_zero_and_tiktok_cap_applies() -> None:
    assert compute_quantities({}, ONE, StockRules()) == {"TW1": 0}
    assert q(10**7) == TIKTOK_MAX_QUANTITY


def test_routes_precedence_and_legacy_fallback() -> None:
    routes = resolve_routes(["1_1", "2_1"], settings_map={"2_1": "S2"}, credentials_map={"1_1": "C1", "2_1": "C2"})
    assert routes == [WarehouseRoute("1_1", "C1"), WarehouseRoute("2_1", "S2")]
    assert resolve_routes(["1_1"], legacy_tiktok_warehouse_id="L") == [WarehouseRoute("1_1", "L")]
    # a warehouse named only in the settings map is read too
    assert [r.vtex_warehouse_id for r in resolve_routes(["1_1"], settings_map={"9_9": "S9"},
                                                         legacy_tiktok_warehouse_id="L")] == ["1_1", "9_9"]
    with pytest.raises(WarehouseConfigError, match="1_1"):
        resolve_routes(["1_1"])


@given(available=st.integers(-10**6, 10**6), safety=st.integers(0, 1000), pct=st.integers(0, 100),
       maximum=st.one_of(st.none(), st.integers(0, 10**5)), pending=st.integers(0, 1000))
def test_quantity_is_always_within_tiktok_bounds_and_never_above_vtex(available: int, safety: int, pct: int,
                                                                        maximum: int | None, pending: int) -> None:
    rules = StockRules(safety_stock=safety, percentage=Decimal(pct), maximum=maximum)
    result = q(available, rules, pending=pending)
    assert 0 <= result <= TIKTOK_MAX_QUANTITY
    assert result <= max(0, available - pending)
    if maximum is not None:
        assert result <= maximum
