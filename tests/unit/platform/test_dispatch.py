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


class RecordingFifoSqs:
    """Records every entry sent; fails the entries whose `n` is in `fail` on the first call only."""

    def __init__(self, fail: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.fail, self.calls, self.entries = fail, 0, []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        self.entries.extend(Entries)
        failed = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False}
                  for e in Entries if self.calls == 1 and json.loads(e["MessageBody"])["n"] in self.fail]
        return {"Successful": [], "Failed": failed}


def test_per_send_deduplication_ids_are_unique_per_send_and_kept_across_the_entry_retry() -> None:
    """Fetch queues (issue 19): the same request sent twice gets two ids (SQS would drop the second within 5
    minutes otherwise); the publisher's own retry of a failed entry re-sends the same id (a retry is one send)."""
    sqs = RecordingFifoSqs(fail={"b"})
    publisher = QueuePublisher("https://sqs/1/busca-estoque-sku.fifo", sqs, deduplication="per_send")
    request = {"type": "triggerPepareSkuStockBatch", "clientHash": "shop-a", "n": "a"}
    publisher.send([request, {**request, "n": "b"}])
    publisher.send([request])
    ids = {(json.loads(e["MessageBody"])["n"], e["MessageDeduplicationId"]) for e in sqs.entries}
    a_ids = [i for n, i in ids if n == "a"]
    b_ids = [e["MessageDeduplicationId"] for e in sqs.entries if json.loads(e["MessageBody"])["n"] == "b"]
    assert len(a_ids) == 2, "the same body sent twice got the same deduplication id: SQS drops the second"
    assert len(b_ids) == 2 and len(set(b_ids)) == 1, "the retried entry must keep its deduplication id"
    assert {e["MessageGroupId"] for e in sqs.entries} == {"shop-a"}


def test_body_deduplication_stays_the_default_for_the_update_queues() -> None:
    sqs = RecordingFifoSqs()
    publisher = QueuePublisher("https://sqs/1/atualiza-estoque-ttk.fifo", sqs)
    message = {"type": "triggerUpdateInventoryBySellerSku", "clientHash": "shop-a", "n": "x", "readAtMs": 1}
    publisher.send([message])
    publisher.send([message])
    assert len({e["MessageDeduplicationId"] for e in sqs.entries}) == 1
    with pytest.raises(ValueError, match="deduplication"):
        QueuePublisher("u.fifo", sqs, deduplication="random")  # type: ignore[arg-type]


def test_the_fetch_queues_of_the_sync_wiring_deduplicate_per_send_and_group_the_nightly() -> None:
    from tiktok_vtex.sync_functions.wiring import FETCH_QUEUES, NIGHTLY_GROUP, fetch_message_group

    assert {"SQS_BUSCA_ESTOQUE", "SQS_BUSCA_PRECO"} == FETCH_QUEUES
    assert fetch_message_group({"type": "triggerPepareSkuStockBatch", "clientHash": "shop-a"}) == "shop-a"
    for nightly in ("triggerPrepareStockAllClients", "triggerPrepareListPriceAllClients"):
        assert fetch_message_group({"type": nightly, "cursor": "c09"}) == NIGHTLY_GROUP
    with pytest.raises(DispatchError, match="must name its client"):
        fetch_message_group({"type": "triggerPepareSkuStockBatch", "sku": ["1"]})
