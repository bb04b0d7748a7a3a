"""What the local runtime needs to know about each function and its events, read from the template."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HttpApiRoute:
    """An ``HttpApi`` event: ``Method`` ``Path`` routed to the function (payload format 2.0)."""

    event_name: str
    method: str  # upper case; "ANY" matches every method
    path: str  # e.g. "/webhooks/tiktok/{client_hash}", "/{proxy+}" or "$default"
    api_id: str | None = None  # logical id of the AWS::Serverless::HttpApi (None: implicit API)
    payload_format_version: str = "2.0"
    timeout_in_millis: int | None = None

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsSource:
    """An ``SQS`` event source mapping."""

    event_name: str
    queue_arn: str
    queue_url: str
    batch_size: int = 10
    maximum_batching_window_s: float = 0.0
    report_batch_item_failures: bool = False
    enabled: bool = True
    maximum_concurrency: int | None = None

    @property
    def fifo(self) -> bool:
        """A FIFO queue (name ends in .fifo): one batch per message group in flight, order kept per group."""
        return self.queue_arn.endswith(".fifo")


@dataclass(frozen=True)
class ScheduleSpec:
    """A ``Schedule`` (EventBridge rule) or ``ScheduleV2`` (EventBridge Scheduler) event."""

    event_name: str
    kind: str  # "Schedule" | "ScheduleV2"
    expression: str  # rate(...) / cron(...) / at(...)
    rule_name: str  # physical name of the rule / schedule
    rule_arn: str
    input: str | None = None  # JSON text given to the function instead of the scheduled event
    enabled: bool = True
    timezone: str = "UTC"


@dataclass(frozen=True)
class Destination:
    """Where a failed (or successful) asynchronous invocation record is sent."""

    type: str  # "SQS" | "SNS" | "Lambda" | "EventBridge"
    arn: str


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str  # physical FunctionName
    arn: str
    handler: str
    code_uri: Path
    layers: tuple[Path, ...]
    runtime: str
    timeout: int  # seconds
    memory: int  # MB
    environment: dict[str, str]
    http_routes: tuple[HttpApiRoute, ...] = ()
    sqs_sources: tuple[SqsSource, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()
    dead_letter: Destination | None = None  # DeadLetterQueue (async invokes)
    on_failure: Destination | None = None  # EventInvokeConfig.DestinationConfig.OnFailure
    on_success: Destination | None = None
    maximum_retry_attempts: int = 2
    maximum_event_age_s: int = 21600
    reserved_concurrency: int | None = None

    @property
    def events(self) -> tuple[HttpApiRoute | SqsSource | ScheduleSpec, ...]:
        return (*self.http_routes, *self.sqs_sources, *self.schedules)
