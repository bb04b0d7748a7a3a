"""In-memory adapters with the same contracts as the DynamoDB / SQS ones: unit tests and the benchmark
use them (the benchmark measures the HTTP-bound part: VTEX and TikTok; DynamoDB is not simulated).
The conditions mirror ProductRepository's conditional writes exactly."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tiktok_vtex.dispatch import SQS_BATCH_LIMIT
from tiktok_vtex.repositories.products import SellerSku, SyncKind


class MemoryStateStore:
    def __init__(self, rows: Sequence[SellerSku] = ()) -> None:
        self._lock = threading.Lock()
        self.rows: dict[tuple[str, str], SellerSku] = {(r.client_hash, r.seller_sku): r for r in rows}
        self.writes = 0

    def put(self, row: SellerSku) -> None:
        with self._lock:
            self.rows[(row.client_hash, row.seller_sku)] = row

    def get(self, client_hash: str, seller_sku: str) -> SellerSku | None:
        return self.rows.get((client_hash, seller_sku))

    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, SellerSku]:
        with self._lock:
            return {s: self.rows[(client_hash, s)] for s in seller_skus if (client_hash, s) in self.rows}

    def iter_client_skus(self, client_hash: str) -> Iterator[SellerSku]:
        with self._lock:
            rows = sorted((r for (c, _), r in self.rows.items() if c == client_hash), key=lambda r: r.seller_sku)
        yield from rows

    def _update(self, client_hash: str, seller_sku: str, **attributes: Any) -> None:
        row = self.rows[(client_hash, seller_sku)]
        self.rows[(client_hash, seller_sku)] = row.model_copy(update=attributes)
        self.writes += 1

    def claim_sync(self, client_hash: str, seller_sku: str, kind: SyncKind, value: dict[str, Any],
                   read_at_ms: int) -> bool:
        with self._lock:
            row = self.rows.get((client_hash, seller_sku))
            if row is None:
                return False
            read = getattr(row, f"{kind}_read_at_ms")
            claimed = getattr(row, f"{kind}_pending_read_at_ms")
            if (read is not None and read >= read_at_ms) or (claimed is not None and claimed > read_at_ms):
                return False
            self._update(client_hash, seller_sku, **{f"{kind}_pending_read_at_ms": read_at_ms,
                                                    f"{kind}_pending": dict(value)})
            return True

    def record_sync_sent(self, client_hash: str, seller_sku: str, kind: SyncKind, value: dict[str, Any],
                         read_at_ms: int, sent_at: int, **attributes: Any) -> bool:
        with self._lock:
            row = self.rows.get((client_hash, seller_sku))
            if row is None:
                return False
            read = getattr(row, f"{kind}_read_at_ms")
            if read is not None and read >= read_at_ms:
                return False
            self._update(client_hash, seller_sku, **{f"{kind}_sent": dict(value), f"{kind}_read_at_ms": read_at_ms,
                                                    f"{kind}_sent_at": sent_at, f"{kind}_error": None}, **attributes)
            return True

    def record_sync_error(self, client_hash: str, seller_sku: str, kind: SyncKind, *, code: str, message: str,
                          at: int, **attributes: Any) -> None:
        with self._lock:
            if (client_hash, seller_sku) in self.rows:
                self._update(client_hash, seller_sku, **{f"{kind}_error": {"code": code, "message": message,
                                                                           "at": at}}, **attributes)

    def record_vtex_availability(self, client_hash: str, seller_sku: str, *, unavailable: bool, at_ms: int) -> bool:
        with self._lock:
            row = self.rows.get((client_hash, seller_sku))
            if row is None or (row.vtex_unavailable_at_ms is not None and row.vtex_unavailable_at_ms >= at_ms):
                return False
            self._update(client_hash, seller_sku, vtex_unavailable=unavailable, vtex_unavailable_at_ms=at_ms)
            return True

    def record_catalog_modified(self, client_hash: str, seller_sku: str, at_ms: int) -> None:
        with self._lock:
            row = self.rows.get((client_hash, seller_sku))
            if row is not None and (row.catalog_modified_at_ms is None or row.catalog_modified_at_ms < at_ms):
                self._update(client_hash, seller_sku, catalog_modified_at_ms=at_ms)


class MemoryChangeLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self.entries: list[dict[str, Any]] = []

    def append(self, client_hash: str, kind: str, subject: str, details: Mapping[str, Any]) -> str:
        with self._lock:
            key = f"{next(self._ids):015d}#{subject}"
            self.entries.append({"client_hash": client_hash, "log_key": key, "kind": kind, "subject": subject,
                                 **details})
            return key

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["kind"] == kind]


class MemoryQueue:
    """A Dispatcher that keeps messages and counts SendMessageBatch calls (10 per call, like SQS)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.calls = 0

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        calls = (len(messages) + SQS_BATCH_LIMIT - 1) // SQS_BATCH_LIMIT
        with self._lock:
            self.messages.extend(dict(m) for m in messages)
            self.calls += calls
        return calls

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            out, self.messages = self.messages, []
        return out
