"""Counting AWS calls by botocore event hooks (the cost model's measurement, benchmarks/cost_counts.py).

Every botocore client created while `AwsCallCounter.installed()` is active gets three hooks: `before-call`
counts the call (and starts the in-flight clock), `before-parameter-build` sizes DynamoDB writes and the SQS /
Lambda payloads, `after-call` sizes what Query / Scan / BatchGetItem returned (DynamoDB on-demand request
units) and stops the clock. Calls are billed to the current stage (`billing(stage)`), or to the poller.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

RRU_BYTES, WRU_BYTES = 4096, 1024


@dataclass
class StageCounts:
    """What one stage (one function's invocations) did in the measured run."""

    invocations: int = 0
    messages: int = 0  # records handled (a direct invoke counts 1)
    billed_ms: int = 0  # sum over invocations of the duration rounded up to 1 ms
    aws: Counter[str] = field(default_factory=Counter)  # "dynamodb.UpdateItem" -> calls
    read_units: float = 0.0  # DynamoDB read request units (on-demand)
    write_units: float = 0.0  # DynamoDB write request units
    max_payload_bytes: int = 0  # largest SQS message body / Lambda Invoke payload sent
    moto_ms: float = 0.0  # wall time with an AWS call in flight (moto runs in-process: its CPU is not ours)
    redelivered: int = 0  # records a batch reported failed, handed over again (as SQS redelivers them)
    failure_reasons: list[str] = field(default_factory=list)  # why, from the handler's batch processor

    def calls(self, service: str, *operations: str) -> int:
        return sum(n for name, n in self.aws.items() if name.split(".")[0] == service
                   and (not operations or name.split(".", 1)[1] in operations))



def _size(value: Any) -> int:
    return len(json.dumps(value, default=str, separators=(",", ":")).encode())


class AwsCallCounter:
    """botocore event hooks on every client created while installed; `stage` says whom to bill."""

    def __init__(self) -> None:
        self.stages: dict[str, StageCounts] = {}
        self.stage: str | None = None
        self.poller = StageCounts()  # the driver's own SQS calls (Lambda's pollers in AWS)
        self._in_poller = False
        self._lock = threading.Lock()
        self._in_flight = 0
        self._since = 0.0

    @contextlib.contextmanager
    def billing(self, stage: str | None) -> Iterator[None]:
        previous, self.stage = self.stage, stage
        try:
            yield
        finally:
            self.stage = previous

    @contextlib.contextmanager
    def polling(self) -> Iterator[None]:
        self._in_poller = True
        try:
            yield
        finally:
            self._in_poller = False

    def _target(self) -> StageCounts | None:
        if self._in_poller:
            return self.poller
        return self.stages.setdefault(self.stage, StageCounts()) if self.stage else None

    def _before_call(self, model: Any, **_: Any) -> None:
        target = self._target()
        if target is not None:
            target.aws[f"{model.service_model.service_name}.{model.name}"] += 1
            with self._lock:
                if self._in_flight == 0:
                    self._since = time.perf_counter()
                self._in_flight += 1

    def _call_done(self, **_: Any) -> None:
        target = self._target()
        if target is None:
            return
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if self._in_flight == 0:
                target.moto_ms += (time.perf_counter() - self._since) * 1000

    def _before_build(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        target = self._target()
        if target is None:
            return
        service, name = model.service_model.service_name, model.name
        if service == "dynamodb":
            target.write_units += _write_units(name, params)
            if name == "GetItem":
                target.read_units += 1.0 if params.get("ConsistentRead") else 0.5
        elif service == "sqs" and name in {"SendMessage", "SendMessageBatch"}:
            bodies = [params.get("MessageBody", "")] if name == "SendMessage" else [
                e.get("MessageBody", "") for e in params.get("Entries", [])]
            target.max_payload_bytes = max([target.max_payload_bytes, *(len(str(b).encode()) for b in bodies)])
        elif service == "lambda" and name == "Invoke":
            payload = params.get("Payload", b"")
            target.max_payload_bytes = max(target.max_payload_bytes, len(payload) if payload else 0)

    def _after_call(self, parsed: Mapping[str, Any], model: Any, **_: Any) -> None:
        self._call_done()
        target = self._target()
        if target is None or model.service_model.service_name != "dynamodb":
            return
        if model.name in {"Query", "Scan"}:
            # billed on the summed size of the items read, rounded up to 4 KB; eventually consistent halves it
            units = max(1, math.ceil(sum(_size(i) for i in parsed.get("Items", [])) / RRU_BYTES))
            target.read_units += units * 0.5
        elif model.name == "BatchGetItem":
            target.read_units += 0.5 * sum(len(items) for items in parsed.get("Responses", {}).values())

    def attach(self, client: Any) -> Any:
        events = client.meta.events
        events.register("before-call.*.*", self._before_call)
        events.register("before-parameter-build.*.*", self._before_build)
        events.register("after-call.*.*", self._after_call)
        events.register("after-call-error.*.*", self._call_done)
        return client

    @contextlib.contextmanager
    def installed(self) -> Iterator[AwsCallCounter]:
        """Every botocore client created inside (boto3 clients, resources, Powertools' providers) is counted."""
        import botocore.session

        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            return counter.attach(original(session, *args, **kwargs))

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.session.Session.create_client = original  # type: ignore[method-assign]


def _write_units(name: str, params: Mapping[str, Any]) -> float:
    if name == "PutItem":
        return max(1, math.ceil(_size(params.get("Item", {})) / WRU_BYTES))
    if name in {"UpdateItem", "DeleteItem"}:
        return 1.0  # our rows are well under 1 KB (an UpdateItem is billed on the larger of before/after)
    if name == "BatchWriteItem":
        return float(sum(len(v) for v in params.get("RequestItems", {}).values()))
    if name == "TransactWriteItems":
        return 2.0 * len(params.get("TransactItems", []))
    return 0.0
