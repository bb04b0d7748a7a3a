"""The fetch functions' per-account VTEX read bucket (issue 19): the fetch queues are FIFO per client, so a
store's batches run one at a time but move between containers; each container paces its calls to an account
through its bucket and settles it after each batch, so the account's calls across every container fit one
bucket of the template's rate and burst. Without settling they do not; the 429 gate stays the backstop."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest

from tests.fakes import FakeTime, conforms_to_bucket
from tiktok_vtex.clients.tiktok.rate_limit import TokenBucketLimiter
from tiktok_vtex.clients.vtex.throttle import RetryAfterGate, RetryAfterGates
from tiktok_vtex.sync_functions.wiring import vtex_read_limiter

RATE, BURST, READS_PER_BATCH = 250.0, 50.0, 250  # template.yaml; a batch: 5 messages x 50 SKUs


def container(clock: FakeTime) -> RetryAfterGates:
    """What SyncWiring builds in one Lambda container: a 429 gate and a read bucket per account."""
    return RetryAfterGates(lambda: RetryAfterGate(clock=clock.clock, sleep=clock.sleep),
                           reads=TokenBucketLimiter(RATE, burst=BURST, clock=clock.clock, sleep=clock.sleep))


def run_batches(settle: bool, seed: int = 7) -> list[float]:
    """One store's fetch batches, one at a time (its FIFO group), each in a random one of 3 containers; reads
    one after another with no latency (the worst case)."""
    rng = random.Random(seed)
    clock = FakeTime(0.0)
    containers = [container(clock) for _ in range(3)]
    times: list[float] = []
    for _ in range(20):
        gates = rng.choice(containers)
        gate = gates.for_account("store-account")
        for _ in range(READS_PER_BATCH):
            gate.before_request(None)
            times.append(clock.now)
        clock.now += rng.uniform(0.0, 0.05)  # the last answer, the update messages, delete, next receive
        if settle:
            gates.settle()
    return times


def test_settled_fetch_batches_fit_the_accounts_bucket_across_containers() -> None:
    times = run_batches(settle=True)
    assert conforms_to_bucket(times, RATE, BURST)
    assert len(times) / (max(times) - min(times)) > 0.95 * RATE  # and the store still gets the rate


def test_without_settling_the_moving_group_overruns_the_account() -> None:
    assert not conforms_to_bucket(run_batches(settle=False), RATE, BURST)


def test_accounts_have_buckets_of_their_own() -> None:
    clock = FakeTime(0.0)
    gates = container(clock)
    busy, other = gates.for_account("busy"), gates.for_account("other")
    for _ in range(int(BURST) + 100):
        busy.before_request(None)
    paced = clock.now
    assert paced == pytest.approx(100 / RATE)  # the busy account waited for its rate
    other.before_request(None)
    assert clock.now == paced  # another store's account did not wait behind it
    assert gates.settle() == pytest.approx(BURST / RATE)  # both full again: the busy one needed BURST / RATE


def test_without_a_rate_the_gate_alone_and_settle_is_free() -> None:
    clock = FakeTime(0.0)
    gates = RetryAfterGates(lambda: RetryAfterGate(clock=clock.clock, sleep=clock.sleep))
    for _ in range(1000):
        gates.for_account("a").before_request(None)
    assert clock.now == 0.0 and gates.settle() == 0.0


def _settings(**extra: str) -> Any:
    return SimpleNamespace(extra=extra)


def test_the_limiter_comes_from_the_fetch_functions_settings(template: dict[str, Any]) -> None:
    for function in ("StockFetchFunction", "StockLegacyFunction", "PriceFetchFunction"):
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        limiter = vtex_read_limiter(_settings(**variables))
        assert limiter is not None, function
        assert limiter.rate == float(variables["VTEX_READS_PER_SECOND"])
        assert limiter.burst == float(variables["VTEX_READS_BURST"])
    assert vtex_read_limiter(_settings()) is None
    assert vtex_read_limiter(_settings(VTEX_READS_PER_SECOND="100")).burst == 100.0
    for bad in ({"VTEX_READS_PER_SECOND": "fast"}, {"VTEX_READS_PER_SECOND": "-1"},
                {"VTEX_READS_PER_SECOND": "100", "VTEX_READS_BURST": "0"}):
        with pytest.raises(ValueError, match="VTEX_READS_PER_SECOND"):
            vtex_read_limiter(_settings(**bad))
