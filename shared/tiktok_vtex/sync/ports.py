"""The adapters the stock and price syncs take (the handler builds them; logic never does)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from tiktok_vtex.repositories.products import SellerSku, SyncKind


class SyncStateStore(Protocol):
    """ssxml_tik_tok_products_seller_sku as the sync sees it (ProductRepository implements it)."""

    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, SellerSku]: ...

    def iter_client_skus(self, client_hash: str) -> Iterator[SellerSku]: ...

    def claim_sync(self, client_hash: str, seller_sku: str, kind: SyncKind, value: dict[str, Any],
                   read_at_ms: int) -> bool: ...

    def record_sync_sent(self, client_hash: str, seller_sku: str, kind: SyncKind, value: dict[str, Any],
                         read_at_ms: int, sent_at: int, **attributes: Any) -> bool: ...

    def record_sync_error(self, client_hash: str, seller_sku: str, kind: SyncKind, *, code: str, message: str,
                          at: int, **attributes: Any) -> None: ...


class ChangeLog(Protocol):
    """One legacy log table (LogRepository implements it)."""

    def append(self, client_hash: str, kind: str, subject: str, details: Mapping[str, Any]) -> str: ...


class Dispatcher(Protocol):
    """QueuePublisher (SendMessageBatch) or AsyncInvoker; returns the number of API calls made."""

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...
