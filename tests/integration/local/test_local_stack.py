"""local.stack: the whole stack on ephemeral ports (moto server subprocess + provisioning + runtime),
port checks, parts that fail to start, the CLI and clean shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.runtime import PortInUseError
from local.stack import ChildProcess, LocalStack, StackError, ephemeral_stack_env, stack_env_with

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "runtime" / "template.yaml"
FAST = {"sqs_poll_interval_s": 0.05, "sqs_wait_time_s": 0, "async_retry_delays_s": (0.1,)}


def _quiet(*_: Any) -> None:
    return None


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_stack_env_overrides_flow_into_derived_urls() -> None:
    env = stack_env_with({"API_PORT": "4000", "AWS_PORT": "4999"})
    assert env["PUBLIC_BASE_URL"] == "http://127.0.0.1:4000"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert stack_env_with({"NEW_KEY": "x"})["NEW_KEY"] == "x"


def test_whole_stack_serves_the_template_and_stops_cleanly(wait_until: Callable[..., Any]) -> None:
    env = ephemeral_stack_env(TEST_GREETING="ola")
    with LocalStack.start(
        env=env, template=FIXTURE, sandboxes=False, schedules=False, log_sink=_quiet, runtime_overrides=FAST
    ) as stack:
        moto = stack.children["moto"].process
        assert stack.urls["AWS"] == env["AWS_ENDPOINT_URL"]
        assert stack.runtime is not None and stack.runtime.api_url == env["PUBLIC_BASE_URL"]
        with urllib.request.urlopen(f"{env['PUBLIC_BASE_URL']}/hello/stack", timeout=30) as response:  # noqa: S310
            answer = json.loads(response.read())
        assert answer["greeting"] == "ola"  # stack.env -> ParameterEnv -> template parameter -> function env
        fired = stack.runtime.fire("JobsFunction.Nightly", wait=True)
        assert fired[0]["payload"]["event"] == {"job": "nightly"}
        summary = stack.summary()
        assert "HTTP API" in summary and env["PUBLIC_BASE_URL"] in summary and "timetable off" in summary
        worker_pids = [w.process.pid for pool in stack.runtime.pools.values() for w in pool._all]
        assert worker_pids
    assert moto.poll() is not None
    for key in ("AWS_PORT", "API_PORT", "LAMBDA_PORT"):
        assert not _port_open(int(env[key])), key
    for pid in worker_pids:
        wait_until(lambda pid=pid: not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), timeout=5)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "gone"


@pytest.mark.parametrize("key", ["API_PORT", "AWS_PORT"])
def test_a_busy_port_is_refused_by_name(key: str) -> None:
    env = ephemeral_stack_env(TEST_GREETING="x")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env[key])))
        busy.listen()
        with pytest.raises(PortInUseError, match=rf"port {env[key]} \({key}\) is already in use"):
            LocalStack.start(env=env, template=FIXTURE, sandboxes=False, log_sink=_quiet)


def test_a_template_error_is_a_stack_error_and_nothing_keeps_running() -> None:
    env = ephemeral_stack_env()  # no TEST_GREETING: the fixture template's ParameterEnv cannot be fed
    with pytest.raises(StackError, match=r"template\.yaml: stack\.env has no TEST_GREETING"):
        LocalStack.start(env=env, template=FIXTURE, sandboxes=False, log_sink=_quiet)
    assert not _port_open(int(env["AWS_PORT"]))  # moto was stopped again


def test_a_part_that_dies_or_never_answers_is_named() -> None:
    stack = LocalStack(ephemeral_stack_env(), FIXTURE, startup_timeout_s=0.5, log_sink=_quiet)
    dying = ChildProcess(
        "broken-part",
        [sys.executable, "-c", "print('bad config'); raise SystemExit(3)"],
        os.environ,
        _quiet,
        echo=False,
    )
    with pytest.raises(
        StackError, match=r"(?s)Broken part did not start: broken-part exited with status 3.*bad config"
    ):
        stack._wait_for({"Broken part": (dying, lambda: False)})
    silent = ChildProcess(
        "silent", [sys.executable, "-c", "import time; time.sleep(30)"], os.environ, _quiet, echo=False
    )
    try:
        with pytest.raises(StackError, match=r"no answer after 0s from: Silent part"):
            stack._wait_for({"Silent part": (silent, lambda: False)})
    finally:
        silent.stop()
    assert silent.process.poll() is not None


def test_children_die_with_the_stack_process_even_on_sigkill(wait_until: Callable[..., Any]) -> None:
    env = ephemeral_stack_env(TEST_GREETING="x")
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from local.stack import LocalStack
        env = {env!r}
        stack = LocalStack.start(env=env, template=Path({str(FIXTURE)!r}), sandboxes=False, schedules=False,
                                 log_sink=lambda *a: None)
        print(stack.children["moto"].process.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert parent.stdout is not None
        moto_pid = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        wait_until(lambda: _state(moto_pid) in ("gone", "Z"), timeout=10)
        wait_until(lambda: not _port_open(int(env["AWS_PORT"])), timeout=10)
    finally:
        parent.kill()


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.stack", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_cli() -> None:
    ok = _run_cli("--check")
    assert ok.returncode == 0, ok.stderr
    assert "template.yaml: OK" in ok.stdout and "AWS::DynamoDB::Table" in ok.stdout
    missing = _run_cli("--check", "--template", str(FIXTURE))  # stack.env has no TEST_GREETING
    assert missing.returncode == 2
    assert "stack.env has no TEST_GREETING (for parameter Greeting)" in missing.stderr
