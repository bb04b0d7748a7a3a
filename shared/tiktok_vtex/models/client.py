"""A client store (client_hash) and its TikTok shop link, as stored in ssxml_client / ssxml_client_tiktok."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ShopLinkStatus(StrEnum):
    """ssxml_client_tiktok.status. The first two are the legacy values."""

    UNUSED = "unused"  # linked, tokens not yet stored
    TOKEN_GENERATED = "token_generated"  # active  # noqa: S105 (a status name, not a secret)
    DEAUTHORIZED = "deauthorized"  # push type 6: every flow stops for this client


class StockRules(BaseModel):
    """How a VTEX quantity becomes a TikTok quantity (per client)."""

    model_config = ConfigDict(extra="allow")

    safety_stock: int = Field(default=0, ge=0, description="units held back from TikTok")
    percentage: Decimal = Field(default=Decimal(100), ge=0, le=100, description="share of stock offered")
    maximum: int | None = Field(default=None, ge=0, description="cap on the quantity sent")
    unlimited_quantity: int = Field(default=999, ge=0, le=99999, description="sent for unlimited stock")


class PriceRules(BaseModel):
    """How a VTEX price becomes a TikTok price (per client)."""

    model_config = ConfigDict(extra="allow")

    markup_percent: Decimal = Field(default=Decimal(0), ge=-90, le=1000)
    fixed_addition: Decimal = Field(default=Decimal(0))
    rounding: str | None = Field(default=None, pattern=r"^(0\.90|0\.99)$", description="round up to .90/.99")
    # A product in a TikTok promotion refuses price updates (12052038 / 12019045): wait this long
    # before trying it again (a nightly run then tries once a day, never in a loop).
    promotion_retry_hours: int = Field(default=24, ge=1, le=24 * 30)


class PackageDimensions(BaseModel):
    model_config = ConfigDict(frozen=True)

    length_cm: Decimal = Field(gt=0)
    width_cm: Decimal = Field(gt=0)
    height_cm: Decimal = Field(gt=0)


class CatalogRules(BaseModel):
    """How feed items become TikTok listings (per client; issue 14)."""

    model_config = ConfigDict(extra="allow")

    # Used when a feed item has no shipping_weight / product_length,width,height.
    default_package_weight_kg: Decimal | None = Field(default=None, gt=0, le=1000)
    default_package_dimensions: PackageDimensions | None = None
    # TikTok attribute id -> feed attribute filling it (a FeedItem field: material, gender, pattern,
    # age_group, color, size, brand, mpn, custom_label_0..4). Added to the built-in name matching.
    attribute_fields: dict[str, str] = Field(default_factory=dict)
    # Category id (or "*" for every category) -> attribute id -> value names used when the feed has none.
    attribute_defaults: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # Attribute id (or "*") -> feed value (case-insensitive) -> TikTok value name.
    value_map: dict[str, dict[str, str]] = Field(default_factory=dict)
    # List without brand when the brand is not (yet) usable, if the category allows it.
    list_without_brand: bool = True


class ClientSettings(BaseModel):
    """Per-client connector settings (attribute `connector_settings` of ssxml_client_tiktok)."""

    model_config = ConfigDict(extra="allow")

    # VTEX warehouse id -> TikTok warehouse id; several warehouses per client.
    warehouse_map: dict[str, str] = Field(default_factory=dict)
    order_hold_minutes: int = Field(default=0, ge=0, le=24 * 60, description="wait before creating in VTEX")
    stock: StockRules = Field(default_factory=StockRules)
    price: PriceRules = Field(default_factory=PriceRules)
    catalog: CatalogRules = Field(default_factory=CatalogRules)


class Client(BaseModel):
    """ssxml_client: the backend's client record (owned by the PHP backend; read here)."""

    model_config = ConfigDict(extra="allow")

    client_hash: str
    # Legacy naming: in ssxml_client this attribute holds the TikTok shop CODE (not the shop id).
    tik_tok_shop_store_id: str | None = None
    tik_tok_shop_feed_link: str | None = None
    tik_tok_shop_warehouse_id: str | None = None


class ShopLink(BaseModel):
    """ssxml_client_tiktok: which TikTok shop a client is linked to, and whether it is usable."""

    model_config = ConfigDict(extra="allow")

    client_hash: str
    status: ShopLinkStatus = ShopLinkStatus.UNUSED
    tik_tok_shop_store_id: str | None = Field(default=None, description="TikTok shop id")
    tik_tok_shop_store_code: str | None = None
    tik_tok_shop_store_name: str | None = None
    cipher: str | None = None
    auth_code: str | None = None
    tik_tok_shop_warehouse_id: str | None = None
    deauthorized_at: int | None = None
    deauthorized_reason: str | None = None
    authorization_expires_at: int | None = None
    connector_settings: ClientSettings = Field(default_factory=ClientSettings)

    @property
    def shop_id(self) -> str | None:
        return self.tik_tok_shop_store_id

    @property
    def is_active(self) -> bool:
        return self.status == ShopLinkStatus.TOKEN_GENERATED
