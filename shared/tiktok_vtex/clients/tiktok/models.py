"""Response models of the TikTok Shop client. Unknown fields are kept (``extra="allow"``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TokenGrant(_Model):
    """``data`` of /api/v2/token/get and /api/v2/token/refresh. Expiry fields are absolute unix times."""

    access_token: SecretStr
    access_token_expire_in: int
    refresh_token: SecretStr
    refresh_token_expire_in: int
    open_id: str = ""
    seller_name: str = ""
    seller_base_region: str = ""
    user_type: int = 0
    granted_scopes: list[str] = Field(default_factory=list)


class AuthorizedShop(_Model):
    id: str
    name: str = ""
    region: str = ""
    seller_type: str = ""
    cipher: str
    code: str = ""


class Page(_Model):
    """One page of a search: ``items`` under the endpoint's own key, the next token and total."""

    items: list[dict[str, Any]] = Field(default_factory=list)
    next_page_token: str | None = None
    total_count: int | None = None

    @property
    def has_more(self) -> bool:
        return bool(self.next_page_token)


class ItemError(_Model):
    """One entry of ``data.errors``: a partial failure of a batch call."""

    code: int
    message: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)

    def id_of(self, *keys: str) -> str | None:
        for key in keys or ("sku_id", "product_id", "package_id", "order_id"):
            value = self.detail.get(key)
            if value is not None:
                return str(value)
        return None


class BatchResult(_Model):
    """Result of a write that may fail per item (inventory, price, (de)activate, delete, invoice).

    ``code`` is the envelope code (0, or 12052990 "check failed" when every item failed).
    """

    code: int = 0
    message: str = ""
    request_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    errors: list[ItemError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.errors

    def failed_ids(self, *keys: str) -> set[str]:
        return {key for key in (error.id_of(*keys) for error in self.errors) if key is not None}


class ImageUpload(_Model):
    uri: str
    url: str = ""
    width: int | None = None
    height: int | None = None
    use_case: str = ""


class CreatedProduct(_Model):
    product_id: str
    skus: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[dict[str, Any]] = Field(default_factory=list)


class ShippingDocument(_Model):
    doc_url: str
    tracking_number: str | None = None
