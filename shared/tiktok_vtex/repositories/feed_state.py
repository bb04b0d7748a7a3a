"""ssxml_tik_tok_feed_state: the last feed state TikTok accepted, per client and feed item (PRODUTOS-compara-xml).

Key: client_hash + item_id; attributes: the item's fingerprint (group_id, digest, names, crcs: see
tiktok_vtex.catalog_updates.fingerprint) and accepted_at. A row is written only once TikTok (or the price /
stock flow's queue) took the change, so an edit that failed is compared again next time; a removed item's
row is deleted once its product is deactivated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key

from tiktok_vtex.repositories.base import DynamoTable


class FeedStateRepository:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    @property
    def table(self) -> DynamoTable:
        return self._table

    def iter_records(self, client_hash: str) -> Iterator[dict[str, Any]]:
        """Every accepted item of the client (one Query, paginated)."""
        yield from self._table.query(KeyConditionExpression=Key("client_hash").eq(client_hash))

    def accept(self, client_hash: str, records: Mapping[str, Mapping[str, Any]], *, now: int) -> None:
        """Stores the fingerprint records (Fingerprint.as_record) of accepted items."""
        self._table.batch_put([{**dict(record), "client_hash": client_hash, "item_id": item_id, "accepted_at": now}
                               for item_id, record in records.items()])

    def forget(self, client_hash: str, item_ids: Iterable[str]) -> None:
        for item_id in item_ids:
            self._table.delete({"client_hash": client_hash, "item_id": item_id})
