"""A shop's batches move between containers (FIFO group per shop, issue 19): with buckets settled after each
batch, the shop's calls across every container conform to one bucket of the rate and burst; without, they
do not."""

from __future__ import annotations

import random

from tiktok_vtex.clients.tiktok.rate_limit import TokenBucketLimiter

RATE, BURST, BATCH = 50.0, 10.0, 10


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def conforms(times: list[float], rate: float, burst: float) -> bool:
    tokens, last = burst, 0.0
    for t in sorted(times):
        tokens = min(burst, tokens + (t - last) * rate) - 1.0
        last = t
        if tokens < -1e-9:
            return False
    return True


def run_batches(settle: bool, seed: int = 5) -> list[float]:
    """Batches of one shop, one at a time (FIFO), each in a random one of 3 containers; calls of a batch are
    taken from the container's limiter one after another (the worst case: no latency between them)."""
    rng = random.Random(seed)
    clock = Clock()
    containers = [TokenBucketLimiter(RATE, burst=BURST, clock=clock, sleep=clock.sleep) for _ in range(3)]
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
    assert conforms(times, RATE, BURST)
    assert len(times) / (max(times) - min(times)) > 0.9 * RATE  # and the shop still gets its rate


def test_without_settling_a_moving_group_overruns_the_bucket() -> None:
    assert not conforms(run_batches(settle=False), RATE, BURST)


def test_settle_waits_until_full_and_is_free_when_idle() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(RATE, burst=BURST, clock=clock, sleep=clock.sleep)
    assert limiter.settle() == 0.0
    for _ in range(10):
        limiter.acquire("k")
    assert abs(limiter.settle() - 10 / RATE) < 1e-9
    assert limiter.settle() == 0.0
