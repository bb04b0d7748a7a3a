"""Creates the AWS resources of template.yaml in moto (server or in-process ``mock_aws``), idempotently.

`provision(template_path, parameters=..., region=..., endpoint_url=...)` reads the template, resolves its
intrinsics and creates its tables, queues, KMS keys/aliases, buckets, secrets, SSM parameters and SNS
topics, in dependency order. Resources moto does not host for us (functions, roles, APIs, layers, alarms,
schedules, log groups...) are recorded with plausible physical ids so that Ref/GetAtt on them resolve.
The returned `ProvisionedStack` also describes every function (`FunctionSpec`) for the local runtime.
There is no second list of resources anywhere: everything comes from the template.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local.template import (
    ACCOUNT_ID,
    DEFAULT_STACK_NAME,
    Resolver,
    TemplateError,
    check_references,
    dependency_order,
    load_template,
    resolve_parameters,
)

log = logging.getLogger("local.provision")

TAG_LOGICAL_ID = "local-stack:logical-id"
TAG_STACK = "local-stack:stack"

CREATED_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret",
    "AWS::SSM::Parameter",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
)
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


# --------------------------------------------------------------------------------------------- specs


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


# --------------------------------------------------------------------------------------------- stack


@dataclass
class ProvisionedStack:
    template: dict[str, Any]
    parameters: dict[str, Any]
    region: str
    endpoint_url: str | None
    stack_name: str = DEFAULT_STACK_NAME
    account_id: str = ACCOUNT_ID
    template_path: Path | None = None
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    resource_types: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # logical ids created in AWS (moto) this run
    reused: list[str] = field(default_factory=list)  # logical ids that already existed
    _functions: list[FunctionSpec] = field(default_factory=list)
    _resolver: Resolver | None = None

    @property
    def template_dir(self) -> Path:
        if "__dir__" in self.template:
            return Path(self.template["__dir__"])
        return self.template_path.parent if self.template_path else Path.cwd()

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            self._resolver = Resolver(
                self.template,
                self.parameters,
                region=self.region,
                account_id=self.account_id,
                stack_name=self.stack_name,
                ref=self._ref,
                getatt=self._getatt,
            )
        return self._resolver

    def resolve(self, value: Any, path: str = "") -> Any:
        """Resolve the intrinsics inside ``value`` against this stack."""
        return self.resolver.resolve(value, path)

    def _ref(self, logical_id: str, path: str) -> str:
        if logical_id in self.physical_ids:
            return self.physical_ids[logical_id]
        if logical_id in self.template["Resources"]:
            if not self.resolver.resource_enabled(logical_id):
                raise TemplateError(f"{path}: Ref to {logical_id!r}, which its Condition disables")
            raise TemplateError(f"{path}: Ref to {logical_id!r} before it was provisioned (dependency order)")
        raise TemplateError(f"{path}: Ref to {logical_id!r}: no parameter or resource with that name")

    def _getatt(self, logical_id: str, attribute: str, path: str) -> Any:
        if logical_id not in self.attributes:
            if (
                logical_id in self.template["Resources"]
                and logical_id not in self.physical_ids
                and not self.resolver.resource_enabled(logical_id)
            ):
                raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.{attribute}: its Condition disables it")
            raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.{attribute}: no resource named {logical_id!r}")
        attrs = self.attributes[logical_id]
        if attribute not in attrs:
            kind = self.resource_types.get(logical_id, "?")
            raise TemplateError(
                f"{path}: Fn::GetAtt {logical_id}.{attribute}: {kind} has no attribute {attribute!r} "
                f"(known: {', '.join(sorted(attrs))})"
            )
        return attrs[attribute]

    def attribute(self, logical_id: str, name: str) -> str:
        """A resource attribute (``Arn``, ``QueueUrl``, ``QueueName``, ``StreamArn``, ``KeyId``...)."""
        return self._getatt(logical_id, name, f"{logical_id}.{name}")

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The function's resolved Environment.Variables (Globals merged)."""
        return dict(self.function(logical_id).environment)

    def functions(self) -> list[FunctionSpec]:
        return list(self._functions)

    def function(self, logical_id_or_name: str) -> FunctionSpec:
        """A function by logical id, physical name or ARN."""
        for spec in self._functions:
            if logical_id_or_name in (spec.logical_id, spec.name, spec.arn):
                return spec
        raise KeyError(f"no function {logical_id_or_name!r} in the template")

    def logical_id_for(self, physical_or_arn: str) -> str | None:
        """The logical id of a resource given its physical id or ARN (e.g. a queue ARN -> queue id)."""
        for logical_id, physical in self.physical_ids.items():
            if physical == physical_or_arn or self.attributes.get(logical_id, {}).get("Arn") == physical_or_arn:
                return logical_id
        return None

    def queue_url_for_arn(self, arn: str) -> str:
        logical_id = self.logical_id_for(arn)
        if logical_id and "QueueUrl" in self.attributes.get(logical_id, {}):
            return str(self.attributes[logical_id]["QueueUrl"])
        name = arn.rsplit(":", 1)[-1]
        endpoint = (self.endpoint_url or f"https://sqs.{self.region}.amazonaws.com").rstrip("/")
        return f"{endpoint}/{self.account_id}/{name}"

    def aws_client(self, service: str) -> Any:
        return _client(service, self.region, self.endpoint_url)


