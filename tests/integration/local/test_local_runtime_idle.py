"""`/_local/idle` under staggered traffic on several queues (tests/fixtures/runtime/queues.yaml).

Pollers long-poll (WaitTimeSeconds=1) and fall out of step; before the fix a poller counted as busy during its
empty wait, so "every poller idle at once" almost never happened and idle never settled. Idle now means: no
message visible, in flight or delayed in any source queue and no invoke running or queued, twice in a row."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.provision import ProvisionedStack, provision
from local.runtime import Runtime, RuntimeConfig

from .conftest import FIXTURE_DIR, REGION


@pytest.fixture(scope="module")
def queues_stack(moto_endpoint: str) -> ProvisionedStack:
    return provision(FIXTURE_DIR / "queues.yaml", region=REGION, endpoint_url=moto_endpoint, stack_name="idle")


@pytest.fixture(scope="module")
def queues_runtime(queues_stack: ProvisionedStack) -> Iterator[Runtime]:
    config = RuntimeConfig(
        schedules=False, sqs_poll_interval_s=0.05, sqs_wait_time_s=1, log_sink=lambda *_: None, pool_size=2
    )
    with Runtime(queues_stack, config=config) as running:
        yield running


def _idle(runtime: Runtime, timeout: float) -> bool:
    url = f"{runtime.lambda_url}/_local/idle?timeout={timeout}"
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=timeout + 10) as response:  # noqa: S310 - loopback
        return bool(json.loads(response.read())["idle"])


def _delivered(moto_client: Callable[[str], Any], run: str) -> set[str]:
    items = moto_client("dynamodb").query(
        TableName="idle-events",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "sqs"}},
    )["Items"]
    return {i["sk"]["S"].split("#")[0] for i in items if i["sk"]["S"].startswith(run)}


def test_idle_settles_under_staggered_traffic_on_several_queues(
    queues_runtime: Runtime, queues_stack: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    sqs = moto_client("sqs")
    urls = [queues_stack.physical_ids[name] for name in ("QueueA", "QueueB", "QueueC")]
    run = uuid.uuid4().hex[:8]
    expected: set[str] = set()
    for i in range(12):  # staggered: each queue gets a message every ~0.45 s, out of step with the others
        body: dict[str, Any] = {"id": f"{run}-{i}"}
        if i % 4 == 1:
            body |= {"forward_to": urls[(i + 1) % 3], "sleep": 0.2}  # in transit to another queue
            expected.add(f"{run}-{i}>")
        if i % 5 == 2:
            body["fail"] = 1  # fails once: in flight until its visibility timeout, then succeeds
        sqs.send_message(QueueUrl=urls[i % 3], MessageBody=json.dumps(body))
        expected.add(f"{run}-{i}")
        time.sleep(0.15)
    started = time.monotonic()
    assert _idle(queues_runtime, timeout=30) is True
    took = time.monotonic() - started
    assert _delivered(moto_client, run) == expected  # idle came after every message and every forward
    assert all(count == 0 for count in queues_runtime.pending_messages().values())
    assert took < 15, f"idle took {took:.1f}s"


def test_idle_waits_for_a_message_in_flight_and_an_invoke_running(
    queues_runtime: Runtime, queues_stack: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    sqs = moto_client("sqs")
    run = uuid.uuid4().hex[:8]
    forward_to = queues_stack.physical_ids["QueueC"]
    sqs.send_message(
        QueueUrl=queues_stack.physical_ids["QueueA"],
        MessageBody=json.dumps({"id": run, "forward_to": forward_to, "sleep": 2.0}),
    )
    assert queues_runtime.wait_idle(timeout_s=1.0) is False  # received, being processed (2 s)
    assert queues_runtime.wait_idle(timeout_s=20) is True
    assert _delivered(moto_client, run) == {run, f"{run}>"}


def test_a_poller_in_its_empty_long_poll_is_not_busy(queues_runtime: Runtime) -> None:
    assert queues_runtime.wait_idle(timeout_s=20) is True
    seen_busy: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen_busy.append(any(p.busy for p in queues_runtime.pollers))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    assert queues_runtime.wait_idle(timeout_s=5) is True
    stop.set()
    watcher.join()
    assert time.monotonic() - started < 1.0  # two observations 0.1 s apart, not "every poller between polls"
    assert not any(seen_busy)
