"""Money conversion: cents <-> decimals, ROUND_HALF_UP, rejection of non-finite and negative amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiktok_vtex.clients.vtex.money import (
    cents_from_json,
    format_amount,
    from_cents,
    parse_decimal,
    quantize,
    to_cents,
)

CENTS = st.integers(min_value=0, max_value=10**12)
AMOUNTS = st.decimals(min_value=0, max_value=10**10, allow_nan=False, allow_infinity=False, places=2)
ANY_DECIMAL = st.decimals(min_value=0, max_value=10**10, allow_nan=False, allow_infinity=False)


@given(CENTS)
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents


@given(AMOUNTS)
def test_two_decimal_amounts_round_trip(amount: Decimal) -> None:
    assert from_cents(to_cents(amount)) == amount
    assert to_cents(format_amount(amount)) == to_cents(amount)  # TikTok's string form


@given(ANY_DECIMAL)
def test_rounding_is_half_up_and_within_half_a_cent(amount: Decimal) -> None:
    cents = to_cents(amount)
    assert abs(Decimal(cents) - amount * 100) <= Decimal("0.5")
    if (amount * 100) % 1 == Decimal("0.5"):
        assert Decimal(cents) == amount * 100 + Decimal("0.5")


@given(ANY_DECIMAL, ANY_DECIMAL)
def test_to_cents_is_monotonic(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert to_cents(low) <= to_cents(high)


@given(AMOUNTS)
def test_string_float_and_decimal_inputs_agree(amount: Decimal) -> None:
    assert to_cents(str(amount)) == to_cents(amount) == to_cents(float(str(amount)))


@given(st.lists(CENTS, min_size=1, max_size=20))
def test_sums_in_cents_equal_sums_in_decimals(values: list[int]) -> None:
    assert to_cents(sum((from_cents(v) for v in values), Decimal(0))) == sum(values)


@pytest.mark.parametrize(("value", "cents"), [
    ("149.90", 14990), ("0.005", 1), ("0.004", 0), ("10.125", 1013), (" 2.5 ", 250), (2, 200), (0.1, 10),
    (Decimal("199.9"), 19990), ("1e2", 10000),
])
def test_examples(value: object, cents: int) -> None:
    assert to_cents(value) == cents  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "", "1,50", "abc", "1_000", float("nan"),
                                   float("inf"), True, "-1.00", -3])
def test_rejects_bad_amounts(value: object) -> None:
    with pytest.raises(ValueError):
        to_cents(value)  # type: ignore[arg-type]


def test_negative_only_when_allowed() -> None:
    assert to_cents("-1.005", allow_negative=True) == -101
    assert from_cents(-150, allow_negative=True) == Decimal("-1.50")
    with pytest.raises(ValueError):
        from_cents(-1)
    with pytest.raises(TypeError):
        from_cents(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        from_cents(True)
    with pytest.raises(TypeError):
        parse_decimal([1])  # type: ignore[arg-type]


def test_formatting_and_quantize() -> None:
    assert format_amount(Decimal("149.9")) == "149.90"
    assert format_amount("1E+1") == "10.00"
    assert quantize("10.005") == Decimal("10.01")
    assert from_cents(14990) == Decimal("149.90")
    assert str(from_cents(5)) == "0.05"
    assert str(parse_decimal("-0")) == "0"


@pytest.mark.parametrize(("value", "expected"), [(2499, 2499), ("2499", 2499), (2499.0, 2499),
                                                 (Decimal("2499.00"), 2499)])
def test_cents_from_json(value: object, expected: int) -> None:
    assert cents_from_json(value) == expected


@pytest.mark.parametrize("value", [24.99, "24.99", True, None, "x"])
def test_cents_from_json_rejects_decimals(value: object) -> None:
    with pytest.raises(ValueError):
        cents_from_json(value)
