"""Client-side token bucket with a fake clock (no real sleeping)."""

from __future__ import annotations

import pytest

from tests.fakes import FakeTime
from tiktok_vtex.clients.tiktok.rate_limit import RateLimiter, TokenBucketLimiter, limiter_key, process_limiter


def test_burst_then_steady_rate() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(rate_per_second=50, burst=50, clock=t.clock, sleep=t.sleep)
    for _ in range(50):
        limiter.acquire("shop:/order/202309/orders/search")
    assert t.slept == []
    for _ in range(100):
        limiter.acquire("shop:/order/202309/orders/search")
    assert t.now - 1000.0 == pytest.approx(2.0, rel=1e-6)  # 100 more calls at 50 QPS take 2 s
    assert limiter.waited == pytest.approx(2.0, rel=1e-6)


def test_keys_are_independent() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(rate_per_second=2, burst=2, clock=t.clock, sleep=t.sleep)
    for key in ("a:/x", "a:/y", "b:/x"):
        limiter.acquire(key)
        limiter.acquire(key)
    assert t.slept == []
    limiter.acquire("a:/x")
    assert t.slept == [pytest.approx(0.5)]


def test_refill_is_capped_at_burst() -> None:
    t = FakeTime()
    limiter = TokenBucketLimiter(rate_per_second=10, burst=5, clock=t.clock, sleep=t.sleep)
    limiter.acquire("k")
    t.now += 3600
    for _ in range(5):
        limiter.acquire("k")
    assert t.slept == []
    limiter.acquire("k")
    assert len(t.slept) == 1


def test_protocol_and_key_and_validation() -> None:
    assert isinstance(TokenBucketLimiter(), RateLimiter)
    assert limiter_key("7496", "/product/202309/products/{product_id}") == "7496:/product/202309/products/{product_id}"
    assert limiter_key(None, "/x") == "-:/x"
    with pytest.raises(ValueError):
        TokenBucketLimiter(rate_per_second=0)


def test_clients_without_a_limiter_share_the_process_one() -> None:
    assert process_limiter() is process_limiter()
    assert process_limiter().rate == 50
