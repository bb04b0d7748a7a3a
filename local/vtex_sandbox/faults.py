# ruff: noqa: PLR0912 - request validation reads best as one flat sequence of checks
"""Fault injection, rate limiting and call counting for the VTEX sandbox (per route = Flask endpoint name)."""

from __future__ import annotations

import math
import random
import threading
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

ALL_ROUTES = "*"


@dataclass
class TokenBucket:
    """`rate` credits per second, `capacity` burst credits; an empty bucket answers 429 + Retry-After."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float) -> float | None:
        """None when allowed, else the seconds to wait (what Retry-After says)."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate


@dataclass
class RouteFaults:
    error_rate_5xx: float = 0.0
    status_5xx: int = 503
    rate_429: float = 0.0
    latency_ms: int = 0
    rate_per_second: float | None = None
    burst: float | None = None
    fail_next: deque[dict[str, Any]] = field(default_factory=deque)

    def describe(self) -> dict[str, Any]:
        data = asdict(self)
        data["fail_next"] = list(self.fail_next)
        return data


@dataclass
class Fault:
    status: int
    retry_after: float | None = None
    kind: str = "error"


class FaultInjector:
    """Holds per-route faults and buckets. Thread-safe. `clock` is monotonic seconds (injectable)."""

    def __init__(self, clock: Callable[[], float], *, default_rate_per_minute: float | None, seed: int = 7):
        self._clock = clock
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.default_rate_per_minute = default_rate_per_minute
        self._faults: dict[str, RouteFaults] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self.calls: Counter[str] = Counter()

    # --- configuration -------------------------------------------------------------------------

    def configure(self, body: Mapping[str, Any]) -> dict[str, Any]:
        route = str(body.get("route") or body.get("endpoint") or ALL_ROUTES)  # "endpoint": the TikTok sandbox's name
        with self._lock:
            if body.get("clear"):
                if route == ALL_ROUTES:
                    self._faults.clear()
                    self._buckets.clear()
                else:
                    self._faults.pop(route, None)
                    self._buckets.pop(route, None)
                return self.describe_locked()
            faults = self._faults.setdefault(route, RouteFaults())
            if "error_rate_5xx" in body:
                rate = float(body["error_rate_5xx"])
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("error_rate_5xx must be between 0 and 1")
                faults.error_rate_5xx = rate
            if "rate_429" in body:
                rate = float(body["rate_429"])
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("rate_429 must be between 0 and 1")
                faults.rate_429 = rate
            if "status_5xx" in body:
                faults.status_5xx = int(body["status_5xx"])
            if "latency_ms" in body:
                faults.latency_ms = max(0, int(body["latency_ms"]))
            if body.get("status_423"):
                faults.fail_next.extend({"status": 423} for _ in range(int(body["status_423"])))
            fail_next = body.get("fail_next")
            if isinstance(fail_next, Mapping):
                fail_next = [dict(fail_next)] * int(fail_next.get("count", 1))
            for item in fail_next or []:
                status = int(item["status"])
                if status < 400:
                    raise ValueError("fail_next statuses must be >= 400")
                faults.fail_next.append({"status": status, "retry_after": item.get("retry_after")})
            per_second = body.get("rate_limit_per_second")
            per_minute = body.get("rate_limit_per_minute")
            if per_second is not None or per_minute is not None:
                rate = float(per_second) if per_second is not None else float(per_minute) / 60.0
                if rate <= 0:
                    raise ValueError("rate limits must be positive")
                faults.rate_per_second = rate
                faults.burst = float(body.get("burst") or max(1.0, rate if per_second is not None else rate * 60))
                self._buckets.pop(route, None)
            return self.describe_locked()

    def clear(self, route: str | None = None) -> None:
        with self._lock:
            if route:
                self._faults.pop(route, None)
                self._buckets.pop(route, None)
                return
            self._faults.clear()
            self._buckets.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return self.describe_locked()

    def describe_locked(self) -> dict[str, Any]:
        return {
            "routes": {route: f.describe() for route, f in self._faults.items()},
            "default_rate_limit_per_minute": self.default_rate_per_minute,
        }

    # --- per request ---------------------------------------------------------------------------

    def count(self, route: str) -> None:
        with self._lock:
            self.calls[route] += 1

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def latency(self, route: str) -> float:
        with self._lock:
            delays = [f.latency_ms for key in (ALL_ROUTES, route) if (f := self._faults.get(key))]
        return max(delays, default=0) / 1000.0

    def check(self, route: str) -> Fault | None:
        """The fault this request gets, if any: queued failures, then the rate limit, then random 5xx."""
        now = self._clock()
        with self._lock:
            for key in (route, ALL_ROUTES):
                faults = self._faults.get(key)
                if faults and faults.fail_next:
                    item = faults.fail_next.popleft()
                    return Fault(item["status"], item.get("retry_after"), "injected")
            wait = self._rate_limit(route, now)
            if wait is not None:
                return Fault(429, float(max(1, math.ceil(wait))), "rate_limit")
            for key in (route, ALL_ROUTES):
                faults = self._faults.get(key)
                if faults and faults.rate_429 and self._rng.random() < faults.rate_429:
                    return Fault(429, 1.0, "random_429")
                if faults and faults.error_rate_5xx and self._rng.random() < faults.error_rate_5xx:
                    return Fault(faults.status_5xx, None, "random_5xx")
        return None

    def _rate_limit(self, route: str, now: float) -> float | None:
        faults = self._faults.get(route) or self._faults.get(ALL_ROUTES)
        if faults and faults.rate_per_second:
            rate, capacity = faults.rate_per_second, faults.burst or max(1.0, faults.rate_per_second)
        elif self.default_rate_per_minute:
            rate = self.default_rate_per_minute / 60.0
            capacity = max(1.0, rate)
        else:
            return None
        bucket = self._buckets.get(route)
        if bucket is None or bucket.rate != rate or bucket.capacity != capacity:
            bucket = self._buckets[route] = TokenBucket(rate, capacity, capacity, now)
        return bucket.take(now)
