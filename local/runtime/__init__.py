"""The `sam local` replacement: template.yaml's HTTP API (3000), Lambda Invoke API (3001), SQS pollers,
schedules and async invokes, with each function in its own worker subprocesses. See `local.runtime.runtime`.
"""

from local.runtime.runtime import PortInUseError, Runtime, RuntimeConfig, StackError, aws_environment_from
from local.runtime.workers import InvokeResult

__all__ = ["InvokeResult", "PortInUseError", "Runtime", "RuntimeConfig", "StackError", "aws_environment_from"]
