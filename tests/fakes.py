"""Test doubles shared by several test modules."""

from __future__ import annotations

import threading


class FakeTime:
    """A clock and a sleep for code that takes them as arguments (limiters, Retry-After gates, retry
    backoff, the sandboxes' rate limits): sleeping advances the clock, nothing really waits. Thread-safe,
    since a sandbox served in a thread and the client under test may share one."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def conforms_to_bucket(times: list[float], rate: float, burst: float) -> bool:
    """Whether calls made at `times` fit one token bucket of `rate` per second and `burst` (what a limit
    across containers must hold)."""
    tokens, last = burst, 0.0
    for t in sorted(times):
        tokens = min(burst, tokens + (t - last) * rate) - 1.0
        last = t
        if tokens < -1e-9:
            return False
    return True
