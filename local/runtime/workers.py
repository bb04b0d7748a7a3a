"""Worker subprocesses: each function runs in its own small pool of warm "containers".

A `Worker` is one ``python -I _bootstrap.py`` process with the function's environment and sys.path; it
imports the handler once and then serves invocations one at a time over two pipes. A `FunctionPool`
spawns up to ``size`` workers lazily, replaces a worker that crashed, and kills (then replaces) a worker
whose invocation exceeds the function's Timeout. Worker stdout/stderr go to a log sink line by line,
prefixed with the function name.

Size (~410 lines): the worker process protocol (framing, timeouts, crash replacement) and its pool
share one state machine; split they would leak its invariants.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.provision import FunctionSpec

BOOTSTRAP = Path(__file__).with_name("_bootstrap.py")
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit
END_MARK = "\x1elocal-runtime-end "  # written by _bootstrap after each invocation (kept in sync)

LogSink = Callable[[str, str], None]
"""(function name, line) -> None."""

_print_lock = threading.Lock()


def console_sink(function_name: str, line: str) -> None:
    """Default sink: the stack's console, one line per log record, prefixed with the function name."""
    with _print_lock:
        sys.stdout.write(f"{function_name} | {line}\n")
        sys.stdout.flush()


@dataclass
class InvokeResult:
    request_id: str
    ok: bool
    payload_json: str = "null"  # the handler's return value, JSON text (when ok)
    error: dict[str, Any] | None = None  # errorMessage / errorType / stackTrace (when not ok)
    duration_ms: float = 0.0
    timed_out: bool = False
    log_lines: list[str] = field(default_factory=list)  # START, the function's lines, END, REPORT

    def log_tail(self, limit: int = 4096) -> str:
        """``X-Amz-Log-Result``: the last 4 KB of the invocation's log, base64."""
        text = "".join(f"{line}\n" for line in self.log_lines).encode()
        return base64.b64encode(text[-limit:]).decode()

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json) if self.ok else self.error

    @property
    def body(self) -> bytes:
        """What the Invoke API returns: the payload, or the error document."""
        return self.payload_json.encode() if self.ok else json.dumps(self.error).encode()


@dataclass
class WorkerSettings:
    python: str = sys.executable
    log_sink: LogSink = console_sink
    base_environment: dict[str, str] = field(default_factory=dict)  # AWS settings of the runtime


def function_environment(spec: FunctionSpec, aws_environment: Mapping[str, str]) -> dict[str, str]:
    """The process environment of a worker: Lambda's reserved variables, AWS settings, the function's own."""
    region = aws_environment.get("AWS_REGION") or aws_environment.get("AWS_DEFAULT_REGION") or "us-east-1"
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_SAM_LOCAL": "true",  # what `sam local` sets: Powertools Tracer stays off without an X-Ray daemon
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "_HANDLER": spec.handler,
    }
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    env.update({k: v for k, v in aws_environment.items() if v is not None})
    env.update(spec.environment)
    return env


class WorkerCrashed(RuntimeError):
    pass


