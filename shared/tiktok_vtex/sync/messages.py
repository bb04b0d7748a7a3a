"""Input of the stock and price functions: the legacy payloads naming a client, a SKU list or every
client, and the TikTok update message (one product's changed SKUs, or a legacy single SKU)."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator


class ClientMessage(BaseModel):
    """A legacy payload naming a client: `clientHash` (most functions) or `client_hash` (some)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    type: str
    client_hash: str = Field(validation_alias=AliasChoices("clientHash", "client_hash"),
                             pattern=r"^[A-Za-z0-9_-]{1,128}$")
    force: bool = False


class PrepareMessage(ClientMessage):
    """The full run of one client (triggerPrepareStock, triggerPrepareListPrice); the nightly run queues one per
    active client with `reconcile` set, so the batches it queues report the SKUs they found out of date."""

    reconcile: bool = False


def sku_list(value: Any) -> list[str]:
    """`sku` of legacy payloads: a string, a number or an array of them; deduplicated, order kept."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ValueError("sku must be a string, a number or an array of them")
        text = str(item).strip()
        if not text:
            raise ValueError("sku must not be empty")
        if len(text) > 50:
            raise ValueError("sku longer than 50 characters")
        if text not in out:
            out.append(text)
    return out


class SkuMessage(ClientMessage):
    sku: list[str] = Field(min_length=1, max_length=500)
    reconcile: bool = False  # a batch of the nightly run: its fetch reports the SKUs it found out of date

    @field_validator("sku", mode="before")
    @classmethod
    def _skus(cls, value: Any) -> list[str]:
        return sku_list(value)


class SingleSkuMessage(SkuMessage):
    """One SKU, handled at once (triggerPepareSkuStock, triggerPrepareSkuPrice)."""

    sku: list[str] = Field(min_length=1, max_length=1)


class AllClientsMessage(BaseModel):
    """The nightly run over every active client (names no client). `cursor`: a continuation queued by a run
    that ran short of time, which had queued every client up to this hash (clients go in hash order)."""

    model_config = ConfigDict(extra="ignore")

    type: str
    force: bool = False
    cursor: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,128}$")


class SkuItem(BaseModel):
    """One SKU of an update message: what identifies it and when its value was read."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    seller_sku: str = Field(validation_alias=AliasChoices("sellerSku", "seller_sku"), serialization_alias="sellerSku",
                            min_length=1, max_length=50)
    tiktok_sku_id: str | None = Field(default=None, validation_alias=AliasChoices("tiktokSkuId", "tiktok_sku_id"),
                                      serialization_alias="tiktokSkuId")
    read_at_ms: int | None = Field(default=None, validation_alias=AliasChoices("readAtMs", "read_at_ms"),
                                   serialization_alias="readAtMs")


S = TypeVar("S", bound=SkuItem)


class UpdateMessage(ClientMessage, Generic[S]):
    """One TikTok update: every changed SKU of one product (`skus`, what this connector sends), or a legacy
    single SKU (`sellerSku` and the value the subclass names)."""

    LEGACY_ERROR: ClassVar[str] = "needs `skus` or `sellerSku`"

    seller_sku: str | None = Field(default=None, validation_alias=AliasChoices("sellerSku", "seller_sku"))
    product_id: str | None = Field(default=None, validation_alias=AliasChoices("productId", "product_id"))
    read_at_ms: int | None = Field(default=None, validation_alias=AliasChoices("readAtMs", "read_at_ms"))
    skus: list[S] = Field(default_factory=list, max_length=100)

    def legacy_value(self) -> Any:  # pragma: no cover - every subclass names its value
        raise NotImplementedError

    def legacy_item(self, read_at_ms: int) -> S:  # pragma: no cover - every subclass builds its item
        raise NotImplementedError

    @model_validator(mode="after")
    def _legacy_or_batch(self) -> Self:
        if not self.skus and (not self.seller_sku or self.legacy_value() is None):
            raise ValueError(self.LEGACY_ERROR)
        return self

    def items(self, default_read_at_ms: int) -> list[S]:
        """The SKUs to update, each with a reading time (its own, else the message's, else the default)."""
        read_at_ms = self.read_at_ms or default_read_at_ms
        if self.skus:
            return [s if s.read_at_ms is not None else s.model_copy(update={"read_at_ms": read_at_ms})
                    for s in self.skus]
        return [self.legacy_item(read_at_ms)]


def update_payload(message_type: str, client_hash: str, product_id: str, skus: list[dict[str, Any]], *,
                   force: bool) -> dict[str, Any]:
    """The update message this connector sends (one per product, read back as an UpdateMessage)."""
    return {"type": message_type, "clientHash": client_hash, "productId": product_id, "force": force, "skus": skus}
