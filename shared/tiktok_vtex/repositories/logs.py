"""The legacy log tables (TikTokLogStock, TikTokLogPrice, TikTokLogPriceProduct, TikTokLogProduct,
TikTokLogOrder): one item per change, for operators, expiring after `retention_days` (TTL attribute
`expires_at`). GSI `by_subject` (subject_key = client_hash#subject, log_key) gives one entity's timeline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from tiktok_vtex.repositories.base import DynamoTable

DEFAULT_RETENTION_DAYS = 180


def subject_key(client_hash: str, subject: str) -> str:
    return f"{client_hash}#{subject}"


class LogRepository:
    """Append-only change log of one legacy log table, keyed by client and time."""

    def __init__(self, table_name: str, resource: Any | None = None, *,
                 clock: Callable[[], float] = time.time, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self._table = DynamoTable(table_name, resource)
        self._clock = clock
        self._retention = retention_days * 86400

    def append(self, client_hash: str, kind: str, subject: str, details: Mapping[str, Any]) -> str:
        """Records one change; `subject` is what changed (a SKU, a product id, an order id)."""
        now = self._clock()
        # Sortable by time, unique even for several changes in the same millisecond.
        log_key = f"{int(now * 1000):015d}#{subject}#{uuid.uuid4().hex[:8]}"
        self._table.put({
            "client_hash": client_hash,
            "log_key": log_key,
            "kind": kind,
            "subject": subject,
            "subject_key": subject_key(client_hash, subject),
            "logged_at": int(now),
            "expires_at": int(now) + self._retention,
            **{k: v for k, v in details.items() if k not in {"client_hash", "log_key"}},
        })
        return log_key

    def entries(self, client_hash: str, *, since_ms: int = 0) -> Iterator[dict[str, Any]]:
        yield from self._table.query(
            KeyConditionExpression=Key("client_hash").eq(client_hash) & Key("log_key").gte(f"{since_ms:015d}"))

    def entries_for(self, client_hash: str, subject: str, *, since_ms: int = 0) -> Iterator[dict[str, Any]]:
        """One subject's entries, oldest first (GSI by_subject)."""
        yield from self._table.query(
            IndexName="by_subject",
            KeyConditionExpression=Key("subject_key").eq(subject_key(client_hash, subject))
            & Key("log_key").gte(f"{since_ms:015d}"))

    def scan_for(self, client_hash: str, subject: str, *, since_ms: int) -> Iterator[dict[str, Any]]:
        """The same from the client's partition (entries written before subject_key existed), bounded in time."""
        yield from self._table.query(
            KeyConditionExpression=Key("client_hash").eq(client_hash) & Key("log_key").gte(f"{since_ms:015d}"),
            FilterExpression=Attr("subject").eq(subject))

    def latest(self, client_hash: str, accept: Callable[[dict[str, Any]], bool], *,
               since_ms: int) -> dict[str, Any] | None:
        """The newest entry since `since_ms` that `accept` takes (newest first; stops at the first one)."""
        for item in self._table.query(
                KeyConditionExpression=Key("client_hash").eq(client_hash) & Key("log_key").gte(f"{since_ms:015d}"),
                ScanIndexForward=False):
            if accept(item):
                return item
        return None
