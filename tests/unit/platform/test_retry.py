"""The one retry policy (clients/retry.py, on tenacity): attempts, budget, jitter, Retry-After."""

from __future__ import annotations

import pytest

from tiktok_vtex.clients.retry import RetryableError, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def policy(clock: Clock, **overrides) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=lambda: clock.now, rng=lambda: 1.0, **overrides)


def test_retries_until_success_with_exponential_waits() -> None:
    clock = Clock()
    seen: list[int] = []

    def attempt(n: int) -> str:
        seen.append(n)
        if n < 3:
            raise RetryableError("busy")
        return "ok"

    assert policy(clock, base_delay=0.2).run(attempt) == "ok"
    assert seen == [1, 2, 3]
    assert clock.sleeps == [0.2, 0.4]


def test_gives_up_after_max_attempts_raising_the_cause() -> None:
    clock = Clock()
    cause = ValueError("the real failure")

    def attempt(n: int) -> None:
        raise RetryableError("busy", cause=cause)

    with pytest.raises(ValueError, match="the real failure"):
        policy(clock, max_attempts=3).run(attempt)
    assert len(clock.sleeps) == 2


def test_stops_before_a_wait_would_overrun_the_budget() -> None:
    clock = Clock()
    calls: list[int] = []

    def attempt(n: int) -> None:
        calls.append(n)
        raise RetryableError("slow")

    with pytest.raises(RetryableError):
        policy(clock, max_attempts=50, base_delay=1.0, max_delay=8.0, total_budget=10.0).run(attempt)
    # waits 1 + 2 + 4 = 7 s; the next (8 s) would end past 10 s, so it is not slept.
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert calls == [1, 2, 3, 4]


def test_retry_after_overrides_the_backoff_and_non_retryable_errors_are_not_retried() -> None:
    clock = Clock()
    seen: list[int] = []

    def attempt(n: int) -> str:
        seen.append(n)
        if n == 1:
            raise RetryableError("429", retry_after=3.0)
        if n == 2:
            raise KeyError("not retryable")
        return "never"

    with pytest.raises(KeyError):
        policy(clock).run(attempt)
    assert clock.sleeps == [3.0]
    assert seen == [1, 2]


def test_jitter_stays_within_half_and_full_ceiling() -> None:
    low = RetryPolicy(rng=lambda: 0.0, base_delay=1.0, max_delay=8.0)
    high = RetryPolicy(rng=lambda: 1.0, base_delay=1.0, max_delay=8.0)
    assert [low.delay(a) for a in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [high.delay(a) for a in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
