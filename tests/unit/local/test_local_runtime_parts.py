"""local.runtime pieces without sockets: schedules (injected clock), HTTP API events/responses, SQS batch
results, the Invoke API routing (werkzeug test client)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from local.provision import FunctionSpec, HttpApiRoute, ScheduleSpec, provision_template
from local.runtime.http_api import HttpRouter, build_event, response_from_result
from local.runtime.invoke_api import InvokeApiApp, function_name_from
from local.runtime.schedules import (
    RateExpression,
    ScheduleExpressionError,
    Scheduler,
    parse_cron,
    parse_expression,
    parse_rate,
    scheduled_event,
)
from local.runtime.sqs import failed_item_ids, sqs_record
from local.runtime.workers import InvokeResult, function_environment
from local.template import load_template

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "runtime" / "template.yaml"


@pytest.fixture(scope="module")
def functions() -> dict[str, FunctionSpec]:
    stack = provision_template(load_template(FIXTURE), region="us-east-1", create=False)
    return {f.logical_id: f for f in stack.functions()}


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172800)],
)
def test_rate_expressions(text: str, seconds: int) -> None:
    assert parse_rate(text).period == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text", ["rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(1 week)", "every 5 minutes", "cron(* * *)"]
)
def test_invalid_expressions(text: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        parse_expression(text)


def test_rate_fires_one_period_after_the_anchor() -> None:
    rate = RateExpression(timedelta(minutes=1), anchor=_utc(2026, 1, 1, 12, 0, 0))
    assert rate.next_after(_utc(2026, 1, 1, 12, 0, 0)) == _utc(2026, 1, 1, 12, 1)
    assert rate.next_after(_utc(2026, 1, 1, 12, 1, 0)) == _utc(2026, 1, 1, 12, 2)
    assert rate.next_after(_utc(2026, 1, 1, 12, 5, 30)) == _utc(2026, 1, 1, 12, 6)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 3 * * ? *)", _utc(2026, 3, 10, 2, 59), _utc(2026, 3, 10, 3, 0)),
        ("cron(0 3 * * ? *)", _utc(2026, 3, 10, 3, 0), _utc(2026, 3, 11, 3, 0)),
        ("cron(0/15 * * * ? *)", _utc(2026, 3, 10, 10, 7), _utc(2026, 3, 10, 10, 15)),
        ("cron(0 9 ? * MON-FRI *)", _utc(2026, 3, 13, 10, 0), _utc(2026, 3, 16, 9, 0)),  # Fri -> Mon
        ("cron(0 12 L * ? *)", _utc(2026, 2, 3, 0, 0), _utc(2026, 2, 28, 12, 0)),
        ("cron(30 8 ? * 3#2 *)", _utc(2026, 3, 1, 0, 0), _utc(2026, 3, 10, 8, 30)),  # 2nd Tuesday
        ("cron(0 0 ? * 6L *)", _utc(2026, 3, 1, 0, 0), _utc(2026, 3, 27, 0, 0)),  # last Friday
        ("cron(0 0 15W * ? *)", _utc(2026, 8, 1, 0, 0), _utc(2026, 8, 14, 0, 0)),  # 15th is a Saturday
        ("cron(0 10 1 JAN ? 2027)", _utc(2026, 6, 1), _utc(2027, 1, 1, 10, 0)),
        ("cron(0 10 1 JAN ? 2025)", _utc(2026, 6, 1), None),
    ],
)
def test_cron_next_fire(expression: str, after: datetime, expected: datetime | None) -> None:
    assert parse_cron(expression).next_after(after) == expected


def test_cron_with_a_timezone() -> None:
    cron = parse_cron("cron(0 9 * * ? *)", timezone="America/Sao_Paulo")  # UTC-3
    assert cron.next_after(_utc(2026, 5, 4, 0, 0)) == _utc(2026, 5, 4, 12, 0)


def test_cron_needs_one_question_mark() -> None:
    with pytest.raises(ScheduleExpressionError, match="exactly one"):
        parse_cron("cron(0 3 * * * *)")


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_scheduler_fires_rate_1_minute_on_its_timetable(functions: dict[str, FunctionSpec]) -> None:
    clock = FakeClock(_utc(2026, 3, 10, 2, 58, 30))
    fired: list[tuple[str, Any]] = []
    scheduler = Scheduler(
        functions.values(),
        lambda function, schedule, event: fired.append((schedule.event_name, event)),
        region="us-east-1",
        account_id="123456789012",
        clock=clock,
    )
    assert scheduler.tick() == []
    clock.advance(59)
    assert scheduler.tick() == []
    clock.advance(1)  # 60 s after start: rate(1 minute) is due
    assert fired == [] and len(scheduler.tick()) == 1
    assert fired == [("Every", {})]  # ScheduleV2 without Input
    assert scheduler.tick() == []  # not twice for the same minute
    clock.advance(60)  # 03:00:30: the nightly cron (03:00) and the next minute are both due
    assert len(scheduler.tick()) == 2
    assert sorted(fired[-2:], key=str) == sorted([("Nightly", {"job": "nightly"}), ("Every", {})], key=str)
    clock.advance(600)  # stopped for 10 minutes: no backfill burst, one fire
    assert len(scheduler.tick()) == 1


def test_scheduler_fires_on_request_by_function_or_rule(functions: dict[str, FunctionSpec]) -> None:
    fired: list[str] = []
    scheduler = Scheduler(
        functions.values(),
        lambda function, schedule, event: fired.append(schedule.event_name) or "ok",
        region="us-east-1",
        account_id="123456789012",
    )
    assert len(scheduler.fire("JobsFunction")) == 2
    assert len(scheduler.fire("rt-jobs")) == 2
    assert [outcome for _, outcome in scheduler.fire("JobsFunction.Nightly")] == ["ok"]
    rule = next(e.schedule.rule_name for e in scheduler.entries if e.schedule.event_name == "Every")
    scheduler.fire(rule)
    assert fired[-1] == "Every"
    with pytest.raises(KeyError, match="no schedule for 'HttpFunction'"):
        scheduler.fire("HttpFunction")
    described = {d["event"]: d for d in scheduler.describe()}
    assert described["Nightly"]["expression"] == "cron(0 3 * * ? *)" and described["Every"]["next"]


def test_scheduled_event_for_rules() -> None:
    schedule = ScheduleSpec("E", "Schedule", "rate(1 hour)", "rule", "arn:aws:events:us-east-1:1:rule/rule")
    event = scheduled_event(schedule, region="us-east-1", account_id="1", now=_utc(2026, 1, 2, 3, 4, 5))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:1:rule/rule"]
    assert event["time"] == "2026-01-02T03:04:05Z" and event["detail"] == {}


# --------------------------------------------------------------------------------------------- HTTP API


def _route(path: str, method: str = "GET", name: str = "fn") -> FunctionSpec:
    return FunctionSpec(
        logical_id=name,
        name=name,
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        handler="h.handler",
        code_uri=Path("."),
        layers=(),
        runtime="python3.12",
        timeout=3,
        memory=128,
        environment={},
        http_routes=(HttpApiRoute(event_name="E", method=method, path=path),),
    )


def test_router_prefers_exact_then_variables_then_greedy() -> None:
    router = HttpRouter(
        [
            _route("/items/{proxy+}", "ANY", "greedy"),
            _route("/items/{id}", "GET", "variable"),
            _route("/items/special", "GET", "exact"),
            _route("/items/{id}", "ANY", "variable-any"),
            _route("$default", "ANY", "default"),
        ]
    )
    assert router.match("GET", "/items/special")[0].function.name == "exact"
    match = router.match("GET", "/items/42")
    assert match[0].function.name == "variable" and match[1] == {"id": "42"}
    assert router.match("DELETE", "/items/42")[0].function.name == "variable-any"
    match = router.match("POST", "/items/a/b/c")
    assert match[0].function.name == "greedy" and match[1] == {"proxy": "a/b/c"}
    assert router.match("GET", "/elsewhere")[0].function.name == "default"
    assert HttpRouter([_route("/only", "POST")]).match("GET", "/only") is None


def test_payload_v2_event() -> None:
    builder = EnvironBuilder(
        path="/hello/world",
        method="POST",
        query_string="a=1&a=2&b=",
        headers={"X-Custom": "Yes", "Cookie": "c1=v1; c2=v2", "Content-Type": "application/json"},
        data=b'{"k": 1}',
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    request = Request(builder.get_environ())
    route = HttpApiRoute(event_name="E", method="POST", path="/hello/{name}")
    event = build_event(request, route, {"name": "world"}, api_id="api1", request_id="rid", now=1700000000.5)
    assert event["version"] == "2.0" and event["routeKey"] == "POST /hello/{name}"
    assert event["rawPath"] == "/hello/world" and event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["headers"]["x-custom"] == "Yes" and "cookie" not in event["headers"]
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["pathParameters"] == {"name": "world"}
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/hello/world",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.1.2.3",
        "userAgent": "",
    }
    assert context["requestId"] == "rid" and context["apiId"] == "api1" and context["stage"] == "$default"
    assert context["timeEpoch"] == 1700000000500
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False


def test_payload_v2_event_binary_body_and_no_query() -> None:
    request = Request(
        EnvironBuilder(
            path="/up", method="PUT", data=b"\x00\xff\x10", headers={"Content-Type": "application/octet-stream"}
        ).get_environ()
    )
    event = build_event(request, HttpApiRoute("E", "PUT", "/up"), {}, api_id="a")
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xff\x10"
    assert "queryStringParameters" not in event and "pathParameters" not in event and "cookies" not in event
    empty = build_event(
        Request(EnvironBuilder(path="/up").get_environ()), HttpApiRoute("E", "GET", "/up"), {}, api_id="a"
    )
    assert "body" not in empty and empty["isBase64Encoded"] is False


def _ok(payload: Any) -> InvokeResult:
    return InvokeResult("r", ok=True, payload_json=json.dumps(payload))


def test_response_mapping_v2_rules() -> None:
    full = response_from_result(
        _ok(
            {
                "statusCode": 201,
                "headers": {"x-a": "1", "content-type": "text/plain"},
                "cookies": ["s=1; Path=/"],
                "body": base64.b64encode(b"\x01\x02").decode(),
                "isBase64Encoded": True,
            }
        )
    )
    assert full.status_code == 201 and full.get_data() == b"\x01\x02"
    assert full.headers["x-a"] == "1" and full.headers["Set-Cookie"] == "s=1; Path=/"
    plain = response_from_result(_ok({"hello": "world"}))
    assert plain.status_code == 200 and plain.headers["Content-Type"] == "application/json"
    assert json.loads(plain.get_data()) == {"hello": "world"}
    text = response_from_result(_ok("just text"))
    assert text.status_code == 200 and text.get_data() == b"just text"
    no_body = response_from_result(_ok({"statusCode": 204}))
    assert no_body.status_code == 204 and no_body.get_data() == b""
    error = response_from_result(InvokeResult("r", ok=False, error={"errorMessage": "x"}))
    assert error.status_code == 500 and json.loads(error.get_data()) == {"message": "Internal Server Error"}


# --------------------------------------------------------------------------------------------- SQS


def _result(payload: Any) -> InvokeResult:
    return InvokeResult("r", ok=True, payload_json=json.dumps(payload))


@pytest.mark.parametrize(
    ("result", "report", "expected"),
    [
        (_result({"batchItemFailures": [{"itemIdentifier": "m2"}]}), True, ["m2"]),
        (_result({"batchItemFailures": []}), True, []),
        (_result({"batchItemFailures": None}), True, []),
        (_result(None), True, []),
        (_result({}), True, []),
        (_result({"batchItemFailures": [{"itemIdentifier": "unknown"}]}), True, None),
        (_result({"batchItemFailures": [{"itemIdentifier": ""}]}), True, None),
        (_result({"batchItemFailures": [{"id": "m1"}]}), True, None),
        (_result({"batchItemFailures": [{"itemIdentifier": "m2"}]}), False, []),  # not opted in: success
        (InvokeResult("r", ok=False, error={}), True, None),
    ],
)
def test_partial_batch_responses(result: InvokeResult, report: bool, expected: list[str] | None) -> None:
    assert failed_item_ids(result, ["m1", "m2", "m3"], report) == expected


def test_sqs_event_record_shape() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "MD5OfBody": "md5",
        "Body": "hello",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
        "MessageAttributes": {
            "kind": {"StringValue": "x", "DataType": "String"},
            "raw": {"BinaryValue": b"\x00", "DataType": "Binary"},
        },
    }
    record = sqs_record(message, queue_arn="arn:aws:sqs:us-east-1:1:q", region="us-east-1")
    assert record["messageId"] == "m1" and record["receiptHandle"] == "rh" and record["body"] == "hello"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"
    assert record["messageAttributes"]["raw"]["binaryValue"] == "AA=="
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == "arn:aws:sqs:us-east-1:1:q"
    assert record["awsRegion"] == "us-east-1"


# --------------------------------------------------------------------------------------------- workers / invoke API


def test_worker_environment(functions: dict[str, FunctionSpec]) -> None:
    env = function_environment(
        functions["JobsFunction"],
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_REGION": "sa-east-1", "AWS_ACCESS_KEY_ID": "k"},
    )
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566" and env["AWS_ACCESS_KEY_ID"] == "k"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "sa-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "rt-jobs" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["GREETING"] == "hello" and env["SLOW_FUNCTION"] == "rt-slow"
    assert env["_HANDLER"] == "jobs.handler.lambda_handler"


@pytest.mark.parametrize(
    ("identifier", "name"),
    [
        ("rt-jobs", "rt-jobs"),
        ("rt-jobs:$LATEST", "rt-jobs"),
        ("arn:aws:lambda:us-east-1:123456789012:function:rt-jobs", "rt-jobs"),
        ("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Art-jobs%3Aprod", "rt-jobs"),
        ("123456789012:function:rt-jobs", "rt-jobs"),
    ],
)
def test_function_names_in_invoke_paths(identifier: str, name: str) -> None:
    assert function_name_from(identifier) == name


class FakeRuntime:
    region = "us-east-1"
    account_id = "123456789012"
    functions: list[FunctionSpec] = []

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.queued: list[str] = []

    def find_function(self, name: str) -> FunctionSpec | None:
        return self.spec if name == self.spec.name else None

    def invoke_sync(self, function: FunctionSpec, event_json: str, *, request_id: str) -> InvokeResult:
        event = json.loads(event_json)
        if event.get("fail"):
            return InvokeResult(request_id, ok=False, error={"errorMessage": "boom", "errorType": "ValueError"})
        return InvokeResult(request_id, ok=True, payload_json=json.dumps({"got": event}))

    def invoke_async(self, function: FunctionSpec, event_json: str, *, request_id: str) -> str:
        self.queued.append(event_json)
        return request_id


def test_invoke_api_contract(functions: dict[str, FunctionSpec]) -> None:
    runtime = FakeRuntime(functions["JobsFunction"])
    client = Client(InvokeApiApp(runtime))  # type: ignore[arg-type]
    path = "/2015-03-31/functions/rt-jobs/invocations"
    ok = client.post(path, data=b'{"a": 1}')
    assert ok.status_code == 200 and ok.json == {"got": {"a": 1}}
    assert ok.headers["X-Amz-Executed-Version"] == "$LATEST" and "X-Amz-Function-Error" not in ok.headers
    failed = client.post(path, data=b'{"fail": true}', headers={"X-Amz-Invocation-Type": "RequestResponse"})
    assert failed.status_code == 200 and failed.headers["X-Amz-Function-Error"] == "Unhandled"
    assert failed.json == {"errorMessage": "boom", "errorType": "ValueError"}
    queued = client.post(path, data=b'{"b": 2}', headers={"X-Amz-Invocation-Type": "Event"})
    assert queued.status_code == 202 and runtime.queued == ['{"b": 2}']
    assert client.post(path, data=b"{}", headers={"X-Amz-Invocation-Type": "DryRun"}).status_code == 204
    empty = client.post(path)
    assert empty.status_code == 200 and empty.json == {"got": {}}
    missing = client.post("/2015-03-31/functions/nope/invocations", data=b"{}")
    assert missing.status_code == 404 and missing.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    invalid = client.post(path, data=b"not json")
    assert invalid.status_code == 400 and invalid.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    too_big = client.post(path, data=b'"' + b"x" * 300_000 + b'"', headers={"X-Amz-Invocation-Type": "Event"})
    assert too_big.status_code == 413


def test_local_runtime_modules_import_no_cycle() -> None:
    """Every import between local.runtime modules (TYPE_CHECKING ones too) goes one way: no cycle."""
    import ast

    package = Path(__file__).resolve().parents[3] / "local" / "runtime"
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        name = f"local.runtime.{path.stem}"
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            targets = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            graph[name] |= {t for t in targets if t.startswith("local.runtime.")}
    graph.pop("local.runtime.__init__", None)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    cyclic = sorted(name for name in graph if reaches(name, name, set()))
    assert cyclic == [], f"import cycle through {cyclic}"
