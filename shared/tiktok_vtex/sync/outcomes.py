"""What one unit of stock / price work ends with: a client that cannot be served, a transient failure
to redeliver, one SKU's failure, and the count report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


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
