"""Price sync VTEX -> TikTok (legacy PRECO-* functions): rules, rounding, diff-only, promotion skip."""

from tiktok_vtex.pricing.rules import PriceRuleError, apply_price_rules, format_amount
from tiktok_vtex.pricing.sync import PriceSync

__all__ = ["PriceRuleError", "PriceSync", "apply_price_rules", "format_amount"]
