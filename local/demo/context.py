"""What a demo scenario gets: the running local stack, clients pointed at it, and a report to write to."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import httpx
from botocore.config import Config

T = TypeVar("T")


class DemoFailure(RuntimeError):
    """A scenario's expectation did not hold; the demo stops with this message."""


@dataclass
class DemoContext:
    env: Mapping[str, str]
    stack: Any  # local.provision.ProvisionedStack
    fire: Callable[[str], Any]  # fires a function's schedule now (runtime API)
    idle: Callable[[float], bool] = lambda timeout: True  # waits until queues and async invokes settle
    lines: list[str] = field(default_factory=list)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    # --- addresses ---------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self.env["PUBLIC_BASE_URL"]

    @property
    def tiktok_url(self) -> str:
        return self.env["TIKTOK_API_BASE_URL"]

    @property
    def vtex_url(self) -> str:
        return f"http://127.0.0.1:{self.env['VTEX_SANDBOX_PORT']}"

    @property
    def client_hash(self) -> str:
        return self.env["DEMO_CLIENT_HASH"]

    # --- AWS ----------------------------------------------------------------------------------------
    def _aws(self, service: str, endpoint: str, kind: str = "client") -> Any:
        session = boto3.session.Session(
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            region_name=self.env["AWS_REGION"],
        )
        config = Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=120)
        factory = session.resource if kind == "resource" else session.client
        return factory(service, endpoint_url=endpoint, config=config)

    @property
    def lambda_client(self) -> Any:
        return self._aws("lambda", self.env["AWS_ENDPOINT_URL_LAMBDA"])

    @property
    def sqs(self) -> Any:
        return self._aws("sqs", self.env["AWS_ENDPOINT_URL"])

    def aws_client(self, service: str) -> Any:
        return self._aws(service, self.env["AWS_ENDPOINT_URL"])

    def table(self, logical_id: str) -> Any:
        dynamodb = self._aws("dynamodb", self.env["AWS_ENDPOINT_URL"], "resource")
        return dynamodb.Table(self.stack.physical_ids[logical_id])

    def function_name(self, legacy_name: str) -> str:
        return f"{self.stack.parameters['FunctionPrefix']}{legacy_name}"

    def invoke(self, legacy_name: str, payload: Mapping[str, Any], *, asynchronous: bool = False) -> Any:
        """Invokes a fleet function by its legacy name, as the backend does."""
        response = self.lambda_client.invoke(
            FunctionName=self.function_name(legacy_name),
            InvocationType="Event" if asynchronous else "RequestResponse",
            Payload=json.dumps(payload).encode(),
        )
        if asynchronous:
            return None
        body = response["Payload"].read()
        result = json.loads(body) if body else None
        if response.get("FunctionError"):
            raise DemoFailure(f"{legacy_name} failed: {result}")
        return result

    def fire_schedule(self, function_logical_id: str) -> Any:
        return self.fire(function_logical_id)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Waits until every queue is drained and every async invoke has finished."""
        if not self.idle(timeout):
            raise DemoFailure(f"the stack did not settle within {timeout:.0f}s")

    # --- flow control and report -----------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], T | None], timeout: float, what: str, interval: float = 0.25) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise DemoFailure(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(interval)

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise DemoFailure(message)

    def section(self, title: str) -> None:
        self._emit("")
        self._emit(f"== {title} ==")

    def report(self, line: str) -> None:
        self._emit(f"  {line}")

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)
