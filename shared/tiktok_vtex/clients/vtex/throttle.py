"""VTEX 429 handling shared by the threads of a container: one Retry-After pause per VTEX account, so
one store's throttling never pauses another store's calls (tenants are isolated)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from tiktok_vtex.clients.vtex.client import parse_retry_after
from tiktok_vtex.observability import vtex_rate_limit_waited


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

    def on_response(self, response: Any) -> None:
        if getattr(response, "status_code", 200) == 429:
            self.pause(parse_retry_after(response.headers.get("Retry-After")))


class RetryAfterGates:
    """One RetryAfterGate per VTEX account, created on first use (what a warm container keeps)."""

    def __init__(self, factory: Callable[[], RetryAfterGate] = RetryAfterGate) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._gates: dict[str, RetryAfterGate] = {}

    def for_account(self, account: str) -> RetryAfterGate:
        with self._lock:
            gate = self._gates.get(account)
            if gate is None:
                gate = self._gates[account] = self._factory()
            return gate

    @property
    def throttled(self) -> int:
        """429 answers seen, every account."""
        with self._lock:
            return sum(g.throttled for g in self._gates.values())

    @property
    def waited(self) -> float:
        with self._lock:
            return sum(g.waited for g in self._gates.values())
