"""Payloads of the stock functions (legacy types and field names kept, typos included).

Legacy:
- triggerPrepareStock        {"type", "clientHash"}                       every SKU of the client
- triggerPepareSkuStock      {"type", "clientHash", "sku": "880408"}      one SKU, at once
- triggerPepareSkuStockBatch {"type", "clientHash", "sku": ["880408", ...]}  a batch (SQS_BUSCA_ESTOQUE)
- triggerUpdateInventoryBySellerSku {"type", "clientHash", "sellerSku", "quantity", "warehouseIdTTK"}
  (SQS_ATUALIZA_ESTOQUE / direct invoke of ESTOQUE-TTK-atualiza-estoque-sku)
- triggerCountStock          {"type", "clientHash"}
New (additive): `force` on every type (resend even unchanged values); the update message may carry
`productId`, `readAtMs` and `skus` (every changed SKU of one product with all its warehouses), which is
what this connector sends; a legacy single-SKU update is still accepted. The nightly schedule sends
`{"type": "triggerPrepareStockAllClients"}`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from tiktok_vtex.inventory.base import ClientMessage, SkuMessage

PREPARE_STOCK = "triggerPrepareStock"
PREPARE_STOCK_ALL = "triggerPrepareStockAllClients"
PREPARE_SKU_STOCK = "triggerPepareSkuStock"
PREPARE_SKU_STOCK_BATCH = "triggerPepareSkuStockBatch"
UPDATE_INVENTORY = "triggerUpdateInventoryBySellerSku"
COUNT_STOCK = "triggerCountStock"

# Correct spellings are accepted too (a caller fixing the typo must not break).
TYPE_ALIASES = {
    "triggerPrepareSkuStock": PREPARE_SKU_STOCK,
    "triggerPrepareSkuStockBatch": PREPARE_SKU_STOCK_BATCH,
}
STOCK_TYPES = frozenset({PREPARE_STOCK, PREPARE_STOCK_ALL, PREPARE_SKU_STOCK, PREPARE_SKU_STOCK_BATCH,
                         UPDATE_INVENTORY, COUNT_STOCK})


class PrepareStock(ClientMessage):
    type: Literal["triggerPrepareStock"]


class PrepareStockAllClients(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["triggerPrepareStockAllClients"]
    force: bool = False


class PrepareSkuStock(SkuMessage):
    type: Literal["triggerPepareSkuStock"]
    sku: list[str] = Field(min_length=1, max_length=1)


class PrepareSkuStockBatch(SkuMessage):
    type: Literal["triggerPepareSkuStockBatch"]


class CountStock(ClientMessage):
    type: Literal["triggerCountStock"]


class WarehouseQuantity(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    warehouse_id: str = Field(validation_alias=AliasChoices("warehouseIdTTK", "warehouse_id", "warehouseId"),
                              serialization_alias="warehouseIdTTK", max_length=64)  # "" = the default
    quantity: int = Field(ge=0, le=1_000_000)


class SkuQuantity(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    seller_sku: str = Field(validation_alias=AliasChoices("sellerSku", "seller_sku"), serialization_alias="sellerSku",
                            min_length=1, max_length=50)
    tiktok_sku_id: str | None = Field(default=None, validation_alias=AliasChoices("tiktokSkuId", "tiktok_sku_id"),
                                      serialization_alias="tiktokSkuId")
    read_at_ms: int | None = Field(default=None, validation_alias=AliasChoices("readAtMs", "read_at_ms"),
                                   serialization_alias="readAtMs")
    inventory: list[WarehouseQuantity] = Field(min_length=1, max_length=20)

    def quantities(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.inventory:
            out[row.warehouse_id] = out.get(row.warehouse_id, 0) + row.quantity
        return out


class UpdateInventory(ClientMessage):
    """One TikTok inventory update: legacy single SKU, or every changed SKU of one product."""

    type: Literal["triggerUpdateInventoryBySellerSku"]
    seller_sku: str | None = Field(default=None, validation_alias=AliasChoices("sellerSku", "seller_sku"))
    quantity: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    warehouse_id_ttk: str | None = Field(default=None, validation_alias=AliasChoices("warehouseIdTTK",
                                                                                     "warehouse_id_ttk"))
    product_id: str | None = Field(default=None, validation_alias=AliasChoices("productId", "product_id"))
    read_at_ms: int | None = Field(default=None, validation_alias=AliasChoices("readAtMs", "read_at_ms"))
    skus: list[SkuQuantity] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _legacy_or_batch(self) -> UpdateInventory:
        if not self.skus and (not self.seller_sku or self.quantity is None):
            raise ValueError("needs `skus` or the legacy `sellerSku` and `quantity`")
        return self

    def items(self, default_read_at_ms: int) -> list[SkuQuantity]:
        """The SKUs to update; a legacy payload becomes one item (negative quantity -> 0)."""
        if self.skus:
            return [s if s.read_at_ms is not None else s.model_copy(update={"read_at_ms":
                                                                            self.read_at_ms or default_read_at_ms})
                    for s in self.skus]
        inventory = [] if not self.warehouse_id_ttk else [
            WarehouseQuantity(warehouse_id=self.warehouse_id_ttk, quantity=max(0, self.quantity or 0))]
        return [SkuQuantity(seller_sku=self.seller_sku or "", inventory=inventory or [
            WarehouseQuantity(warehouse_id="", quantity=max(0, self.quantity or 0))],
            read_at_ms=self.read_at_ms or default_read_at_ms)]


def update_message(client_hash: str, product_id: str, skus: list[SkuQuantity], *, force: bool) -> dict[str, Any]:
    """The message this connector sends to SQS_ATUALIZA_ESTOQUE (one per product)."""
    return {
        "type": UPDATE_INVENTORY,
        "clientHash": client_hash,
        "productId": product_id,
        "force": force,
        "skus": [s.model_dump(by_alias=True, exclude_none=True) for s in skus],
    }


def normalise_type(payload: dict[str, Any]) -> dict[str, Any]:
    kind = payload.get("type")
    if isinstance(kind, str) and kind in TYPE_ALIASES:
        return {**payload, "type": TYPE_ALIASES[kind]}
    return payload
