"""Prices and measures as feeds spell them: "1299.90 BRL", "1.299,90 BRL", "R$ 1.299,90", "BRL 1299.90",
"1,299.90 BRL"; "1.2 kg", "500 g", "30 cm".

Brazilian feeds mix the decimal comma and the decimal point, so the separator is decided per value: when
both occur, the last one is the decimal separator; when one occurs once and is followed by exactly three
digits it groups thousands (BRL has two decimals, so "1.299" is R$ 1.299,00, never R$ 1,299); otherwise
it is the decimal separator. Anything else (letters, two decimal separators, groups not of three digits,
more than two decimals) is refused with a PriceError naming what was wrong.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict

CURRENCY_SYMBOLS = {"R$": "BRL", "US$": "USD", "€": "EUR"}
_CURRENCY = re.compile(r"^(?:(?P<pre>R\$|US\$|€|[A-Za-z]{3})\s*)?(?P<num>[-+]?[\d.,\s]+?)\s*(?P<post>[A-Za-z]{3})?$")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


class PriceError(ValueError):
    """The text is not a price this reader understands (the message says why)."""


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


def parse_number(text: str) -> Decimal:
    """A decimal number with either decimal separator and optional thousands grouping."""
    raw = text.replace(" ", "").replace("\u00a0", "")
    sign = ""
    if raw[:1] in "+-":
        sign, raw = raw[0], raw[1:]
    if not raw or not re.fullmatch(r"[\d.,]+", raw) or not raw[0].isdigit() or not raw[-1].isdigit():
        raise PriceError(f"not a number: {text!r}")
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:
        decimal_sep = "." if raw.rfind(".") > raw.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        whole, _, fraction = raw.rpartition(decimal_sep)
        if decimal_sep in whole or (group_sep in whole and not _GROUPED.match(whole)):
            raise PriceError(f"separators out of place: {text!r}")
    elif dots + commas == 0:
        whole, fraction = raw, ""
    else:
        sep = "." if dots else ","
        count = dots or commas
        head, _, tail = raw.rpartition(sep)
        if count > 1 or len(tail) == 3:
            # "1.299.900" or "1.299": thousands grouping
            if not _GROUPED.match(raw):
                raise PriceError(f"thousands groups must have 3 digits: {text!r}")
            whole, fraction = raw, ""
        else:
            whole, fraction = head, tail
    whole = whole.replace(".", "").replace(",", "")
    try:
        return Decimal(f"{sign}{whole}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern above leaves only digits
        raise PriceError(f"not a number: {text!r}") from None


def parse_price(text: str, default_currency: str | None = "BRL") -> Money:
    """A Merchant Center price. The currency may come before or after the amount, as an ISO code or
    "R$"; without one, `default_currency` (None: a currency is required)."""
    stripped = " ".join(text.replace("\u00a0", " ").split())
    match = _CURRENCY.match(stripped)
    if not stripped or match is None:
        raise PriceError(f"not a price: {text!r}")
    pre, post = match.group("pre"), match.group("post")
    if pre and post:
        raise PriceError(f"two currencies: {text!r}")
    symbol = pre or post
    currency = (CURRENCY_SYMBOLS.get(symbol) or symbol.upper()) if symbol else default_currency
    if not currency:
        raise PriceError(f"no currency: {text!r}")
    amount = parse_number(match.group("num"))
    if amount < 0:
        raise PriceError(f"negative price: {text!r}")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):  # type: ignore[operator]
        raise PriceError(f"more than 2 decimals: {text!r}")
    return Money(amount=amount.quantize(Decimal("0.01")), currency=currency)


# Merchant Center units -> what TikTok takes (package_weight KILOGRAM, package_dimensions CENTIMETER).
_WEIGHT_TO_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "lb": Decimal("0.45359237"), "oz": Decimal("0.028349523125")}
_LENGTH_TO_CM = {"cm": Decimal(1), "mm": Decimal("0.1"), "m": Decimal(100), "in": Decimal("2.54")}
_MEASURE = re.compile(r"^\s*(?P<num>[\d.,]+)\s*(?P<unit>[A-Za-z]+)?\s*$")


def _measure(text: str, table: dict[str, Decimal], default_unit: str, what: str) -> Decimal:
    match = _MEASURE.match(text)
    if match is None:
        raise PriceError(f"not a {what}: {text!r}")
    unit = (match.group("unit") or default_unit).lower()
    unit = {"kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g", "lbs": "lb", "inch": "in"}.get(unit, unit)
    if unit not in table:
        raise PriceError(f"unknown {what} unit {unit!r} in {text!r}")
    value = parse_number(match.group("num")) * table[unit]
    if value <= 0:
        raise PriceError(f"{what} must be > 0: {text!r}")
    return value


def parse_weight_kg(text: str) -> Decimal:
    """'1.2 kg', '500 g', '2 lb' -> kilograms (3 decimals)."""
    return _measure(text, _WEIGHT_TO_KG, "kg", "weight").quantize(Decimal("0.001"))


def parse_length_cm(text: str) -> Decimal:
    """'30 cm', '12 in' -> centimetres (1 decimal)."""
    return _measure(text, _LENGTH_TO_CM, "cm", "length").quantize(Decimal("0.1"))
