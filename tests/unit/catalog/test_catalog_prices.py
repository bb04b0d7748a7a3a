"""Price and measure spellings of Merchant Center feeds (property tests: any amount, any spelling)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiktok_vtex.catalog.prices import PriceError, parse_length_cm, parse_price, parse_weight_kg

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


def _grouped(amount: Decimal, thousands: str, decimal: str) -> str:
    whole, fraction = f"{amount:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return thousands.join([whole, *groups]) + decimal + fraction


@given(amounts)
def test_point_decimal_with_iso_code(amount: Decimal) -> None:
    assert parse_price(f"{amount:.2f} BRL").amount == amount


@given(amounts)
def test_brazilian_grouping_with_iso_code(amount: Decimal) -> None:
    assert parse_price(_grouped(amount, ".", ",") + " BRL").amount == amount


@given(amounts)
def test_real_symbol_prefix(amount: Decimal) -> None:
    price = parse_price("R$ " + _grouped(amount, ".", ","))
    assert (price.amount, price.currency) == (amount, "BRL")


@given(amounts, st.sampled_from([("", "."), (",", "."), (".", ","), ("", ",")]), st.booleans())
def test_every_spelling_reads_the_same_amount(amount: Decimal, seps: tuple[str, str], prefix: bool) -> None:
    thousands, decimal = seps
    number = _grouped(amount, thousands, decimal) if thousands else f"{amount:.2f}".replace(".", decimal)
    text = f"BRL {number}" if prefix else f"{number} BRL"
    assert parse_price(text) == parse_price(f"{amount:.2f} BRL")


@given(amounts)
def test_no_currency_uses_the_default_and_can_be_required(amount: Decimal) -> None:
    assert parse_price(f"{amount:.2f}").currency == "BRL"
    with pytest.raises(PriceError, match="no currency"):
        parse_price(f"{amount:.2f}", default_currency=None)


@given(st.text(alphabet="abcxyz!@#%^*()_ ", min_size=0, max_size=12))
def test_text_without_digits_is_refused(text: str) -> None:
    with pytest.raises(PriceError):
        parse_price(text)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1299.90 BRL", "1299.90", "BRL"),
        ("1.299,90 BRL", "1299.90", "BRL"),
        ("R$ 1.299,90", "1299.90", "BRL"),
        ("R$1.299,90", "1299.90", "BRL"),
        ("1,299.90 USD", "1299.90", "USD"),
        ("1.299 BRL", "1299.00", "BRL"),  # BRL has 2 decimals: three digits after a separator group
        ("49,9 BRL", "49.90", "BRL"),
        ("  12 brl ", "12.00", "BRL"),
        ("R$\u00a079,90", "79.90", "BRL"),
    ],
)
def test_spellings(text: str, amount: str, currency: str) -> None:
    price = parse_price(text)
    assert (price.amount, price.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    ["", "BRL", "1.2.3,4,5 BRL", "12,34.56,78 BRL", "1.29 BRL USD", "-5.00 BRL", "12.345.67 BRL", "1..2 BRL",
     "12.999 BRL extra", "1,2345 BRL", "R$ 12,3a"],
)
def test_unreadable_prices_are_refused(text: str) -> None:
    with pytest.raises(PriceError):
        parse_price(text)


@pytest.mark.parametrize(("text", "kg"), [("1.2 kg", "1.200"), ("500 g", "0.500"), ("2 lb", "0.907"),
                                          ("0,35 kg", "0.350"), ("3", "3.000")])
def test_weights(text: str, kg: str) -> None:
    assert parse_weight_kg(text) == Decimal(kg)


@pytest.mark.parametrize(("text", "cm"), [("30 cm", "30.0"), ("12 in", "30.5"), ("250 mm", "25.0")])
def test_lengths(text: str, cm: str) -> None:
    assert parse_length_cm(text) == Decimal(cm)


@pytest.mark.parametrize("text", ["heavy", "0 kg", "12 stone", "1 kg 2"])
def test_bad_measures(text: str) -> None:
    with pytest.raises(PriceError):
        parse_weight_kg(text)
