"""SQS event source mappings: poll a queue, deliver batches of real SQS event records, honour partial failures.

One `SqsPoller` thread per ``Events: {Type: SQS}`` of the template. Receives up to BatchSize messages
(waiting up to MaximumBatchingWindowInSeconds to fill the batch), invokes the function synchronously, then:

* success: the whole batch is deleted, unless ``FunctionResponseTypes: [ReportBatchItemFailures]`` and the
  response lists ``batchItemFailures``: those stay on the queue (they reappear after the queue's
  VisibilityTimeout), the rest is deleted. An invalid failure list (missing/empty/unknown itemIdentifier)
  fails the whole batch, as in AWS.
* error or timeout: nothing is deleted; the whole batch reappears after the visibility timeout.

The redrive to the DLQ after ``maxReceiveCount`` receives is done by SQS itself (moto moves the message on
the receive after the last allowed one), exactly as in AWS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from local.provision import FunctionSpec, SqsSource
from local.runtime.workers import InvokeResult

log = logging.getLogger("local.runtime.sqs")

# moto's ReceiveMessage is not thread-safe: two pollers receiving from one FIFO queue at the same moment can
# both see a message group as free and each take messages of it, which SQS never does (a group in flight is
# locked). Every poller of the runtime lives in this process, so one lock per FIFO queue restores it.
_FIFO_RECEIVE_LOCKS: dict[str, threading.Lock] = {}
_FIFO_LOCKS_GUARD = threading.Lock()


def _fifo_receive_lock(queue_url: str) -> threading.Lock:
    with _FIFO_LOCKS_GUARD:
        return _FIFO_RECEIVE_LOCKS.setdefault(queue_url, threading.Lock())

Invoker = Callable[[FunctionSpec, dict[str, Any]], InvokeResult]


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode() if isinstance(binary, bytes | bytearray) else binary,
        "stringListValues": list(value.get("StringListValues") or []),
        "binaryListValues": [
            base64.b64encode(v).decode() if isinstance(v, bytes | bytearray) else v
            for v in value.get("BinaryListValues") or []
        ],
        "dataType": value.get("DataType", "String"),
    }


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """A Lambda SQS event record built from a ReceiveMessage entry."""
    attributes = {k: str(v) for k, v in (message.get("Attributes") or {}).items()}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {
            name: _message_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_item_ids(  # noqa: PLR0911
    result: InvokeResult, batch_ids: list[str], report_failures: bool
) -> list[str] | None:
    """Message ids to keep on the queue; ``None`` means the whole batch failed."""
    if not result.ok:
        return None
    if not report_failures:
        return []
    try:
        response = json.loads(result.payload_json)
    except ValueError:
        return None
    if response is None or response in ({}, ""):
        return []
    if not isinstance(response, dict):
        return []  # anything else is not a partial-batch response: success
    failures = response.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    ids: list[str] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or not identifier or identifier not in batch_ids:
            return None  # AWS: an invalid itemIdentifier fails the whole batch
        ids.append(identifier)
    return ids


def scale_visibility_timeouts(sqs: Any, queue_urls: set[str], scale: float) -> None:
    """VisibilityTimeout x ``scale`` (floor 1 s) on each queue (LOCAL_VISIBILITY_TIMEOUT_SCALE, README)."""
    if not 0 < scale <= 1:
        raise ValueError(f"LOCAL_VISIBILITY_TIMEOUT_SCALE must be in (0, 1], got {scale}")
    if scale == 1:
        return
    for url in sorted(queue_urls):
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        scaled = max(1, round(int(current["VisibilityTimeout"]) * scale))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": str(scaled)})


def poller_count(source: SqsSource, warm_workers: int, configured: int | None = None) -> int:
    """How many batches of a source may be in flight at once: Lambda scales an SQS source out; locally one
    poller per warm worker (or `configured`), capped by ScalingConfig.MaximumConcurrency. On a FIFO queue each
    poller holds at most one batch and SQS (moto too) hands no message of a group while another of that group
    is in flight, so this is also the number of message groups served at once, each in order."""
    count = configured or warm_workers
    if source.maximum_concurrency:
        count = min(count, source.maximum_concurrency)
    return max(1, count)


class SqsPoller:
    def __init__(
        self,
        function: FunctionSpec,
        source: SqsSource,
        invoke: Invoker,
        sqs_client: Any,
        *,
        region: str,
        poll_interval_s: float = 1.0,
        wait_time_s: int = 1,
    ) -> None:
        self.function = function
        self.source = source
        self._invoke = invoke
        self._sqs = sqs_client
        self.region = region
        self._poll_interval = poll_interval_s
        self._wait_time = max(0, min(20, int(wait_time_s)))
        self._fifo = source.queue_url.endswith(".fifo")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.busy = False  # a batch is being delivered (not while waiting in an empty long poll)
        self.batches = 0
        self.deleted = 0
        self.failed = 0

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def name(self) -> str:
        return f"{self.function.name}:{self.source.event_name}"

    def start(self) -> None:
        if not self.source.enabled or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._wait_time + 10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delivered = self.poll_once()
            except Exception as exc:  # keep polling: moto restarting, queue deleted, ...
                if self._stop.is_set():
                    return
                log.warning("%s: polling %s failed: %s", self.name, self.source.queue_url, exc)
                delivered = 0
            if not delivered:
                self._stop.wait(self._poll_interval)

    def receive_batch(self) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        window_end = time.monotonic() + self.source.maximum_batching_window_s
        while len(batch) < self.source.batch_size and not self._stop.is_set():
            remaining_window = window_end - time.monotonic()
            wait = self._wait_time if not batch else max(0, min(self._wait_time, int(remaining_window)))
            request = {"QueueUrl": self.source.queue_url,
                       "MaxNumberOfMessages": min(10, self.source.batch_size - len(batch)),
                       "AttributeNames": ["All"], "MessageSystemAttributeNames": ["All"],
                       "MessageAttributeNames": ["All"]}
            if self._fifo:
                # no long poll while holding the queue's lock: an idle poller waits its poll interval instead
                with _fifo_receive_lock(self.source.queue_url):
                    response = self._sqs.receive_message(WaitTimeSeconds=0, **request)
            else:
                response = self._sqs.receive_message(WaitTimeSeconds=wait, **request)
            messages = response.get("Messages") or []
            batch.extend(messages)
            if not batch:
                return batch
            if time.monotonic() >= window_end:
                break
            if not messages and wait == 0:
                self._stop.wait(min(0.1, max(0.0, window_end - time.monotonic())))
        return batch

    def poll_once(self) -> int:
        """Receive one batch and deliver it; returns the number of messages delivered."""
        try:
            return self._poll_once()
        finally:
            self.busy = False

    def _poll_once(self) -> int:
        messages = self.receive_batch()
        if not messages:
            return 0
        self.busy = True  # holding messages; an empty long-poll wait is not busy
        records = [sqs_record(m, queue_arn=self.source.queue_arn, region=self.region) for m in messages]
        self.batches += 1
        result = self._invoke(self.function, {"Records": records})
        ids = [r["messageId"] for r in records]
        failed = failed_item_ids(result, ids, self.source.report_batch_item_failures)
        if failed is None:
            self.failed += len(records)
            if result.ok:
                log.warning("%s: invalid batchItemFailures response; the whole batch will be retried", self.name)
            return len(records)
        to_delete = [r for r in records if r["messageId"] not in set(failed)]
        self.failed += len(failed)
        for start in range(0, len(to_delete), 10):
            chunk = to_delete[start : start + 10]
            response = self._sqs.delete_message_batch(
                QueueUrl=self.source.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )
            self.deleted += len(response.get("Successful") or [])
            for failure in response.get("Failed") or []:
                log.warning("%s: could not delete a message: %s", self.name, failure.get("Message"))
        return len(records)
