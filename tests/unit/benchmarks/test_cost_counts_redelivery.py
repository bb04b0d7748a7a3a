"""The cost model's measured run treats a record its batch reports failed as SQS does: handed over again, up to
the queues' maxReceiveCount, counted and with its reason (a rare transient failure must not fail the run)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.aws_calls import AwsCallCounter, StageCounts
from benchmarks.cost_counts import MAX_RECEIVES, _invoke


class FlakyHandler:
    """A batch handler failing record `m1` its first `failures` times, as Powertools reports it."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen: list[list[str]] = []
        self.FUNCTION = SimpleNamespace(processor=SimpleNamespace(exceptions=[]))

    def lambda_handler(self, event: dict[str, Any], _context: Any) -> dict[str, Any]:
        ids = [r["messageId"] for r in event["Records"]]
        self.seen.append(ids)
        self.FUNCTION.processor.exceptions = []
        if "m1" in ids and self.failures > 0:
            self.failures -= 1
            self.FUNCTION.processor.exceptions = [(TimeoutError, TimeoutError("VTEX read timed out"), None)]
            return {"batchItemFailures": [{"itemIdentifier": "m1"}]}
        return {"batchItemFailures": []}


def _event() -> dict[str, Any]:
    return {"Records": [{"messageId": "m1", "body": "{}"}, {"messageId": "m2", "body": "{}"}]}


def test_a_transiently_failed_record_is_redelivered_alone_and_counted() -> None:
    handler, stage = FlakyHandler(failures=2), StageCounts()
    _invoke(handler, _event(), stage, AwsCallCounter(), "fetch", "StockFetchFunction")
    assert handler.seen == [["m1", "m2"], ["m1"], ["m1"]]
    assert stage.redelivered == 2 and stage.messages == 2 and stage.invocations == 3
    assert stage.failure_reasons == ["TimeoutError: VTEX read timed out"] * 2


def test_a_record_failing_every_receive_fails_the_run_with_its_reason() -> None:
    handler, stage = FlakyHandler(failures=MAX_RECEIVES), StageCounts()
    with pytest.raises(RuntimeError, match=r"failed 5 times.*VTEX read timed out"):
        _invoke(handler, _event(), stage, AwsCallCounter(), "fetch", "StockFetchFunction")
    assert len(handler.seen) == MAX_RECEIVES
