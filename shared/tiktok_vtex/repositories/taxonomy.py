"""ssxml_taxonomy_tiktok (legacy TaxonomyTikTok): the client's feed category -> TikTok category.

Key: client_hash + category_id (the feed's google_product_category or product_type, normalised).
Attributes: tik_tok_category_id, source (manual | recommended), reviewed, name, updated_at.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import Key

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable


class TaxonomyRepository:
    """ssxml_taxonomy_tiktok: feed category -> TikTok category, per client."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    def get_many(self, client_hash: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        rows = self._table.batch_get([{"client_hash": client_hash, "category_id": k} for k in keys])
        return {r["category_id"]: r for r in rows}

    def put_mapping(self, client_hash: str, feed_category: str, tiktok_category_id: str, *, source: str,
                    name: str | None = None, at: int | None = None) -> None:
        self._table.put({
            "client_hash": client_hash, "category_id": feed_category, "tik_tok_category_id": tiktok_category_id,
            "source": source, "reviewed": source != "recommended", "name": name,
            "updated_at": int(at if at is not None else time.time()),
        })

    def record_recommendation(self, client_hash: str, feed_category: str, tiktok_category_id: str, *,
                              name: str | None, at: int) -> None:
        """Stores TikTok's recommendation unless a mapping appeared meanwhile (never overwrites one)."""
        try:
            self._table.put({
                "client_hash": client_hash, "category_id": feed_category, "tik_tok_category_id": tiktok_category_id,
                "source": "recommended", "reviewed": False, "name": name, "updated_at": at,
            }, condition="attribute_not_exists(category_id)")
        except ConditionFailed:
            return

    def all(self, client_hash: str) -> list[dict[str, Any]]:
        return list(self._table.query(KeyConditionExpression=Key("client_hash").eq(client_hash)))
