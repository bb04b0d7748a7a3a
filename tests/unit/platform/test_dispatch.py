from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tiktok_vtex.dispatch import AsyncInvoker, DispatchError, QueuePublisher


def test_queue_publisher_batches_by_ten(aws) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    calls: list[int] = []
    original = sqs.send_message_batch

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Entries"]))
        return original(**kwargs)

    sqs.send_message_batch = counting  # type: ignore[method-assign]
    made = QueuePublisher(url, sqs).send([{"n": i} for i in range(23)])
    assert made == 3 and calls == [10, 10, 3]
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        bodies += [json.loads(m["Body"])["n"] for m in got]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]}
                                                        for m in got])
    assert sorted(bodies) == list(range(23))


class FlakySqs:
    """Fails the entries listed in `fail` on the first `times` calls."""

    def __init__(self, fail: set[str], times: int) -> None:
        self.fail, self.times, self.calls = fail, times, 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        failed = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False}
                  for e in Entries if self.calls <= self.times and json.loads(e["MessageBody"])["n"] in self.fail]
        return {"Successful": [], "Failed": failed}


def test_failed_entries_are_retried_once_then_reported() -> None:
    assert QueuePublisher("u", FlakySqs({"b"}, times=1)).send([{"n": "a"}, {"n": "b"}]) == 2
    with pytest.raises(DispatchError) as raised:
        QueuePublisher("u", FlakySqs({"b"}, times=5)).send([{"n": "a"}, {"n": "b"}])
    assert raised.value.failed == [{"n": "b"}]


def test_oversized_message_is_refused_with_its_size() -> None:
    with pytest.raises(DispatchError, match="256 KiB"):
        QueuePublisher("u", FlakySqs(set(), 0)).send([{"blob": "x" * 300_000}])


class FakeLambda:
    def __init__(self, status: int = 202) -> None:
        self.status, self.invocations = status, []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invocations.append(kwargs)
        return {"StatusCode": self.status}


def test_async_invoker_uses_event_invocation() -> None:
    fake = FakeLambda()
    AsyncInvoker("integracao-tik-tok-PEDIDOS-novo-pedido-TTK", fake).send([{"type": "triggerNewOrderInTTK"}])
    call = fake.invocations[0]
    assert call["InvocationType"] == "Event"
    assert json.loads(call["Payload"]) == {"type": "triggerNewOrderInTTK"}
    with pytest.raises(DispatchError):
        AsyncInvoker("f", FakeLambda(status=500)).send([{"a": 1}])
