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
