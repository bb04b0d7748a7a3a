"""A VTEX affiliate notification (../shared/reference/vtex-api.md 5.2) and the message the intake queues.

The sources disagree on field casing (`idSKU`/`an`/`isActive` in DP-EMI, `IdSku`/`An`/`IdAffiliate` in the
legacy doc), so both spellings are accepted; field names are matched case-insensitively. What the sync
needs is kept: the SKU, its product, when VTEX changed it, and what changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

QUEUED_TYPE = "vtexNotification"
_FIELDS = {  # lower-cased name as sent -> field
    "idsku": "sku_id", "productid": "product_id", "an": "account", "idaffiliate": "affiliate_id",
    "datemodified": "date_modified", "isactive": "is_active", "stockmodified": "stock_modified",
    "pricemodified": "price_modified", "hasstockkeepingunitmodified": "sku_modified",
    "hasstockkeepingunitremovedfromaffiliate": "removed_from_affiliate",
}


class VtexNotification(BaseModel):
    """The body VTEX posts to `{searchURIEndpoint}/api/notification/`."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    sku_id: str = Field(pattern=r"^[0-9]{1,18}$")
    product_id: str | None = Field(default=None, pattern=r"^[0-9]{1,18}$")
    account: str = Field(min_length=1, max_length=64)
    affiliate_id: str = Field(min_length=1, max_length=10)
    date_modified: datetime | None = None
    is_active: bool = True
    stock_modified: bool = False
    price_modified: bool = False
    sku_modified: bool = False
    removed_from_affiliate: bool = False

    @model_validator(mode="before")
    @classmethod
    def _either_casing(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a notification is a JSON object")
        out: dict[str, Any] = {}
        for name, value in data.items():
            field = _FIELDS.get(str(name).lower())
            if field is not None and value is not None:
                if field in out and out[field] != value:
                    raise ValueError(f"{name} is given twice with different values")
                out[field] = value
        return out

    @field_validator("sku_id", "product_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a numeric id")
        return str(value) if isinstance(value, int) else value

    @field_validator("is_active", "stock_modified", "price_modified", "sku_modified", "removed_from_affiliate",
                     mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in ("true", "false"):  # seen as strings in some payloads
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ValueError("must be a boolean")
        return value

    @field_validator("date_modified")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @property
    def modified_ms(self) -> int | None:
        return int(self.date_modified.timestamp() * 1000) if self.date_modified else None


class QueuedChange(BaseModel):
    """What the intake queues for one notification (no account data, no secret)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: Literal["vtexNotification"] = QUEUED_TYPE
    client_hash: str = Field(alias="clientHash", pattern=r"^[A-Za-z0-9_-]{1,128}$")
    sku_id: str = Field(alias="skuId", pattern=r"^[0-9]{1,18}$")
    product_id: str | None = Field(default=None, alias="productId")
    modified_ms: int | None = Field(default=None, alias="modifiedMs")
    received_ms: int = Field(alias="receivedMs")
    is_active: bool = Field(default=True, alias="isActive")
    stock: bool = False
    price: bool = False
    sku: bool = False
    removed: bool = False

    @classmethod
    def of(cls, client_hash: str, notification: VtexNotification, received_ms: int) -> QueuedChange:
        return cls(clientHash=client_hash, skuId=notification.sku_id, productId=notification.product_id,
                   modifiedMs=notification.modified_ms, receivedMs=received_ms, isActive=notification.is_active,
                   stock=notification.stock_modified, price=notification.price_modified,
                   sku=notification.sku_modified, removed=notification.removed_from_affiliate)

    @property
    def unavailable(self) -> bool:
        """Taken out of the affiliate or deactivated: TikTok must show no stock."""
        return self.removed or not self.is_active

    @property
    def at_ms(self) -> int:
        return self.modified_ms if self.modified_ms is not None else self.received_ms

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)
