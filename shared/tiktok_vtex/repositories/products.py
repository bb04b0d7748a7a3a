"""ssxml_tik_tok_products_seller_sku: which VTEX SKU is which TikTok SKU, plus its sync state.

Legacy attributes (client_hash, seller_sku, product_id, tik_tok_product_id, created_at) keep their
meaning. New attributes are added by the capabilities that own them (product status and audit from
product pushes; last stock and price sent, with the time of the VTEX reading, for diff-only sync).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable, set_or_remove

SyncKind = Literal["stock", "price"]


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
    # Stock / price sync state (issue 7), one group per kind ("stock", "price"):
    # <kind>_sent: the last value TikTok accepted ({tiktok warehouse id: quantity} / {"amount", "currency"});
    # <kind>_read_at_ms: when the VTEX reading behind that value was taken (epoch ms) - a reading older
    # than this one is never sent nor stored; <kind>_pending_read_at_ms: the newest reading claimed for
    # sending (an older in-flight one then yields); <kind>_error: the last per-SKU failure.
    stock_sent: dict[str, int] | None = None
    stock_read_at_ms: int | None = None
    stock_sent_at: int | None = None
    stock_pending_read_at_ms: int | None = None
    stock_error: dict[str, Any] | None = None
    price_sent: dict[str, str] | None = None
    price_read_at_ms: int | None = None
    price_sent_at: int | None = None
    price_pending_read_at_ms: int | None = None
    price_error: dict[str, Any] | None = None
    # A product in a promotion (12052038 / 12019045): price updates are skipped until this time.
    price_locked_until: int | None = None
    price_locked_code: int | None = None
    # VTEX affiliate notifications (issue 16): the SKU was taken out of the affiliate or deactivated (TikTok
    # then gets stock 0 until a notification says it is back), and when VTEX last changed its catalog data.
    vtex_unavailable: bool | None = None
    vtex_unavailable_at_ms: int | None = None
    catalog_modified_at_ms: int | None = None
    # Catalog updates (issue 17): the item left the client's feed; the row is kept (orders still map it) and
    # TikTok holds stock 0 for it until the item comes back.
    removed_from_feed: bool | None = None

    @property
    def offered(self) -> bool:
        """Whether TikTok may sell it at all: VTEX offers it to the affiliate and the feed still lists it."""
        return not (self.vtex_unavailable or self.removed_from_feed)

    def sent(self, kind: SyncKind) -> dict[str, Any] | None:
        return self.stock_sent if kind == "stock" else self.price_sent

    def read_at_ms(self, kind: SyncKind) -> int | None:
        return self.stock_read_at_ms if kind == "stock" else self.price_read_at_ms

    def sent_at(self, kind: SyncKind) -> int | None:
        return self.stock_sent_at if kind == "stock" else self.price_sent_at

    def in_flight(self, kind: SyncKind) -> bool:
        """A reading newer than the one TikTok last accepted is claimed for sending (queued or in flight):
        what TikTok will hold is not known yet, so an unchanged-looking reading must still be sent."""
        claimed = self.stock_pending_read_at_ms if kind == "stock" else self.price_pending_read_at_ms
        accepted = self.read_at_ms(kind)
        return claimed is not None and (accepted is None or claimed > accepted)

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
        """Sets attributes (a None value removes the attribute)."""
        set_, remove = set_or_remove(attributes)
        return self._table.update_fields({"client_hash": client_hash, "seller_sku": seller_sku}, set_,
                                         remove=remove, values=condition_values, condition=condition)

    # --- stock / price sync state (diff-only, ordered by VTEX reading time) -----------------------

    def claim_sync(self, client_hash: str, seller_sku: str, kind: SyncKind, value: dict[str, Any],
                   read_at_ms: int) -> bool:
        """Claims the right to send `value` read at `read_at_ms`.

        False when the SKU row is gone, a newer (or the same) reading was already sent, or a newer
        reading is in flight: an older reading never overtakes a newer one. The same reading may be
        claimed again (a retry after a failed call).
        """
        try:
            self._table.update_fields(
                {"client_hash": client_hash, "seller_sku": seller_sku},
                {f"{kind}_pending_read_at_ms": read_at_ms, f"{kind}_pending": value},
                names={"#p": f"{kind}_pending_read_at_ms", "#r": f"{kind}_read_at_ms"},
                values={":t": read_at_ms},
                condition="attribute_exists(client_hash) AND (attribute_not_exists(#r) OR #r < :t) "
                          "AND (attribute_not_exists(#p) OR #p <= :t)",
                return_values="NONE",
            )
        except ConditionFailed:
            return False
        return True

    def record_sync_sent(self, client_hash: str, seller_sku: str, kind: SyncKind, value: dict[str, Any],
                         read_at_ms: int, sent_at: int, **attributes: Any) -> bool:
        """Stores what TikTok accepted, unless a newer reading was stored meanwhile (then False)."""
        try:
            self._table.update_fields(
                {"client_hash": client_hash, "seller_sku": seller_sku},
                {f"{kind}_sent": value, f"{kind}_read_at_ms": read_at_ms, f"{kind}_sent_at": sent_at,
                 **attributes},
                remove=[f"{kind}_error"], names={"#r": f"{kind}_read_at_ms"}, values={":t": read_at_ms},
                condition="attribute_exists(client_hash) AND (attribute_not_exists(#r) OR #r < :t)",
                return_values="NONE",
            )
        except ConditionFailed:
            return False
        return True

    def record_sync_error(self, client_hash: str, seller_sku: str, kind: SyncKind, *, code: str, message: str,
                          at: int, **attributes: Any) -> None:
        """Records the last failure of one SKU (kept until a later send succeeds)."""
        try:
            self._table.update_fields({"client_hash": client_hash, "seller_sku": seller_sku},
                                      {f"{kind}_error": {"code": code, "message": message[:500], "at": at},
                                       **attributes},
                                      condition="attribute_exists(client_hash)", return_values="NONE")
        except ConditionFailed:
            return  # the SKU row is gone: nothing to annotate

    # --- VTEX affiliate notifications (issue 16) ------------------------------------------------

    def record_vtex_availability(self, client_hash: str, seller_sku: str, *, unavailable: bool, at_ms: int) -> bool:
        """Stores whether VTEX offers the SKU to the affiliate, unless a newer notification already did
        (notifications arrive out of order). False when refused or the row is gone."""
        try:
            self._table.update(
                {"client_hash": client_hash, "seller_sku": seller_sku}, "SET #u = :u, #t = :t",
                names={"#u": "vtex_unavailable", "#t": "vtex_unavailable_at_ms"},
                values={":u": unavailable, ":t": at_ms},
                condition="attribute_exists(client_hash) AND (attribute_not_exists(#t) OR #t < :t)",
                return_values="NONE")
        except ConditionFailed:
            return False
        return True

    def record_catalog_modified(self, client_hash: str, seller_sku: str, at_ms: int) -> None:
        """VTEX changed the SKU's catalog data (name, images, ...): kept for the catalog flow to pick up."""
        try:
            self._table.update(
                {"client_hash": client_hash, "seller_sku": seller_sku}, "SET #c = :t",
                names={"#c": "catalog_modified_at_ms"}, values={":t": at_ms},
                condition="attribute_exists(client_hash) AND (attribute_not_exists(#c) OR #c < :t)",
                return_values="NONE")
        except ConditionFailed:
            return
