"""boto3 clients for the provisioner and the local runtime, all on one shared session."""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3
from botocore.config import Config

_SESSION_LOCK = threading.Lock()
_SESSION: boto3.session.Session | None = None


def shared_client(service: str, region: str, endpoint_url: str | None) -> Any:
    """A client on one shared session (loading botocore's endpoint data once per process, not per client).

    Credentials are explicit (environment or dummies): only moto is ever the target of this module.
    """
    global _SESSION  # noqa: PLW0603
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session()
        session = _SESSION
        kwargs: dict[str, Any] = {
            "region_name": region,
            "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID") or "testing",
            "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or "testing",
        }
        retries = {"max_attempts": 3, "mode": "standard"}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
            config = Config(retries=retries)  # type: ignore[arg-type]
        else:
            # in-process moto (mock_aws): ignore AWS_ENDPOINT_URL* from the environment so moto intercepts
            config = Config(ignore_configured_endpoint_urls=True, retries=retries)  # type: ignore[arg-type]
        return session.client(service, config=config, **kwargs)  # type: ignore[call-overload]
