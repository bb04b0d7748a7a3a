"""The one retry policy of the HTTP clients: jittered exponential backoff within a bounded total time.

Both the TikTok and the VTEX client decide *whether* a failure is retryable (they know the codes, and
only idempotent or explicitly safe calls raise RetryableError); this module decides *when* to try again
and when to give up. The loop is tenacity's (`Retrying`): retry only on RetryableError, wait = this
policy's jittered backoff (or the server's Retry-After), stop after `max_attempts` or when the next wait
would overrun `total_budget`. The clock, sleep and random source are injectable so tests never wait for
real. New code that needs a retry loop uses RetryPolicy.run (or tenacity directly), never a hand-written
`while True: try/sleep`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

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

        def wait(state: RetryCallState) -> float:
            return self.delay(state.attempt_number, _retryable(state).retry_after)

        def stop(state: RetryCallState) -> bool:
            # tenacity computes the wait before asking whether to stop, so the budget check sees it.
            spent = self.clock() - started
            return state.attempt_number >= self.max_attempts or spent + state.upcoming_sleep > self.total_budget

        retrying = Retrying(retry=retry_if_exception_type(RetryableError), wait=wait, stop=stop, sleep=self.sleep,
                            retry_error_callback=_give_up)
        for attempt in retrying:
            with attempt:
                return attempt_fn(attempt.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity either returns, raises or gives up")  # pragma: no cover


def _retryable(state: RetryCallState) -> RetryableError:
    error = state.outcome.exception() if state.outcome is not None else None
    if not isinstance(error, RetryableError):  # pragma: no cover - retry_if_exception_type guarantees it
        raise TypeError("retry state without a RetryableError")
    return error


def _give_up(state: RetryCallState) -> NoReturn:
    error = _retryable(state)
    if error.cause is not None:
        raise error.cause from error
    raise error


NO_RETRY = RetryPolicy(max_attempts=1)
