"""The Lambda Invoke API (like ``sam local start-lambda``) plus the runtime's ``/_local`` control routes.

``POST /2015-03-31/functions/{name}/invocations`` accepts a function's physical name, ARN (qualifier
ignored) or partial ARN, so ``boto3.client("lambda", endpoint_url=...).invoke(...)`` works unchanged:

* ``X-Amz-Invocation-Type: RequestResponse`` (default): 200 with the payload; on a function error also
  ``X-Amz-Function-Error: Unhandled`` and the error document as the payload.
* ``Event``: 202, the event is queued (retries and dead-lettering: `local.runtime.async_invoke`).
* ``DryRun``: 204.
* ``X-Amz-Log-Type: Tail`` (boto3 ``LogType="Tail"``): ``X-Amz-Log-Result`` = the last 4 KB of the log.

Control routes: ``GET /_local/health``, ``GET /_local/functions``, ``GET /_local/schedules``,
``POST /_local/schedules/{function-or-rule}/fire[?wait=true]``, ``GET /_local/async/{request id}``,
``POST /_local/invoke/{function}`` (one synchronous invoke answered with its result and every log line:
`local.runtime.oneshot`), ``POST /_local/async/wait`` (blocks until no async event is pending),
``POST /_local/idle[?timeout=30]`` (also waits until every SQS source queue is drained: `Runtime.wait_idle`),
``GET|POST|DELETE /_local/faults`` (crash injection: `local.runtime.faults`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any, Protocol
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from local.provision import FunctionSpec
from local.runtime.faults import FaultError, FaultInjector
from local.runtime.workers import InvokeResult


class RuntimeControl(Protocol):
    """What the Invoke API needs from the runtime (`local.runtime.runtime.Runtime` provides it).

    A protocol, not an import of Runtime: the runtime imports this module to serve it, so this module must
    not import the runtime back (no import cycle, even under TYPE_CHECKING).
    """

    region: str
    account_id: str
    functions: list[FunctionSpec]
    scheduler: Any
    async_invoker: Any
    faults: FaultInjector

    def find_function(self, identifier: str) -> FunctionSpec | None: ...
    def invoke_sync(
        self, function: FunctionSpec, event_json: str, *, request_id: str | None = None
    ) -> InvokeResult: ...
    def invoke_async(self, function: FunctionSpec, event_json: str, *, request_id: str | None = None) -> str: ...
    def wait_idle(self, timeout_s: float = 30.0) -> bool: ...
    def fire(self, name: str, *, wait: bool = False) -> list[dict[str, Any]]: ...
    def describe(self) -> list[dict[str, Any]]: ...


_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_FIRE = re.compile(r"^/_local/schedules/(?P<name>[^/]+)/fire/?$")
_ASYNC = re.compile(r"^/_local/async/(?P<id>[^/]+)/?$")
_LOCAL_INVOKE = re.compile(r"^/_local/invoke/(?P<name>[^/]+)/?$")
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 256 * 1024


def function_name_from(identifier: str) -> str:
    """``name``, ``name:qualifier``, ``arn:aws:lambda:r:a:function:name[:q]`` or ``a:function:name`` -> name."""
    identifier = unquote(identifier)
    if identifier.startswith("arn:"):
        parts = identifier.split(":")
        return parts[6] if len(parts) > 6 else identifier
    if ":function:" in identifier:
        return identifier.split(":function:", 1)[1].split(":", 1)[0]
    return identifier.split(":", 1)[0]


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(value, default=str), status=status, content_type="application/json")
    for key, header in (headers or {}).items():
        response.headers[key] = header
    return response


def _aws_error(status: int, error_type: str, message: str) -> Response:
    return _json(
        {"Type": "User", "message": message},
        status,
        {"x-amzn-ErrorType": error_type, "x-amzn-RequestId": str(uuid.uuid4())},
    )


class InvokeApiApp:
    def __init__(self, runtime: RuntimeControl) -> None:
        self.runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:  # noqa: PLR0911
        path = request.path
        method = request.method.upper()
        if path.startswith("/_local/"):
            return self._control(request, path, method)
        match = _INVOKE.match(path)
        if not match:
            return _aws_error(404, "UnknownOperationException", f"{method} {path} is not served by the local runtime")
        if method != "POST":
            return _aws_error(405, "UnknownOperationException", "use POST")
        name = function_name_from(match.group("name"))
        function = self.runtime.find_function(name)
        if function is None:
            arn = f"arn:aws:lambda:{self.runtime.region}:{self.runtime.account_id}:function:{name}"
            return _aws_error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        payload = request.get_data() or b"{}"
        try:
            json.loads(payload)
        except ValueError:
            return _aws_error(400, "InvalidRequestContentException", "Could not parse request body into json")
        request_id = str(uuid.uuid4())
        if invocation_type == "DryRun":
            return Response(b"", status=204, headers={"x-amzn-RequestId": request_id})
        if invocation_type == "Event":
            if len(payload) > ASYNC_PAYLOAD_LIMIT:
                return _aws_error(413, "RequestTooLargeException", "Request must be smaller than 262144 bytes")
            self.runtime.invoke_async(function, payload.decode(), request_id=request_id)
            return Response(b"", status=202, headers={"x-amzn-RequestId": request_id})
        if invocation_type != "RequestResponse":
            return _aws_error(400, "InvalidParameterValueException", f"invalid InvocationType {invocation_type!r}")
        if len(payload) > SYNC_PAYLOAD_LIMIT:
            return _aws_error(413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes")
        result = self.runtime.invoke_sync(function, payload.decode(), request_id=request_id)
        response = Response(result.body, status=200, content_type="application/json")
        response.headers["X-Amz-Executed-Version"] = "$LATEST"
        response.headers["x-amzn-RequestId"] = request_id
        if not result.ok:
            response.headers["X-Amz-Function-Error"] = "Unhandled"
        if request.headers.get("X-Amz-Log-Type") == "Tail":
            response.headers["X-Amz-Log-Result"] = result.log_tail()
        return response

    def _local_invoke(self, name: str, payload: bytes) -> Response:
        """`python -m local.runtime invoke`: a synchronous invoke answered with every log line of it."""
        function = self.runtime.find_function(name)
        if function is None:
            return _json({"message": f"no function {name!r} in the template (logical id or function name)"}, 404)
        try:
            json.loads(payload)
        except ValueError:
            return _json({"message": "the event is not JSON"}, 400)
        result = self.runtime.invoke_sync(function, payload.decode())
        return _json(
            {
                "function": function.name,
                "requestId": result.request_id,
                "ok": result.ok,
                "payload": result.payload,
                "logs": result.log_lines,
                "durationMs": round(result.duration_ms, 2),
            }
        )

    def _faults(self, request: Request, method: str) -> Response:
        faults = self.runtime.faults
        if method == "DELETE":
            faults.clear()
        elif method == "POST":
            try:
                faults.set(json.loads(request.get_data() or b"null"))
            except ValueError as exc:  # FaultError too
                return _json({"message": str(exc) if isinstance(exc, FaultError) else f"not JSON: {exc}"}, 400)
        elif method != "GET":
            return _json({"message": "use GET, POST or DELETE"}, 405)
        return _json({"faults": faults.describe()})

    def _control(self, request: Request, path: str, method: str) -> Response:  # noqa: PLR0911
        runtime = self.runtime
        if path.rstrip("/") == "/_local/health":
            return _json({"status": "ok", "functions": len(runtime.functions)})
        if path.rstrip("/") == "/_local/functions" and method == "GET":
            return _json(runtime.describe())
        if path.rstrip("/") == "/_local/schedules" and method == "GET":
            return _json(runtime.scheduler.describe())
        if path.rstrip("/") == "/_local/async/wait" and method == "POST":
            timeout = float(request.args.get("timeout", "30"))
            return _json({"idle": runtime.async_invoker.wait_idle(timeout)})
        if path.rstrip("/") == "/_local/idle" and method == "POST":
            timeout = float(request.args.get("timeout", "30"))
            return _json({"idle": runtime.wait_idle(timeout)})
        if path.rstrip("/") == "/_local/faults":
            return self._faults(request, method)
        local_invoke = _LOCAL_INVOKE.match(path)
        if local_invoke and method == "POST":
            return self._local_invoke(unquote(local_invoke.group("name")), request.get_data() or b"{}")
        fire = _FIRE.match(path)
        if fire and method == "POST":
            wait = request.args.get("wait", "false").lower() in ("1", "true", "yes")
            try:
                fired = runtime.fire(unquote(fire.group("name")), wait=wait)
            except KeyError as exc:
                return _json({"message": str(exc.args[0])}, 404)
            return _json({"fired": fired}, 200 if wait else 202)
        outcome = _ASYNC.match(path)
        if outcome and method == "GET":
            found = runtime.async_invoker.outcomes.get(outcome.group("id"))
            if found is None:
                return _json({"message": "unknown request id"}, 404)
            return _json(asdict(found))
        return _json({"message": f"{method} {path}: unknown local route"}, 404)
