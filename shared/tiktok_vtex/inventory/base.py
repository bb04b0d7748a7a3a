"""What stock sync and price sync share: ports, the message shapes (client, SKU, nightly and update
messages), outcomes, the fan-out and failure recording steps, bounded concurrent VTEX reads that honour
429 / Retry-After, and per-product grouping.

Logic here never builds an adapter: the handler passes the VTEX client, the TikTok client, the state
store (ProductRepository), the change logs (LogRepository) and the dispatchers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from tiktok_vtex.clients.tiktok.errors import (
    TikTokApiError,
    TikTokAuthError,
    TikTokInternalError,
    TikTokRateLimited,
    TikTokTimeout,
    TikTokTransportError,
)
from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexAuthError, VtexNotFound, VtexRateLimited
from tiktok_vtex.repositories.products import SellerSku, SyncKind

T = TypeVar("T")
R = TypeVar("R")

# TikTok per-item error codes worth one immediate retry (internal error, throttled, timeout).
RETRYABLE_TIKTOK_CODES = frozenset({36009002, 36009003, 36009007})


# --------------------------------------------------------------------------------------------- ports


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


# --------------------------------------------------------------------------------------------- input


class ClientMessage(BaseModel):
    """A legacy payload naming a client: `clientHash` (most functions) or `client_hash` (some)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    type: str
    client_hash: str = Field(validation_alias=AliasChoices("clientHash", "client_hash"),
                             pattern=r"^[A-Za-z0-9_-]{1,128}$")
    force: bool = False


def sku_list(value: Any) -> list[str]:
    """`sku` of legacy payloads: a string, a number or an array of them; deduplicated, order kept."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ValueError("sku must be a string, a number or an array of them")
        text = str(item).strip()
        if not text:
            raise ValueError("sku must not be empty")
        if len(text) > 50:
            raise ValueError("sku longer than 50 characters")
        if text not in out:
            out.append(text)
    return out


class SkuMessage(ClientMessage):
    sku: list[str] = Field(min_length=1, max_length=500)

    @field_validator("sku", mode="before")
    @classmethod
    def _skus(cls, value: Any) -> list[str]:
        return sku_list(value)


class SingleSkuMessage(SkuMessage):
    """One SKU, handled at once (triggerPepareSkuStock, triggerPrepareSkuPrice)."""

    sku: list[str] = Field(min_length=1, max_length=1)


class AllClientsMessage(BaseModel):
    """The nightly run over every active client (names no client)."""

    model_config = ConfigDict(extra="ignore")

    type: str
    force: bool = False


class SkuItem(BaseModel):
    """One SKU of an update message: what identifies it and when its value was read."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    seller_sku: str = Field(validation_alias=AliasChoices("sellerSku", "seller_sku"), serialization_alias="sellerSku",
                            min_length=1, max_length=50)
    tiktok_sku_id: str | None = Field(default=None, validation_alias=AliasChoices("tiktokSkuId", "tiktok_sku_id"),
                                      serialization_alias="tiktokSkuId")
    read_at_ms: int | None = Field(default=None, validation_alias=AliasChoices("readAtMs", "read_at_ms"),
                                   serialization_alias="readAtMs")


S = TypeVar("S", bound=SkuItem)


class UpdateMessage(ClientMessage, Generic[S]):
    """One TikTok update: every changed SKU of one product (`skus`, what this connector sends), or a legacy
    single SKU (`sellerSku` and the value the subclass names)."""

    LEGACY_ERROR: ClassVar[str] = "needs `skus` or `sellerSku`"

    seller_sku: str | None = Field(default=None, validation_alias=AliasChoices("sellerSku", "seller_sku"))
    product_id: str | None = Field(default=None, validation_alias=AliasChoices("productId", "product_id"))
    read_at_ms: int | None = Field(default=None, validation_alias=AliasChoices("readAtMs", "read_at_ms"))
    skus: list[S] = Field(default_factory=list, max_length=100)

    def legacy_value(self) -> Any:  # pragma: no cover - every subclass names its value
        raise NotImplementedError

    def legacy_item(self, read_at_ms: int) -> S:  # pragma: no cover - every subclass builds its item
        raise NotImplementedError

    @model_validator(mode="after")
    def _legacy_or_batch(self) -> Self:
        if not self.skus and (not self.seller_sku or self.legacy_value() is None):
            raise ValueError(self.LEGACY_ERROR)
        return self

    def items(self, default_read_at_ms: int) -> list[S]:
        """The SKUs to update, each with a reading time (its own, else the message's, else the default)."""
        read_at_ms = self.read_at_ms or default_read_at_ms
        if self.skus:
            return [s if s.read_at_ms is not None else s.model_copy(update={"read_at_ms": read_at_ms})
                    for s in self.skus]
        return [self.legacy_item(read_at_ms)]


