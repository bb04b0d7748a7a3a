"""The local runtime end to end on loopback: HTTP API, Lambda Invoke API (boto3), async invokes with
retries and dead-letter, schedules fired on request, SQS batches with partial failures and the DLQ,
timeouts, crashes and warm worker pools. Template: tests/fixtures/runtime/template.yaml."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.provision import ProvisionedStack
from local.runtime import PortInUseError, Runtime, RuntimeConfig, StackError

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURE_TEMPLATE_PATH = REPO_ROOT / "tests" / "fixtures" / "runtime" / "template.yaml"


def _http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def _lambda(runtime: Runtime) -> Any:
    return boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url=runtime.lambda_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def _records(moto_client: Callable[[str], Any], stack: ProvisionedStack, pk: str) -> list[dict[str, Any]]:
    table = stack.physical_ids["EventsTable"]
    items = moto_client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]
    return [{"sk": i["sk"]["S"], "data": json.loads(i["data"]["S"])} for i in items]


# --------------------------------------------------------------------------------------------- HTTP API


def test_http_route_gets_a_payload_v2_event(runtime: Runtime) -> None:
    status, headers, body = _http(
        "GET", f"{runtime.api_url}/hello/world?x=1&x=2&y=z", headers={"X-Test": "A", "Cookie": "a=1; b=2"}
    )
    assert status == 200 and headers["content-type"] == "application/json"
    answer = json.loads(body)
    event = answer["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "GET /hello/{name}"
    assert event["rawPath"] == "/hello/world" and event["rawQueryString"] == "x=1&x=2&y=z"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "z"}
    assert event["pathParameters"] == {"name": "world"}
    assert event["headers"]["x-test"] == "A" and event["cookies"] == ["a=1", "b=2"]
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["requestId"] and event["requestContext"]["timeEpoch"] > 0
    # the worker: template environment, layer on sys.path, Lambda context, runtime endpoints
    assert answer["greeting"] == "hello" and answer["mode"] == "local-mode" and answer["layer"] == "rtlib-layer"
    assert answer["function_name"] == "rt-http" and answer["memory"] == 256
    assert answer["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:rt-http"
    assert 0 < answer["remaining_ms"] <= 5000
    assert answer["lambda_endpoint"] == runtime.lambda_url


def test_http_post_body_text_and_binary(runtime: Runtime) -> None:
    _, _, body = _http("POST", f"{runtime.api_url}/echo", b'{"a": 1}', {"Content-Type": "application/json"})
    event = json.loads(body)["event"]
    assert event["body"] == '{"a": 1}' and event["isBase64Encoded"] is False
    _, _, body = _http("POST", f"{runtime.api_url}/echo", b"\x00\xff", {"Content-Type": "application/octet-stream"})
    event = json.loads(body)["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xff"


def test_http_response_formats(runtime: Runtime) -> None:
    status, headers, body = _http("DELETE", f"{runtime.api_url}/raw/dict")
    assert status == 200 and json.loads(body) == {"plain": True, "method": "DELETE"}
    assert headers["content-type"] == "application/json"
    status, _, body = _http("GET", f"{runtime.api_url}/raw/text")
    assert status == 200 and body == b"just text"
    status, headers, body = _http("GET", f"{runtime.api_url}/raw/binary")
    assert status == 201 and body == b"\x00\x01\xff" and headers["x-test"] == "yes"
    status, _, body = _http("GET", f"{runtime.api_url}/raw/error")
    assert status == 500 and json.loads(body) == {"message": "Internal Server Error"}
    status, _, body = _http("GET", f"{runtime.api_url}/not/a/route")
    assert status == 404 and json.loads(body) == {"message": "Not Found"}


# --------------------------------------------------------------------------------------------- Invoke API


def test_boto3_request_response_and_function_errors(runtime: Runtime) -> None:
    client = _lambda(runtime)
    ok = client.invoke(FunctionName="rt-jobs", Payload=json.dumps({"id": "sync"}))
    assert ok["StatusCode"] == 200 and "FunctionError" not in ok
    assert json.loads(ok["Payload"].read()) == {"ok": True, "event": {"id": "sync"}}
    failed = client.invoke(
        FunctionName="arn:aws:lambda:us-east-1:123456789012:function:rt-jobs",
        InvocationType="RequestResponse",
        Payload=json.dumps({"fail": True, "id": "x"}),
    )
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "job failed: x"
    assert any("jobs/handler.py" in frame for frame in error["stackTrace"])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="does-not-exist", Payload=b"{}")


def test_functions_reach_the_runtime_through_aws_endpoint_url_lambda(runtime: Runtime) -> None:
    result = _lambda(runtime).invoke(FunctionName="rt-jobs", Payload=json.dumps({"chain": "ping"}))
    assert json.loads(result["Payload"].read())["chained"]["echo"] == "ping"


def test_event_invoke_is_queued_and_runs(
    wait_until: Callable[..., Any], runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    marker = str(uuid.uuid4())
    response = _lambda(runtime).invoke(
        FunctionName="rt-jobs", InvocationType="Event", Payload=json.dumps({"id": marker})
    )
    assert response["StatusCode"] == 202
    wait_until(lambda: any(r["data"].get("id") == marker for r in _records(moto_client, provisioned, "job")))


def test_failing_async_invoke_is_retried_twice_then_dead_lettered(
    wait_until: Callable[..., Any], runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    marker = str(uuid.uuid4())
    payload = json.dumps({"fail": True, "id": marker})
    response = _lambda(runtime).invoke(FunctionName="rt-jobs", InvocationType="Event", Payload=payload)
    request_id = response["ResponseMetadata"]["RequestId"]
    sqs = moto_client("sqs")

    def dead_letters() -> list[dict[str, Any]]:
        messages = sqs.receive_message(
            QueueUrl=provisioned.physical_ids["AsyncDLQ"], MessageAttributeNames=["All"], MaxNumberOfMessages=10
        ).get("Messages", [])
        return [m for m in messages if marker in m["Body"]]

    (dead,) = wait_until(dead_letters)
    assert json.loads(dead["Body"]) == {"fail": True, "id": marker}
    assert dead["MessageAttributes"]["ErrorMessage"]["StringValue"] == f"job failed: {marker}"
    outcome = runtime.async_invoker.outcomes[request_id]
    assert (outcome.attempts, outcome.status) == (3, "failed")  # the first try + 2 retries, like AWS
    tried = [r for r in _records(moto_client, provisioned, "job") if r["data"].get("id") == marker]
    assert [r["sk"] for r in tried] == [request_id]  # retries keep the request id, as in AWS
    (failure,) = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=provisioned.physical_ids["FailureQueue"], MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if marker in m["Body"]
    ]
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestPayload"] == {"fail": True, "id": marker}
    assert failure["responseContext"]["functionError"] == "Unhandled"


# --------------------------------------------------------------------------------------------- schedules


def test_schedule_fired_on_request_over_http(
    runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    status, _, body = _http("POST", f"{runtime.lambda_url}/_local/schedules/JobsFunction.Nightly/fire?wait=true")
    assert status == 200
    (fired,) = json.loads(body)["fired"]
    assert fired["function"] == "rt-jobs" and fired["ok"] is True
    assert fired["payload"] == {"ok": True, "event": {"job": "nightly"}}  # the schedule's Input
    status, _, body = _http("POST", f"{runtime.lambda_url}/_local/schedules/rt-jobs/fire")
    assert status == 202 and len(json.loads(body)["fired"]) == 2  # both schedules, asynchronously
    status, _, _ = _http("POST", f"{runtime.lambda_url}/_local/schedules/Nobody/fire")
    assert status == 404


def test_schedule_fired_from_the_cli(runtime: Runtime) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "local.runtime", "fire", "JobsFunction", "--wait", "--url", runtime.lambda_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    fired = json.loads(completed.stdout)["fired"]
    assert sorted(f["payload"]["event"].get("job", "-") for f in fired) == ["-", "nightly"]
    missing = subprocess.run(
        [sys.executable, "-m", "local.runtime", "fire", "Nobody", "--url", runtime.lambda_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1 and "no schedule for 'Nobody'" in missing.stderr


# --------------------------------------------------------------------------------------------- SQS


def test_sqs_batch_with_partial_failure_then_dlq(
    wait_until: Callable[..., Any], runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    sqs = moto_client("sqs")
    run = uuid.uuid4().hex[:8]
    ids = {f"{run}-ok1": False, f"{run}-bad": True, f"{run}-ok2": False}
    sqs.send_message_batch(
        QueueUrl=provisioned.physical_ids["WorkQueue"],
        Entries=[
            {
                "Id": str(i),
                "MessageBody": json.dumps({"id": message_id, "fail": fail}),
                "MessageAttributes": {"origin": {"DataType": "String", "StringValue": "test"}},
            }
            for i, (message_id, fail) in enumerate(ids.items())
        ],
    )

    def dead() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=provisioned.physical_ids["WorkDLQ"], MaxNumberOfMessages=10)
        return [m for m in messages.get("Messages", []) if run in m["Body"]]

    (dead_message,) = wait_until(dead, timeout=30)
    assert json.loads(dead_message["Body"])["id"] == f"{run}-bad"
    seen = {r["sk"]: r["data"] for r in _records(moto_client, provisioned, "sqs") if r["sk"].startswith(run)}
    # successes were delivered once (deleted); the failed item came back after the visibility timeout
    assert set(seen) == {f"{run}-ok1#1", f"{run}-ok2#1", f"{run}-bad#1", f"{run}-bad#2"}
    record = seen[f"{run}-bad#1"]["record"]
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
    assert record["eventSourceARN"] == provisioned.attribute("WorkQueue", "Arn")
    assert record["messageAttributes"]["origin"]["stringValue"] == "test"
    assert record["receiptHandle"] and record["messageId"] and record["attributes"]["SentTimestamp"]


def test_sqs_whole_batch_fails_on_exception(
    wait_until: Callable[..., Any], runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    sqs = moto_client("sqs")
    run = uuid.uuid4().hex[:8]
    sqs.send_message(QueueUrl=provisioned.physical_ids["WorkQueue"], MessageBody=json.dumps({"id": run, "boom": True}))

    def dead() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=provisioned.physical_ids["WorkDLQ"], MaxNumberOfMessages=10)
        return [m for m in messages.get("Messages", []) if run in m["Body"]]

    wait_until(dead, timeout=30)
    pollers = [p for p in runtime.pollers if p.function.name == "rt-worker"]
    assert len(pollers) == 2  # one per warm worker of the pool
    assert sum(p.batches for p in pollers) >= 2


# --------------------------------------------------------------------------------------------- workers


def test_timeouts_kill_the_worker_and_the_next_invoke_gets_a_fresh_one(runtime: Runtime, logs: Any) -> None:
    client = _lambda(runtime)
    first = json.loads(client.invoke(FunctionName="rt-slow", Payload=b'{"sleep": 0}')["Payload"].read())
    timed_out = client.invoke(FunctionName="rt-slow", Payload=b'{"sleep": 5}')
    assert timed_out["FunctionError"] == "Unhandled"
    error = json.loads(timed_out["Payload"].read())
    assert error["errorType"] == "Sandbox.Timedout" and "Task timed out after 1.00 seconds" in error["errorMessage"]
    crashed = client.invoke(FunctionName="rt-slow", Payload=b'{"crash": true}')
    assert json.loads(crashed["Payload"].read())["errorType"] == "Runtime.ExitError"
    after = json.loads(client.invoke(FunctionName="rt-slow", Payload=b'{"sleep": 0}')["Payload"].read())
    assert after["echo"] is None and after["pid"] != first["pid"]
    assert "Task timed out" in logs.text("rt-slow")


def test_warm_pool_reuses_and_runs_concurrently(runtime: Runtime) -> None:
    client = _lambda(runtime)
    results: list[dict[str, Any]] = []

    def call() -> None:
        response = _lambda(runtime).invoke(FunctionName="rt-slow", Payload=b'{"sleep": 0.5}')
        results.append(json.loads(response["Payload"].read()))

    client.invoke(FunctionName="rt-slow", Payload=b"{}")  # warm one worker
    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["pid"] for r in results}) == 2  # pool of 2: both ran at once
    pids = {json.loads(client.invoke(FunctionName="rt-slow", Payload=b"{}")["Payload"].read())["pid"] for _ in range(4)}
    assert pids <= {r["pid"] for r in results}  # warm workers are reused, no new process
    assert runtime.pools["rt-slow"].worker_count == 2


def test_worker_logs_go_to_the_console_prefixed(runtime: Runtime, logs: Any) -> None:
    response = _lambda(runtime).invoke(FunctionName="rt-jobs", Payload=json.dumps({"fail": True, "id": "logged"}))
    request_id = response["ResponseMetadata"]["RequestId"]
    tailed = _lambda(runtime).invoke(FunctionName="rt-jobs", LogType="Tail", Payload=json.dumps({"id": "tail"}))
    tail = base64.b64decode(tailed["LogResult"]).decode()
    assert tail.startswith("START RequestId:") and "END RequestId:" in tail and "REPORT RequestId:" in tail
    lines = [line for line in logs.text("rt-jobs").splitlines() if request_id in line or "job failed: logged" in line]
    # available when the invoke returns, in Lambda's order: START, the function's lines, END, REPORT
    assert lines[0].startswith(f"START RequestId: {request_id}")
    assert "job failed: logged" in lines[1]
    assert lines[-2] == f"END RequestId: {request_id}" and lines[-1].startswith(f"REPORT RequestId: {request_id}")


def test_control_routes(runtime: Runtime) -> None:
    status, _, body = _http("GET", f"{runtime.lambda_url}/_local/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = _http("GET", f"{runtime.lambda_url}/_local/functions")
    assert {f["logicalId"] for f in json.loads(body)} == {
        "HttpFunction",
        "WorkerFunction",
        "JobsFunction",
        "SlowFunction",
    }
    status, _, body = _http("GET", f"{runtime.lambda_url}/_local/schedules")
    assert {s["event"] for s in json.loads(body)} == {"Nightly", "Every"}


def test_port_in_use_is_reported_with_its_name(provisioned: ProvisionedStack, runtime: Runtime) -> None:
    taken = int(runtime.api_url.rsplit(":", 1)[1])
    second = Runtime(provisioned, config=RuntimeConfig(api_port=taken, schedules=False, log_sink=lambda *_: None))
    with pytest.raises(PortInUseError, match=rf"port {taken} \(API_PORT\) is already in use"):
        second.start()
    assert second.lambda_url  # the invoke server had started...
    status = None
    try:
        urllib.request.urlopen(f"{second.lambda_url}/_local/health", timeout=1)  # noqa: S310
    except OSError:
        status = "closed"
    assert status == "closed"  # ...and was stopped again


def test_wait_idle_returns_once_queues_are_drained(
    runtime: Runtime, provisioned: ProvisionedStack, moto_client: Callable[[str], Any]
) -> None:
    run = uuid.uuid4().hex[:8]
    sqs = moto_client("sqs")
    for i in range(3):
        sqs.send_message(QueueUrl=provisioned.physical_ids["WorkQueue"], MessageBody=json.dumps({"id": f"{run}-{i}"}))
    _lambda(runtime).invoke(FunctionName="rt-jobs", InvocationType="Event", Payload=json.dumps({"id": run}))
    status, _, body = _http("POST", f"{runtime.lambda_url}/_local/idle?timeout=20")
    assert status == 200 and json.loads(body) == {"idle": True}
    delivered = {r["sk"] for r in _records(moto_client, provisioned, "sqs") if r["sk"].startswith(run)}
    assert delivered == {f"{run}-{i}#1" for i in range(3)}
    assert any(r["data"].get("id") == run for r in _records(moto_client, provisioned, "job"))


def test_unflushed_prints_reach_the_console_while_the_worker_lives(runtime: Runtime, logs: Any) -> None:
    marker = uuid.uuid4().hex
    _lambda(runtime).invoke(FunctionName="rt-slow", Payload=json.dumps({"print": marker}))
    text = logs.text("rt-slow")  # no waiting: END/REPORT are printed after the function's own lines
    assert f"plain print {marker}\nno newline at the end\nEND RequestId:" in text


def test_the_runtime_refuses_to_run_without_a_moto_endpoint() -> None:
    from local.provision import provision_template
    from local.template import load_template

    planned = provision_template(load_template(FIXTURE_TEMPLATE_PATH), region="us-east-1", create=False)
    with pytest.raises(StackError, match="needs the moto server's AWS_ENDPOINT_URL"):
        Runtime(planned)
