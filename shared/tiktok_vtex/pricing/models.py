"""Payloads of the price functions (PRECO-VTEX-monta-lista-sku and PRECO-TTK-atualiza-preco-sku).

The legacy PHP `dispatchPrepareListPrice($clientHash)` payload is not documented beyond the client
hash; we accept `{"type": "triggerPrepareListPrice", "clientHash"|"client_hash": ...}` and a payload
with a client hash and no type as the same full run. Types, in the style of the stock functions:
- triggerPrepareListPrice            every SKU of the client -> SQS_BUSCA_PRECO (batches of whole products)
- triggerPrepareSkuPrice  {"sku"}    one SKU at once -> async invoke of PRECO-TTK-atualiza-preco-sku
- triggerPrepareSkuPriceBatch {"sku": [...]}  a batch (SQS_BUSCA_PRECO) -> SQS_ATUALIZA_PRECO per product
- triggerUpdatePriceBySellerSku      one TikTok price call per product (SQS_ATUALIZA_PRECO)
    {"clientHash", "productId", "skus": [{"sellerSku", "tiktokSkuId", "readAtMs", "amount",
      "listPrice", "currency"}]}  or a single {"sellerSku", "price"}
- triggerPrepareListPriceAllClients  nightly schedule over every active client
`force: true` resends unchanged prices (and retries products locked by a promotion).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import AliasChoices, Field

from tiktok_vtex.sync import messages

PREPARE_LIST_PRICE = "triggerPrepareListPrice"
PREPARE_LIST_PRICE_ALL = "triggerPrepareListPriceAllClients"
PREPARE_SKU_PRICE = "triggerPrepareSkuPrice"
PREPARE_SKU_PRICE_BATCH = "triggerPrepareSkuPriceBatch"
UPDATE_PRICE = "triggerUpdatePriceBySellerSku"
PRICE_TYPES = frozenset({PREPARE_LIST_PRICE, PREPARE_LIST_PRICE_ALL, PREPARE_SKU_PRICE, PREPARE_SKU_PRICE_BATCH,
                         UPDATE_PRICE})


class PrepareListPrice(messages.PrepareMessage):
    type: Literal["triggerPrepareListPrice"] = PREPARE_LIST_PRICE


class PrepareListPriceAllClients(messages.AllClientsMessage):
    type: Literal["triggerPrepareListPriceAllClients"]


class PrepareSkuPrice(messages.SingleSkuMessage):
    type: Literal["triggerPrepareSkuPrice"]


class PrepareSkuPriceBatch(messages.SkuMessage):
    type: Literal["triggerPrepareSkuPriceBatch"]


class SkuPrice(messages.SkuItem):
    amount: Decimal = Field(validation_alias=AliasChoices("amount", "price"), gt=0, max_digits=12, decimal_places=2)
    list_price: Decimal | None = Field(default=None, validation_alias=AliasChoices("listPrice", "list_price"),
                                       serialization_alias="listPrice")
    currency: Literal["BRL"] = "BRL"

    def value(self) -> dict[str, str]:
        """What is diffed and stored as price_sent."""
        return {"amount": f"{self.amount:.2f}", "currency": self.currency}


class UpdatePrice(messages.UpdateMessage[SkuPrice]):
    LEGACY_ERROR = "needs `skus` or `sellerSku` and `price`"

    type: Literal["triggerUpdatePriceBySellerSku"]
    price: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)

    def legacy_value(self) -> Decimal | None:
        return self.price

    def legacy_item(self, read_at_ms: int) -> SkuPrice:
        return SkuPrice(seller_sku=self.seller_sku or "", amount=self.price or Decimal(0), read_at_ms=read_at_ms)


def update_message(client_hash: str, product_id: str, skus: list[SkuPrice], *, force: bool) -> dict[str, Any]:
    return messages.update_payload(UPDATE_PRICE, client_hash, product_id, [
        {**s.model_dump(by_alias=True, exclude_none=True, mode="json"), "amount": f"{s.amount:.2f}",
         **({"listPrice": f"{s.list_price:.2f}"} if s.list_price is not None else {})} for s in skus], force=force)