def update_payload(message_type: str, client_hash: str, product_id: str, skus: list[dict[str, Any]], *,
                   force: bool) -> dict[str, Any]:
    """The update message this connector sends (one per product, read back as an UpdateMessage)."""
    return {"type": message_type, "clientHash": client_hash, "productId": product_id, "force": force, "skus": skus}


# --------------------------------------------------------------------------------------------- outcome


class ClientUnavailable(Exception):
    """The client cannot be served now (unknown, deauthorized, not authorized, misconfigured).

    `retryable` tells the handler whether SQS should try again (False: recorded, not retried).
    """

    def __init__(self, client_hash: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(f"client {client_hash}: {reason}")
        self.client_hash = client_hash
        self.reason = reason
        self.retryable = retryable


class RetryLater(Exception):
    """Transient failure of some items (VTEX or TikTok throttled / down after the client's retries).

    Raised at the end of a unit of work, after everything that could be done was done, so the queue
    redelivers the message (diff-only makes the redelivery cheap: sent SKUs are skipped).
    """

    def __init__(self, message: str, failures: Sequence[ItemFailure] = ()) -> None:
        super().__init__(message)
        self.failures = list(failures)


@dataclass(frozen=True)
class ItemFailure:
    seller_sku: str
    code: str
    message: str
    retryable: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"sellerSku": self.seller_sku, "code": self.code, "message": self.message,
                "retryable": self.retryable}


@dataclass
class SyncReport:
    """What one unit of work did; returned by invocations and logged."""

    client_hash: str
    read: int = 0
    unchanged: int = 0
    changed: int = 0
    sent: int = 0
    stale: int = 0
    skipped: int = 0
    messages: int = 0
    dispatch_calls: int = 0
    vtex_calls: int = 0
    tiktok_calls: int = 0
    failures: list[ItemFailure] = field(default_factory=list)

    @property
    def retryable_failures(self) -> list[ItemFailure]:
        return [f for f in self.failures if f.retryable]

    def merge(self, other: SyncReport) -> SyncReport:
        for name in ("read", "unchanged", "changed", "sent", "stale", "skipped", "messages", "dispatch_calls",
                     "vtex_calls", "tiktok_calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures.extend(other.failures)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "clientHash": self.client_hash, "read": self.read, "unchanged": self.unchanged,
            "changed": self.changed, "sent": self.sent, "stale": self.stale, "skipped": self.skipped,
            "messages": self.messages, "dispatchCalls": self.dispatch_calls, "vtexCalls": self.vtex_calls,
            "tiktokCalls": self.tiktok_calls, "failed": len(self.failures),
            "failures": [f.as_dict() for f in self.failures[:50]],
        }


NOT_LINKED = "SKU not in ssxml_tik_tok_products_seller_sku with a TikTok product"


def linked_row(rows: Mapping[str, SellerSku], seller_sku: str, tiktok_sku_id: str | None,
               report: SyncReport) -> SellerSku | None:
    """The stored row of a SKU to update on TikTok; None (and a failure in `report`) when the SKU is not
    linked to a TikTok product or its TikTok SKU id is unknown."""
    row = rows.get(seller_sku)
    if row is None or not row.tik_tok_product_id:
        report.failures.append(ItemFailure(seller_sku, "SKU_NOT_LINKED", NOT_LINKED))
        return None
    if not (row.tik_tok_sku_id or tiktok_sku_id):
        report.failures.append(ItemFailure(seller_sku, "NO_TIKTOK_SKU_ID", "the TikTok SKU id is unknown"))
        return None
    return row


def record_failures(state: SyncStateStore, log: ChangeLog, client_hash: str, failures: Sequence[ItemFailure], *,
                    kind: SyncKind, log_kind: str, stage: str, at: int) -> None:
    """Each failure stored on its SKU (unless the SKU is not linked) and logged as `log_kind`."""
    for failure in failures:
        if failure.code != "SKU_NOT_LINKED":
            state.record_sync_error(client_hash, failure.seller_sku, kind, code=failure.code,
                                    message=failure.message, at=at)
        log.append(client_hash, log_kind, failure.seller_sku, {**failure.as_dict(), "stage": stage})


def vtex_failure(seller_sku: str, error: Exception) -> ItemFailure:
    """A VTEX read failure of one SKU: 404 / bad request are permanent, throttling and 5xx transient."""
    if isinstance(error, VtexNotFound):
        return ItemFailure(seller_sku, "VTEX_NOT_FOUND", "SKU not found in VTEX (404)")
    if isinstance(error, VtexAuthError):
        return ItemFailure(seller_sku, "VTEX_AUTH", f"VTEX refused the credentials ({error.status})")
    if isinstance(error, VtexApiError):
        return ItemFailure(seller_sku, f"VTEX_{error.status or 'TRANSPORT'}", str(error)[:300],
                           retryable=error.retryable)
    return ItemFailure(seller_sku, "VTEX_ERROR", f"{type(error).__name__}", retryable=True)


