"""boto3 clients and resources, created once per process and reused across warm invocations.

boto3 reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself, which is how the local stack points
every call at moto: there is no local branch here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


@cache
def dynamodb_resource() -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints and moto contexts)."""
    client.cache_clear()
    dynamodb_resource.cache_clear()
