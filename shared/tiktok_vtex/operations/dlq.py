"""Dead-letter queues: find them, measure them, show their messages with why they failed, replay them.

Two kinds of message end up in a DLQ of this stack:

- **redriven**: an SQS source queue gave up after `maxReceiveCount` receives (RedrivePolicy). The body is
  the original message. Replay sends it back to its source queue (what SQS's own redrive does), with its
  attributes, so it goes through the same consumer and its idempotent path; if it fails again, SQS moves
  it back here after the same number of receives.
- **async failure records**: Lambda's OnFailure destination after 1 + 2 attempts of an Event invoke (the
  shared `async-invoke-failures` queue, and InvoiceDLQ / ShippingDLQ, which are both). The record names the
  function (`requestContext.functionArn`), the condition and the error (`responsePayload`). Replay invokes
  that function synchronously with the original `requestPayload`, so the operator sees the outcome; a
  failure (function error, or a 4xx result: the payload is refused) puts a new record with the new reason
  in the same queue before the old one is deleted.

Order of every replay: the new copy (source queue or new record) is written first, then the DLQ message
is deleted. A crash in between leaves a duplicate, never a loss; the consumers are idempotent.
Discovery needs no template: queues are listed by the function prefix, DLQs are the RedrivePolicy targets
plus the async failure queues (`*async-invoke-failures`, `*-dlq` without a source).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex.dispatch import fifo_fields

ASYNC_FAILURE_SUFFIX = "async-invoke-failures"
PEEK_LIMIT = 100
_ATTRIBUTES = ["QueueArn", "RedrivePolicy", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
               "ApproximateNumberOfMessagesDelayed"]


@dataclass
class DeadLetterQueue:
    name: str
    url: str
    arn: str
    depth: int
    in_flight: int
    sources: list[str] = field(default_factory=list)  # source queue URLs (redrive)
    consumers: list[str] = field(default_factory=list)  # functions reading the source queues, when known
    oldest_sent_at: float | None = None  # epoch seconds of the oldest message seen (peek)

    def oldest_age(self, now: float) -> float | None:
        return None if self.oldest_sent_at is None else max(now - self.oldest_sent_at, 0.0)

    def as_dict(self, now: float) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "depth": self.depth, "in_flight": self.in_flight,
                "sources": [u.rsplit("/", 1)[-1] for u in self.sources], "consumers": self.consumers,
                "oldest_age_seconds": None if self.oldest_sent_at is None else int(self.oldest_age(now) or 0)}


@dataclass
class DeadLetter:
    """One message of a DLQ, read without consuming it."""

    message_id: str
    queue: str
    kind: str  # "redriven" | "async-failure" | "dead-letter" (Lambda DeadLetterConfig)
    function: str | None
    reason: str
    receive_count: int
    sent_at: float
    body: str
    attributes: dict[str, Any]
    receipt_handle: str = ""

    @property
    def payload(self) -> Any:
        """The event to replay: the original message, or the async record's requestPayload."""
        doc = _json(self.body)
        return doc.get("requestPayload") if self.kind == "async-failure" and isinstance(doc, dict) else doc

    def summary(self) -> dict[str, Any]:
        """What an operator sees: never the payload itself (it may hold buyer data), only its shape."""
        payload = self.payload
        shape: dict[str, Any] = {}
        if isinstance(payload, dict):
            shape = {k: payload[k] for k in ("type", "clientHash", "client_hash", "orderId", "packageId", "sku")
                     if k in payload and not isinstance(payload[k], dict)}
            shape["keys"] = sorted(payload)
        return {"message_id": self.message_id, "queue": self.queue, "kind": self.kind, "function": self.function,
                "reason": self.reason, "receive_count": self.receive_count,
                "sent_at": datetime.fromtimestamp(self.sent_at, UTC).isoformat(timespec="seconds"),
                "payload": shape, "replay_count": int(_attribute(self.attributes, "replay_count") or 0)}


