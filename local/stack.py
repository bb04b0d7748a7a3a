"""``make local`` / ``python -m local.stack``: the whole local stack in the foreground.

Starts moto server (AWS_PORT), provisions template.yaml into it, starts the TikTok and VTEX sandboxes
(``python -m local.tiktok_sandbox`` / ``local.vtex_sandbox``, when present) and the runtime (HTTP API on
API_PORT, Lambda Invoke API on LAMBDA_PORT, SQS pollers, schedules), waits until every part answers, prints
what runs where, and stops everything on Ctrl-C / SIGTERM / any failure (no process left behind).

Python API (``make demo``, tests/e2e)::

    with LocalStack.start(env=stack_env(), template=Path("template.yaml"), schedules=False) as stack:
        stack.runtime.fire("SyncFunction", wait=True)

``python -m local.stack --check`` provisions the template into an in-process moto and exits (0 if fine).
Switches: ``--no-schedules`` (or LOCAL_SCHEDULES=off) keeps the timetable off (fire on request still works:
``python -m local.runtime fire <Function>``), ``--no-sandboxes``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from local.env import StackEnvError, stack_env
from local.provision import ProvisionedStack, provision, provision_template
from local.runtime.runtime import (
    PortInUseError,
    Runtime,
    RuntimeConfig,
    StackError,
    _truthy,
    aws_environment_from,
)
from local.runtime.workers import LogSink, console_sink
from local.stack_processes import (
    HOST,
    ChildProcess,
    ensure_port_free,
    ephemeral_stack_env,
    free_port,
    http_ok,
    sandbox_available,
    stack_env_with,
    tcp_ok,
)
from local.template import TemplateError, load_template, parameters_from_stack_env

__all__ = [
    "ChildProcess",
    "LocalStack",
    "PortInUseError",
    "StackError",
    "check",
    "ensure_port_free",
    "ephemeral_stack_env",
    "free_port",
    "main",
    "stack_env_with",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
SANDBOXES = (
    ("tiktok_sandbox", "TikTok sandbox", "TIKTOK_SANDBOX_PORT"),
    ("vtex_sandbox", "VTEX sandbox", "VTEX_SANDBOX_PORT"),
)


# --------------------------------------------------------------------------------------------- the stack


class LocalStack:
    """moto server + provisioned template + sandboxes + runtime. Use `LocalStack.start(...)`.

    Every start failure is a `StackError` (`PortInUseError` for a busy port, template errors included).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        template: Path,
        *,
        schedules: bool | None = None,
        sandboxes: bool = True,
        pool_size: int | None = None,
        startup_timeout_s: float = 30.0,
        log_sink: LogSink | None = None,
        echo_children: bool = True,
        runtime_overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.env = dict(env)
        self.template = Path(template)
        if schedules is None:
            schedules = _truthy(os.environ.get("LOCAL_SCHEDULES") or self.env.get("LOCAL_SCHEDULES"), True)
        self.schedules = schedules
        self.sandboxes = sandboxes
        self.pool_size = pool_size
        self.startup_timeout_s = startup_timeout_s
        self.log_sink = log_sink or console_sink
        self.echo_children = echo_children
        self.runtime_overrides = dict(runtime_overrides or {})
        self.children: dict[str, ChildProcess] = {}
        self.urls: dict[str, str] = {}
        self.stack: ProvisionedStack | None = None
        self.runtime: Runtime | None = None
        self._stopped = False
        self._lock = threading.Lock()

    # -- API

    @classmethod
    def start(
        cls, env: Mapping[str, str] | None = None, template: Path | str = DEFAULT_TEMPLATE, **options: Any
    ) -> LocalStack:
        """Start everything and wait until it answers; on any failure stop what started and raise."""
        stack = cls(stack_env() if env is None else env, Path(template), **options)
        atexit.register(stack.stop)
        try:
            stack._start()
        except BaseException:
            stack.stop()
            raise
        return stack

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        return self.urls["AWS"]

    def port(self, key: str) -> int:
        return int(self.env[key])

    def client(self, service: str) -> Any:
        """A boto3 client on the stack's moto (for the demo and e2e tests)."""
        assert self.runtime is not None, "the stack is not started"
        return self.runtime.client(service)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Until async invokes are done and the SQS source queues are drained (see Runtime.wait_idle)."""
        assert self.runtime is not None, "the stack is not started"
        return self.runtime.wait_idle(timeout_s)

    # -- start / stop

    def _planned_parts(self) -> list[tuple[str, str]]:
        parts = [("AWS_PORT", "AWS (moto)"), ("API_PORT", "HTTP API"), ("LAMBDA_PORT", "Lambda invoke API")]
        if self.sandboxes:
            parts += [(key, label) for module, label, key in SANDBOXES if sandbox_available(module)]
        return parts

    def _start(self) -> None:
        for key, label in self._planned_parts():
            if key not in self.env:
                raise StackError(f"stack.env has no {key} (port of {label})")
            ensure_port_free(int(self.env[key]), key)
        child_env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        child_env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        aws_port = self.port("AWS_PORT")
        self.children["moto"] = ChildProcess(
            "moto",
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(aws_port)],
            child_env,
            self.log_sink,
            echo=False,  # one line per request: too noisy for the console
        )
        self.urls["AWS"] = f"http://{HOST}:{aws_port}"
        self._wait_for({"AWS (moto)": (self.children["moto"], lambda: http_ok(f"{self.urls['AWS']}/moto-api/"))})
        try:
            template = load_template(self.template)
            self.stack = provision(
                self.template,
                parameters=parameters_from_stack_env(template, self.env),
                region=self.env.get("AWS_REGION", "us-east-1"),
                endpoint_url=self.urls["AWS"],
                stack_name=self.env["STACK_NAME"],
            )
        except TemplateError as exc:
            raise StackError(f"{self.template.name}: {exc}") from exc
        waits: dict[str, tuple[ChildProcess | None, Callable[[], bool]]] = {}
        if self.sandboxes:
            for module, label, key in SANDBOXES:
                if not sandbox_available(module):
                    self.log_sink("stack", f"{label}: local/{module} has no __main__.py yet; not started")
                    continue
                name = module.replace("_", "-")
                child = ChildProcess(
                    name,
                    [sys.executable, "-m", f"local.{module}"],
                    child_env,
                    self.log_sink,
                    echo=self.echo_children,
                )
                self.children[name] = child
                url = f"http://{HOST}:{self.env[key]}"
                self.urls[label] = url
                waits[label] = (child, lambda url=url: http_ok(f"{url}/sandbox/health"))
        overrides: dict[str, Any] = {"schedules": self.schedules, "log_sink": self.log_sink}
        if self.pool_size:
            overrides["pool_size"] = self.pool_size
        overrides.update(self.runtime_overrides)
        self.runtime = Runtime(
            self.stack,
            aws_environment=aws_environment_from(self.env),
            config=RuntimeConfig.from_env(self.env, **overrides),
        )
        self.runtime.start()
        self.urls["HTTP API"] = self.runtime.api_url
        self.urls["Lambda invoke API"] = self.runtime.lambda_url
        waits["Lambda invoke API"] = (None, lambda: http_ok(f"{self.runtime.lambda_url}/_local/health"))
        waits["HTTP API"] = (None, lambda: tcp_ok(self.port("API_PORT")))
        self._wait_for(waits)

    def _wait_for(self, parts: Mapping[str, tuple[ChildProcess | None, Callable[[], bool]]]) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        pending = dict(parts)
        while pending:
            for label, (child, check) in list(pending.items()):
                if check():
                    del pending[label]
                elif child is not None and not child.running:
                    raise StackError(f"{label} did not start: {child.describe_exit()}")
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(f"{label} ({self.urls.get(label, '?')})" for label in pending)
                raise StackError(f"no answer after {self.startup_timeout_s:.0f}s from: {names}")
            time.sleep(0.1)

    def check_children(self) -> None:
        """Raise `StackError` if a child process died."""
        for child in self.children.values():
            if not child.running:
                raise StackError(child.describe_exit())

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                self.runtime.stop()
        for child in reversed(list(self.children.values())):
            with contextlib.suppress(Exception):
                child.stop()
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def summary(self) -> str:
        runtime = self.runtime
        assert runtime is not None
        routes = sum(len(f.http_routes) for f in runtime.functions)
        sources = sum(len(f.sqs_sources) for f in runtime.functions)
        schedules = sum(len(f.schedules) for f in runtime.functions)
        rows = [
            ("AWS (moto)", self.urls["AWS"], "tables, queues, KMS, secrets from template.yaml"),
            *((label, self.urls[label], "") for _module, label, _key in SANDBOXES if label in self.urls),
            ("HTTP API", runtime.api_url, f"{routes} route(s)"),
            ("Lambda invoke API", runtime.lambda_url, f"{len(runtime.functions)} function(s)"),
            ("SQS pollers", "", f"{sources} event source(s)"),
            (
                "Schedules",
                "",
                f"{schedules} schedule(s), timetable {'on' if self.schedules else 'off'}; "
                "fire: python -m local.runtime fire <Function>",
            ),
        ]
        width = max(len(r[0]) for r in rows)
        lines = [f"Local stack up ({self.template.name}):"]
        lines += [f"  {name.ljust(width)}  {url.ljust(24)}  {note}".rstrip() for name, url, note in rows]
        lines.append("Ctrl-C stops everything.")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------- CLI


def check(template: Path, env: Mapping[str, str]) -> str:
    """Provision ``template`` into an in-process moto (no ports) and describe it; raises TemplateError."""
    from moto import mock_aws

    loaded = load_template(template)
    with mock_aws():
        stack = provision_template(
            loaded,
            template_path=template,
            parameters=parameters_from_stack_env(loaded, env),
            region=env.get("AWS_REGION", "us-east-1"),
            stack_name=env["STACK_NAME"],
        )
    functions = stack.functions()
    kinds: dict[str, int] = {}
    for logical_id in stack.created + stack.reused:
        kinds[stack.resource_types[logical_id]] = kinds.get(stack.resource_types[logical_id], 0) + 1
    lines = [f"{template}: OK"]
    lines += [f"  {count:3d} {kind}" for kind, count in sorted(kinds.items())]
    lines.append(
        f"  {len(functions):3d} functions, {sum(len(f.http_routes) for f in functions)} routes, "
        f"{sum(len(f.sqs_sources) for f in functions)} SQS sources, "
        f"{sum(len(f.schedules) for f in functions)} schedules"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--check", action="store_true", help="provision into an in-process moto and exit")
    parser.add_argument("--no-schedules", action="store_true", help="do not fire schedules on their timetable")
    parser.add_argument("--no-sandboxes", action="store_true", help="do not start the TikTok/VTEX sandboxes")
    parser.add_argument("--startup-timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        env = stack_env()
        if args.check:
            print(check(args.template, env))
            return 0
    except (TemplateError, StackEnvError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    stack: LocalStack | None = None

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if stack is None:
            raise KeyboardInterrupt  # still starting: LocalStack.start stops what it started

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack = LocalStack.start(
            env=env,
            template=args.template,
            schedules=False if args.no_schedules else None,
            sandboxes=not args.no_sandboxes,
            startup_timeout_s=args.startup_timeout,
        )
        print(stack.summary(), flush=True)
        while not stop.wait(0.5):
            stack.check_children()
        print("stopping...", flush=True)
        return 0
    except (TemplateError, StackEnvError, StackError, PortInUseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
