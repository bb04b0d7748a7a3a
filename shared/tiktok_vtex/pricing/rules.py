"""Price rules: from the VTEX selling price of the client's trade policy to the TikTok price (BRL).

price = selling price x (1 + markup %) + fixed addition, rounded half up to the cent, then (optional)
rounded UP to the next .90 or .99 ending (149.12 -> 149.90; 149.95 with .90 -> 150.90; 149.90 stays).
Rounding up, never down: a rule must not sell below the configured margin. A result <= 0 is refused.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from tiktok_vtex.models.client import PriceRules

CENT = Decimal("0.01")


class PriceRuleError(ValueError):
    """The price cannot be sent (missing, zero or negative after the rules)."""


def apply_price_rules(price: Decimal, rules: PriceRules) -> Decimal:
    if price is None or not Decimal(price).is_finite() or price <= 0:
        raise PriceRuleError(f"VTEX price {price} is not a positive amount")
    value = Decimal(price) * (1 + Decimal(rules.markup_percent) / 100) + Decimal(rules.fixed_addition)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if rules.rounding:
        ending = Decimal(rules.rounding)
        rounded = value.to_integral_value(rounding=ROUND_FLOOR) + ending
        if rounded < value:
            rounded += 1
        value = rounded.quantize(CENT)
    if value <= 0:
        raise PriceRuleError(f"price {value} after the client's rules is not positive")
    return value


def format_amount(value: Decimal) -> str:
    """TikTok's amount string: two decimals, dot separator ("149.90")."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