@dataclass
class ReplayOutcome:
    message_id: str
    function: str | None
    outcome: str  # "requeued" | "succeeded" | "failed-again" | "skipped"
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "function": self.function, "outcome": self.outcome,
                "detail": self.detail}


class UnknownQueue(LookupError):
    pass


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def _attribute(attributes: dict[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    return value.get("StringValue") if isinstance(value, dict) else None


def _function_from_arn(arn: str) -> str:
    # arn:aws:lambda:region:account:function:NAME[:qualifier]
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


def _is_async_record(doc: Any) -> bool:
    return isinstance(doc, dict) and "requestPayload" in doc and isinstance(doc.get("requestContext"), dict)


def _async_reason(doc: dict[str, Any]) -> str:
    context = doc.get("requestContext", {})
    response = doc.get("responsePayload")
    if isinstance(response, dict):
        error = response.get("errorMessage") or response.get("message") or response.get("body") or response
        kind = response.get("errorType", "")
        text = f"{kind}: {error}" if kind else str(error)
    else:
        text = str(response) if response is not None else "no response (timeout or crash)"
    return f"{context.get('condition', 'failed')} after {context.get('approximateInvokeCount', '?')} attempt(s): {text}"


class DeadLetterQueues:
    """The stack's DLQs through boto3 SQS (and Lambda for consumers and replays)."""

    def __init__(self, prefix: str, sqs: Any, lambda_client: Any | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.prefix = prefix
        self._sqs = sqs
        self._lambda = lambda_client
        self._clock = clock

    # --- discovery ---------------------------------------------------------------------------------
    def _queue_urls(self) -> list[str]:
        urls: list[str] = []
        for page in self._sqs.get_paginator("list_queues").paginate(QueueNamePrefix=self.prefix):
            urls.extend(page.get("QueueUrls", []))
        return sorted(urls)

    def _attributes(self, url: str) -> dict[str, str]:
        return self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=_ATTRIBUTES)["Attributes"]

    def discover(self, *, peek: bool = True) -> list[DeadLetterQueue]:
        queues = {url: self._attributes(url) for url in self._queue_urls()}
        by_arn = {attrs["QueueArn"]: url for url, attrs in queues.items()}
        sources: dict[str, list[str]] = {}
        for url, attrs in queues.items():
            if attrs.get("RedrivePolicy"):
                target = json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn", "")
                if target in by_arn:
                    sources.setdefault(by_arn[target], []).append(url)
        dlq_urls = set(sources) | {u for u in queues if u.rsplit("/", 1)[-1].endswith(ASYNC_FAILURE_SUFFIX)}
        dlq_urls |= {u for u in queues if u.rsplit("/", 1)[-1].endswith("-dlq")}
        result = []
        for url in sorted(dlq_urls):
            attrs = queues[url]
            dlq = DeadLetterQueue(name=url.rsplit("/", 1)[-1], url=url, arn=attrs["QueueArn"],
                                  depth=int(attrs.get("ApproximateNumberOfMessages", 0)),
                                  in_flight=int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                                  sources=sorted(sources.get(url, [])))
            dlq.consumers = self._consumers([queues[s]["QueueArn"] for s in dlq.sources])
            if peek and dlq.depth:
                sent = [m.sent_at for m in self.peek(dlq)]
                dlq.oldest_sent_at = min(sent) if sent else None
            result.append(dlq)
        return result

    def _consumers(self, source_arns: Sequence[str]) -> list[str]:
        """Functions fed by these queues (Lambda event source mappings); empty where the API has none."""
        if self._lambda is None:
            return []
        names: list[str] = []
        for arn in source_arns:
            try:
                mappings = self._lambda.list_event_source_mappings(EventSourceArn=arn).get("EventSourceMappings", [])
            except (BotoCoreError, ClientError):  # the local runtime serves invokes only: consumers unknown
                return []
            names += [_function_from_arn(m["FunctionArn"]) for m in mappings]
        return sorted(set(names))

    def find(self, name: str) -> DeadLetterQueue:
        for dlq in self.discover(peek=False):
            if name in (dlq.name, dlq.url, dlq.name.removeprefix(self.prefix)):
                return dlq
        known = ", ".join(d.name.removeprefix(self.prefix) for d in self.discover(peek=False))
        raise UnknownQueue(f"no DLQ {name!r} in this stack (prefix {self.prefix!r}); known: {known or 'none'}")

    # --- reading -----------------------------------------------------------------------------------
    def _receive(self, dlq: DeadLetterQueue, visibility: int, limit: int) -> Iterator[DeadLetter]:
        seen: set[str] = set()
        while len(seen) < limit:
            batch = self._sqs.receive_message(
                QueueUrl=dlq.url, MaxNumberOfMessages=min(10, limit - len(seen)), VisibilityTimeout=visibility,
                WaitTimeSeconds=0, MessageAttributeNames=["All"], AttributeNames=["All"]).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                return
            for message in fresh:
                seen.add(message["MessageId"])
                yield self._dead_letter(dlq, message)

    def peek(self, dlq: DeadLetterQueue, limit: int = PEEK_LIMIT) -> list[DeadLetter]:
        """Messages as they are, left visible (VisibilityTimeout 0): nothing is consumed."""
        return list(self._receive(dlq, 0, limit))

    def _dead_letter(self, dlq: DeadLetterQueue, message: dict[str, Any]) -> DeadLetter:
        body = message.get("Body", "")
        doc = _json(body)
        attributes = message.get("MessageAttributes", {})
        sqs_attributes = message.get("Attributes", {})
        if _is_async_record(doc):
            kind = "async-failure"
            function = _function_from_arn(doc["requestContext"].get("functionArn", ""))
            reason = _async_reason(doc)
        elif _attribute(attributes, "ErrorMessage"):
            kind, function = "dead-letter", None
            reason = f"async invoke failed: {_attribute(attributes, 'ErrorMessage')}"
        else:
            kind = "redriven"
            function = ", ".join(dlq.consumers) or None
            source = ", ".join(u.rsplit("/", 1)[-1] for u in dlq.sources) or "its source queue"
            reason = (_attribute(attributes, "failure_reason")
                      or f"failed every receive from {source} (maxReceiveCount); the consumer's log has the error")
        return DeadLetter(message_id=message["MessageId"], queue=dlq.name, kind=kind, function=function,
                          reason=reason, receive_count=int(sqs_attributes.get("ApproximateReceiveCount", 0)),
                          sent_at=int(sqs_attributes.get("SentTimestamp", 0)) / 1000, body=body,
                          attributes=attributes, receipt_handle=message.get("ReceiptHandle", ""))

    # --- replay ------------------------------------------------------------------------------------
    def replay(self, dlq: DeadLetterQueue, *, message_ids: Sequence[str] = (), replay_all: bool = False,
               lease_seconds: int = 900) -> list[ReplayOutcome]:
        """Replays the selected messages (or all); the others are made visible again at once."""
        if not message_ids and not replay_all:
            raise ValueError("select messages (--id) or --all")
        wanted = set(message_ids)
        outcomes: list[ReplayOutcome] = []
        # The lease hides what we took from a concurrent replay while we work on it.
        # Taken in full before replaying: a record that fails again is written back to this queue and must
        # not be picked up again by the same run.
        for letter in list(self._receive(dlq, lease_seconds, 10_000)):
            if not replay_all and letter.message_id not in wanted:
                self._release(dlq, letter)
                continue
            outcomes.append(self._replay_one(dlq, letter))
        for missing in sorted(wanted - {o.message_id for o in outcomes}):
            outcomes.append(ReplayOutcome(missing, None, "skipped", "not in the queue (already replayed?)"))
        return outcomes

    def _replay_one(self, dlq: DeadLetterQueue, letter: DeadLetter) -> ReplayOutcome:
        replays = int(_attribute(letter.attributes, "replay_count") or 0) + 1
        if letter.kind == "redriven":
            if len(dlq.sources) != 1:
                self._release(dlq, letter)
                return ReplayOutcome(letter.message_id, letter.function, "skipped",
                                     f"{len(dlq.sources)} source queues: cannot tell where it came from")
            attributes = {k: v for k, v in letter.attributes.items() if k not in {"replay_count", "failure_reason"}}
            attributes["replay_count"] = {"DataType": "Number", "StringValue": str(replays)}
            fifo = fifo_fields(letter.body, salt=f":replay:{replays}") if dlq.sources[0].endswith(".fifo") else {}
            self._sqs.send_message(QueueUrl=dlq.sources[0], MessageBody=letter.body, MessageAttributes=attributes,
                                   **fifo)  # a FIFO source (the update queues, issue 19) needs its group
            self._delete(dlq, letter)
            return ReplayOutcome(letter.message_id, letter.function, "requeued",
                                 f"sent back to {dlq.sources[0].rsplit('/', 1)[-1]}")
        if letter.kind == "dead-letter" or not letter.function:
            self._release(dlq, letter)
            return ReplayOutcome(letter.message_id, None, "skipped", "the failed function is not recorded")
        return self._reinvoke(dlq, letter, replays)

    def _reinvoke(self, dlq: DeadLetterQueue, letter: DeadLetter, replays: int) -> ReplayOutcome:
        if self._lambda is None:
            raise RuntimeError("a Lambda client is needed to replay async failures")
        function = letter.function or ""
        try:
            response = self._lambda.invoke(FunctionName=function, InvocationType="RequestResponse",
                                           Payload=json.dumps(letter.payload).encode())
        except (BotoCoreError, ClientError) as error:  # deleted, throttled, timed out: it stays, with why
            return self._failed_again(dlq, letter, replays, {"errorType": type(error).__name__,
                                                             "errorMessage": str(error)})
        raw = response["Payload"].read()
        result = _json(raw.decode() if raw else "null")
        if response.get("FunctionError"):
            return self._failed_again(dlq, letter, replays, result if isinstance(result, dict) else
                                      {"errorMessage": str(result)})
        status = result.get("statusCode") if isinstance(result, dict) else None
        if isinstance(status, int) and status >= 400:
            return self._failed_again(dlq, letter, replays, {"errorType": f"Refused{status}",
                                                             "errorMessage": json.dumps(result.get("body"))})
        self._delete(dlq, letter)
        return ReplayOutcome(letter.message_id, function, "succeeded", f"{function} returned")

    def _failed_again(self, dlq: DeadLetterQueue, letter: DeadLetter, replays: int,
                      error: dict[str, Any]) -> ReplayOutcome:
        record = _json(letter.body)
        record["requestContext"] = {**record.get("requestContext", {}), "condition": "ReplayFailed"}
        record["responsePayload"] = {k: error[k] for k in ("errorType", "errorMessage") if k in error} or error
        record["timestamp"] = datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        attributes = {"replay_count": {"DataType": "Number", "StringValue": str(replays)}}
        self._sqs.send_message(QueueUrl=dlq.url, MessageBody=json.dumps(record), MessageAttributes=attributes)
        self._delete(dlq, letter)
        return ReplayOutcome(letter.message_id, letter.function, "failed-again", _async_reason(record))

    def _delete(self, dlq: DeadLetterQueue, letter: DeadLetter) -> None:
        self._sqs.delete_message(QueueUrl=dlq.url, ReceiptHandle=letter.receipt_handle)

    def _release(self, dlq: DeadLetterQueue, letter: DeadLetter) -> None:
        self._sqs.change_message_visibility(QueueUrl=dlq.url, ReceiptHandle=letter.receipt_handle,
                                            VisibilityTimeout=0)
