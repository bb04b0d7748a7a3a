"""What the local stack (local/stack.py) runs on: its ports (stack.env with free ports for tests) and
its child processes (own process group, output prefixed on the console, nothing left behind)."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Mapping
from pathlib import Path

from local.env import STACK_ENV_PATH, parse_stack_env
from local.runtime.runtime import PortInUseError
from local.runtime.workers import LogSink

REPO_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PORT_KEYS = ("AWS_PORT", "API_PORT", "LAMBDA_PORT", "TIKTOK_SANDBOX_PORT", "VTEX_SANDBOX_PORT")


# --------------------------------------------------------------------------------------------- env helpers


def stack_env_with(overrides: Mapping[str, str]) -> dict[str, str]:
    """stack.env with some keys replaced *before* interpolation (derived URLs follow the new ports)."""
    lines = []
    seen: set[str] = set()
    for raw in STACK_ENV_PATH.read_text(encoding="utf-8").splitlines():
        key = raw.partition("=")[0].strip()
        if key in overrides and "=" in raw and not raw.lstrip().startswith("#"):
            lines.append(f"{key}={overrides[key]}")
            seen.add(key)
        else:
            lines.append(raw)
    lines.extend(f"{key}={value}" for key, value in overrides.items() if key not in seen)
    return parse_stack_env("\n".join(lines), str(STACK_ENV_PATH))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def ephemeral_stack_env(**overrides: str) -> dict[str, str]:
    """stack.env with every port replaced by a free ephemeral one (tests that run the whole stack)."""
    ports = {key: str(free_port()) for key in PORT_KEYS}
    return stack_env_with({**ports, **overrides})


def ensure_port_free(port: int, label: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(port, label) from exc
            raise


# --------------------------------------------------------------------------------------------- processes


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if the stack process dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ChildProcess:
    """A subprocess in its own process group whose output goes to the console, prefixed."""

    def __init__(self, name: str, command: list[str], env: Mapping[str, str], sink: LogSink, *, echo: bool) -> None:
        self.name = name
        self.tail: deque[str] = deque(maxlen=30)
        self._sink = sink
        self._echo = echo
        self.process = subprocess.Popen(
            command,
            env=dict(env),
            cwd=str(REPO_ROOT),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        )
        self._pump = threading.Thread(target=self._read, name=f"out-{name}", daemon=True)
        self._pump.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self.tail.append(line)
            if self._echo:
                with contextlib.suppress(Exception):
                    self._sink(self.name, line)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def describe_exit(self) -> str:
        self._pump.join(timeout=2)  # let the last lines arrive
        tail = "\n".join(f"    {line}" for line in list(self.tail)[-10:])
        return f"{self.name} exited with status {self.process.returncode}" + (f"; last output:\n{tail}" if tail else "")

    def stop(self, grace_s: float = 5.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        else:
            # the leader is gone; make sure nothing of its group survives
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.stdout is not None:
            with contextlib.suppress(OSError):
                self.process.stdout.close()


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URLs only
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def tcp_ok(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1.0):
        return True
    return False


def sandbox_available(module: str) -> bool:
    return (REPO_ROOT / "local" / module / "__main__.py").is_file()
