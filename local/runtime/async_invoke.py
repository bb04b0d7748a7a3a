"""Asynchronous invocations (InvocationType=Event, schedules): queued, retried like AWS, then dead-lettered.

Each event is tried once and retried ``MaximumRetryAttempts`` times (default 2, from EventInvokeConfig),
waiting ``retry_delays_s`` between attempts (AWS waits about 1 then 2 minutes; the local default is
shorter, see `local.runtime.RuntimeConfig`). An event that still fails (or gets older than
MaximumEventAgeInSeconds) goes to the function's DeadLetterQueue and/or its EventInvokeConfig OnFailure
destination; if neither is declared it is logged. OnSuccess destinations receive success records.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.provision import Destination, FunctionSpec
from local.runtime.workers import InvokeResult

log = logging.getLogger("local.runtime.async")

SyncInvoker = Callable[[FunctionSpec, str, str], InvokeResult]
"""(function, event JSON, request id) -> result."""
ClientFactory = Callable[[str], Any]


@dataclass(order=True)
class _Job:
    due: float
    sequence: int
    function: FunctionSpec = field(compare=False)
    event_json: str = field(compare=False)
    request_id: str = field(compare=False)
    enqueued_at: float = field(compare=False)
    attempts: int = field(default=0, compare=False)


@dataclass
class AsyncOutcome:
    """What happened to one async event (kept for tests and the /_local API)."""

    request_id: str
    function: str
    attempts: int = 0
    status: str = "queued"  # queued | succeeded | failed
    error: dict[str, Any] | None = None
    sent_to: list[str] = field(default_factory=list)


def _fifo_fields(arn: str, deduplication: str) -> dict[str, str]:
    """AWS refuses FIFO queues as Lambda destinations; locally we still deliver (one group per function)."""
    if not arn.endswith(".fifo"):
        return {}
    return {
        "MessageGroupId": "lambda-destination",
        "MessageDeduplicationId": hashlib.sha256(deduplication.encode()).hexdigest(),
    }


class AsyncInvoker:
    def __init__(
        self,
        invoke: SyncInvoker,
        client: ClientFactory,
        *,
        resolve_function: Callable[[str], FunctionSpec | None],
        queue_url_for_arn: Callable[[str], str],
        retry_delays_s: Sequence[float] = (1.0, 2.0),
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._invoke = invoke
        self._client = client
        self._resolve_function = resolve_function
        self._queue_url_for_arn = queue_url_for_arn
        self._retry_delays = tuple(retry_delays_s) or (0.0,)
        self._clock = clock
        self._heap: list[_Job] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="async-invoke")
        self._running = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._dispatch, name="async-dispatch", daemon=True)
        self._thread.start()
        self.outcomes: dict[str, AsyncOutcome] = {}

    def submit(self, function: FunctionSpec, event_json: str, request_id: str | None = None) -> str:
        request_id = request_id or str(uuid.uuid4())
        now = self._clock()
        with self._condition:
            if self._stopped:
                raise RuntimeError("the runtime is stopping")
            self.outcomes[request_id] = AsyncOutcome(request_id, function.name)
            heapq.heappush(self._heap, _Job(now, next(self._sequence), function, event_json, request_id, now))
            self._condition.notify_all()
        return request_id

    def _dispatch(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._heap or self._heap[0].due > self._clock()):
                    timeout = None if not self._heap else max(0.0, self._heap[0].due - self._clock())
                    self._condition.wait(timeout=min(timeout, 0.5) if timeout is not None else 0.5)
                if self._stopped:
                    return
                job = heapq.heappop(self._heap)
                self._running += 1
            self._executor.submit(self._run, job)

    def _run(self, job: _Job) -> None:
        try:
            self._attempt(job)
        except Exception:  # pragma: no cover - never lose the dispatcher
            log.exception("async invoke of %s failed unexpectedly", job.function.name)
        finally:
            with self._condition:
                self._running -= 1
                self._condition.notify_all()

    def _attempt(self, job: _Job) -> None:
        function = job.function
        outcome = self.outcomes[job.request_id]
        age = self._clock() - job.enqueued_at
        if job.attempts > 0 and age > function.maximum_event_age_s:
            self._failed(job, None, "EventAgeExceeded")
            return
        job.attempts += 1
        outcome.attempts = job.attempts
        result = self._invoke(function, job.event_json, job.request_id)
        if result.ok:
            outcome.status = "succeeded"
            if function.on_success:
                self._send_record(function.on_success, job, result, "Success")
                outcome.sent_to.append(function.on_success.arn)
            return
        outcome.error = result.error
        if job.attempts <= function.maximum_retry_attempts:
            delay = self._retry_delays[min(job.attempts - 1, len(self._retry_delays) - 1)]
            log.info(
                "%s: async invoke %s failed (attempt %d), retrying in %.1fs",
                function.name,
                job.request_id,
                job.attempts,
                delay,
            )
            with self._condition:
                if self._stopped:
                    return
                job.due = self._clock() + delay
                job.sequence = next(self._sequence)
                heapq.heappush(self._heap, job)
                self._condition.notify_all()
            return
        self._failed(job, result, "RetriesExhausted")

    def _failed(self, job: _Job, result: InvokeResult | None, condition: str) -> None:
        function = job.function
        outcome = self.outcomes[job.request_id]
        outcome.status = "failed"
        error = (result.error if result else None) or {}
        if function.dead_letter:
            self._send_dead_letter(function.dead_letter, job, error)
            outcome.sent_to.append(function.dead_letter.arn)
        if function.on_failure:
            self._send_record(function.on_failure, job, result, "Failure", condition)
            outcome.sent_to.append(function.on_failure.arn)
        if not function.dead_letter and not function.on_failure:
            log.error(
                "%s: async event %s dropped after %d attempt(s) (%s): %s: %s",
                function.name,
                job.request_id,
                job.attempts,
                condition,
                error.get("errorType"),
                error.get("errorMessage"),
            )

    def _send_dead_letter(self, target: Destination, job: _Job, error: dict[str, Any]) -> None:
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": job.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": str(error.get("errorMessage") or "unknown error")[:1024],
            },
        }
        try:
            if target.type == "SQS":
                self._client("sqs").send_message(
                    QueueUrl=self._queue_url_for_arn(target.arn),
                    MessageBody=job.event_json,
                    MessageAttributes=attributes,
                    **_fifo_fields(target.arn, job.request_id),
                )
            elif target.type == "SNS":
                self._client("sns").publish(TopicArn=target.arn, Message=job.event_json, MessageAttributes=attributes)
        except Exception:
            log.exception("%s: could not dead-letter event %s to %s", job.function.name, job.request_id, target.arn)

    def _send_record(
        self,
        target: Destination,
        job: _Job,
        result: InvokeResult | None,
        kind: str,
        condition: str = "Success",
    ) -> None:
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "requestContext": {
                "requestId": job.request_id,
                "functionArn": f"{job.function.arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": job.attempts,
            },
            "requestPayload": json.loads(job.event_json),
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        }
        if result is not None:
            if result.ok:
                record["responsePayload"] = json.loads(result.payload_json)
            else:
                record["responseContext"]["functionError"] = "Unhandled"
                record["responsePayload"] = result.error
        body = json.dumps(record)
        try:
            if target.type == "SQS":
                self._client("sqs").send_message(
                    QueueUrl=self._queue_url_for_arn(target.arn), MessageBody=body, **_fifo_fields(target.arn, body)
                )
            elif target.type == "SNS":
                self._client("sns").publish(TopicArn=target.arn, Message=body)
            elif target.type == "Lambda":
                destination = self._resolve_function(target.arn)
                if destination is None:
                    raise LookupError(f"no function {target.arn} in the template")
                self.submit(destination, body)
            elif target.type == "EventBridge":
                self._client("events").put_events(
                    Entries=[
                        {
                            "Source": "lambda",
                            "DetailType": f"Lambda Function Invocation Result - {kind}",
                            "Detail": body,
                            "Resources": [job.function.arn],
                            "EventBusName": target.arn,
                        }
                    ]
                )
        except Exception:
            log.exception(
                "%s: could not send the %s record of %s to %s", job.function.name, kind, job.request_id, target.arn
            )

    def idle(self) -> bool:
        with self._condition:
            return not self._heap and self._running == 0

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Block until no event is queued, waiting for a retry or running (tests, demo)."""
        deadline = time.monotonic() + timeout_s
        with self._condition:
            while self._heap or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(timeout=min(remaining, 0.1))
        return True

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            pending = len(self._heap)
            self._heap.clear()
            self._condition.notify_all()
        if pending:
            log.warning("%d queued async event(s) dropped at shutdown", pending)
        self._thread.join(timeout=5)
        self._executor.shutdown(wait=False, cancel_futures=True)
