"""Lambda functions of the template as `FunctionSpec`s: code and layers on disk, environment, events
(HttpApi, SQS, Schedule/ScheduleV2), destinations, retry and concurrency settings."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.template import TemplateError

from .common import FUNCTION_TYPES, as_bool, as_string
from .provisioned import ProvisionedStack
from .specs import Destination, FunctionSpec, HttpApiRoute, ScheduleSpec, SqsSource

log = logging.getLogger("local.provision")  # one logger name for the whole package, as before the split


def function_ids(template: Mapping[str, Any], stack: ProvisionedStack) -> list[str]:
    return [
        lid for lid, res in template["Resources"].items() if res["Type"] in FUNCTION_TYPES and lid in stack.physical_ids
    ]


def destination(stack: ProvisionedStack, value: Mapping[str, Any] | None, path: str) -> Destination | None:
    if not value:
        return None
    arn = value.get("Destination") or value.get("TargetArn")
    kind = value.get("Type")
    if not arn:
        raise TemplateError(f"{path}: no Destination/TargetArn")
    arn = str(arn)
    if kind is None:
        service = arn.split(":")[2] if arn.startswith("arn:") else ""
        kind = {"sqs": "SQS", "sns": "SNS", "lambda": "Lambda", "events": "EventBridge"}.get(service)
    if kind not in ("SQS", "SNS", "Lambda", "EventBridge"):
        raise TemplateError(f"{path}: unsupported destination type {kind!r}")
    return Destination(type=str(kind), arn=arn)


def function_spec(stack: ProvisionedStack, logical_id: str) -> FunctionSpec:  # noqa: PLR0912, PLR0915
    resource = stack.template["Resources"][logical_id]
    raw = resource.get("Properties") or {}
    path = f"Resources.{logical_id}.Properties"

    def prop(key: str, default: Any = None) -> Any:
        return stack.resolve(raw[key], f"{path}.{key}") if key in raw else default

    name = stack.physical_ids[logical_id]
    arn = stack.attributes[logical_id]["Arn"]
    handler = prop("Handler")
    if not handler:
        raise TemplateError(f"{path}.Handler: missing (only zip/python functions run locally)")
    code = prop("CodeUri") if resource["Type"] == "AWS::Serverless::Function" else None
    if code is None and resource["Type"] == "AWS::Lambda::Function":
        code = "."
    if isinstance(code, dict):
        raise TemplateError(f"{path}.CodeUri: an S3 location cannot run locally; use a local directory")
    code_uri = (stack.template_dir / str(code or ".")).resolve()
    if not code_uri.is_dir():
        raise TemplateError(f"{path}.CodeUri: directory {code_uri} does not exist")
    layers: list[Path] = []
    for index, layer in enumerate(raw.get("Layers") or []):
        layer_path = f"{path}.Layers[{index}]"
        if isinstance(layer, dict) and set(layer) == {"Ref"} and layer["Ref"] in stack.template["Resources"]:
            layer_resource = stack.template["Resources"][layer["Ref"]]
            content = (layer_resource.get("Properties") or {}).get("ContentUri")
            if isinstance(content, str):
                directory = (stack.template_dir / content).resolve()
                if not directory.is_dir():
                    raise TemplateError(f"{layer_path}: ContentUri {directory} of {layer['Ref']} does not exist")
                layers.append(directory)
                continue
        log.warning("%s: layer %r has no local ContentUri; ignored", layer_path, stack.resolve(layer, layer_path))
    environment = {
        str(k): env_value(v) for k, v in ((prop("Environment") or {}).get("Variables") or {}).items() if v is not None
    }
    http_routes: list[HttpApiRoute] = []
    sqs_sources: list[SqsSource] = []
    schedules: list[ScheduleSpec] = []
    for event_name, event in (raw.get("Events") or {}).items():
        event_path = f"{path}.Events.{event_name}"
        event_type = (event or {}).get("Type")
        props = stack.resolve((event or {}).get("Properties") or {}, f"{event_path}.Properties")
        if event_type == "HttpApi":
            api_ref = ((event or {}).get("Properties") or {}).get("ApiId")
            api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
            http_routes.append(
                HttpApiRoute(
                    event_name=event_name,
                    method=str(props.get("Method", "ANY")).upper() if props.get("Path") else "ANY",
                    path=str(props.get("Path", "$default")),
                    api_id=api_id,
                    payload_format_version=str(props.get("PayloadFormatVersion", "2.0")),
                    timeout_in_millis=int(props["TimeoutInMillis"]) if "TimeoutInMillis" in props else None,
                )
            )
        elif event_type == "SQS":
            queue_arn = str(props["Queue"])
            scaling = props.get("ScalingConfig") or {}
            if queue_arn.endswith(".fifo"):
                _check_fifo_source(event_path, props)
            sqs_sources.append(
                SqsSource(
                    event_name=event_name,
                    queue_arn=queue_arn,
                    queue_url=stack.queue_url_for_arn(queue_arn),
                    batch_size=int(props.get("BatchSize", 10)),
                    maximum_batching_window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    enabled=as_bool(props.get("Enabled"), default=True),
                    maximum_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None,
                )
            )
        elif event_type in ("Schedule", "ScheduleV2"):
            expression = props.get("Schedule") if event_type == "Schedule" else props.get("ScheduleExpression")
            if not expression:
                raise TemplateError(f"{event_path}.Properties: no schedule expression")
            implicit_id = f"{logical_id}{event_name}"
            rule_name = str(props.get("Name") or stack.physical_ids.get(implicit_id) or implicit_id)
            kind = "rule" if event_type == "Schedule" else "schedule/default"
            service = "events" if event_type == "Schedule" else "scheduler"
            state = props.get("State")
            enabled = as_bool(props.get("Enabled"), default=True) and str(state or "ENABLED").upper() == "ENABLED"
            schedule_input = props.get("Input")
            schedules.append(
                ScheduleSpec(
                    event_name=event_name,
                    kind=event_type,
                    expression=str(expression),
                    rule_name=rule_name,
                    rule_arn=f"arn:aws:{service}:{stack.region}:{stack.account_id}:{kind}/{rule_name}",
                    input=None if schedule_input is None else as_string(schedule_input),
                    enabled=enabled,
                    timezone=str(props.get("ScheduleExpressionTimezone") or "UTC"),
                )
            )
        elif event_type is not None:
            log.info("%s: event type %s is not run by the local runtime", event_path, event_type)
    dlq = prop("DeadLetterQueue")
    invoke_config = prop("EventInvokeConfig") or {}
    destinations = invoke_config.get("DestinationConfig") or {}
    reserved = prop("ReservedConcurrentExecutions")
    return FunctionSpec(
        logical_id=logical_id,
        name=name,
        arn=arn,
        handler=str(handler),
        code_uri=code_uri,
        layers=tuple(layers),
        runtime=str(prop("Runtime", "python3.12")),
        timeout=int(prop("Timeout", 3)),
        memory=int(prop("MemorySize", 128)),
        environment=environment,
        http_routes=tuple(http_routes),
        sqs_sources=tuple(sqs_sources),
        schedules=tuple(schedules),
        dead_letter=destination(stack, dlq, f"{path}.DeadLetterQueue"),
        on_failure=destination(stack, destinations.get("OnFailure"), f"{path}.EventInvokeConfig.OnFailure"),
        on_success=destination(stack, destinations.get("OnSuccess"), f"{path}.EventInvokeConfig.OnSuccess"),
        maximum_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", 2)),
        maximum_event_age_s=int(invoke_config.get("MaximumEventAgeInSeconds", 21600)),
        reserved_concurrency=int(reserved) if reserved is not None else None,
    )


def env_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _check_fifo_source(event_path: str, props: dict[str, Any]) -> None:
    """What Lambda's CreateEventSourceMapping refuses for a FIFO queue (so the local stack refuses it too)."""
    if int(props.get("BatchSize", 10)) > 10:
        raise TemplateError(f"{event_path}.Properties.BatchSize: at most 10 for a FIFO queue")
    if "MaximumBatchingWindowInSeconds" in props:
        raise TemplateError(f"{event_path}.Properties.MaximumBatchingWindowInSeconds: not supported for a FIFO queue")
