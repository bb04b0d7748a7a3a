"""The worker process of one function (one "Lambda container"). Standard library only.

Started by `local.runtime.workers` as ``python -I -u _bootstrap.py REQUEST_FD RESPONSE_FD SPEC_JSON`` with
the function's environment. ``-I`` keeps the repository root off ``sys.path``: the path is the function's
CodeUri followed by its layers' ContentUri directories (like /var/task and /opt/python), then the
interpreter's site-packages (the Lambda runtime's own libraries). The handler module is imported once, at
start (the cold start); the worker then serves invocations one at a time until its request pipe closes.

Protocol on the two pipes: 4-byte big-endian length + UTF-8 JSON, both ways. After the handler import the
worker sends ``{"ready": true}`` once.
request  = {"request_id", "event_json", "deadline_ms", "invoked_function_arn", "fault"?}
response = {"ok": true, "payload_json": "..."} | {"ok": false, "error": {"errorMessage", "errorType", ...}}
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import json
import os
import signal
import struct
import sys
import time
import traceback
from typing import Any, BinaryIO

END_MARK = "\x1elocal-runtime-end "  # never printed: see local.runtime.workers


class LambdaContext:
    """What AWS passes as the handler's second argument (the attributes Powertools and handlers use)."""

    def __init__(self, spec: dict[str, Any], request_id: str, deadline_ms: int, invoked_arn: str) -> None:
        self.function_name: str = spec["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = invoked_arn or spec["function_arn"]
        self.memory_limit_in_mb = int(spec["memory"])
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = spec["log_stream_name"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes, or fewer only at end of input. The streams are unbuffered: one ``read`` returns at most
    what the pipe holds (64 KiB on Linux), so a large event arrives in several pieces."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read(stream: BinaryIO) -> dict[str, Any] | None:
    header = _read_exactly(stream, 4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    body = _read_exactly(stream, size)
    if len(body) < size:
        return None  # the runtime closed the pipe mid-message
    return json.loads(body.decode("utf-8"))


def _write(stream: BinaryIO, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode("utf-8")
    view = memoryview(struct.pack(">I", len(body)) + body)
    while view:  # an unbuffered write may take only part of the data
        written = stream.write(view)
        view = view[written or 0 :]
    stream.flush()


def _error(exc: BaseException, error_type: str | None = None, *, with_trace: bool = True) -> dict[str, Any]:
    error: dict[str, Any] = {"errorMessage": str(exc), "errorType": error_type or type(exc).__name__}
    if with_trace:
        frames = exc.__traceback__.tb_next if exc.__traceback__ else None  # drop this bootstrap's frame
        error["stackTrace"] = [line.rstrip("\n") for line in traceback.format_tb(frames)]
    error["requestId"] = ""
    return error


def _load_handler(handler: str) -> tuple[Any, dict[str, Any] | None]:
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        return None, {
            "errorMessage": f"Bad handler '{handler}': not enough values to unpack",
            "errorType": "Runtime.MalformedHandlerName",
            "stackTrace": [],
        }
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:
        print(
            f"[ERROR] Runtime.ImportModuleError: Unable to import module '{module_name}': {exc}",
            file=sys.stderr,
            flush=True,
        )
        traceback.print_exc()
        return None, _error(exc, "Runtime.ImportModuleError") | {
            "errorMessage": f"Unable to import module '{module_name}': {exc}"
        }
    function = getattr(module, function_name, None)
    if function is None:
        return None, {
            "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
    return function, None


def main(argv: list[str]) -> int:
    request_fd, response_fd, spec = int(argv[1]), int(argv[2]), json.loads(argv[3])
    for directory in reversed(spec["paths"]):
        sys.path.insert(0, directory)
    with contextlib.suppress(OSError):
        os.chdir(spec["paths"][0])
    requests = os.fdopen(request_fd, "rb", buffering=0)
    responses = os.fdopen(response_fd, "wb", buffering=0)
    handler, init_error = _load_handler(spec["handler"])
    _write(responses, {"ready": True})  # the init phase is over (its time does not count against Timeout)
    while True:
        request = _read(requests)
        if request is None:
            return 0  # the runtime closed the pipe (or died): the container goes away
        if init_error is not None:
            response: dict[str, Any] = {"ok": False, "error": init_error | {"requestId": request["request_id"]}}
        else:
            response = _invoke(handler, spec, request)
        # end-of-invocation mark on the log stream: the runtime prints END/REPORT after the function's lines
        sys.stdout.write(f"{END_MARK}{request['request_id']}\n")
        sys.stdout.flush()
        _write(responses, response)


# The fault of the current invocation (see local.runtime.faults); None for almost every invocation.
_fault: dict[str, Any] | None = None
_fault_calls = 0
_fault_deadline_ms = 0
_fault_hook_installed = False


def _install_fault_hook() -> None:
    """Wrap botocore's single entry point for API calls, once, the first time an invocation carries a fault."""
    global _fault_hook_installed  # noqa: PLW0603 - one patch per worker process
    if _fault_hook_installed:
        return
    try:
        from botocore.client import BaseClient  # the function's own botocore (its sys.path)
    except ImportError:
        return
    original = BaseClient._make_api_call

    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        global _fault_calls  # noqa: PLW0603
        fault = _fault
        if fault is not None and fault.get("timeout_before"):
            name = f"{self.meta.service_model.service_name}.{operation_name}"
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in fault["timeout_before"]) and (
                not fault.get("timeout_params")
                or fnmatch.fnmatchcase(json.dumps(api_params, default=str), fault["timeout_params"])
            ):
                print(f"[fault] hanging before {name} until the timeout", file=sys.stderr, flush=True)
                time.sleep(max(0.0, _fault_deadline_ms / 1000 - time.time()) + 5)  # the runtime kills us first
        result = original(self, operation_name, api_params)
        if fault is not None and "kill_after_aws_calls" in fault:
            _fault_calls += 1
            if _fault_calls >= int(fault["kill_after_aws_calls"]):
                print(f"[fault] worker killed after {_fault_calls} AWS call(s)", file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        return result

    BaseClient._make_api_call = _make_api_call
    _fault_hook_installed = True


def _arm_fault(request: dict[str, Any]) -> None:
    global _fault, _fault_calls, _fault_deadline_ms
    _fault, _fault_calls, _fault_deadline_ms = request.get("fault"), 0, int(request["deadline_ms"])
    if _fault is None:
        return
    _install_fault_hook()
    if int(_fault.get("kill_after_aws_calls", -1)) == 0:
        print("[fault] worker killed before the handler ran", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


def _invoke(handler: Any, spec: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    request_id = request["request_id"]
    _arm_fault(request)
    context = LambdaContext(spec, request_id, request["deadline_ms"], request["invoked_function_arn"])
    if request.get("trace_id"):
        os.environ["_X_AMZN_TRACE_ID"] = request["trace_id"]
    try:
        event = json.loads(request["event_json"])
        result = handler(event, context)
    except Exception as exc:
        error = _error(exc) | {"requestId": request_id}
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "ERROR",
            "message": f"[ERROR] {error['errorType']}: {error['errorMessage']}",
            "requestId": request_id,
        }
        print(json.dumps(record), file=sys.stderr, flush=True)
        return {"ok": False, "error": error}
    try:
        return {"ok": True, "payload_json": json.dumps(result)}
    except (TypeError, ValueError) as exc:
        return {
            "ok": False,
            "error": {
                "errorMessage": f"Unable to marshal response: {exc}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            },
        }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
