from __future__ import annotations

from types import SimpleNamespace

from tests.fakes import FakeTime
from tiktok_vtex.clients.vtex.throttle import RetryAfterGate
from tiktok_vtex.repositories.products import SellerSku
from tiktok_vtex.sync.batching import product_batches
from tiktok_vtex.sync.reads import concurrent_map


def test_a_429_pauses_every_reader_for_retry_after() -> None:
    t = FakeTime(100.0)
    gate = RetryAfterGate(clock=t.clock, sleep=t.sleep)
    gate.before_request(None)
    assert t.slept == []
    gate.on_response(SimpleNamespace(status_code=429, headers={"Retry-After": "3"}))
    gate.on_response(SimpleNamespace(status_code=200, headers={}))
    gate.before_request(None)  # any worker's next request waits for the pause
    assert t.slept == [3.0] and gate.throttled == 1
    gate.before_request(None)
    assert t.slept == [3.0]


def test_429_without_retry_after_pauses_the_default_and_huge_values_are_capped() -> None:
    t = FakeTime(100.0)
    gate = RetryAfterGate(clock=t.clock, sleep=t.sleep, default_pause=1.0, max_pause=60.0)
    gate.on_response(SimpleNamespace(status_code=429, headers={}))
    gate.wait()
    gate.on_response(SimpleNamespace(status_code=429, headers={"Retry-After": "86400"}))
    gate.wait()
    assert t.slept == [1.0, 60.0]


def test_concurrent_map_returns_every_result_or_its_error() -> None:
    def fn(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x * 2

    results = concurrent_map(fn, list(range(6)), max_workers=3)
    assert [(i, r) for i, r, e in results if e is None] == [(0, 0), (1, 2), (2, 4), (4, 8), (5, 10)]
    assert [str(e) for _, _, e in results if e is not None] == ["three"]


def test_product_batches_never_split_a_product_unless_it_is_larger_than_a_batch() -> None:
    rows = [SellerSku(client_hash="c", seller_sku=f"{p}-{s}", tik_tok_product_id=p)
            for p, n in (("A", 2), ("B", 3), ("C", 7)) for s in range(n)]
    batches = product_batches(rows, 5)
    assert batches == [["A-0", "A-1", "B-0", "B-1", "B-2"], [f"C-{i}" for i in range(5)], ["C-5", "C-6"]]