def errors_by_sku(result: Any, sku_ids: Iterable[str]) -> dict[str, Any]:
    """Per-item errors of a TikTok batch result keyed by TikTok SKU id; an error naming no SKU (or a
    failed envelope without items) applies to every SKU of the call."""
    keys = list(sku_ids)
    by_sku: dict[str, Any] = {}
    for item_error in result.errors:
        key = item_error.id_of("sku_id")
        if key is None:
            by_sku.update(dict.fromkeys(keys, item_error))
        else:
            by_sku[key] = item_error
    if result.code and not result.errors:
        from tiktok_vtex.clients.tiktok.models import ItemError

        by_sku = dict.fromkeys(keys, ItemError(code=result.code, message=result.message))
    return by_sku


def tiktok_call_retryable(error: TikTokApiError) -> bool:
    return isinstance(error, TikTokRateLimited | TikTokInternalError | TikTokTimeout | TikTokTransportError)


def tiktok_failure_code(error: TikTokApiError) -> str:
    if isinstance(error, TikTokAuthError):
        return f"TIKTOK_AUTH_{error.code}"
    return f"TIKTOK_{error.code}"


# --------------------------------------------------------------------------------------------- reads


class RetryAfterGate:
    """A pause shared by every worker of one sync: when VTEX answers 429 with Retry-After, no worker
    sends before that time (each retrying alone would keep the account throttled).

    Wire `on_response` as an httpx response hook and `before_request` as a request hook of the VTEX
    client's httpx.Client; clock and sleep are injectable.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 default_pause: float = 1.0, max_pause: float = 60.0) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until = 0.0
        self.default_pause = default_pause
        self.max_pause = max_pause
        self.throttled = 0  # 429 answers seen
        self.waited = 0.0

    def pause(self, seconds: float | None) -> None:
        seconds = self.default_pause if seconds is None else min(max(seconds, 0.0), self.max_pause)
        with self._lock:
            self.throttled += 1
            self._until = max(self._until, self._clock() + seconds)

    def wait(self) -> None:
        while True:
            with self._lock:
                remaining = self._until - self._clock()
            if remaining <= 0:
                return
            self.waited += remaining
            self._sleep(remaining)

    # httpx hooks
    def before_request(self, _request: Any) -> None:
        self.wait()

    def on_response(self, response: Any) -> None:
        if getattr(response, "status_code", 200) == 429:
            from tiktok_vtex.clients.vtex.client import parse_retry_after

            self.pause(parse_retry_after(response.headers.get("Retry-After")))


def concurrent_map(fn: Callable[[T], R], items: Sequence[T], *, max_workers: int) -> list[tuple[T, R | None,
                                                                                              Exception | None]]:
    """Runs `fn` over `items` with at most `max_workers` in flight; every item gets a result or its error."""

    def guarded(item: T) -> tuple[T, R | None, Exception | None]:
        try:
            return item, fn(item), None
        except Exception as error:  # each item fails alone; the caller classifies the error
            return item, None, error

    if max_workers <= 1 or len(items) <= 1:
        return [guarded(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items)), thread_name_prefix="vtex-read") as pool:
        return list(pool.map(guarded, items))


def is_vtex_throttled(error: Exception | None) -> bool:
    return isinstance(error, VtexRateLimited)


# --------------------------------------------------------------------------------------------- grouping


def group_by_product(rows: Iterable[SellerSku]) -> dict[str, list[SellerSku]]:
    """SKUs per TikTok product (one TikTok inventory / price call each); order of first appearance."""
    groups: dict[str, list[SellerSku]] = {}
    for row in rows:
        groups.setdefault(row.tik_tok_product_id or f"?{row.seller_sku}", []).append(row)
    return groups


def product_batches(rows: Iterable[SellerSku], max_skus: int) -> list[list[str]]:
    """Seller SKUs in batches of at most `max_skus`, never splitting a product (unless the product
    alone is larger), so a fetch message yields whole-product TikTok updates."""
    batches: list[list[str]] = []
    current: list[str] = []
    for skus in group_by_product(rows).values():
        names = [s.seller_sku for s in skus]
        if current and len(current) + len(names) > max_skus:
            batches.append(current)
            current = []
        while len(names) > max_skus:
            batches.append(names[:max_skus])
            names = names[max_skus:]
        current.extend(names)
    if current:
        batches.append(current)
    return batches


def prepare_batches(state: SyncStateStore, client_hash: str, fetch_queue: Dispatcher, *, message_type: str,
                    batch_size: int, force: bool = False) -> SyncReport:
    """The fan-out step: every linked SKU of the client (Query, paginated) in batches of whole products, one
    `message_type` message each, to the fetch queue."""
    rows = [r for r in state.iter_client_skus(client_hash) if r.tik_tok_product_id]
    messages = [{"type": message_type, "clientHash": client_hash, "sku": batch, "force": force}
                for batch in product_batches(rows, batch_size)]
    report = SyncReport(client_hash, read=len(rows), messages=len(messages))
    if messages:
        report.dispatch_calls = fetch_queue.send(messages)
    return report


def now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)
