"""One small dispatch interface with two implementations: an SQS queue and an async Lambda invoke.

Logic says "send these messages" and does not care whether a queue or a function receives them; the
handler wires the implementation named in template.yaml.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

from tiktok_vtex import aws

SQS_BATCH_LIMIT = 10
SQS_MESSAGE_LIMIT = 256 * 1024


class DispatchError(RuntimeError):
    """Some messages could not be handed over; `failed` holds them so the caller can retry or fail."""

    def __init__(self, message: str, failed: Sequence[Mapping[str, Any]]):
        super().__init__(message)
        self.failed = list(failed)


class FunctionNotDeployed(DispatchError):
    """The target function does not exist in this stack (Lambda ResourceNotFoundException): nothing was sent."""

    def __init__(self, function_name: str, failed: Sequence[Mapping[str, Any]], detail: str = "") -> None:
        super().__init__(f"function {function_name} is not deployed in this stack{detail}; nothing was sent", failed)
        self.function_name = function_name


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Hands every message over or raises DispatchError; returns the number of API calls made."""
        ...


def _encode(message: Mapping[str, Any]) -> str:
    body = json.dumps(message, separators=(",", ":"), default=str)
    if len(body.encode()) > SQS_MESSAGE_LIMIT:
        raise DispatchError(f"message of {len(body)} bytes exceeds the 256 KiB limit", [message])
    return body


GROUP_FIELDS = ("clientHash", "client_hash")  # what names the shop (tenant) in every message of the connector


def message_group_of(message: Mapping[str, Any]) -> str:
    """The FIFO message group of a message: its client (shop). One shop's messages are then handled by one
    consumer at a time (its in-process TikTok limiter is exact) while other shops' groups run in parallel."""
    for name in GROUP_FIELDS:
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:128]
    raise DispatchError("a message to a FIFO queue must name its client (clientHash) for its message group",
                        [message])


def fifo_fields(body: str, *, salt: str = "") -> dict[str, str]:
    """MessageGroupId and MessageDeduplicationId for re-sending a raw body to a FIFO queue (a DLQ replay):
    the client of the body (`ops` when the body names none), and a deduplication id that `salt` (the replay
    count) keeps apart from the original's."""
    try:
        decoded = json.loads(body)
        group = message_group_of(decoded) if isinstance(decoded, Mapping) else "ops"
    except (ValueError, DispatchError):
        group = "ops"
    return {"MessageGroupId": group,
            "MessageDeduplicationId": uuid.uuid5(uuid.NAMESPACE_OID, f"{body}{salt}").hex}


Deduplication = Literal["body", "per_send"]


class QueuePublisher:
    """SendMessageBatch, 10 per call; entries that fail are retried once, then reported.

    A FIFO queue (URL ending in `.fifo`) gets a MessageGroupId per message: `message_group` when given, else
    `group_of(message)` (default: the message's client, `message_group_of`); and a MessageDeduplicationId:

    * `deduplication="body"` (the update queues): derived from the body, so a repeat of the same message within
      SQS's 5-minute window is dropped by SQS itself. Right when the body is the fact (an update carries its
      reading time and values: an identical body is the same reading).
    * `deduplication="per_send"` (the fetch queues): unique per `send()` of a message, kept across this
      publisher's own retry of the entry (a retry is the same send). A fetch message is a request ("read SKU
      X now"), not a fact: a second identical request after the first was processed is a new stock change to
      read, which body deduplication would silently drop for 5 minutes."""

    def __init__(self, queue_url: str, sqs: Any | None = None, *, message_group: str | None = None,
                 group_of: Callable[[Mapping[str, Any]], str] = message_group_of,
                 deduplication: Deduplication = "body") -> None:
        if deduplication not in ("body", "per_send"):
            raise ValueError(f"unknown deduplication {deduplication!r}")
        self.queue_url = queue_url
        self._sqs = sqs or aws.client("sqs")
        self._group = message_group
        self._group_of = group_of
        self.deduplication = deduplication
        self.fifo = queue_url.endswith(".fifo")

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        calls = 0
        failed: list[Mapping[str, Any]] = []
        for start in range(0, len(messages), SQS_BATCH_LIMIT):
            # (message, deduplication id) fixed before the first attempt: the retry below re-sends the same ids
            chunk = [(m, self._deduplication_id(m)) for m in messages[start:start + SQS_BATCH_LIMIT]]
            for _attempt in range(2):
                entries = {str(i): pair for i, pair in enumerate(chunk)}
                calls += 1
                response = self._sqs.send_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[self._entry(entry_id, m, dedup) for entry_id, (m, dedup) in entries.items()],
                )
                chunk = [entries[f["Id"]] for f in response.get("Failed", [])]
                if not chunk:
                    break
            failed.extend(m for m, _ in chunk)
        if failed:
            raise DispatchError(f"{len(failed)} message(s) not accepted by {self.queue_url}", failed)
        return calls

    def _deduplication_id(self, message: Mapping[str, Any]) -> str | None:
        if not (self._group or self.fifo):
            return None
        if self.deduplication == "per_send":
            return uuid.uuid4().hex
        return uuid.uuid5(uuid.NAMESPACE_OID, _encode(message)).hex

    def _entry(self, entry_id: str, message: Mapping[str, Any], deduplication_id: str | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"Id": entry_id, "MessageBody": _encode(message)}
        if deduplication_id is not None:
            entry["MessageGroupId"] = self._group or self._group_of(message)
            entry["MessageDeduplicationId"] = deduplication_id
        return entry


class AsyncInvoker:
    """Lambda Invoke with InvocationType=Event (what the legacy fleet did between functions)."""

    def __init__(self, function_name: str, lambda_client: Any | None = None) -> None:
        self.function_name = function_name
        self._lambda = lambda_client or aws.client("lambda")

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        failed: list[Mapping[str, Any]] = []
        for message in messages:
            try:
                response = self._lambda.invoke(
                    FunctionName=self.function_name, InvocationType="Event", Payload=_encode(message).encode())
            except self._lambda.exceptions.ResourceNotFoundException as error:
                raise FunctionNotDeployed(self.function_name, [message]) from error
            if response.get("StatusCode") != 202:
                failed.append(message)
        if failed:
            raise DispatchError(f"{len(failed)} async invoke(s) of {self.function_name} refused", failed)
        return len(messages)
