"""Powertools Parser for queue messages and invoke payloads (tiktok_vtex.parsing): typed bodies for the
record handler, refused records reported (redelivered, then DLQ) with a reason naming fields, never values."""

from __future__ import annotations

import io
import json
import logging
from typing import Annotated, Any, Literal

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response
from pydantic import BaseModel, Field

from tiktok_vtex.observability import RedactingFormatter, logger
from tiktok_vtex.parsing import MessageParser

CPF = "52998224725"  # a generated CPF: must never reach a log line or the recorded failure


class Ping(BaseModel):
    type: Literal["ping"]
    client_hash: str = Field(alias="clientHash", pattern=r"^[0-9a-z]+$")
    read_at_ms: int | None = Field(default=None, alias="readAtMs")


class Pong(BaseModel):
    type: Literal["pong"]
    count: int


class InvalidDemoMessage(ValueError):
    pass


Message = Annotated[Ping | Pong, Field(discriminator="type")]


def _legacy(payload: Any) -> Any:
    if isinstance(payload, dict) and "type" not in payload:
        return {**payload, "type": "ping"}
    return payload


PARSER: MessageParser[Any] = MessageParser("demo", Message, InvalidDemoMessage, prepare=_legacy, drop_tag=True)


def record(body: str, message_id: str, **attributes: str) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": "rh", "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1735700000000", "SenderId": "x",
                           "ApproximateFirstReceiveTimestamp": "1735700000000", **attributes},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}


def run_batch(records: list[dict[str, Any]], **processor: Any) -> tuple[dict[str, Any], list[Any], list[dict]]:
    handled: list[Any] = []
    batch = PARSER.processor(**processor)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter())
    logger.addHandler(handler)
    try:
        answer = process_partial_response(event={"Records": records}, processor=batch,
                                          record_handler=lambda record: handled.append(record.body))
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    failures = [str(exc) for _, exc, _ in batch.exceptions]
    return answer, handled, [{"lines": lines, "failures": failures}]


def test_the_handler_gets_typed_bodies_and_only_refused_records_fail() -> None:
    answer, handled, [seen] = run_batch([
        record(json.dumps({"type": "ping", "clientHash": "abc"}), "good"),
        record(json.dumps({"clientHash": "legacy"}), "legacy"),  # prepared: the legacy payload has no type
        record("{not json", "not-json"),
        record(json.dumps({"type": "pong", "count": CPF + "x"}), "bad-field"),
        record(json.dumps({"type": "nope"}), "unknown-type"),
        record(json.dumps({"type": "ping", "clientHash": "abc"}), "bad-envelope", SentTimestamp="yesterday"),
    ])
    assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == [
        "bad-envelope", "bad-field", "not-json", "unknown-type"]
    assert [type(b).__name__ for b in handled] == ["Ping", "Ping"]
    assert handled[1].client_hash == "legacy"
    reasons = {line["message_id"]: line["error"] for line in seen["lines"]
               if line["message"] == "malformed demo message"}
    assert reasons == {
        "not-json": "demo message body is not JSON",
        "bad-field": "invalid demo message: count",
        "unknown-type": "unknown demo message type 'nope'",
        "bad-envelope": "invalid SQS record: attributes.SentTimestamp",
    }
    # What Powertools keeps for each failure is our reason, not pydantic's text (which repeats the input).
    assert sorted(seen["failures"]) == sorted(reasons.values())
    assert CPF not in json.dumps(seen)


def test_the_envelope_can_complete_a_body() -> None:
    def reading_time(payload: Any, envelope: Any) -> Any:
        return {**payload, "readAtMs": int(envelope["attributes"]["SentTimestamp"])}

    _, handled, _ = run_batch([record(json.dumps({"type": "ping", "clientHash": "abc"}), "m")],
                              prepare_record=reading_time)
    assert handled[0].read_at_ms == 1735700000000


def test_an_entirely_refused_batch_is_reported_not_raised_when_asked() -> None:
    answer, handled, _ = run_batch([record("{", "a"), record("[]", "b")], raise_on_entire_batch_failure=False)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]} and not handled


def test_direct_invoke_payloads_name_the_field_not_the_value() -> None:
    assert PARSER.parse({"type": "pong", "count": "3"}) == Pong(type="pong", count=3)
    with pytest.raises(InvalidDemoMessage) as refused:
        PARSER.parse({"type": "ping", "clientHash": CPF + "!"})
    assert str(refused.value) == "invalid demo message: clientHash" and CPF not in str(refused.value)
    with pytest.raises(InvalidDemoMessage, match="unknown demo message type 'x'"):
        PARSER.parse({"type": "x"})