_SESSION_LOCK = threading.Lock()
_SESSION: boto3.session.Session | None = None


def _client(service: str, region: str, endpoint_url: str | None) -> Any:
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


# --------------------------------------------------------------------------------------------- provision


def provision(
    template_path: Path,
    *,
    parameters: Mapping[str, str] | None = None,
    region: str,
    endpoint_url: str | None = None,
    stack_name: str = DEFAULT_STACK_NAME,
    account_id: str = ACCOUNT_ID,
) -> ProvisionedStack:
    """Create the template's AWS resources (idempotently) and describe its functions.

    ``endpoint_url=None`` talks to AWS the default way, which is what in-process ``moto.mock_aws()``
    intercepts (AWS_ENDPOINT_URL* in the environment are ignored then). Raises `TemplateError` when the
    template, a parameter or a reference does not resolve.
    """
    template_path = Path(template_path)
    template = load_template(template_path)
    return provision_template(
        template,
        template_path=template_path,
        parameters=parameters,
        region=region,
        endpoint_url=endpoint_url,
        stack_name=stack_name,
        account_id=account_id,
    )


def provision_template(
    template: dict[str, Any],
    *,
    template_path: Path | None = None,
    parameters: Mapping[str, str] | None = None,
    region: str,
    endpoint_url: str | None = None,
    stack_name: str = DEFAULT_STACK_NAME,
    account_id: str = ACCOUNT_ID,
    create: bool = True,
) -> ProvisionedStack:
    """`provision` for an already loaded template; ``create=False`` only computes names (no AWS calls)."""
    values = resolve_parameters(template, parameters)
    stack = ProvisionedStack(
        template=template,
        parameters=values,
        region=region,
        endpoint_url=endpoint_url,
        stack_name=stack_name,
        account_id=account_id,
        template_path=template_path,
    )
    implicit = _implicit_resources(template)
    check_references(template, implicit=set(implicit))
    for logical_id, (kind, ref_value, attrs) in implicit.items():
        _record(stack, logical_id, kind, _render(ref_value, stack), {k: _render(v, stack) for k, v in attrs.items()})
    creator = _Creator(stack) if create else None
    for logical_id in dependency_order(template):
        resource = template["Resources"][logical_id]
        if not stack.resolver.resource_enabled(logical_id):
            continue
        kind = resource["Type"]
        path = f"Resources.{logical_id}"
        if kind in CREATED_TYPES:
            properties = stack.resolve(resource.get("Properties") or {}, f"{path}.Properties")
            if creator is not None:
                creator.create(logical_id, kind, properties)
            else:
                physical, attrs = _planned(stack, logical_id, kind, properties)
                _record(stack, logical_id, kind, physical, attrs)
        else:
            _record_other(stack, logical_id, kind, resource)
    stack._functions = [_function_spec(stack, lid) for lid in _function_ids(template, stack)]
    return stack


def _function_ids(template: Mapping[str, Any], stack: ProvisionedStack) -> list[str]:
    return [
        lid for lid, res in template["Resources"].items() if res["Type"] in FUNCTION_TYPES and lid in stack.physical_ids
    ]


def _record(stack: ProvisionedStack, logical_id: str, kind: str, physical: str, attrs: Mapping[str, Any]) -> None:
    stack.physical_ids[logical_id] = physical
    stack.attributes[logical_id] = dict(attrs)
    stack.resource_types[logical_id] = kind


