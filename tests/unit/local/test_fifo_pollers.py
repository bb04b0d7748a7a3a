"""The local SQS event sources honour Lambda's FIFO semantics (issue 19): one batch per message group in
flight across every poller, order kept within a group, groups served in parallel up to MaximumConcurrency,
and the event-source settings Lambda refuses for a FIFO queue refused locally too.

moto gives the queue side (a group in flight is not handed to another receiver; deduplication; a FIFO queue
refuses a standard DLQ); the runtime's part is the poller count and the settings check, tested here with
real pollers on moto in-process."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.provision import FunctionSpec, SqsSource
from local.provision.functions import _check_fifo_source
from local.runtime.sqs import SqsPoller, poller_count
from local.runtime.workers import InvokeResult
from local.template import TemplateError

GROUPS = ("shop-a", "shop-b", "shop-c")


def _function() -> FunctionSpec:
    return FunctionSpec(logical_id="F", name="f", arn="arn:aws:lambda:us-east-1:123456789012:function:f",
                        handler="h.h", code_uri=Path("."), layers=(), runtime="python3.11", timeout=30, memory=128,
                        environment={})


def _fifo_queue(sqs: Any) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName="updates-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="updates.fifo", Attributes={
        "FifoQueue": "true", "VisibilityTimeout": "30", "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def test_pollers_serve_each_group_one_batch_at_a_time_in_order(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url, arn = _fifo_queue(sqs)
    for n in range(12):
        for group in GROUPS:
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"group": group, "n": n}), MessageGroupId=group,
                             MessageDeduplicationId=f"{group}-{n}")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"group": "shop-a", "n": 0}), MessageGroupId="shop-a",
                     MessageDeduplicationId="shop-a-0")  # a repeat within 5 minutes: dropped by SQS
    source = SqsSource(event_name="Updates", queue_arn=arn, queue_url=url, batch_size=4,
                       report_batch_item_failures=True, maximum_concurrency=3)
    lock = threading.Lock()
    in_flight: dict[str, int] = {}
    overlaps: list[str] = []
    seen: dict[str, list[int]] = {g: [] for g in GROUPS}
    most_at_once = 0

    def invoke(_function: FunctionSpec, event: dict[str, Any]) -> InvokeResult:
        nonlocal most_at_once
        groups = {r["attributes"]["MessageGroupId"] for r in event["Records"]}
        with lock:
            for group in groups:
                if in_flight.get(group):
                    overlaps.append(group)
                in_flight[group] = in_flight.get(group, 0) + 1
            most_at_once = max(most_at_once, sum(1 for v in in_flight.values() if v))
            for record in event["Records"]:
                body = json.loads(record["body"])
                seen[body["group"]].append(body["n"])
        time.sleep(0.05)  # a batch takes a while: another poller gets its chance at the same group
        with lock:
            for group in groups:
                in_flight[group] -= 1
        return InvokeResult(request_id="r", ok=True, payload_json='{"batchItemFailures": []}')

    count = poller_count(source, warm_workers=8)
    assert count == 3  # MaximumConcurrency caps the pollers
    pollers = [SqsPoller(_function(), source, invoke, sqs, region="us-east-1", poll_interval_s=0.01, wait_time_s=0)
               for _ in range(count)]
    for poller in pollers:
        poller.start()
    deadline = time.monotonic() + 20
    while sum(len(v) for v in seen.values()) < 36 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    for poller in pollers:
        poller.stop()
    assert overlaps == []
    assert seen == {g: list(range(12)) for g in GROUPS}  # every message once, in order, the repeat dropped
    assert most_at_once >= 2  # other groups were served while one was in flight


def test_poller_count_is_the_warm_workers_capped_by_maximum_concurrency() -> None:
    source = SqsSource(event_name="e", queue_arn="arn:aws:sqs:us-east-1:1:q.fifo", queue_url="u")
    assert source.fifo
    assert poller_count(source, warm_workers=2) == 2
    assert poller_count(source, warm_workers=2, configured=5) == 5
    capped = SqsSource(event_name="e", queue_arn="arn:aws:sqs:us-east-1:1:q", queue_url="u", maximum_concurrency=2)
    assert not capped.fifo and poller_count(capped, warm_workers=8) == 2


def test_fifo_sources_refuse_what_lambda_refuses() -> None:
    _check_fifo_source("F.Events.E", {"BatchSize": 10})
    with pytest.raises(TemplateError, match="at most 10"):
        _check_fifo_source("F.Events.E", {"BatchSize": 11})
    with pytest.raises(TemplateError, match="MaximumBatchingWindowInSeconds"):
        _check_fifo_source("F.Events.E", {"BatchSize": 5, "MaximumBatchingWindowInSeconds": 1})


def test_a_fifo_queue_refuses_a_standard_dlq(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="standard-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with pytest.raises(sqs.exceptions.ClientError, match="non fifo dead letter"):
        sqs.create_queue(QueueName="q.fifo", Attributes={
            "FifoQueue": "true", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})})
