"""Conventions every resource module shares: the resource types created in moto, CloudFormation-like
default names, tags, and how a resolved property becomes a string."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .provisioned import ProvisionedStack

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


def record_resource(
    stack: ProvisionedStack, logical_id: str, kind: str, physical: str, attrs: Mapping[str, Any]
) -> None:
    stack.physical_ids[logical_id] = physical
    stack.attributes[logical_id] = dict(attrs)
    stack.resource_types[logical_id] = kind


def render(value: str, stack: ProvisionedStack) -> str:
    return value.format(region=stack.region, account=stack.account_id, stack=stack.stack_name)


def default_name(stack: ProvisionedStack, logical_id: str, *, max_length: int = 64, lower: bool = False) -> str:
    """Deterministic stand-in for CloudFormation's generated names (``stack-LogicalId-SUFFIX``)."""
    suffix = hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    name = f"{stack.stack_name}-{logical_id}"[: max_length - len(suffix) - 1] + f"-{suffix}"
    return name.lower() if lower else name


def short_id(*parts: str, length: int = 10) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def bucket_attributes(name: str, region: str) -> dict[str, str]:
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
    }


def queue_name(stack: ProvisionedStack, logical_id: str, props: Mapping[str, Any]) -> str:
    fifo = str(props.get("FifoQueue", "false")).lower() == "true"
    if props.get("QueueName"):
        return str(props["QueueName"])
    name = default_name(stack, logical_id, max_length=75 if fifo else 80)
    return f"{name}.fifo" if fifo else name


def topic_name(stack: ProvisionedStack, logical_id: str, props: Mapping[str, Any]) -> str:
    fifo = str(props.get("FifoTopic", "false")).lower() == "true"
    if props.get("TopicName"):
        return str(props["TopicName"])
    name = default_name(stack, logical_id, max_length=251 if fifo else 256)
    return f"{name}.fifo" if fifo else name


def tag_list(props: Mapping[str, Any]) -> list[dict[str, str]]:
    tags = props.get("Tags") or []
    if isinstance(tags, dict):  # SAM style
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]


def as_string(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def as_bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    return str(value).lower() == "true"
