"""ssxml_tik_tok_webhook_events: the ledger of every push (accepted or refused), for audit and replay.

Key: shop_id (the TikTok shop; "unknown" for orphans and pushes we could not attribute; "internal" for
our own type 99) + event_key (`{received_ms:015d}#{dedup_key}`, sortable by arrival). Items expire
(`expires_at`, TTL) after the retention period. The raw body is kept whole for replay (never truncated:
a cut body no longer verifies nor parses); its size is bounded by the webhook intake (the body must fit
in one SQS message, < 256 KiB, well under DynamoDB's 400 KB item limit). Nothing secret in it: TikTok
pushes carry ids and statuses only, never credentials.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable

UNKNOWN_SHOP = "unknown"
INTERNAL_SHOP = "internal"
DEFAULT_RETENTION_DAYS = 30


class WebhookEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    shop_id: str
    event_key: str
    dedup_key: str
    type: int | None = None
    received_at: int
    outcome: str
    client_hash: str | None = None
    push_shop_id: str | None = Field(default=None, description="shop id of the push when keyed elsewhere")
    order_id: str | None = None
    product_id: str | None = None
    detail: str | None = None
    payload: str | None = Field(default=None, description="raw body (whole), for replay")
    expires_at: int | None = None


def event_key(received_ms: int, dedup_key: str) -> str:
    return f"{received_ms:015d}#{dedup_key}"


class WebhookEventRepository:
    def __init__(self, table_name: str, resource: Any | None = None, *,
                 retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self._table = DynamoTable(table_name, resource)
        self._retention = retention_days * 86400

    @property
    def table(self) -> DynamoTable:
        return self._table

    def record(self, event: WebhookEvent) -> bool:
        """Writes the event once (a redelivered queue message does not duplicate it). True if new."""
        item = event.model_dump(mode="json", exclude_none=True)
        item.setdefault("expires_at", event.received_at + self._retention)
        try:
            self._table.put(item, condition="attribute_not_exists(event_key)")
        except ConditionFailed:
            return False
        return True

    def set_outcome(self, shop_id: str, key: str, outcome: str, detail: str | None = None,
                    **attributes: Any) -> None:
        self._table.update_fields({"shop_id": shop_id, "event_key": key},
                                  {**attributes, "outcome": outcome,
                                   "detail": detail[:2000] if detail is not None else None})

    def get(self, shop_id: str, key: str) -> WebhookEvent | None:
        item = self._table.get({"shop_id": shop_id, "event_key": key})
        return WebhookEvent.model_validate(item) if item else None

    def iter_shop(self, shop_id: str, *, since_ms: int = 0) -> Iterator[WebhookEvent]:
        """Events of a shop since a time (replay after an outage, audit)."""
        for item in self._table.query(
                KeyConditionExpression=Key("shop_id").eq(shop_id) & Key("event_key").gte(f"{since_ms:015d}")):
            yield WebhookEvent.model_validate(item)

    def outcomes(self, shop_id: str) -> Mapping[str, int]:
        counts: dict[str, int] = {}
        for event in self.iter_shop(shop_id):
            counts[event.outcome] = counts.get(event.outcome, 0) + 1
        return counts
