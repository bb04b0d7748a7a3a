"""Client-side rate limiting: TikTok allows 50 QPS per API per (app, shop).

``RateLimiter`` is the port; ``TokenBucketLimiter`` keeps buckets in memory (one process). A
DynamoDB-backed shared bucket can implement the same protocol for many Lambdas.
Keys are ``f"{shop}:{path template}"``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from tiktok_vtex.observability import tiktok_rate_limit_waited

DEFAULT_QPS = 50.0


@runtime_checkable
class RateLimiter(Protocol):
    def acquire(self, key: str) -> None:
        """Block until one request for ``key`` may be sent."""
        ...


def limiter_key(shop: str | None, path_template: str) -> str:
    return f"{shop or '-'}:{path_template}"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """In-memory token bucket per key; thread-safe; clock and sleep injectable for tests."""

    def __init__(
        self,
        rate_per_second: float = DEFAULT_QPS,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float], None] | None = None,
    ):
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.rate = float(rate_per_second)
        self.burst = float(burst if burst is not None else rate_per_second)
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.waited = 0.0  # total seconds slept, for benchmarks and tests
        self._on_wait = on_wait  # told each wait's seconds before the sleep (metrics; never the key: it names a shop)

    def reserve(self, key: str) -> float:
        """Take one token now (the bucket may go negative) and return how long to wait before sending.

        Reserving instead of polling keeps concurrent callers in FIFO order and never spins on float
        rounding.
        """
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate) - 1.0
            bucket.updated = now
            return 0.0 if bucket.tokens >= 0.0 else -bucket.tokens / self.rate

    def acquire(self, key: str) -> None:
        wait = self.reserve(key)
        if wait > 0.0:
            self.waited += wait
            if self._on_wait is not None:
                self._on_wait(wait)
            self._sleep(wait)

    def until_full(self) -> float:
        """Seconds until every bucket is full again (0 when none was used lately)."""
        with self._lock:
            now = self._clock()
            return max((max(0.0, (self.burst - b.tokens) / self.rate - max(0.0, now - b.updated))
                        for b in self._buckets.values()), default=0.0)

    def settle(self) -> float:
        """Wait until every bucket is full again; returns the seconds waited.

        Why (FIFO per shop, template.yaml): a shop's batches run one at a time but not always in the same
        container, and a container seeing the shop for the first time starts with a full bucket. A batch
        that ends only once its buckets are full again leaves exactly the state a fresh bucket has, so the
        shop's calls, across every container, fit one bucket of this rate and burst (burst <= TikTok's 50).
        The wait costs no throughput: it is the time the shop's rate would not have allowed more calls."""
        wait = self.until_full()
        if wait > 0.0:
            self.waited += wait
            self._sleep(wait)
        return wait


class NoRateLimit:
    """A limiter that never waits (tests of the server-side 429 path)."""

    def acquire(self, key: str) -> None:
        return None


_process_limiter: TokenBucketLimiter | None = None
_process_lock = threading.Lock()


def process_limiter(rate_per_second: float | None = None, burst: float | None = None) -> TokenBucketLimiter:
    """One in-memory limiter per process, shared by every client of this container: two clients of the same
    shop in one Lambda container share the same buckets.

    `rate_per_second` (first call wins) is this container's share of TikTok's 50 QPS per API per shop: a
    function that may run N containers at once sets 50/N (setting TIKTOK_QPS_PER_CONTAINER), so together they
    stay under the limit until a shared (DynamoDB) bucket implements the RateLimiter protocol. A function fed
    by a FIFO queue grouped per shop holds the shop's whole rate and a `burst` no larger than its batch
    (TIKTOK_LIMITER_BURST), settling its buckets after each batch (`TokenBucketLimiter.settle`).
    """
    global _process_limiter  # noqa: PLW0603 - a lazily built process singleton
    with _process_lock:
        if _process_limiter is None:
            rate = rate_per_second or DEFAULT_QPS
            _process_limiter = TokenBucketLimiter(rate_per_second=rate, burst=max(1.0, burst or rate),
                                                  on_wait=tiktok_rate_limit_waited)
        return _process_limiter


def settle_process_limiter() -> float:
    """`settle()` the process limiter if one was built (never builds it: its rate and burst are the
    settings' of the first TikTok client)."""
    with _process_lock:
        limiter = _process_limiter
    return limiter.settle() if limiter is not None else 0.0
