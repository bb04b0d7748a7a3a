"""benchmarks/multi_shop_model.py models the template's FIFO update queue: a group in flight is not handed out
again, a group's messages come together and in order, and the scaling it models is the template's."""

from __future__ import annotations

from benchmarks.multi_shop_model import SimFifoQueue, TemplateScaling


def test_a_group_in_flight_is_locked_and_its_order_kept() -> None:
    queue = SimFifoQueue()
    queue.send([{"clientHash": shop, "n": n} for n in range(3) for shop in ("a", "b")])
    first, groups = queue.receive(2)
    assert [m["n"] for m in first] == [0, 1] and groups == {"a"}  # the oldest group's messages together
    second, groups_b = queue.receive(10)
    assert {m["clientHash"] for m in second} == {"b"} and groups_b == {"b"}
    assert queue.receive(10, timeout=0) == ([], set())  # a and b both in flight
    queue.done(groups)
    third, _ = queue.receive(10)
    assert [(m["clientHash"], m["n"]) for m in third] == [("a", 2)]
    queue.done({"a", "b"})
    assert queue.idle


def test_the_modelled_scaling_is_the_templates() -> None:
    scaling = TemplateScaling.from_template()
    assert scaling.update_fifo and scaling.update_batch <= 10
    assert scaling.qps_per_container <= 50 and scaling.limiter_burst <= scaling.update_batch
    # the fetch side (issue 19): FIFO per client, its per-account VTEX bucket, pollers capped by the template
    assert scaling.fetch_fifo and scaling.fetch_batch <= 10 and scaling.fetch_max_concurrency >= 2
    assert scaling.vtex_reads_per_second and 1 <= (scaling.vtex_reads_burst or 0) <= 300


def test_a_time_scaled_run_with_sandboxes_in_their_processes_counts_at_the_scaled_limits() -> None:
    """The multi-shop bench at a tiny size, time scale 4: every call is counted per shop, nothing fails, the
    bound is computed at the scaled limits, and both sides were scaled: the connector's limiter (a batch of 10
    cannot end before 10 / (50 / 4) s: settled) and the sandboxes (TikTok's 60 ms latency became 240 ms)."""
    from benchmarks.bench_multi_shop import measure

    counts = measure(shops=2, products=12, time_scale=4.0)
    assert counts.failures == 0 and counts.errors == []
    assert [s.tiktok_calls for s in counts.per_shop] == [12, 12]  # one inventory update per product
    assert [s.vtex_calls for s in counts.per_shop] == [60, 60]  # one read per SKU
    assert counts.bound_s == max(12 / (50 / 4), 60 / (300 / 4))
    assert counts.model_bound_s == counts.bound_s / 4
    # Settled batches: a shop's 12 calls take at least 12 / 12.5 s of batches, however they split (unscaled ~0.5 s).
    assert counts.update_batch_s >= 2 * (12 / 12.5) * 0.95
    assert counts.update_record_s / counts.update_messages >= 0.24  # the sandbox's latency x 4
    assert counts.sandbox_cpu_s > 0  # the sandboxes ran in processes of their own
    assert counts.fetch_containers == 2  # FIFO fetch queue: min(MaximumConcurrency, shops) pollers
