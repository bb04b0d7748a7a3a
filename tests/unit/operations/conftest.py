"""Operator commands run against moto in-process with template.yaml provisioned (the `stack` fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_vtex.commands.common import StackConfig


@pytest.fixture
def config(stack: Any, stack_env: dict[str, str]) -> StackConfig:
    """What an operator's shell holds: the stack's prefixes (tables and functions named from them)."""
    return StackConfig.from_env({"FUNCTION_PREFIX": stack_env["FUNCTION_PREFIX"],
                                 "TABLE_PREFIX": stack_env["TABLE_PREFIX"],
                                 "VTEX_SECRET_PREFIX": stack_env["STACK_NAME"]})


class RecordingLambda:
    """What boto3's Lambda client receives (the Event invoke answers 202)."""

    class exceptions:
        ResourceNotFoundException = type("ResourceNotFoundException", (Exception,), {})

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202}
