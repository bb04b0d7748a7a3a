"""ssxml_client (backend-owned client records) and ssxml_client_tiktok (shop links)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from boto3.dynamodb.conditions import Key

from tiktok_vtex.models.client import Client, ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable, set_or_remove


class ClientNotFound(LookupError):
    pass


class ClientRepository:
    def __init__(self, client_table: str, client_tiktok_table: str, resource: Any | None = None) -> None:
        self._clients = DynamoTable(client_table, resource)
        self._links = DynamoTable(client_tiktok_table, resource)

    # --- ssxml_client -------------------------------------------------------------------------
    def get_client(self, client_hash: str) -> Client | None:
        item = self._clients.get({"client_hash": client_hash})
        return Client.model_validate(item) if item else None

    def put_client(self, client: Client) -> None:
        self._clients.put(client.model_dump(mode="json", exclude_none=True))

    def find_client_hash_by_shop_code(self, shop_code: str) -> str | None:
        """ssxml_client.tik_tok_shop_store_id holds the shop code (GSI by_shop_code; legacy did a Scan)."""
        items = list(self._clients.query(
            IndexName="by_shop_code", KeyConditionExpression=Key("tik_tok_shop_store_id").eq(shop_code)))
        return items[0]["client_hash"] if items else None

    # --- ssxml_client_tiktok --------------------------------------------------------------------
    def get_shop_link(self, client_hash: str) -> ShopLink | None:
        item = self._links.get({"client_hash": client_hash})
        return ShopLink.model_validate(item) if item else None

    def require_shop_link(self, client_hash: str) -> ShopLink:
        link = self.get_shop_link(client_hash)
        if link is None:
            raise ClientNotFound(f"client {client_hash} has no TikTok shop link")
        return link

    def find_shop_link_by_shop_id(self, shop_id: str) -> ShopLink | None:
        items = list(self._links.query(
            IndexName="by_shop_id", KeyConditionExpression=Key("tik_tok_shop_store_id").eq(shop_id)))
        if not items:
            return None
        # A shop re-linked to another client leaves the old row; the active one wins.
        items.sort(key=lambda i: i.get("status") == ShopLinkStatus.TOKEN_GENERATED, reverse=True)
        return ShopLink.model_validate(items[0])

    def put_shop_link(self, link: ShopLink) -> None:
        self._links.put(link.model_dump(mode="json", exclude_none=True))

    def update_shop_link(self, client_hash: str, **attributes: Any) -> ShopLink:
        """Sets the given attributes; a None value removes the attribute."""
        set_, remove = set_or_remove(attributes)
        item = self._links.update_fields({"client_hash": client_hash}, set_, remove=remove)
        return ShopLink.model_validate(item)

    def set_status(self, client_hash: str, status: ShopLinkStatus) -> None:
        self.update_shop_link(client_hash, status=status.value)

    def iter_client_hashes(self, status: ShopLinkStatus = ShopLinkStatus.TOKEN_GENERATED) -> Iterator[str]:
        """Clients in a status, by Query on GSI by_status (active clients for nightly jobs and sweeps)."""
        for item in self._links.query(IndexName="by_status", KeyConditionExpression=Key("status").eq(status)):
            yield item["client_hash"]

    # --- the reconciliation sweep's cursor: how far each client's TikTok orders have been swept ---------

    def orders_swept_until(self, client_hashes: Iterable[str]) -> dict[str, int]:
        """`orders_swept_until` of each client's shop link (clients never swept are absent): one
        BatchGetItem per 100 clients."""
        rows = self._links.batch_get({"client_hash": h} for h in client_hashes)
        return {row["client_hash"]: int(row["orders_swept_until"]) for row in rows if "orders_swept_until" in row}

    def advance_orders_swept_until(self, client_hash: str, until: int) -> bool:
        """Moves the client's sweep position forward only (a slower, older run never moves it back) and only
        on an existing link (a removed client is not recreated). False when nothing was written."""
        try:
            self._links.update(
                {"client_hash": client_hash}, "SET orders_swept_until = :until", values={":until": until},
                condition="attribute_exists(client_hash) AND "
                          "(attribute_not_exists(orders_swept_until) OR orders_swept_until < :until)",
                return_values="NONE")
        except ConditionFailed:
            return False
        return True
