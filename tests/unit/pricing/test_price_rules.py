from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiktok_vtex.models.client import PriceRules
from tiktok_vtex.pricing.rules import PriceRuleError, apply_price_rules, format_amount


def price(value: str, **rules: object) -> str:
    return format_amount(apply_price_rules(Decimal(value), PriceRules(**rules)))


def test_no_rules_keeps_the_vtex_price() -> None:
    assert price("149.9") == "149.90"


def test_markup_and_fixed_addition_round_half_up_to_the_cent() -> None:
    assert price("100.00", markup_percent=Decimal(10)) == "110.00"
    assert price("99.99", markup_percent=Decimal("12.5")) == "112.49"  # 112.48875 -> 112.49
    assert price("100.00", fixed_addition=Decimal("5.50")) == "105.50"
    assert price("100.00", markup_percent=Decimal(10), fixed_addition=Decimal(2)) == "112.00"


@pytest.mark.parametrize(("value", "rounding", "expected"), [
    ("149.12", "0.90", "149.90"),
    ("149.90", "0.90", "149.90"),
    ("149.95", "0.90", "150.90"),
    ("149.12", "0.99", "149.99"),
    ("150.00", "0.99", "150.99"),
])
def test_rounding_goes_up_to_the_next_ending(value: str, rounding: str, expected: str) -> None:
    assert price(value, rounding=rounding) == expected


def test_invalid_prices_are_refused() -> None:
    with pytest.raises(PriceRuleError):
        price("0")
    with pytest.raises(PriceRuleError):
        price("10.00", fixed_addition=Decimal(-20))


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2),
       st.sampled_from([None, "0.90", "0.99"]), st.integers(0, 200))
def test_rules_never_lower_a_price_with_a_non_negative_markup(value: Decimal, rounding: str | None,
                                                              markup: int) -> None:
    result = apply_price_rules(value, PriceRules(rounding=rounding, markup_percent=Decimal(markup)))
    assert result >= value
    assert result == result.quantize(Decimal("0.01"))
    if rounding:
        assert str(result).endswith(rounding[1:])
