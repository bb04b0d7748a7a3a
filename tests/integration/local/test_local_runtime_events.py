"""Event sizes through the local runtime: the worker reads and writes its pipe until the announced length.

Linux pipes hold 64 KiB; before the fix a larger event (or result) was cut at the first short read and the
worker exited (Runtime.ExitError). Lambda accepts 6 MB synchronous payloads (6,291,456 bytes)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.runtime import Runtime
from local.runtime.invoke_api import SYNC_PAYLOAD_LIMIT


def _lambda(runtime: Runtime) -> Any:
    return boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url=runtime.lambda_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


@pytest.mark.parametrize("size", [1024, 64 * 1024 + 1, 100_000, 1024 * 1024, SYNC_PAYLOAD_LIMIT])
def test_invoke_payloads_up_to_6_mb_go_through_and_come_back(runtime: Runtime, size: int) -> None:
    envelope = len(json.dumps({"blob": ""}))
    event = {"blob": "x" * (size - envelope)}
    payload = json.dumps(event).encode()
    assert len(payload) == size
    response = _lambda(runtime).invoke(FunctionName="rt-jobs", Payload=payload)
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"ok": True, "event": event}  # the result is as large


def test_a_6_mb_payload_of_multi_byte_text(runtime: Runtime) -> None:
    text = "ação ✓ 訂單 " * 10
    event = {
        "blob": "",
        "text": text * ((SYNC_PAYLOAD_LIMIT - 100) // len(json.dumps(text, ensure_ascii=False).encode())),
    }
    payload = json.dumps(event, ensure_ascii=False).encode()
    assert 5 * 1024 * 1024 < len(payload) <= SYNC_PAYLOAD_LIMIT
    response = _lambda(runtime).invoke(FunctionName="rt-jobs", Payload=payload)
    assert json.loads(response["Payload"].read()) == {"ok": True, "event": event}


def test_one_byte_over_6_mb_is_refused_like_lambda(runtime: Runtime) -> None:
    client = _lambda(runtime)
    with pytest.raises(client.exceptions.RequestTooLargeException):
        client.invoke(FunctionName="rt-jobs", Payload=json.dumps({"b": "x" * SYNC_PAYLOAD_LIMIT}).encode())


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("a" * 1000, id="1KB"),
        pytest.param("é漢ü" * 8 * 1024, id="24K-chars-non-ascii"),
        pytest.param(json.dumps({"data": "x" * 100_000}), id="100KB-webhook"),
        pytest.param("ç" * (2 * 1024 * 1024), id="4MB-non-ascii"),
    ],
)
def test_http_requests_with_large_events(runtime: Runtime, body: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{runtime.api_url}/echo",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        assert response.status == 200
        echoed = json.loads(response.read())["event"]
    assert echoed["body"] == body and echoed["isBase64Encoded"] is False
