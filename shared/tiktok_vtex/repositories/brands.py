"""ssxml_tik_tok_brands (legacy TikTokBrands): the client's brands and their TikTok brand ids.

Key: client_hash + brand_name (as VTEX spells it, trimmed). Legacy attributes: tik_tok_brand_id (empty
until created or matched), brand_id (the VTEX brand id). Added: sync_status (created | matched |
deferred | refused | failed), sync_reason, authorized_status (TikTok's, for matched brands),
created_day (UTC day of our creation call: the 50-per-day budget), retry_day (a deferred brand waits for
that day), updated_at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from pydantic import BaseModel, ConfigDict

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable


class BrandRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    client_hash: str
    brand_name: str
    tik_tok_brand_id: str | None = None
    brand_id: str | None = None
    sync_status: str | None = None
    sync_reason: str | None = None
    authorized_status: str | None = None
    created_day: str | None = None
    retry_day: str | None = None

    @property
    def linked(self) -> bool:
        return bool(self.tik_tok_brand_id)


class BrandRepository:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    def add_from_vtex(self, client_hash: str, brand_name: str, vtex_brand_id: str, *, at: int) -> bool:
        """Inserts a brand not yet known (True); an existing row only gets its VTEX id refreshed."""
        try:
            self._table.put({"client_hash": client_hash, "brand_name": brand_name, "brand_id": vtex_brand_id,
                             "tik_tok_brand_id": "", "updated_at": at},
                            condition="attribute_not_exists(brand_name)")
            return True
        except ConditionFailed:
            self._table.update({"client_hash": client_hash, "brand_name": brand_name}, "SET brand_id = :b",
                               values={":b": vtex_brand_id}, return_values="NONE")
            return False

    def get(self, client_hash: str, brand_name: str) -> BrandRow | None:
        item = self._table.get({"client_hash": client_hash, "brand_name": brand_name})
        return BrandRow.model_validate(item) if item else None

    def all(self, client_hash: str) -> Iterator[BrandRow]:
        for item in self._table.query(KeyConditionExpression=Key("client_hash").eq(client_hash)):
            yield BrandRow.model_validate(item)

    def pending(self, client_hash: str) -> Iterator[BrandRow]:
        """Brands without a TikTok id (the legacy getBrandListWithoutTikTokId), every page."""
        condition = Attr("tik_tok_brand_id").not_exists() | Attr("tik_tok_brand_id").eq("")
        for item in self._table.query(KeyConditionExpression=Key("client_hash").eq(client_hash),
                                      FilterExpression=condition):
            yield BrandRow.model_validate(item)

    def link(self, client_hash: str, brand_name: str, tiktok_brand_id: str, *, how: str, at: int,
             authorized_status: str | None = None, created_day: str | None = None) -> None:
        values: dict[str, Any] = {":id": tiktok_brand_id, ":s": how, ":at": at}
        sets = ["tik_tok_brand_id = :id", "sync_status = :s", "updated_at = :at"]
        if authorized_status:
            values[":a"] = authorized_status
            sets.append("authorized_status = :a")
        if created_day:
            values[":d"] = created_day
            sets.append("created_day = :d")
        self._table.update({"client_hash": client_hash, "brand_name": brand_name},
                           "SET " + ", ".join(sets) + " REMOVE sync_reason, retry_day", values=values,
                           return_values="NONE")

    def mark(self, client_hash: str, brand_name: str, status: str, reason: str, *, at: int,
             retry_day: str | None = None) -> None:
        values: dict[str, Any] = {":s": status, ":r": reason[:500], ":at": at}
        expression = "SET sync_status = :s, sync_reason = :r, updated_at = :at"
        if retry_day:
            values[":d"] = retry_day
            expression += ", retry_day = :d"
        self._table.update({"client_hash": client_hash, "brand_name": brand_name}, expression, values=values,
                           return_values="NONE")
