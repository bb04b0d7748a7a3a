"""What the feed reader yields: one validated FeedItem per good item, one FeedItemError per bad one.

Required fields (id, title, price) and the prices themselves make an item an error when missing or
unreadable; an optional field that does not parse (a GTIN with a wrong check digit, a weight without a
known unit, a malformed image URL) is dropped and named in the item's `warnings`, so one sloppy column
never hides a product that can still be listed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .prices import Money

Availability = Literal["in_stock", "out_of_stock", "preorder", "backorder"]
Condition = Literal["new", "refurbished", "used"]


class FieldProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    message: str


class FeedItem(BaseModel):
    """One Merchant Center item, cleaned: text without markup, description in TikTok's HTML subset,
    prices as Money, weight in kg and dimensions in cm."""

    model_config = ConfigDict(frozen=True)

    position: int = Field(ge=1, description="1-based position of the item in the feed")
    id: str = Field(min_length=1, max_length=50)
    title: str = Field(min_length=1)
    description: str = ""
    link: str | None = None
    image_link: str | None = None
    additional_image_links: tuple[str, ...] = ()
    price: Money
    sale_price: Money | None = None
    sale_price_effective_from: datetime | None = None
    sale_price_effective_until: datetime | None = None
    availability: Availability | None = None
    brand: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    condition: Condition | None = None
    google_product_category: str | None = None
    product_type: str | None = None
    item_group_id: str | None = None
    color: str | None = None
    size: str | None = None
    gender: str | None = None
    age_group: str | None = None
    material: str | None = None
    pattern: str | None = None
    shipping_weight_kg: Decimal | None = None
    product_length_cm: Decimal | None = None
    product_width_cm: Decimal | None = None
    product_height_cm: Decimal | None = None
    custom_labels: dict[str, str] = Field(default_factory=dict)
    warnings: tuple[FieldProblem, ...] = ()

    @property
    def group_key(self) -> str:
        """The product this item belongs to: its item_group_id, else itself."""
        return self.item_group_id or self.id

    @property
    def images(self) -> tuple[str, ...]:
        return ((self.image_link,) if self.image_link else ()) + self.additional_image_links

    def selling_price(self, at: datetime) -> Money:
        """The sale price while its effective dates (if any) include `at`, else the regular price."""
        if self.sale_price is None:
            return self.price
        if self.sale_price_effective_from and at < self.sale_price_effective_from:
            return self.price
        if self.sale_price_effective_until and at > self.sale_price_effective_until:
            return self.price
        return self.sale_price


class FeedItemError(BaseModel):
    """An item that cannot be used, with every reason found (never raised: the feed goes on)."""

    model_config = ConfigDict(frozen=True)

    position: int
    item_id: str | None = None
    problems: tuple[FieldProblem, ...]

    @property
    def reason(self) -> str:
        return "; ".join(f"{p.field}: {p.message}" for p in self.problems)


FeedRecord = FeedItem | FeedItemError
