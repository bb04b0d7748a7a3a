"""A shop's batches move between containers (FIFO group per shop, issue 19): with buckets settled after each
batch, the shop's calls across every container conform to one bucket of the rate and burst; without, they
do not."""

from __future__ import annotations

import random

from tests.fakes import FakeTime, conforms_to_bucket
from tiktok_vtex.clients.tiktok.rate_limit import TokenBucketLimiter

RATE, BURST, BATCH = 50.0, 10.0, 10


def run_batches(settle: bool, seed: int = 5) -> list[float]:
    """Batches of one shop, one at a time (FIFO), each in a random one of 3 containers; calls of a batch are
    taken from the container's limiter one after another (the worst case: no latency between them)."""
    rng = random.Random(seed)
    clock = FakeTime(0.0)
    containers = [TokenBucketLimiter(RATE, burst=BURST, clock=clock.clock, sleep=clock.sleep) for _ in range(3)]
    times: list[float] = []
    for _ in range(60):
        limiter = rng.choice(containers)
        for _ in range(BATCH):
            limiter.acquire("shop:/inventory/update")
            times.append(clock.now)
        clock.now += rng.uniform(0.0, 0.02)  # the last call's answer, delete, next receive
        if settle:
            limiter.settle()
    return times


def test_settled_batches_fit_one_bucket_across_containers() -> None:
    times = run_batches(settle=True)
    assert conforms_to_bucket(times, RATE, BURST)
    assert len(times) / (max(times) - min(times)) > 0.9 * RATE  # and the shop still gets its rate


def test_without_settling_a_moving_group_overruns_the_bucket() -> None:
    assert not conforms_to_bucket(run_batches(settle=False), RATE, BURST)


def test_settle_waits_until_full_and_is_free_when_idle() -> None:
    clock = FakeTime(0.0)
    limiter = TokenBucketLimiter(RATE, burst=BURST, clock=clock.clock, sleep=clock.sleep)
    assert limiter.settle() == 0.0
    for _ in range(10):
        limiter.acquire("k")
    assert abs(limiter.settle() - 10 / RATE) < 1e-9
    assert limiter.settle() == 0.0
