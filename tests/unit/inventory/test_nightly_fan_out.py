"""The nightly fan-out's queueing (shared/tiktok_vtex/sync/nightly.py) with a recording dispatcher and a fake
remaining-time clock, and the nightly message's cursor as the handlers parse it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from tiktok_vtex.dispatch import DispatchError
from tiktok_vtex.sync.nightly import queue_all_clients


class Recorder:
    """What QueuePublisher.send does with its calls: one SendMessageBatch per 10 messages."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[Mapping[str, Any]]] = []
        self.fail = fail

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        if self.fail:
            raise DispatchError("1 message(s) not accepted", list(messages))
        self.batches.append(list(messages))
        return -(-len(messages) // 10)


def _queue(hashes: list[str], queue: Recorder, **kwargs: Any) -> dict[str, Any]:
    return queue_all_clients(hashes, queue, client_message=lambda h: {"clientHash": h},
                             continuation=lambda cursor: {"cursor": cursor}, **kwargs)


def test_clients_go_in_hash_order_ten_a_call_without_repeats() -> None:
    queue = Recorder()
    hashes = [*sorted((f"c{i:02d}" for i in range(25)), reverse=True), "c03"]  # any order, one repeat
    answer = _queue(hashes, queue)
    assert answer == {"status": "ok", "clients": sorted(set(hashes)), "calls": 3, "cursor": None}
    assert [len(b) for b in queue.batches] == [10, 10, 5]
    assert _queue([], Recorder()) == {"status": "ok", "clients": [], "calls": 0, "cursor": None}


def test_short_of_time_the_run_queues_its_continuation_after_the_last_client_queued() -> None:
    queue = Recorder()
    left = iter([60_000, 10_000])  # before the 2nd batch: plenty; before the 3rd: under the 20 s reserve
    answer = _queue([f"c{i:02d}" for i in range(25)], queue, remaining_ms=lambda: next(left))
    assert answer == {"status": "continued", "clients": [f"c{i:02d}" for i in range(20)], "calls": 3,
                      "cursor": "c19"}
    assert queue.batches[-1] == [{"cursor": "c19"}]
    # the continuation: the clients after the cursor only
    rest = Recorder()
    assert _queue([f"c{i:02d}" for i in range(25)], rest, after="c19")["clients"] == [f"c{i:02d}" for i in
                                                                                      range(20, 25)]


def test_every_run_queues_at_least_one_batch_so_continuations_always_progress() -> None:
    queue = Recorder()
    answer = _queue([f"c{i:02d}" for i in range(12)], queue, remaining_ms=lambda: 0)
    assert answer["clients"] == [f"c{i:02d}" for i in range(10)] and answer["cursor"] == "c09"


def test_a_refused_send_fails_the_run_for_its_retry() -> None:
    with pytest.raises(DispatchError):
        _queue(["a", "b"], Recorder(fail=True))


@pytest.mark.parametrize("module_name, nightly", [("stock.handler", "triggerPrepareStockAllClients"),
                                                  ("prices.handler", "triggerPrepareListPriceAllClients")])
def test_the_nightly_cursor_is_a_client_hash_or_refused(module_name: str, nightly: str) -> None:
    import importlib

    module = importlib.import_module(module_name)
    assert module.parse({"type": nightly, "cursor": "abc-1"}).cursor == "abc-1"
    assert module.parse({"type": nightly}).cursor is None
    with pytest.raises(ValueError, match="cursor"):
        module.parse({"type": nightly, "cursor": "../x y"})
