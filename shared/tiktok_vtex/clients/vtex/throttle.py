"""VTEX 429 handling shared by the threads of a container: one Retry-After pause per VTEX account, so
one store's throttling never pauses another store's calls (tenants are isolated); and, where the function sets
a rate (VTEX_READS_PER_SECOND), a client-side token bucket per account that paces the calls before VTEX has
to refuse them (the 429 pause stays as the backstop).

Why the bucket is exact for an account across containers (issue 19): the fetch queues are FIFO with
MessageGroupId = client, so one container at a time reads a store's account; each batch ends only once the
account's bucket is full again (`RetryAfterGates.settle`, called by the batch processor), the state a fresh
container's bucket starts in, so the account's calls across every container fit one bucket of this rate and
burst (the TikTok limiter's reasoning, clients/tiktok/rate_limit.py `settle`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tiktok_vtex.clients.vtex.client import parse_retry_after
from tiktok_vtex.observability import vtex_rate_limit_waited

if TYPE_CHECKING:  # the generic token bucket (the VTEX client does not load the TikTok client package)
    from tiktok_vtex.clients.tiktok.rate_limit import TokenBucketLimiter


class RetryAfterGate:
    """A pause shared by every worker calling one VTEX account: when VTEX answers 429 with Retry-After,
    no worker sends to that account before that time (each retrying alone would keep it throttled).

    Wire `on_response` as an httpx response hook and `before_request` as a request hook of the VTEX
    client's httpx.Client; clock and sleep are injectable.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 default_pause: float = 1.0, max_pause: float = 60.0,
                 on_wait: Callable[[float], None] | None = vtex_rate_limit_waited) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until = 0.0
        self.default_pause = default_pause
        self.max_pause = max_pause
        self.throttled = 0  # 429 answers seen
        self.waited = 0.0
        self._on_wait = on_wait  # told each pause's seconds before the sleep (RateLimitClientWaits metrics)
        self._reads: TokenBucketLimiter | None = None
        self._account = ""

    def limit_calls(self, limiter: TokenBucketLimiter, account: str) -> None:
        """Pace every call through this gate with `limiter`'s bucket of `account` (after any 429 pause)."""
        self._reads, self._account = limiter, account

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
            if self._on_wait is not None:
                self._on_wait(remaining)
            self._sleep(remaining)

    # httpx hooks
    def before_request(self, _request: Any) -> None:
        self.wait()
        if self._reads is not None:
            # Every request, retries included: a retry is a call VTEX counts. Pacing waits are not metric'd one
            # by one (at 300/s almost every call waits: an EMF line each would be the log bill).
            self._reads.acquire(self._account)

    def on_response(self, response: Any) -> None:
        if getattr(response, "status_code", 200) == 429:
            self.pause(parse_retry_after(response.headers.get("Retry-After")))


class RetryAfterGates:
    """One RetryAfterGate per VTEX account, created on first use (what a warm container keeps); with `reads`,
    every gate also paces its account's calls through that limiter (one bucket per account)."""

    def __init__(self, factory: Callable[[], RetryAfterGate] = RetryAfterGate, *,
                 reads: TokenBucketLimiter | None = None) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._gates: dict[str, RetryAfterGate] = {}
        self.reads = reads

    def for_account(self, account: str) -> RetryAfterGate:
        with self._lock:
            gate = self._gates.get(account)
            if gate is None:
                gate = self._gates[account] = self._factory()
                if self.reads is not None:
                    gate.limit_calls(self.reads, account)
            return gate

    def settle(self) -> float:
        """Wait until every account's bucket is full again (after a batch: see the module docstring); returns the
        seconds waited (0 without a limiter)."""
        return self.reads.settle() if self.reads is not None else 0.0

    @property
    def throttled(self) -> int:
        """429 answers seen, every account."""
        with self._lock:
            return sum(g.throttled for g in self._gates.values())

    @property
    def waited(self) -> float:
        with self._lock:
            return sum(g.waited for g in self._gates.values())