def _render(value: str, stack: ProvisionedStack) -> str:
    return value.format(region=stack.region, account=stack.account_id, stack=stack.stack_name)


def _default_name(stack: ProvisionedStack, logical_id: str, *, max_length: int = 64, lower: bool = False) -> str:
    """Deterministic stand-in for CloudFormation's generated names (``stack-LogicalId-SUFFIX``)."""
    suffix = hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    name = f"{stack.stack_name}-{logical_id}"[: max_length - len(suffix) - 1] + f"-{suffix}"
    return name.lower() if lower else name


def _short_id(*parts: str, length: int = 10) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _implicit_resources(template: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Resources SAM generates (roles, implicit APIs, event rules) that templates may reference."""
    implicit: dict[str, tuple[str, str, dict[str, str]]] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        if "Role" not in props:
            role = f"{{stack}}-{logical_id}Role"
            implicit[f"{logical_id}Role"] = (
                "AWS::IAM::Role",
                role,
                {"Arn": f"arn:aws:iam::{{account}}:role/{role}", "RoleId": "AROA" + _short_id(logical_id).upper()},
            )
        for event_name, event in (props.get("Events") or {}).items():
            event_type = (event or {}).get("Type")
            event_props = (event or {}).get("Properties") or {}
            if event_type == "HttpApi" and "ApiId" not in event_props:
                api_id = _short_id("ServerlessHttpApi")
                implicit["ServerlessHttpApi"] = (
                    "AWS::ApiGatewayV2::Api",
                    api_id,
                    {"ApiEndpoint": f"https://{api_id}.execute-api.{{region}}.amazonaws.com", "ApiId": api_id},
                )
            elif event_type == "Api" and "RestApiId" not in event_props:
                api_id = _short_id("ServerlessRestApi")
                implicit["ServerlessRestApi"] = ("AWS::ApiGateway::RestApi", api_id, {"RootResourceId": api_id})
            elif event_type in ("Schedule", "CloudWatchEvent", "EventBridgeRule"):
                name = f"{{stack}}-{logical_id}{event_name}"
                implicit[f"{logical_id}{event_name}"] = (
                    "AWS::Events::Rule",
                    name,
                    {"Arn": f"arn:aws:events:{{region}}:{{account}}:rule/{name}"},
                )
            elif event_type == "ScheduleV2":
                name = f"{{stack}}-{logical_id}{event_name}"
                implicit[f"{logical_id}{event_name}"] = (
                    "AWS::Scheduler::Schedule",
                    name,
                    {"Arn": f"arn:aws:scheduler:{{region}}:{{account}}:schedule/default/{name}"},
                )
    return implicit


# --------------------------------------------------------------------------------------------- others

_SERVICE_OF_TYPE = {
    "AWS::Serverless::Function": "lambda",
    "AWS::Lambda::Function": "lambda",
    "AWS::Serverless::StateMachine": "states",
    "AWS::StepFunctions::StateMachine": "states",
}


def _record_other(  # noqa: PLR0911, PLR0912, PLR0915
    stack: ProvisionedStack, logical_id: str, kind: str, resource: Mapping[str, Any]
) -> None:
    """Resources that are not created in moto: give them plausible physical ids and attributes."""
    props = resource.get("Properties") or {}
    path = f"Resources.{logical_id}.Properties"
    region, account = stack.region, stack.account_id

    def name_from(key: str, *, max_length: int = 64) -> str:
        if key in props:
            return str(stack.resolve(props[key], f"{path}.{key}"))
        return _default_name(stack, logical_id, max_length=max_length)

    if kind in FUNCTION_TYPES:
        name = name_from("FunctionName")
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        _record(stack, logical_id, kind, name, {"Arn": arn})
        if props.get("AutoPublishAlias"):
            alias = str(stack.resolve(props["AutoPublishAlias"], f"{path}.AutoPublishAlias"))
            _record(stack, f"{logical_id}Alias{alias}", "AWS::Lambda::Alias", f"{arn}:{alias}", {})
        return
    if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        name = name_from("LayerName", max_length=140)
        arn = f"arn:aws:lambda:{region}:{account}:layer:{name}:1"
        _record(stack, logical_id, kind, arn, {"Arn": arn, "LayerVersionArn": arn})
        return
    if kind == "AWS::IAM::Role":
        name = name_from("RoleName")
        _record(
            stack,
            logical_id,
            kind,
            name,
            {"Arn": f"arn:aws:iam::{account}:role/{name}", "RoleId": "AROA" + _short_id(name).upper()},
        )
        return
    if kind in ("AWS::IAM::ManagedPolicy",):
        name = name_from("ManagedPolicyName")
        arn = f"arn:aws:iam::{account}:policy/{name}"
        _record(stack, logical_id, kind, arn, {"PolicyArn": arn})
        return
    if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"):
        api_id = _short_id(stack.stack_name, logical_id)
        endpoint = f"https://{api_id}.execute-api.{region}.amazonaws.com"
        _record(stack, logical_id, kind, api_id, {"ApiEndpoint": endpoint, "ApiId": api_id})
        return
    if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
        api_id = _short_id(stack.stack_name, logical_id)
        _record(stack, logical_id, kind, api_id, {"RootResourceId": _short_id(api_id)})
        return
    if kind == "AWS::Logs::LogGroup":
        name = name_from("LogGroupName", max_length=512)
        _record(stack, logical_id, kind, name, {"Arn": f"arn:aws:logs:{region}:{account}:log-group:{name}:*"})
        return
    if kind == "AWS::CloudWatch::Alarm":
        name = name_from("AlarmName", max_length=255)
        _record(stack, logical_id, kind, name, {"Arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"})
        return
    if kind == "AWS::Events::Rule":
        name = name_from("Name")
        _record(stack, logical_id, kind, name, {"Arn": f"arn:aws:events:{region}:{account}:rule/{name}"})
        return
    if kind == "AWS::Events::EventBus":
        name = name_from("Name")
        arn = f"arn:aws:events:{region}:{account}:event-bus/{name}"
        _record(stack, logical_id, kind, name, {"Arn": arn, "Name": name})
        return
    if kind == "AWS::Scheduler::Schedule":
        name = name_from("Name")
        group = str(stack.resolve(props.get("GroupName", "default"), f"{path}.GroupName"))
        _record(stack, logical_id, kind, name, {"Arn": f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}"})
        return
    if kind == "AWS::Scheduler::ScheduleGroup":
        name = name_from("Name")
        _record(stack, logical_id, kind, name, {"Arn": f"arn:aws:scheduler:{region}:{account}:schedule-group/{name}"})
        return
    if kind == "AWS::Lambda::Url":
        url = f"https://{_short_id(logical_id, length=32)}.lambda-url.{region}.on.aws/"
        _record(stack, logical_id, kind, url, {"FunctionUrl": url, "FunctionArn": ""})
        return
    service = _SERVICE_OF_TYPE.get(kind) or kind.split("::")[1].lower()
    name = _default_name(stack, logical_id)
    _record(stack, logical_id, kind, name, {"Arn": f"arn:aws:{service}:{region}:{account}:{name}"})


def _planned(  # noqa: PLR0911
    stack: ProvisionedStack, logical_id: str, kind: str, props: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Names and attributes of a created type without calling AWS (``create=False``)."""
    region, account = stack.region, stack.account_id
    if kind == "AWS::DynamoDB::Table":
        name = str(props.get("TableName") or _default_name(stack, logical_id, max_length=255))
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        return name, {"Arn": arn, "StreamArn": f"{arn}/stream/1970-01-01T00:00:00.000"}
    if kind == "AWS::SQS::Queue":
        name = _queue_name(stack, logical_id, props)
        url = stack.queue_url_for_arn(f"arn:aws:sqs:{region}:{account}:{name}")
        return url, {"Arn": f"arn:aws:sqs:{region}:{account}:{name}", "QueueName": name, "QueueUrl": url}
    if kind == "AWS::KMS::Key":
        key_id = "0000" + _short_id(logical_id, length=28)
        return key_id, {"Arn": f"arn:aws:kms:{region}:{account}:key/{key_id}", "KeyId": key_id}
    if kind == "AWS::KMS::Alias":
        return str(props["AliasName"]), {}
    if kind == "AWS::S3::Bucket":
        name = str(props.get("BucketName") or _default_name(stack, logical_id, max_length=63, lower=True))
        return name, _bucket_attributes(name, region)
    if kind == "AWS::SecretsManager::Secret":
        name = str(props.get("Name") or _default_name(stack, logical_id))
        arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf"
        return arn, {"Id": arn}
    if kind == "AWS::SSM::Parameter":
        name = str(props.get("Name") or _default_name(stack, logical_id))
        return name, {"Type": props.get("Type", "String"), "Value": props.get("Value", "")}
    if kind == "AWS::SNS::Topic":
        name = _topic_name(stack, logical_id, props)
        arn = f"arn:aws:sns:{region}:{account}:{name}"
        return arn, {"TopicArn": arn, "TopicName": name}
    return _default_name(stack, logical_id), {}


def _bucket_attributes(name: str, region: str) -> dict[str, str]:
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
    }


