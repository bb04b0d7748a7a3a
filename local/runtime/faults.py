"""Crash injection for chaos tests: kill a worker mid-invocation, or time a function out before a chosen call.

Set per function over the Lambda API port (``POST /_local/faults``, ``GET`` to read, ``DELETE`` to clear) or
at start with ``LOCAL_FAULTS`` (a JSON list of the same objects):

    {"function": "OrdersFunction", "kill_worker_every": 3, "kill_after_aws_calls": 2, "count": 10}
        every 3rd invocation of the function, its worker process is SIGKILLed right after its 2nd AWS call
        returned (a container crash mid-batch: what it wrote so far stays, the rest never happens; the
        invocation ends in Runtime.ExitError, so SQS redelivers the batch / async retries the event).
    {"function": "OrdersFunction", "timeout_every": 1, "timeout_before": "dynamodb.UpdateItem", "count": 1}
        on every invocation, the first AWS call matching ``timeout_before`` (``service.Operation``, fnmatch
        patterns, a list allowed: ``["dynamodb.UpdateItem", "dynamodb.TransactWriteItems"]``) hangs past
        the function's Timeout (after its side effects, before its state write): Sandbox.Timedout, the
        worker is replaced. ``timeout_params`` (optional, an fnmatch pattern) narrows the match to calls whose
        parameters, as JSON, match it: ``"*vtex_order = :vo*"`` picks the orders function's mark-placed
        UpdateItem (after the VTEX order was placed) among its earlier UpdateItems (claim, status).

``count`` (optional) caps how many invocations get the fault; ``every`` counters start at the POST. The hooks
live in the worker bootstrap (a wrapper of botocore's ``BaseClient._make_api_call``, installed only when an
invocation carries a fault), so business code has no test switch. AWS calls are those made through boto3;
HTTP calls to TikTok/VTEX (httpx) are not counted.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

_KEYS = {"function", "kill_worker_every", "kill_after_aws_calls", "timeout_every", "timeout_before", "timeout_params",
         "count"}


class FaultError(ValueError):
    """An invalid fault specification (answered 400 by the control route)."""


@dataclass
class Fault:
    function: str  # physical name (resolved from the logical id or name given)
    kill_worker_every: int = 0
    kill_after_aws_calls: int = 1
    timeout_every: int = 0
    timeout_before: list[str] = field(default_factory=list)
    timeout_params: str = ""
    count: int | None = None
    invocations: int = 0
    injected: int = 0

    def plan(self) -> dict[str, Any] | None:
        """Called once per invocation: the fault the worker applies to it, if any."""
        self.invocations += 1
        if self.count is not None and self.injected >= self.count:
            return None
        if self.kill_worker_every and self.invocations % self.kill_worker_every == 0:
            self.injected += 1
            return {"kill_after_aws_calls": self.kill_after_aws_calls}
        if self.timeout_every and self.invocations % self.timeout_every == 0:
            self.injected += 1
            return {"timeout_before": list(self.timeout_before), "timeout_params": self.timeout_params}
        return None


def _positive(spec: dict[str, Any], key: str, default: int, minimum: int = 1) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return value


def parse_fault(spec: Any, resolve: Any) -> Fault:
    """Validate one fault object; ``resolve(identifier) -> physical name | None``."""
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    unknown = set(spec) - _KEYS
    if unknown:
        raise FaultError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
    name = resolve(str(spec.get("function", "")))
    if name is None:
        raise FaultError(f"no function {spec.get('function')!r} in the template")
    kill_every = _positive(spec, "kill_worker_every", 0, 0)
    timeout_every = _positive(spec, "timeout_every", 0, 0)
    if bool(kill_every) == bool(timeout_every):
        raise FaultError("give exactly one of kill_worker_every and timeout_every")
    before = spec.get("timeout_before", [])
    before = [before] if isinstance(before, str) else before
    if timeout_every and (not isinstance(before, list) or not before or not all(isinstance(b, str) for b in before)):
        raise FaultError('timeout_every needs timeout_before: "service.Operation" or a list of them')
    params = spec.get("timeout_params", "")
    if not isinstance(params, str) or (params and not timeout_every):
        raise FaultError("timeout_params is an fnmatch pattern (a string) and goes with timeout_every")
    count = spec.get("count")
    if count is not None:
        count = _positive(spec, "count", 1)
    return Fault(
        function=name,
        kill_worker_every=kill_every,
        kill_after_aws_calls=_positive(spec, "kill_after_aws_calls", 1, 0),
        timeout_every=timeout_every,
        timeout_before=list(before),
        timeout_params=params,
        count=count,
    )


class FaultInjector:
    def __init__(self, resolve: Any) -> None:
        self._resolve = resolve
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()

    def set(self, specs: Any) -> list[Fault]:
        """Add or replace the faults of the functions named (one object or a list)."""
        faults = [parse_fault(spec, self._resolve) for spec in (specs if isinstance(specs, list) else [specs])]
        with self._lock:
            self._faults.update({fault.function: fault for fault in faults})
        return faults

    def set_from_json(self, text: str) -> None:
        try:
            specs = json.loads(text)
        except ValueError as exc:
            raise FaultError(f"LOCAL_FAULTS is not JSON: {exc}") from exc
        self.set(specs)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def plan(self, function_name: str) -> dict[str, Any] | None:
        with self._lock:
            fault = self._faults.get(function_name)
            return fault.plan() if fault is not None else None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults.values()]
