"""ssxml_tik_tok_products_seller_sku: which VTEX SKU is which TikTok SKU, plus its sync state.

Legacy attributes (client_hash, seller_sku, product_id, tik_tok_product_id, created_at) keep their
meaning. New attributes are added by the capabilities that own them (product status and audit from
product pushes; last stock and price sent, with the time of the VTEX reading, for diff-only sync).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict

from tiktok_vtex.repositories.base import DynamoTable


class SellerSku(BaseModel):
    model_config = ConfigDict(extra="allow")

    client_hash: str
    seller_sku: str
    product_id: str | None = None  # legacy: the VTEX product id
    tik_tok_product_id: str | None = None
    tik_tok_sku_id: str | None = None
    vtex_sku_id: str | None = None  # defaults to seller_sku when absent (legacy rows)
    created_at: str | None = None
    product_status: str | None = None
    audit_status: str | None = None

    @property
    def vtex_id(self) -> str:
        return self.vtex_sku_id or self.seller_sku


class ProductRepository:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    @property
    def table(self) -> DynamoTable:
        return self._table

    def get(self, client_hash: str, seller_sku: str) -> SellerSku | None:
        item = self._table.get({"client_hash": client_hash, "seller_sku": seller_sku})
        return SellerSku.model_validate(item) if item else None

    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, SellerSku]:
        items = self._table.batch_get([{"client_hash": client_hash, "seller_sku": s} for s in seller_skus])
        return {i["seller_sku"]: SellerSku.model_validate(i) for i in items}

    def put(self, sku: SellerSku) -> None:
        self._table.put(sku.model_dump(mode="json", exclude_none=True))

    def put_many(self, skus: list[SellerSku]) -> None:
        self._table.batch_put([s.model_dump(mode="json", exclude_none=True) for s in skus])

    def iter_client_skus(self, client_hash: str) -> Iterator[SellerSku]:
        """Every SKU of a client, by Query with pagination (the legacy getSkuListVtex)."""
        for item in self._table.query(KeyConditionExpression=Key("client_hash").eq(client_hash)):
            yield SellerSku.model_validate(item)

    def find_by_tiktok_product(self, tik_tok_product_id: str, client_hash: str | None = None) -> list[SellerSku]:
        """SKUs of one TikTok product (GSI by_tiktok_product), optionally restricted to a client."""
        items = self._table.query(
            IndexName="by_tiktok_product", KeyConditionExpression=Key("tik_tok_product_id").eq(tik_tok_product_id))
        return [SellerSku.model_validate(i) for i in items if client_hash in (None, i["client_hash"])]

    def update(self, client_hash: str, seller_sku: str, *, condition: str | None = None,
               condition_values: dict[str, Any] | None = None, **attributes: Any) -> dict[str, Any]:
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        values = {f":v{i}": value for i, value in enumerate(attributes.values())}
        values.update(condition_values or {})
        expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(attributes)))
        return self._table.update({"client_hash": client_hash, "seller_sku": seller_sku}, expression,
                                  values=values, names=names, condition=condition)
