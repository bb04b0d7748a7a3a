"""A moto server subprocess (ephemeral port) with the runtime test template provisioned, and a running
local runtime on ephemeral ports (fast polling, short async retry delays, schedules off)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.provision import ProvisionedStack, provision
from local.runtime import Runtime, RuntimeConfig
from local.stack import free_port

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "runtime"
FIXTURE_TEMPLATE = FIXTURE_DIR / "template.yaml"
REGION = "us-east-1"


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture(name="wait_until", scope="session")
def wait_until_fixture() -> Callable[..., Any]:
    """``wait_until(predicate, timeout=10)``: poll until truthy (returns the value) or fail."""
    return wait_until


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout=20)
        yield endpoint
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def provisioned(moto_endpoint: str) -> ProvisionedStack:
    return provision(FIXTURE_TEMPLATE, region=REGION, endpoint_url=moto_endpoint)


class LogCapture:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, function: str, line: str) -> None:
        with self._lock:
            self.lines.append((function, line))

    def text(self, function: str | None = None) -> str:
        with self._lock:
            return "\n".join(line for name, line in self.lines if function in (None, name))


@pytest.fixture(scope="module")
def logs() -> LogCapture:
    return LogCapture()


@pytest.fixture(scope="module")
def runtime(provisioned: ProvisionedStack, logs: LogCapture) -> Iterator[Runtime]:
    config = RuntimeConfig(
        schedules=False,
        sqs_poll_interval_s=0.05,
        sqs_wait_time_s=0,
        async_retry_delays_s=(0.1, 0.1),
        log_sink=logs,
    )
    with Runtime(provisioned, config=config) as running:
        yield running


@pytest.fixture(scope="module")
def moto_client(moto_endpoint: str) -> Callable[[str], Any]:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=moto_endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return client
