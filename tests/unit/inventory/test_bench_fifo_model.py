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
