"""One entity's timeline across the legacy log tables, with its current record (both sides' statuses).

- order <id>: TikTokLogOrder (placement, invoice, shipping entries) + the ssxml_tik_tok_orders item;
- sku <seller sku>: TikTokLogStock + TikTokLogPrice + the ssxml_tik_tok_products_seller_sku item;
- product <id>: TikTokLogProduct + TikTokLogPriceProduct (pushes, per-product price calls) + its SKU rows.

Entries are read per client and subject through GSI by_subject; `days` also reads the client's partition of
the last N days with a filter, for entries written before subject_key existed. Values that could be buyer data
(CPF, name, address, phone, e-mail, XML) are never shown: records are reduced to the fields listed here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from boto3.dynamodb.conditions import Key

from tiktok_vtex.repositories.base import DynamoTable
from tiktok_vtex.repositories.logs import LogRepository

Entity = Literal["order", "sku", "product"]

LOG_SOURCES: dict[str, tuple[str, ...]] = {
    "order": ("TikTokLogOrder",),
    "sku": ("TikTokLogStock", "TikTokLogPrice"),
    "product": ("TikTokLogProduct", "TikTokLogPriceProduct"),
}
ORDER_FIELDS = ("status", "tiktok_update_time", "sync_state", "vtex_order", "vtex_status", "attempts", "error_code",
                "error_reason", "hold_until", "cancel_requested", "cancel_note", "package_ids", "invoice_state",
                "invoice_status", "invoice_reason", "invoice_error", "shipping_state", "shipping_error", "created_at",
                "updated_at")
SKU_FIELDS = ("product_id", "tik_tok_product_id", "tik_tok_sku_id", "vtex_sku_id", "product_status", "audit_status",
              "stock_sent", "stock_sent_at", "stock_read_at_ms", "stock_error", "price_sent", "price_sent_at",
              "price_read_at_ms", "price_error", "price_locked_until")
_LOG_KEYS = {"client_hash", "log_key", "subject_key", "subject", "kind", "logged_at", "expires_at"}
_PERSONAL = ("cpf", "name", "address", "phone", "email", "xml", "document", "buyer", "recipient")


def _safe(details: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in _LOG_KEYS and not any(p in k.lower() for p in _PERSONAL)}


@dataclass
class Timeline:
    entity: str
    subject: str
    client_hash: str
    records: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.records or self.entries)

    def as_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "id": self.subject, "client_hash": self.client_hash, "records": self.records,
                "entries": self.entries}


class History:
    def __init__(self, logs: Mapping[str, LogRepository], *, orders_table: str, skus_table: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._logs = logs
        self._orders = DynamoTable(orders_table)
        self._skus = DynamoTable(skus_table)
        self._clock = clock

    def timeline(self, entity: Entity, client_hash: str, subject: str, *, days: int | None = None) -> Timeline:
        result = Timeline(entity, subject, client_hash)
        result.records = self._records(entity, client_hash, subject)
        seen: set[str] = set()
        since_ms = int((self._clock() - days * 86400) * 1000) if days else 0
        for source in LOG_SOURCES[entity]:
            repo = self._logs[source]
            items = list(repo.entries_for(client_hash, subject, since_ms=since_ms))
            if days:
                items += list(repo.scan_for(client_hash, subject, since_ms=since_ms))
            for item in items:
                if item["log_key"] in seen:
                    continue
                seen.add(item["log_key"])
                result.entries.append({"at_ms": int(item["log_key"].split("#", 1)[0]), "table": source,
                                       "kind": item.get("kind"), "details": _safe(item)})
        result.entries.sort(key=lambda e: (e["at_ms"], e["table"]))
        return result

    def _records(self, entity: Entity, client_hash: str, subject: str) -> list[dict[str, Any]]:
        if entity == "order":
            item = self._orders.get({"client_hash": client_hash, "order_id": subject})
            return [{"table": "orders", "order_id": subject, **{k: item[k] for k in ORDER_FIELDS if k in item}}] \
                if item else []
        if entity == "sku":
            item = self._skus.get({"client_hash": client_hash, "seller_sku": subject})
            return [{"table": "products_seller_sku", "seller_sku": subject,
                     **{k: item[k] for k in SKU_FIELDS if k in item}}] if item else []
        rows = self._skus.query(IndexName="by_tiktok_product", KeyConditionExpression=Key("tik_tok_product_id").eq(
            subject))
        mine = [row for row in rows if row.get("client_hash") == client_hash]
        return [{"table": "products_seller_sku", "seller_sku": row["seller_sku"],
                 **{k: row[k] for k in SKU_FIELDS if k in row}} for row in mine]
