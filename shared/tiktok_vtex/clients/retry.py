"""The one retry policy of the HTTP clients: jittered exponential backoff within a bounded total time.

Both the TikTok and the VTEX client decide *whether* a failure is retryable (they know the codes);
this module decides *when* to try again and when to give up. The clock and sleep are injectable so
tests never wait for real.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class RetryableError(Exception):
    """Raised by an attempt that may succeed if tried again.

    `retry_after` (seconds) is the server's own hint (HTTP Retry-After); it overrides the backoff.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, cause: Exception | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.cause = cause


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 8.0
    total_budget: float = 20.0  # seconds; a Lambda must still have time to record the failure
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    rng: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter backoff for the given attempt number (1 = first retry)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay * 4)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling * (0.5 + self.rng() / 2)

    def run(self, attempt_fn: Callable[[int], T]) -> T:
        """Call `attempt_fn(attempt)` until it returns, raises a non-retryable error, or the budget ends.

        On exhaustion the last RetryableError's cause (or the error itself) is raised.
        """
        started = self.clock()
        attempt = 1
        while True:
            try:
                return attempt_fn(attempt)
            except RetryableError as error:
                wait = self.delay(attempt, error.retry_after)
                spent = self.clock() - started
                if attempt >= self.max_attempts or spent + wait > self.total_budget:
                    if error.cause is not None:
                        raise error.cause from error
                    raise
                self.sleep(wait)
                attempt += 1


NO_RETRY = RetryPolicy(max_attempts=1)
