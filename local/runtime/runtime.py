"""The local runtime: template.yaml's functions served like ``sam local start-api`` + ``start-lambda``.

`Runtime(stack, aws_environment=..., config=...)` takes a `ProvisionedStack` (its wiring comes from the
template alone) and, once started, serves

* the HTTP API routes on ``config.api_port`` (payload 2.0 events),
* the Lambda Invoke API and the ``/_local`` control routes on ``config.lambda_port``,
* one poller per SQS event source, the schedules (timetable switchable), async invokes with retries.

Functions run in worker subprocesses (`local.runtime.workers`), whose AWS settings are the runtime's:
``AWS_ENDPOINT_URL`` (moto), ``AWS_ENDPOINT_URL_LAMBDA`` (this runtime), region and dummy credentials.

Size (~440 lines): the runtime's lifecycle (start, pollers, schedules, async invokes, idle and
shutdown) is one object whose parts share its locks and pools; the HTTP and SQS parts already live apart.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from local.httpserver import serve_in_thread
from local.provision import FunctionSpec, ProvisionedStack
from local.runtime.async_invoke import AsyncInvoker
from local.runtime.faults import FaultInjector
from local.runtime.http_api import HttpApiApp, HttpRouter
from local.runtime.invoke_api import InvokeApiApp, function_name_from
from local.runtime.schedules import Scheduler
from local.runtime.sqs import SqsPoller, poller_count, scale_visibility_timeouts
from local.runtime.workers import FunctionPool, InvokeResult, LogSink, WorkerSettings, console_sink

log = logging.getLogger("local.runtime")

IDLE_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)
IDLE_INTERVAL_S = 0.1  # between the two observations of `Runtime.wait_idle`
AWS_SETTING_KEYS = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


class StackError(RuntimeError):
    """A part of the local stack (or the runtime) failed to start or died."""


class PortInUseError(StackError):
    """A port the stack needs is taken by another process."""

    def __init__(self, port: int, label: str) -> None:
        super().__init__(f"port {port} ({label}) is already in use: stop what listens there or change {label}")
        self.port = port
        self.label = label


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "off", "false", "no")


@dataclass
class RuntimeConfig:
    host: str = "127.0.0.1"
    api_port: int = 0  # 0: ephemeral (tests)
    lambda_port: int = 0
    pool_size: int = 2  # warm workers per function, spawned lazily
    schedules: bool = True  # fire schedules on their timetable (fire-on-request always works)
    schedule_tick_s: float = 1.0
    sqs_poll_interval_s: float = 1.0
    sqs_wait_time_s: int = 1
    sqs_pollers_per_source: int | None = None  # None: the function's pool size (ScalingConfig caps it)
    async_retry_delays_s: tuple[float, ...] = (1.0, 2.0)  # AWS: ~1 min then ~2 min
    async_concurrency: int = 8
    log_sink: LogSink = console_sink
    python: str = sys.executable
    clock: Callable[[], float] = time.time
    extra_environment: dict[str, str] = field(default_factory=dict)  # added to every worker
    faults: str = ""  # LOCAL_FAULTS: JSON list of crash injections (local.runtime.faults)
    # LOCAL_VISIBILITY_TIMEOUT_SCALE: the template's VisibilityTimeout of every SQS source queue times this
    # factor (floor 1 s). A failed message waits out its visibility timeout before its retry (orders: 1080 s);
    # a short run (the chaos smoke) scales that wait down instead of waiting for it. Default 1: the template.
    visibility_timeout_scale: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> RuntimeConfig:
        """Ports and switches from stack.env (and LOCAL_* variables of the process environment)."""

        def setting(key: str, default: str) -> str:
            return os.environ.get(key) or env.get(key) or default

        delays = setting("LOCAL_ASYNC_RETRY_DELAYS", "1,2")
        values: dict[str, Any] = {
            "api_port": int(env.get("API_PORT", "3000")),
            "lambda_port": int(env.get("LAMBDA_PORT", "3001")),
            "pool_size": int(setting("LOCAL_POOL_SIZE", "2")),
            "schedules": _truthy(setting("LOCAL_SCHEDULES", "on"), True),
            "sqs_poll_interval_s": float(setting("LOCAL_SQS_POLL_INTERVAL", "1")),
            "async_retry_delays_s": tuple(float(d) for d in delays.split(",") if d.strip()),
            "faults": setting("LOCAL_FAULTS", ""),
            "visibility_timeout_scale": float(setting("LOCAL_VISIBILITY_TIMEOUT_SCALE", "1")),
        }
        values.update(overrides)
        return cls(**values)


def aws_environment_from(env: Mapping[str, str]) -> dict[str, str]:
    """The AWS settings every worker gets, from stack.env."""
    region = env.get("AWS_REGION", "us-east-1")
    return {
        "AWS_ENDPOINT_URL": env.get("AWS_ENDPOINT_URL", f"http://127.0.0.1:{env.get('AWS_PORT', '4566')}"),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": env.get("AWS_ACCESS_KEY_ID", "testing"),
        "AWS_SECRET_ACCESS_KEY": env.get("AWS_SECRET_ACCESS_KEY", "testing"),
    }


class Runtime:
    def __init__(
        self,
        stack: ProvisionedStack,
        *,
        aws_environment: Mapping[str, str] | None = None,
        config: RuntimeConfig | None = None,
    ) -> None:
        self.stack = stack
        self.config = config or RuntimeConfig()
        self.region = stack.region
        self.account_id = stack.account_id
        self.functions = stack.functions()
        env = dict(aws_environment or {})
        if "AWS_ENDPOINT_URL" not in env and stack.endpoint_url:
            env["AWS_ENDPOINT_URL"] = stack.endpoint_url
        if not env.get("AWS_ENDPOINT_URL"):
            raise StackError(
                "the runtime needs the moto server's AWS_ENDPOINT_URL (workers are separate processes: an "
                "in-process mock_aws is invisible to them, and real AWS is never a target)"
            )
        env.setdefault("AWS_REGION", stack.region)
        env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
        env.setdefault("AWS_ACCESS_KEY_ID", "testing")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        self.aws_environment = env
        self.pools: dict[str, FunctionPool] = {}
        self.pollers: list[SqsPoller] = []
        self.router = HttpRouter(self.functions)
        self.scheduler = Scheduler(
            self.functions,
            self._fire_callback,
            region=self.region,
            account_id=self.account_id,
            clock=self.config.clock,
            tick_interval_s=self.config.schedule_tick_s,
        )
        self.async_invoker: AsyncInvoker | Any = None
        self._stops: list[Callable[[], None]] = []
        self._started = False
        self._lock = threading.Lock()
        self.api_url = ""
        self.lambda_url = ""
        self._clients: dict[str, Any] = {}
        self._invocations = 0
        self.faults = FaultInjector(lambda name: spec.name if (spec := self.find_function(name)) else None)
        if self.config.faults:
            self.faults.set_from_json(self.config.faults)

    # -- lifecycle

    def __enter__(self) -> Runtime:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Runtime:
        if self._started:
            return self
        self._started = True
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        config = self.config
        self.lambda_url, stop_lambda = _serve(InvokeApiApp(self), config.host, config.lambda_port, "LAMBDA_PORT")
        self._stops.append(stop_lambda)
        api_ids = {None: self.stack.physical_ids.get("ServerlessHttpApi", "local")}
        for function in self.functions:
            for route in function.http_routes:
                if route.api_id and route.api_id in self.stack.physical_ids:
                    api_ids[route.api_id] = self.stack.physical_ids[route.api_id]
        api_app = HttpApiApp(self.router, self._http_invoke, api_ids=api_ids)
        self.api_url, stop_api = _serve(api_app, config.host, config.api_port, "API_PORT")
        self._stops.append(stop_api)
        worker_env = dict(self.aws_environment)
        worker_env["AWS_ENDPOINT_URL_LAMBDA"] = self.lambda_url
        worker_env.update(config.extra_environment)
        settings = WorkerSettings(python=config.python, log_sink=config.log_sink, base_environment=worker_env)
        for function in self.functions:
            self.pools[function.name] = FunctionPool(function, settings, size=config.pool_size)
        self.async_invoker = AsyncInvoker(
            self._invoke_json,
            self.client,
            resolve_function=self.find_function,
            queue_url_for_arn=self.stack.queue_url_for_arn,
            retry_delays_s=config.async_retry_delays_s,
            concurrency=config.async_concurrency,
        )
        self._scale_visibility_timeouts()
        for function in self.functions:
            for source in function.sqs_sources:
                # one poller per warm worker, capped by MaximumConcurrency; FIFO: one group per poller (sqs.py)
                count = poller_count(source, self.pools[function.name].size, config.sqs_pollers_per_source)
                for _ in range(count):
                    poller = SqsPoller(
                        function,
                        source,
                        self._invoke_event,
                        self.client("sqs"),
                        region=self.region,
                        poll_interval_s=config.sqs_poll_interval_s,
                        wait_time_s=config.sqs_wait_time_s,
                    )
                    self.pollers.append(poller)
                    poller.start()
        if config.schedules:
            self.scheduler.start()

    def _scale_visibility_timeouts(self) -> None:
        """Applies `RuntimeConfig.visibility_timeout_scale` to the queues the pollers read (as provisioned)."""
        urls = {source.queue_url for function in self.functions for source in function.sqs_sources}
        scale_visibility_timeouts(self.client("sqs"), urls, self.config.visibility_timeout_scale)

    def stop(self) -> None:
        """Stop pollers, scheduler, servers and every worker process (idempotent)."""
        with self._lock:
            stops, self._stops = self._stops, []
        self.scheduler.stop()
        for poller in self.pollers:
            poller._stop.set()
        for poller in self.pollers:
            poller.stop()
        if self.async_invoker is not None:
            self.async_invoker.stop()
        for stop in reversed(stops):
            with contextlib.suppress(Exception):
                stop()
        for pool in self.pools.values():
            pool.close()

    # -- AWS clients (for pollers and destinations)

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                env = self.aws_environment
                self._clients[service] = boto3.session.Session().client(
                    service,  # type: ignore[call-overload]
                    region_name=env["AWS_REGION"],
                    endpoint_url=env.get("AWS_ENDPOINT_URL"),
                    aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                    config=Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=30),
                )
            return self._clients[service]

    # -- invoking

    def find_function(self, identifier: str) -> FunctionSpec | None:
        name = function_name_from(identifier) if ":" in identifier else identifier
        for function in self.functions:
            if name in (function.name, function.logical_id) or identifier == function.arn:
                return function
        return None

    def pool(self, function: FunctionSpec) -> FunctionPool:
        if not self.pools:
            raise RuntimeError("the runtime is not started")
        return self.pools[function.name]

    def invoke_sync(self, function: FunctionSpec, event_json: str, *, request_id: str | None = None) -> InvokeResult:
        with self._lock:
            self._invocations += 1  # running or waiting for a worker of the pool
        try:
            fault = self.faults.plan(function.name)
            return self.pool(function).invoke(event_json, request_id=request_id, fault=fault)
        finally:
            with self._lock:
                self._invocations -= 1

    @property
    def invocations_in_progress(self) -> int:
        with self._lock:
            return self._invocations

    def invoke_async(self, function: FunctionSpec, event_json: str, *, request_id: str | None = None) -> str:
        return str(self.async_invoker.submit(function, event_json, request_id))

    def invoke(self, function: str, event: Any = None, *, invocation_type: str = "RequestResponse") -> Any:
        """Python-side invoke by logical id or name: RequestResponse -> InvokeResult, Event -> request id."""
        spec = self.find_function(function)
        if spec is None:
            raise KeyError(f"no function {function!r} in the template")
        event_json = json.dumps({} if event is None else event)
        if invocation_type == "Event":
            return self.invoke_async(spec, event_json)
        return self.invoke_sync(spec, event_json)

    def _invoke_json(self, function: FunctionSpec, event_json: str, request_id: str) -> InvokeResult:
        return self.invoke_sync(function, event_json, request_id=request_id)

    def _invoke_event(self, function: FunctionSpec, event: dict[str, Any]) -> InvokeResult:
        return self.invoke_sync(function, json.dumps(event))

    def _http_invoke(self, function: FunctionSpec, event: dict[str, Any], _api_request_id: str) -> InvokeResult:
        return self.invoke_sync(function, json.dumps(event), request_id=str(uuid.uuid4()))

    def source_queue_urls(self) -> list[str]:
        """The queues a running poller reads (each once)."""
        return list(dict.fromkeys(p.source.queue_url for p in self.pollers if p.running))

    def pending_messages(self) -> dict[str, int]:
        """Per source queue: messages visible, in flight (received, not deleted) or delayed, as SQS counts them."""
        counts = {}
        for url in self.source_queue_urls():
            attributes = self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=list(IDLE_ATTRIBUTES))
            counts[url] = sum(int(attributes["Attributes"].get(name, "0")) for name in IDLE_ATTRIBUTES)
        return counts

    def _work_in_progress(self) -> bool:
        return self.invocations_in_progress > 0 or (self.async_invoker is not None and not self.async_invoker.idle())

    def is_idle(self) -> bool:
        """One observation: no invoke running or queued (sync, async or waiting for a retry), and no message
        visible, in flight or delayed in any source queue. Invokes are checked before and after the queues:
        an invoke that ends while the queues are read may have sent a message to a queue already read."""
        if self._work_in_progress():
            return False
        try:
            queued = any(self.pending_messages().values())
        except Exception:  # moto going away while stopping
            return False
        return not queued and not self._work_in_progress()

    def wait_idle(self, timeout_s: float = 30.0, *, interval_s: float = IDLE_INTERVAL_S) -> bool:
        """Block until `is_idle` holds twice in a row, ``interval_s`` apart; False on timeout.

        Idle is read from SQS and from the runtime's own counters, not from the pollers: a poller in its
        empty long-poll wait is not busy, so pollers out of step do not keep the stack "busy" forever. A
        message that failed stays in flight until its visibility timeout (then it is retried or reaches
        the DLQ after maxReceiveCount), so this also waits for those.
        """
        deadline = time.monotonic() + timeout_s
        settled = 0
        while True:
            settled = settled + 1 if self.is_idle() else 0
            if settled >= 2:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(interval_s, remaining))

    # -- schedules

    def _fire_callback(self, function: FunctionSpec, _schedule: Any, event: Any) -> Any:
        """The timetable: EventBridge invokes asynchronously (retries and DLQ as for any async invoke)."""
        return {"requestId": self.invoke_async(function, json.dumps(event))}

    def fire(self, name: str, *, wait: bool = False) -> list[dict[str, Any]]:
        """Fire the schedules of a function (logical id / name / ``Function.Event``) or rule now.

        Asynchronous like EventBridge by default (returns request ids); ``wait=True`` invokes synchronously
        and returns each outcome (``ok``, ``payload``). KeyError if nothing matches.
        """
        fired = []
        for entry in self.scheduler.require(name):
            event_json = json.dumps(self.scheduler.event_for(entry))
            outcome: dict[str, Any] = {"function": entry.function.name, "rule": entry.schedule.rule_name}
            if wait:
                result = self.invoke_sync(entry.function, event_json)
                outcome.update(requestId=result.request_id, ok=result.ok, payload=result.payload)
            else:
                outcome["requestId"] = self.invoke_async(entry.function, event_json)
            fired.append(outcome)
        return fired

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "logicalId": f.logical_id,
                "name": f.name,
                "handler": f.handler,
                "routes": [r.route_key for r in f.http_routes],
                "sqs": [s.queue_url for s in f.sqs_sources],
                "schedules": [s.expression for s in f.schedules],
                "workers": self.pools[f.name].worker_count if f.name in self.pools else 0,
            }
            for f in self.functions
        ]


def _serve(app: Any, host: str, port: int, label: str) -> tuple[str, Callable[[], None]]:
    if port:
        _ensure_free(host, port, label)
    try:
        return serve_in_thread(app, port=port, host=host)
    except SystemExit as exc:  # werkzeug exits (after printing) when the port is taken
        raise PortInUseError(port, label) from exc
    except OSError as exc:
        if port and exc.errno == errno.EADDRINUSE:
            raise PortInUseError(port, label) from exc
        raise


def _ensure_free(host: str, port: int, label: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(port, label) from exc
            raise
