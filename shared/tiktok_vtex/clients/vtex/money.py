"""Money conversions: the one place where cents and decimals meet.

VTEX Checkout, fulfillment and OMS use integer cents (2499 = R$ 24.99); the Pricing API v2 and TikTok
use decimals (TikTok sends strings such as "149.90"). Rounding is ROUND_HALF_UP to the cent. NaN,
infinities, booleans and (unless allowed) negative amounts are rejected with ValueError.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


def parse_decimal(value: str | int | float | Decimal, *, allow_negative: bool = False) -> Decimal:
    """A finite Decimal from a decimal string, int, float or Decimal ("149.90" -> Decimal("149.90")).

    Floats go through their shortest repr (0.1 -> Decimal("0.1"), not the binary expansion).
    Comma decimals ("149,90") and thousands separators are rejected: they are ambiguous.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text or "," in text or "_" in text:
            raise ValueError(f"not a decimal amount: {value!r}")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {value!r}") from None
    else:
        raise TypeError(f"unsupported amount type {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"amount must be finite, got {value!r}")
    if result < 0 and not allow_negative:
        raise ValueError(f"amount must not be negative, got {value!r}")
    if result == 0:
        result = abs(result)  # no negative zero
    return result


def to_cents(value: Decimal | str | int | float, *, allow_negative: bool = False) -> int:
    """Integer cents from a decimal amount, rounded half up: "149.90" -> 14990, "0.005" -> 1.

    An int is taken as currency units (reais), not cents: to_cents(2) == 200.
    """
    amount = parse_decimal(value, allow_negative=allow_negative)
    return int((amount * _HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int, *, allow_negative: bool = False) -> Decimal:
    """A two-decimal Decimal from integer cents: 14990 -> Decimal("149.90")."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be an int, got {type(cents).__name__}")
    if cents < 0 and not allow_negative:
        raise ValueError(f"cents must not be negative, got {cents}")
    return (Decimal(cents) / _HUNDRED).quantize(CENT)


def quantize(value: Decimal | str | int | float, *, allow_negative: bool = False) -> Decimal:
    """The amount rounded half up to the cent: "10.005" -> Decimal("10.01")."""
    return parse_decimal(value, allow_negative=allow_negative).quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value: Decimal | str | int | float, *, allow_negative: bool = False) -> str:
    """The two-decimal string TikTok expects: Decimal("149.9") -> "149.90"."""
    return f"{quantize(value, allow_negative=allow_negative):f}"


def cents_from_json(value: object) -> int:
    """An integer-cents field read from a VTEX payload; accepts 2499, "2499" and 2499.0, rejects 24.99."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount in cents")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float | Decimal):
        decimal = parse_decimal(value, allow_negative=True)
        if decimal == decimal.to_integral_value():
            return int(decimal)
    raise ValueError(f"not an integer amount in cents: {value!r}")