def _queue_name(stack: ProvisionedStack, logical_id: str, props: Mapping[str, Any]) -> str:
    fifo = str(props.get("FifoQueue", "false")).lower() == "true"
    if props.get("QueueName"):
        return str(props["QueueName"])
    name = _default_name(stack, logical_id, max_length=75 if fifo else 80)
    return f"{name}.fifo" if fifo else name


def _topic_name(stack: ProvisionedStack, logical_id: str, props: Mapping[str, Any]) -> str:
    fifo = str(props.get("FifoTopic", "false")).lower() == "true"
    if props.get("TopicName"):
        return str(props["TopicName"])
    name = _default_name(stack, logical_id, max_length=251 if fifo else 256)
    return f"{name}.fifo" if fifo else name


def _tags(props: Mapping[str, Any]) -> list[dict[str, str]]:
    tags = props.get("Tags") or []
    if isinstance(tags, dict):  # SAM style
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# --------------------------------------------------------------------------------------------- creation


class _Creator:
    def __init__(self, stack: ProvisionedStack) -> None:
        self.stack = stack
        self._clients: dict[str, Any] = {}
        self._handlers: dict[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any], bool]]] = {
            "AWS::DynamoDB::Table": self.table,
            "AWS::SQS::Queue": self.queue,
            "AWS::KMS::Key": self.key,
            "AWS::KMS::Alias": self.alias,
            "AWS::S3::Bucket": self.bucket,
            "AWS::SecretsManager::Secret": self.secret,
            "AWS::SSM::Parameter": self.ssm_parameter,
            "AWS::SNS::Topic": self.topic,
            "AWS::SNS::Subscription": self.subscription,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.stack.aws_client(service)
        return self._clients[service]

    def create(self, logical_id: str, kind: str, props: dict[str, Any]) -> None:
        try:
            physical, attrs, created = self._handlers[kind](logical_id, props)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise TemplateError(
                f"Resources.{logical_id} ({kind}): {error.get('Code')}: {error.get('Message')}"
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateError(f"Resources.{logical_id} ({kind}): invalid properties: {exc}") from exc
        _record(self.stack, logical_id, kind, physical, attrs)
        (self.stack.created if created else self.stack.reused).append(logical_id)
        log.debug("%s %s %s -> %s", "created" if created else "reused", kind, logical_id, physical)

    # -- DynamoDB

    def table(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        ddb = self.client("dynamodb")
        name = str(props.get("TableName") or _default_name(self.stack, logical_id, max_length=255))
        created = False
        try:
            description = ddb.describe_table(TableName=name)["Table"]
        except ddb.exceptions.ResourceNotFoundException:
            description = ddb.create_table(**self._table_request(name, props))["TableDescription"]
            created = True
        else:
            self._add_missing_indexes(logical_id, name, props, description)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and str(ttl.get("Enabled", "false")).lower() == "true":
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
        pitr = props.get("PointInTimeRecoverySpecification") or {}
        if str(pitr.get("PointInTimeRecoveryEnabled", "false")).lower() == "true":
            try:
                ddb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )
            except ClientError as exc:  # pragma: no cover - depends on the moto version
                log.warning("%s: point-in-time recovery not set locally: %s", logical_id, exc)
        attrs = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attrs["StreamArn"] = description["LatestStreamArn"]
        return name, attrs, created

    def _add_missing_indexes(
        self, logical_id: str, name: str, props: Mapping[str, Any], description: Mapping[str, Any]
    ) -> None:
        """Re-provisioning after the template gained a GSI: create it (key schema changes need a fresh moto)."""
        existing = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes") or []}
        wanted = self._table_request(name, props)
        for index in wanted.get("GlobalSecondaryIndexes") or []:
            if index["IndexName"] in existing:
                continue
            log.info("%s: adding global secondary index %s", logical_id, index["IndexName"])
            self.client("dynamodb").update_table(
                TableName=name,
                AttributeDefinitions=wanted["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )

    @staticmethod
    def _table_request(name: str, props: Mapping[str, Any]) -> dict[str, Any]:
        billing = str(props.get("BillingMode") or "PROVISIONED")
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": billing,
        }

        def throughput(source: Mapping[str, Any]) -> dict[str, int]:
            given = source.get("ProvisionedThroughput") or {}
            return {
                "ReadCapacityUnits": int(given.get("ReadCapacityUnits", 5)),
                "WriteCapacityUnits": int(given.get("WriteCapacityUnits", 5)),
            }

        if billing == "PROVISIONED":
            request["ProvisionedThroughput"] = throughput(props)
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            indexes = []
            for index in props.get(key) or []:
                item = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
                if key == "GlobalSecondaryIndexes" and billing == "PROVISIONED":
                    item["ProvisionedThroughput"] = throughput(index)
                indexes.append(item)
            if indexes:
                request[key] = indexes
        stream = props.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        sse = props.get("SSESpecification")
        if sse:
            spec: dict[str, Any] = {"Enabled": str(sse.get("SSEEnabled", "false")).lower() == "true"}
            if sse.get("SSEType"):
                spec["SSEType"] = sse["SSEType"]
            if sse.get("KMSMasterKeyId"):
                spec["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
            request["SSESpecification"] = spec
        if props.get("TableClass"):
            request["TableClass"] = props["TableClass"]
        if props.get("DeletionProtectionEnabled") is not None:
            request["DeletionProtectionEnabled"] = str(props["DeletionProtectionEnabled"]).lower() == "true"
        tags = _tags(props)
        if tags:
            request["Tags"] = tags
        return request

    # -- SQS

    _QUEUE_ATTRIBUTES = (
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "FifoQueue",
        "ContentBasedDeduplication",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "DeduplicationScope",
        "FifoThroughputLimit",
    )

    def queue(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sqs = self.client("sqs")
        name = _queue_name(self.stack, logical_id, props)
        attributes = {key: _string(props[key]) for key in self._QUEUE_ATTRIBUTES if key in props}
        if attributes.get("FifoQueue") == "false":
            del attributes["FifoQueue"]  # SQS rejects FifoQueue=false on create
        created = False
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            settable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
            if settable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)
        except sqs.exceptions.QueueDoesNotExist:
            kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
            tags = {t["Key"]: t["Value"] for t in _tags(props)}
            if tags:
                kwargs["tags"] = tags
            url = sqs.create_queue(**kwargs)["QueueUrl"]
            created = True
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}, created

    # -- KMS

    def _find_tagged_key(self, logical_id: str) -> str | None:
        kms = self.client("kms")
        for page in kms.get_paginator("list_keys").paginate():
            for key in page["Keys"]:
                try:
                    tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
                except ClientError:
                    continue
                found = {t["TagKey"]: t["TagValue"] for t in tags}
                if found.get(TAG_LOGICAL_ID) == logical_id and found.get(TAG_STACK) == self.stack.stack_name:
                    state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"].get("KeyState")
                    if state != "PendingDeletion":
                        return str(key["KeyId"])
        return None

    def key(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        kms = self.client("kms")
        key_id = self._find_tagged_key(logical_id)
        created = key_id is None
        if key_id is None:
            kwargs: dict[str, Any] = {
                "Description": str(props.get("Description", "")),
                "KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT"),
                "KeySpec": props.get("KeySpec", "SYMMETRIC_DEFAULT"),
                "Tags": [
                    {"TagKey": TAG_LOGICAL_ID, "TagValue": logical_id},
                    {"TagKey": TAG_STACK, "TagValue": self.stack.stack_name},
                    *({"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(props)),
                ],
            }
            if props.get("KeyPolicy"):
                kwargs["Policy"] = _string(props["KeyPolicy"])
            if str(props.get("MultiRegion", "false")).lower() == "true":
                kwargs["MultiRegion"] = True
            key_id = str(kms.create_key(**kwargs)["KeyMetadata"]["KeyId"])
            if str(props.get("EnableKeyRotation", "false")).lower() == "true":
                kms.enable_key_rotation(KeyId=key_id)
            if str(props.get("Enabled", "true")).lower() == "false":
                kms.disable_key(KeyId=key_id)
        arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        return key_id, {"Arn": arn, "KeyId": key_id}, created

    def alias(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        kms = self.client("kms")
        name = str(props["AliasName"])
        target = str(props["TargetKeyId"])
        existing = {
            a["AliasName"]: a.get("TargetKeyId")
            for page in kms.get_paginator("list_aliases").paginate()
            for a in page["Aliases"]
        }
        target_id = kms.describe_key(KeyId=target)["KeyMetadata"]["KeyId"]
        if name in existing:
            if existing[name] != target_id:
                kms.update_alias(AliasName=name, TargetKeyId=target_id)
            return name, {}, False
        kms.create_alias(AliasName=name, TargetKeyId=target_id)
        return name, {}, True

    # -- S3

    def bucket(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        s3 = self.client("s3")
        name = str(props.get("BucketName") or _default_name(self.stack, logical_id, max_length=63, lower=True))
        created = False
        try:
            s3.head_bucket(Bucket=name)
        except ClientError:
            kwargs: dict[str, Any] = {"Bucket": name}
            if self.stack.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.stack.region}
            s3.create_bucket(**kwargs)
            created = True
        versioning = (props.get("VersioningConfiguration") or {}).get("Status")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        encryption = props.get("BucketEncryption")
        if encryption:
            # CloudFormation: ServerSideEncryptionByDefault; the S3 API: ApplyServerSideEncryptionByDefault.
            rules = [{("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v
                      for k, v in rule.items()} for rule in encryption["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        block = props.get("PublicAccessBlockConfiguration")
        if block:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={k: str(v).lower() == "true" for k, v in block.items()},
            )
        tags = _tags(props)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
        return name, _bucket_attributes(name, self.stack.region), created

    # -- Secrets Manager

    def secret(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sm = self.client("secretsmanager")
        name = str(props.get("Name") or _default_name(self.stack, logical_id))
        try:
            described = sm.describe_secret(SecretId=name)
        except sm.exceptions.ResourceNotFoundException:
            described = None
        if described is not None and described.get("DeletedDate"):
            sm.restore_secret(SecretId=name)
        if described is not None:
            arn = str(described["ARN"])
            if "SecretString" in props:
                current = sm.get_secret_value(SecretId=arn).get("SecretString")
                if current != str(props["SecretString"]):
                    sm.put_secret_value(SecretId=arn, SecretString=str(props["SecretString"]))
            return arn, {"Id": arn}, False
        kwargs: dict[str, Any] = {"Name": name, "SecretString": self._secret_string(props)}
        if props.get("Description"):
            kwargs["Description"] = str(props["Description"])
        if props.get("KmsKeyId"):
            kwargs["KmsKeyId"] = str(props["KmsKeyId"])
        tags = _tags(props)
        if tags:
            kwargs["Tags"] = tags
        arn = str(sm.create_secret(**kwargs)["ARN"])
        return arn, {"Id": arn}, True

    def _secret_string(self, props: Mapping[str, Any]) -> str:
        if "SecretString" in props:
            return str(props["SecretString"])
        generate = props.get("GenerateSecretString") or {}
        options: dict[str, Any] = {"PasswordLength": int(generate.get("PasswordLength", 32))}
        for key in ("ExcludeCharacters",):
            if key in generate:
                options[key] = str(generate[key])
        for key in (
            "ExcludeLowercase",
            "ExcludeNumbers",
            "ExcludePunctuation",
            "ExcludeUppercase",
            "IncludeSpace",
            "RequireEachIncludedType",
        ):
            if key in generate:
                options[key] = str(generate[key]).lower() == "true"
        password = self.client("secretsmanager").get_random_password(**options)["RandomPassword"]
        if generate.get("SecretStringTemplate") and generate.get("GenerateStringKey"):
            document = json.loads(generate["SecretStringTemplate"])
            document[generate["GenerateStringKey"]] = password
            return json.dumps(document)
        return str(password)

    # -- SSM

    def ssm_parameter(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        ssm = self.client("ssm")
        name = str(props.get("Name") or _default_name(self.stack, logical_id))
        param_type = str(props.get("Type", "String"))
        value = props["Value"]
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        try:
            current = ssm.get_parameter(Name=name)["Parameter"]
            created = False
            if current.get("Value") == str(value) and current.get("Type") == param_type:
                return name, {"Type": param_type, "Value": str(value)}, False
        except ssm.exceptions.ParameterNotFound:
            created = True
        kwargs: dict[str, Any] = {"Name": name, "Type": param_type, "Value": str(value), "Overwrite": True}
        for key in ("Description", "AllowedPattern", "Tier", "DataType"):
            if props.get(key):
                kwargs[key] = str(props[key])
        ssm.put_parameter(**kwargs)
        return name, {"Type": param_type, "Value": str(value)}, created

    # -- SNS

    def topic(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sns = self.client("sns")
        name = _topic_name(self.stack, logical_id, props)
        arn = f"arn:aws:sns:{self.stack.region}:{self.stack.account_id}:{name}"
        try:
            sns.get_topic_attributes(TopicArn=arn)
            created = False
        except ClientError:
            attributes: dict[str, str] = {}
            for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication"):
                if key in props:
                    attributes[key] = _string(props[key])
            if attributes.get("FifoTopic") == "false":
                del attributes["FifoTopic"]
            arn = str(sns.create_topic(Name=name, Attributes=attributes)["TopicArn"])
            created = True
        existing = {
            (s["Protocol"], s["Endpoint"]) for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        }
        for subscription in props.get("Subscription") or []:
            key = (str(subscription["Protocol"]), str(subscription["Endpoint"]))
            if key not in existing:
                sns.subscribe(TopicArn=arn, Protocol=key[0], Endpoint=key[1])
        return arn, {"TopicArn": arn, "TopicName": name}, created

    def subscription(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sns = self.client("sns")
        topic, protocol, endpoint = str(props["TopicArn"]), str(props["Protocol"]), str(props["Endpoint"])
        for existing in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
            if existing["Protocol"] == protocol and existing["Endpoint"] == endpoint:
                return str(existing["SubscriptionArn"]), {}, False
        attributes = {}
        if "RawMessageDelivery" in props:
            attributes["RawMessageDelivery"] = _string(props["RawMessageDelivery"])
        if "FilterPolicy" in props:
            attributes["FilterPolicy"] = _string(props["FilterPolicy"])
        arn = sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)[
            "SubscriptionArn"
        ]
        return str(arn), {}, True


# --------------------------------------------------------------------------------------------- functions


def _as_bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    return str(value).lower() == "true"


def _destination(stack: ProvisionedStack, value: Mapping[str, Any] | None, path: str) -> Destination | None:
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


def _function_spec(stack: ProvisionedStack, logical_id: str) -> FunctionSpec:  # noqa: PLR0912, PLR0915
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
        str(k): _env_value(v) for k, v in ((prop("Environment") or {}).get("Variables") or {}).items() if v is not None
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
            sqs_sources.append(
                SqsSource(
                    event_name=event_name,
                    queue_arn=queue_arn,
                    queue_url=stack.queue_url_for_arn(queue_arn),
                    batch_size=int(props.get("BatchSize", 10)),
                    maximum_batching_window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    enabled=_as_bool(props.get("Enabled"), default=True),
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
            enabled = _as_bool(props.get("Enabled"), default=True) and str(state or "ENABLED").upper() == "ENABLED"
            schedule_input = props.get("Input")
            schedules.append(
                ScheduleSpec(
                    event_name=event_name,
                    kind=event_type,
                    expression=str(expression),
                    rule_name=rule_name,
                    rule_arn=f"arn:aws:{service}:{stack.region}:{stack.account_id}:{kind}/{rule_name}",
                    input=None if schedule_input is None else _string(schedule_input),
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
        dead_letter=_destination(stack, dlq, f"{path}.DeadLetterQueue"),
        on_failure=_destination(stack, destinations.get("OnFailure"), f"{path}.EventInvokeConfig.OnFailure"),
        on_success=_destination(stack, destinations.get("OnSuccess"), f"{path}.EventInvokeConfig.OnSuccess"),
        maximum_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", 2)),
        maximum_event_age_s=int(invoke_config.get("MaximumEventAgeInSeconds", 21600)),
        reserved_concurrency=int(reserved) if reserved is not None else None,
    )


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
