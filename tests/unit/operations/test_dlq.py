"""DLQ tools against template.yaml provisioned in moto: discovery, depth and age, show, replay (twice)."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest

from tiktok_vtex.cli import build_parser
from tiktok_vtex.commands import dlq as dlq_command
from tiktok_vtex.commands.common import StackConfig
from tiktok_vtex.operations.dlq import DeadLetterQueues

NOW = 1_900_000_000.0
PREFIX = "integracao-tik-tok-"


def template_dead_letter_queues(stack: Any) -> set[str]:
    """Every RedrivePolicy target and every OnFailure destination of template.yaml, as physical names."""
    resources = stack.template["Resources"]
    logical: set[str] = set()
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in props:
            logical.add(props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0])
        on_failure = props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
        if on_failure:
            logical.add(on_failure["Destination"]["Fn::GetAtt"][0])
    return {stack.physical_ids[name].rsplit("/", 1)[-1] for name in logical}


def _url(name: str) -> str:
    return boto3.client("sqs").get_queue_url(QueueName=f"{PREFIX}{name}")["QueueUrl"]


def _run(argv: list[str], fake_lambda: Any = None, clock: float = NOW) -> tuple[int, str]:
    out = io.StringIO()
    args = build_parser().parse_args(["dlq", *argv])
    config = StackConfig.from_env({"FUNCTION_PREFIX": PREFIX})
    status = dlq_command.run(args, out, sqs=boto3.client("sqs"), lambda_client=fake_lambda or FakeLambda([]),
                             config=config, clock=lambda: clock)
    return status, out.getvalue()


def _drain(url: str) -> list[dict[str, Any]]:
    got = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                              AttributeNames=["All"], VisibilityTimeout=0).get("Messages", [])
    return got


class FakeLambda:
    """Lambda Invoke (RequestResponse) as boto3 returns it: each call answers the next outcome
    ("ok", "error" -> FunctionError Unhandled, "refused" -> a 400 result); no event source mappings API."""

    class _Body:
        def __init__(self, data: bytes) -> None:
            self._data = data

        def read(self) -> bytes:
            return self._data

    def __init__(self, outcomes: list[str]) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        outcome = self.outcomes.pop(0)
        if outcome == "error":
            body = {"errorType": "VtexUnavailable", "errorMessage": "VTEX answered 503 twice"}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": self._Body(json.dumps(body).encode())}
        if outcome == "refused":
            body = {"statusCode": 400, "body": {"message": "unknown client"}}
            return {"StatusCode": 200, "Payload": self._Body(json.dumps(body).encode())}
        return {"StatusCode": 200, "Payload": self._Body(b'{"statusCode": 200}')}

    def list_event_source_mappings(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "UnknownOperationException", "Message": "not served"}},
                          "ListEventSourceMappings")


def async_record(function: str, payload: dict[str, Any]) -> str:
    return json.dumps({
        "version": "1.0", "timestamp": "2030-03-17T17:46:40.000Z",
        "requestContext": {"requestId": "r-1", "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:"
                                                              f"{function}:$LATEST",
                           "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "TikTokError", "errorMessage": "36009004 Invalid params"}})


def test_discovery_finds_exactly_the_template_dlqs(stack: Any) -> None:
    found = DeadLetterQueues(PREFIX, boto3.client("sqs")).discover()
    assert {d.name for d in found} == template_dead_letter_queues(stack)
    orders = next(d for d in found if d.name == f"{PREFIX}orders-dlq")
    assert [s.rsplit("/", 1)[-1] for s in orders.sources] == [f"{PREFIX}orders"]
    assert next(d for d in found if d.name.endswith("async-invoke-failures")).sources == []


def test_list_shows_depth_and_oldest_age(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=_url("orders-dlq"), MessageBody='{"type": "triggerNewOrderInTTK"}')
    sqs.send_message(QueueUrl=_url("orders-dlq"), MessageBody='{"type": "triggerNewOrderInTTK"}')
    sent = int(_drain(_url("orders-dlq"))[0]["Attributes"]["SentTimestamp"]) / 1000
    status, out = _run(["list", "--json"], clock=sent + 3 * 3600 + 5)
    assert status == 0
    rows = {d["name"]: d for d in json.loads(out)["dlqs"]}
    assert rows[f"{PREFIX}orders-dlq"]["depth"] == 2
    assert 3 * 3600 <= rows[f"{PREFIX}orders-dlq"]["oldest_age_seconds"] <= 3 * 3600 + 10
    assert rows[f"{PREFIX}webhook-events-dlq"]["depth"] == 0
    status, out = _run(["list"], clock=sent + 3 * 3600 + 5)
    assert f"{PREFIX}orders-dlq" in out and "3h00m" in out and "2 message(s)" in out


def test_show_names_function_and_reason_without_the_payload(stack: Any) -> None:
    payload = {"type": "triggerGetOrder", "clientHash": "c1", "buyer": {"cpf": "52998224725"}}
    boto3.client("sqs").send_message(QueueUrl=_url("async-invoke-failures"),
                                     MessageBody=async_record(f"{PREFIX}BUSCA-PEDIDOS-TESTE", payload))
    status, out = _run(["show", "async-invoke-failures"])
    assert status == 0
    assert f"function {PREFIX}BUSCA-PEDIDOS-TESTE" in out
    assert "RetriesExhausted after 3 attempt(s): TikTokError: 36009004 Invalid params" in out
    assert "52998224725" not in out and "'clientHash': 'c1'" in out


def test_redriven_messages_go_back_to_their_source_once(stack: Any) -> None:
    sqs = boto3.client("sqs")
    body = '{"type": "triggerNewOrderInTTK", "clientHash": "c1", "orderId": "5801"}'
    sqs.send_message(QueueUrl=_url("orders-dlq"), MessageBody=body)
    status, out = _run(["replay", "orders-dlq", "--all"])
    assert status == 0 and "1 requeued" in out
    assert _drain(_url("orders-dlq")) == []
    (requeued,) = _drain(_url("orders"))
    assert requeued["Body"] == body and requeued["MessageAttributes"]["replay_count"]["StringValue"] == "1"
    # twice: nothing left to replay, the source still holds one copy
    status, out = _run(["replay", "orders-dlq", "--all"])
    assert status == 0 and "0 requeued" in out
    assert len(_drain(_url("orders"))) == 1


def test_async_failure_replayed_by_id_succeeds_and_a_second_replay_skips(stack: Any) -> None:
    sqs = boto3.client("sqs")
    payload = {"type": "triggerPrepareStock", "clientHash": "c1"}
    sqs.send_message(QueueUrl=_url("async-invoke-failures"),
                     MessageBody=async_record(f"{PREFIX}ESTOQUE-VTEX-busca-estoque-sku", payload))
    other = sqs.send_message(QueueUrl=_url("async-invoke-failures"),
                             MessageBody=async_record(f"{PREFIX}PRECO-VTEX-monta-lista-sku", payload))["MessageId"]
    target = next(m["MessageId"] for m in _drain(_url("async-invoke-failures")) if m["MessageId"] != other)
    fake = FakeLambda(["ok"])
    status, out = _run(["replay", "async-invoke-failures", "--id", target], fake)
    assert status == 0 and "1 succeeded" in out
    (call,) = fake.calls
    assert call["FunctionName"] == f"{PREFIX}ESTOQUE-VTEX-busca-estoque-sku"
    assert call["InvocationType"] == "RequestResponse" and json.loads(call["Payload"]) == payload
    assert [m["MessageId"] for m in _drain(_url("async-invoke-failures"))] == [other]  # the other one stays
    status, out = _run(["replay", "async-invoke-failures", "--id", target], FakeLambda([]))
    assert status == 1 and "skipped" in out and "already replayed" in out


@pytest.mark.parametrize(("outcome", "reason"), [
    ("error", "ReplayFailed after 3 attempt(s): VtexUnavailable: VTEX answered 503 twice"),
    ("refused", "ReplayFailed after 3 attempt(s): Refused400:"),
])
def test_a_replay_that_fails_again_stays_with_its_new_reason(stack: Any, outcome: str, reason: str) -> None:
    payload = {"clientHash": "c1", "orderId": "5801", "packageId": "99"}
    boto3.client("sqs").send_message(QueueUrl=_url("shipping-package-dlq"),
                                     MessageBody=async_record(f"{PREFIX}SHIPPING-PACKAGE", payload))
    status, out = _run(["replay", "shipping-package-dlq", "--all", "--json"], FakeLambda([outcome]))
    assert status == 1
    (result,) = json.loads(out)["outcomes"]
    assert result["outcome"] == "failed-again" and reason in result["detail"]
    (kept,) = _drain(_url("shipping-package-dlq"))
    record = json.loads(kept["Body"])
    assert record["requestPayload"] == payload and record["requestContext"]["condition"] == "ReplayFailed"
    assert kept["MessageAttributes"]["replay_count"]["StringValue"] == "1"
    status, out = _run(["show", "shipping-package-dlq", "--json"])
    (shown,) = json.loads(out)["messages"]
    assert reason in shown["reason"] and shown["replay_count"] == 1


def test_unknown_queue_names_the_known_ones(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = _run(["show", "nope-dlq"])
    assert status == 2
    assert "no DLQ 'nope-dlq'" in capsys.readouterr().err


def test_replay_needs_a_selection() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dlq", "replay", "orders-dlq"])


def test_a_fifo_dlq_replays_into_its_fifo_source_in_the_clients_group(stack: Any) -> None:
    """Issue 19: the update queues are FIFO; a replay must name the message group (SQS refuses it otherwise)."""
    sqs = boto3.client("sqs")
    body = '{"type": "triggerUpdateInventoryBySellerSku", "clientHash": "c1", "productId": "p1", "skus": []}'
    sqs.send_message(QueueUrl=_url("atualiza-estoque-ttk-dlq.fifo"), MessageBody=body, MessageGroupId="c1",
                     MessageDeduplicationId="original")
    status, out = _run(["replay", "atualiza-estoque-ttk-dlq.fifo", "--all"])
    assert status == 0 and "1 requeued" in out
    (requeued,) = _drain(_url("atualiza-estoque-ttk.fifo"))
    assert requeued["Body"] == body and requeued["Attributes"]["MessageGroupId"] == "c1"
