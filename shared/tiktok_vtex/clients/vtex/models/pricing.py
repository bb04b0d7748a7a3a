"""VTEX Pricing API (decimals, currency units) (pydantic; conventions in models/__init__)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from tiktok_vtex.clients.vtex.models.base import VtexModel

# --- pricing (decimals) ----------------------------------------------------------------------------


class FixedPrice(VtexModel):
    tradePolicyId: str
    value: Decimal
    listPrice: Decimal | None = None
    minQuantity: int = 1
    dateRange: dict[str, Any] | None = None


class Price(VtexModel):
    """From `GET /pricing/prices/{itemId}`: decimals in currency units."""

    itemId: str
    listPrice: Decimal | None = None
    costPrice: Decimal | None = None
    markup: Decimal | None = None
    basePrice: Decimal | None = None
    fixedPrices: list[FixedPrice] = Field(default_factory=list)


class ComputedPrice(VtexModel):
    """From `GET /pricing/prices/{itemId}/computed/{priceTableId}`: decimals in currency units."""

    tradePolicyId: str
    listPrice: Decimal | None = None
    costPrice: Decimal | None = None
    sellingPrice: Decimal
    priceValidUntil: str | None = None