class Worker:
    """One warm function process."""

    def __init__(self, spec: FunctionSpec, settings: WorkerSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + uuid.uuid4().hex
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        spec_json = json.dumps(
            {
                "handler": spec.handler,
                "paths": [str(spec.code_uri), *(str(p) for p in spec.layers)],
                "function_name": spec.name,
                "function_arn": spec.arn,
                "memory": spec.memory,
                "log_stream_name": self.log_stream_name,
            }
        )
        try:
            self.process = subprocess.Popen(
                [settings.python, "-I", "-u", str(BOOTSTRAP), str(request_read), str(response_write), spec_json],
                env=function_environment(spec, settings.base_environment),
                cwd=str(spec.code_uri),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(request_read, response_write),
                start_new_session=True,  # Ctrl-C goes to the stack, which stops the workers itself
            )
        finally:
            os.close(request_read)
            os.close(response_write)
        self.lines: deque[str] = deque(maxlen=1000)  # the current invocation's log lines
        self._marks: dict[str, threading.Event] = {}
        self._marks_lock = threading.Lock()
        self._logs = threading.Thread(target=self._pump_logs, name=f"logs-{spec.name}", daemon=True)
        self._logs.start()
        self.invocations = 0
        self.ready = False
        self.init_duration_ms = 0.0

    def _pump_logs(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if END_MARK in line:  # after the function's last line (even one without a newline)
                line, _, request_id = line.partition(END_MARK)
                if line:
                    self.lines.append(line)
                    with contextlib.suppress(Exception):
                        self.settings.log_sink(self.spec.name, line)
                with self._marks_lock:
                    self._marks.setdefault(request_id, threading.Event()).set()
                continue
            self.lines.append(line)
            with contextlib.suppress(Exception):
                self.settings.log_sink(self.spec.name, line)

    def _logs_flushed(self, request_id: str, timeout_s: float = 1.0) -> None:
        """Wait (briefly) until the invocation's log lines went to the sink, so END/REPORT come after them."""
        with self._marks_lock:
            mark = self._marks.setdefault(request_id, threading.Event())
        mark.wait(timeout_s)
        with self._marks_lock:
            self._marks.pop(request_id, None)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(
        self,
        request_id: str,
        event_json: str,
        timeout_s: float,
        invoked_arn: str | None = None,
        fault: dict[str, Any] | None = None,
    ) -> InvokeResult:
        if not self.ready:
            failure = self._wait_ready(request_id)
            if failure is not None:
                return failure
        self.lines.clear()
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + timeout_s * 1000)
        message = json.dumps(
            {
                "request_id": request_id,
                "event_json": event_json,
                "deadline_ms": deadline_ms,
                "invoked_function_arn": invoked_arn or self.spec.arn,
                **({"fault": fault} if fault else {}),  # crash injection: local.runtime.faults
            }
        ).encode()
        try:
            _write_all(self._request_write, struct.pack(">I", len(message)) + message)
            response = self._read_response(started + timeout_s)
        except TimeoutError:
            self.kill()
            elapsed = time.monotonic() - started
            return InvokeResult(
                request_id,
                ok=False,
                error={
                    "errorMessage": f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} "
                    f"Task timed out after {timeout_s:.2f} seconds",
                    "errorType": "Sandbox.Timedout",
                },
                duration_ms=elapsed * 1000,
                timed_out=True,
            )
        except (OSError, WorkerCrashed) as exc:
            self.kill()
            code = self.process.poll()
            return InvokeResult(
                request_id,
                ok=False,
                error={
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
                    "errorType": "Runtime.ExitError",
                    "detail": str(exc),
                },
                duration_ms=(time.monotonic() - started) * 1000,
            )
        self.invocations += 1
        duration_ms = (time.monotonic() - started) * 1000
        self._logs_flushed(request_id)
        if response.get("ok"):
            return InvokeResult(request_id, ok=True, payload_json=response["payload_json"], duration_ms=duration_ms)
        return InvokeResult(request_id, ok=False, error=response.get("error"), duration_ms=duration_ms)

    def _wait_ready(self, request_id: str) -> InvokeResult | None:
        """The cold start: wait for the handler import (up to INIT_TIMEOUT_S, like Lambda's init phase)."""
        started = time.monotonic()
        try:
            message = self._read_response(started + INIT_TIMEOUT_S)
        except TimeoutError:
            self.kill()
            return InvokeResult(
                request_id,
                ok=False,
                error={
                    "errorMessage": f"INIT_REPORT Init Duration: {INIT_TIMEOUT_S * 1000:.2f} ms Phase: init "
                    "Status: timeout",
                    "errorType": "Sandbox.Timedout",
                },
                timed_out=True,
            )
        except (OSError, WorkerCrashed) as exc:
            self.kill()
            return InvokeResult(
                request_id,
                ok=False,
                error={
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited during init: {exc}",
                    "errorType": "Runtime.ExitError",
                },
            )
        self.ready = bool(message.get("ready"))
        self.init_duration_ms = (time.monotonic() - started) * 1000
        return None

    def _read_response(self, deadline: float) -> dict[str, Any]:
        header = self._read_exactly(4, deadline)
        (size,) = struct.unpack(">I", header)
        return json.loads(self._read_exactly(size, deadline).decode())

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._response_read], [], [], wait)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._response_read, min(remaining, 1 << 20))
            if not chunk:
                raise WorkerCrashed("the worker closed its response pipe")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for fd in (self._request_write, self._response_read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._request_write = self._response_read = -1

    def close(self, grace_s: float = 1.0) -> None:
        """Close the request pipe (the worker exits on EOF); kill it if it does not."""
        if self._request_write >= 0:
            with contextlib.suppress(OSError):
                os.close(self._request_write)
            self._request_write = -1
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace_s)
        self.kill()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FunctionPool:
    """Up to ``size`` warm workers for one function, spawned lazily; invocations beyond that wait."""

    def __init__(self, spec: FunctionSpec, settings: WorkerSettings, size: int = 2) -> None:
        self.spec = spec
        self.settings = settings
        self.size = max(1, size if spec.reserved_concurrency is None else min(size, spec.reserved_concurrency or 1))
        self._slots = threading.BoundedSemaphore(self.size)
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.cold_starts = 0

    def invoke(
        self,
        event_json: str,
        *,
        request_id: str | None = None,
        invoked_arn: str | None = None,
        timeout_s: float | None = None,
        fault: dict[str, Any] | None = None,
    ) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        timeout_s = float(timeout_s or self.spec.timeout)
        with self._slots:
            worker = self._checkout()
            start = f"START RequestId: {request_id} Version: $LATEST"
            self.settings.log_sink(self.spec.name, start)
            result = worker.invoke(request_id, event_json, timeout_s, invoked_arn, fault)
            lines = [start, *list(worker.lines)]
            if (
                not result.ok
                and result.error
                and result.error.get("errorType", "").startswith(("Sandbox.", "Runtime.Exit"))
            ):
                lines.append(f"{result.error.get('errorType')}: {result.error.get('errorMessage')}")
                self.settings.log_sink(self.spec.name, lines[-1])
            report = (
                f"REPORT RequestId: {request_id}\tDuration: {result.duration_ms:.2f} ms\t"
                f"Memory Size: {self.spec.memory} MB"
                + (f"\tInit Duration: {worker.init_duration_ms:.2f} ms" if worker.invocations == 1 else "")
            )
            for line in (f"END RequestId: {request_id}", report):
                lines.append(line)
                self.settings.log_sink(self.spec.name, line)
            result.log_lines = lines
            self._checkin(worker)
            return result

    def _checkout(self) -> Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the pool of {self.spec.name} is closed")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                self._all.discard(worker)
                worker.kill()
            worker = Worker(self.spec, self.settings)
            self.cold_starts += 1
            self._all.add(worker)
            return worker

    def _checkin(self, worker: Worker) -> None:
        with self._lock:
            if worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                worker.kill()

    @property
    def worker_count(self) -> int:
        with self._lock:
            return len(self._all)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
        for worker in workers:
            worker.close(grace_s=0.5)
