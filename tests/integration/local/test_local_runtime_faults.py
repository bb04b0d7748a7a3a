"""Crash injection hooks of the local runtime (local.runtime.faults), each exercised once on the fixture
template: a worker killed mid-batch, a function timing out after its side effect and before its state write."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.provision import ProvisionedStack
from local.runtime import Runtime, RuntimeConfig


def _faults(runtime: Runtime, method: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{runtime.lambda_url}/_local/faults", data=data, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def clean_faults(runtime: Runtime) -> Iterator[None]:
    yield
    _faults(runtime, "DELETE")


def _items(moto_client: Callable[[str], Any], table: str, pk: str) -> set[str]:
    items = moto_client("dynamodb").query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )["Items"]
    return {i["sk"]["S"] for i in items}


def _sqs_event(run: str, count: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "body": json.dumps({"id": f"{run}-{i}"}),
                "attributes": {"ApproximateReceiveCount": "1"},
            }
            for i in range(count)
        ]
    }


def test_kill_worker_mid_batch(
    runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any], clean_faults: None
) -> None:
    run = uuid.uuid4().hex[:8]
    status, body = _faults(
        runtime, "POST", {"function": "WorkerFunction", "kill_worker_every": 1, "kill_after_aws_calls": 2, "count": 1}
    )
    assert status == 200 and body["faults"][0]["function"] == "rt-worker"
    killed = runtime.invoke("WorkerFunction", _sqs_event(run, 4))
    assert not killed.ok and killed.error["errorType"] == "Runtime.ExitError"
    table = provisioned.physical_ids["EventsTable"]
    # the first two records were written (one PutItem each), then the container died: the rest never ran
    assert {sk for sk in _items(moto_client, table, "sqs") if sk.startswith(run)} == {f"{run}-0#1", f"{run}-1#1"}
    again = runtime.invoke("WorkerFunction", _sqs_event(run, 4))  # count=1: the redelivery runs normally
    assert again.ok and len({sk for sk in _items(moto_client, table, "sqs") if sk.startswith(run)}) == 4
    (fault,) = _faults(runtime, "GET")[1]["faults"]
    assert (fault["invocations"], fault["injected"]) == (2, 1)


def test_timeout_after_the_side_effect_before_the_state_write(
    runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any], clean_faults: None
) -> None:
    run = uuid.uuid4().hex[:8]
    sqs = moto_client("sqs")
    side_effects = sqs.create_queue(QueueName=f"side-{run}")["QueueUrl"]
    status, _ = _faults(
        runtime,
        "POST",
        {"function": "rt-jobs", "timeout_every": 1, "timeout_before": "dynamodb.PutItem", "count": 1},
    )
    assert status == 200
    event = {"id": run, "side_effect_queue": side_effects}
    timed_out = runtime.invoke("JobsFunction", event)
    assert not timed_out.ok and timed_out.error["errorType"] == "Sandbox.Timedout"
    sent = sqs.receive_message(QueueUrl=side_effects, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["id"] for m in sent] == [run]  # the side effect happened...
    table = provisioned.physical_ids["EventsTable"]
    assert not any(json.loads(d)["id"] == run for d in _job_data(moto_client, table))  # ...the state write did not
    assert runtime.invoke("JobsFunction", event).ok  # count=1: the retry writes its state
    assert any(json.loads(d)["id"] == run for d in _job_data(moto_client, table))


def _job_data(moto_client: Callable[[str], Any], table: str) -> list[str]:
    items = moto_client("dynamodb").query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "job"}}
    )["Items"]
    return [i["data"]["S"] for i in items]


def test_invalid_faults_are_refused_by_name(runtime: Runtime, clean_faults: None) -> None:
    status, body = _faults(runtime, "POST", {"function": "Nobody", "kill_worker_every": 1})
    assert status == 400 and "no function 'Nobody'" in body["message"]
    status, body = _faults(runtime, "POST", {"function": "rt-jobs", "timeout_every": 1})
    assert status == 400 and "timeout_before" in body["message"]
    status, body = _faults(runtime, "POST", {"function": "rt-jobs", "kill_worker_every": 1, "bogus": 1})
    assert status == 400 and "bogus" in body["message"]
    assert _faults(runtime, "GET") == (200, {"faults": []})


def test_faults_from_the_environment(provisioned: ProvisionedStack) -> None:
    spec = [{"function": "SlowFunction", "kill_worker_every": 2, "kill_after_aws_calls": 0}]
    config = RuntimeConfig.from_env({}, faults=json.dumps(spec), api_port=0, lambda_port=0)
    runtime = Runtime(provisioned, config=config)
    (fault,) = runtime.faults.describe()
    assert (fault["function"], fault["kill_worker_every"], fault["kill_after_aws_calls"]) == ("rt-slow", 2, 0)
    assert [runtime.faults.plan("rt-slow") for _ in range(4)] == [None, {"kill_after_aws_calls": 0}] * 2


def test_timeout_params_pick_the_call_whose_parameters_match(
    runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any], clean_faults: None
) -> None:
    run = uuid.uuid4().hex[:8]
    sqs = moto_client("sqs")
    side_effects = sqs.create_queue(QueueName=f"side-{run}")["QueueUrl"]
    event = {"id": run, "side_effect_queue": side_effects}
    table = provisioned.physical_ids["EventsTable"]
    spec = {"function": "rt-jobs", "timeout_every": 1, "timeout_before": "dynamodb.PutItem", "count": 1}
    assert _faults(runtime, "POST", {**spec, "timeout_params": "*not-this-run*"})[0] == 200
    assert runtime.invoke("JobsFunction", event).ok  # the PutItem's parameters do not match: no hang
    assert any(json.loads(d)["id"] == run for d in _job_data(moto_client, table))
    assert _faults(runtime, "POST", {**spec, "timeout_params": f"*{run}*"})[0] == 200
    timed_out = runtime.invoke("JobsFunction", event)
    assert not timed_out.ok and timed_out.error["errorType"] == "Sandbox.Timedout"
    status, body = _faults(runtime, "POST", {"function": "rt-jobs", "kill_worker_every": 1, "timeout_params": "*"})
    assert status == 400 and "timeout_params" in body["message"]


def test_visibility_timeout_scale_shortens_the_source_queues_wait(
    provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    sqs = moto_client("sqs")
    work = next(s.queue_url for f in provisioned.functions() for s in f.sqs_sources)
    dlq = sqs.get_queue_url(QueueName=provisioned.physical_ids["WorkDLQ"].rsplit("/", 1)[-1])["QueueUrl"]

    def visibility(url: str) -> int:
        return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"][
            "VisibilityTimeout"])

    dlq_before = visibility(dlq)
    sqs.set_queue_attributes(QueueUrl=work, Attributes={"VisibilityTimeout": "360"})  # as a template would say
    try:
        config = RuntimeConfig.from_env({"LOCAL_VISIBILITY_TIMEOUT_SCALE": "0.05"}, schedules=False)
        assert config.visibility_timeout_scale == 0.05
        Runtime(provisioned, config=config)._scale_visibility_timeouts()
        assert visibility(work) == 18  # 360 s x 0.05; queues no poller reads are left alone
        assert visibility(dlq) == dlq_before
        with pytest.raises(Exception, match="LOCAL_VISIBILITY_TIMEOUT_SCALE"):
            Runtime(provisioned, config=RuntimeConfig(visibility_timeout_scale=0))._scale_visibility_timeouts()
    finally:
        sqs.set_queue_attributes(QueueUrl=work, Attributes={"VisibilityTimeout": "1"})
