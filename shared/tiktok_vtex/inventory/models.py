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
`{"type": "triggerPrepareStockAllClients"}`, which queues one `triggerPrepareStock` with `reconcile: true` per
active client to SQS_BUSCA_ESTOQUE (and, short of time, itself again with `cursor`: the last client queued).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from tiktok_vtex.sync.messages import (
    AllClientsMessage,
    ClientMessage,
    PrepareMessage,
    SingleSkuMessage,
    SkuItem,
    SkuMessage,
    UpdateMessage,
    update_payload,
)

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


class PrepareStock(PrepareMessage):
    type: Literal["triggerPrepareStock"]


class PrepareStockAllClients(AllClientsMessage):
    type: Literal["triggerPrepareStockAllClients"]


class PrepareSkuStock(SingleSkuMessage):
    type: Literal["triggerPepareSkuStock"]


class PrepareSkuStockBatch(SkuMessage):
    type: Literal["triggerPepareSkuStockBatch"]


class CountStock(ClientMessage):
    type: Literal["triggerCountStock"]


class WarehouseQuantity(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    warehouse_id: str = Field(validation_alias=AliasChoices("warehouseIdTTK", "warehouse_id", "warehouseId"),
                              serialization_alias="warehouseIdTTK", max_length=64)  # "" = the default
    quantity: int = Field(ge=0, le=1_000_000)


class SkuQuantity(SkuItem):
    inventory: list[WarehouseQuantity] = Field(min_length=1, max_length=20)

    def quantities(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.inventory:
            out[row.warehouse_id] = out.get(row.warehouse_id, 0) + row.quantity
        return out


class UpdateInventory(UpdateMessage[SkuQuantity]):
    """One TikTok inventory update: legacy single SKU, or every changed SKU of one product."""

    LEGACY_ERROR = "needs `skus` or the legacy `sellerSku` and `quantity`"

    type: Literal["triggerUpdateInventoryBySellerSku"]
    quantity: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    warehouse_id_ttk: str | None = Field(default=None, validation_alias=AliasChoices("warehouseIdTTK",
                                                                                     "warehouse_id_ttk"))

    def legacy_value(self) -> int | None:
        return self.quantity

    def legacy_item(self, read_at_ms: int) -> SkuQuantity:
        """A legacy payload becomes one item (negative quantity -> 0)."""
        inventory = [] if not self.warehouse_id_ttk else [
            WarehouseQuantity(warehouse_id=self.warehouse_id_ttk, quantity=max(0, self.quantity or 0))]
        return SkuQuantity(seller_sku=self.seller_sku or "", inventory=inventory or [
            WarehouseQuantity(warehouse_id="", quantity=max(0, self.quantity or 0))], read_at_ms=read_at_ms)


def update_message(client_hash: str, product_id: str, skus: list[SkuQuantity], *, force: bool) -> dict[str, Any]:
    """The message this connector sends to SQS_ATUALIZA_ESTOQUE (one per product)."""
    return update_payload(UPDATE_INVENTORY, client_hash, product_id,
                          [s.model_dump(by_alias=True, exclude_none=True) for s in skus], force=force)


def normalise_type(payload: dict[str, Any]) -> dict[str, Any]:
    kind = payload.get("type")
    if isinstance(kind, str) and kind in TYPE_ALIASES:
        return {**payload, "type": TYPE_ALIASES[kind]}
    return payload
