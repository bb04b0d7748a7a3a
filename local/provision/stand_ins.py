"""Resources moto does not host for the local stack (functions, roles, APIs, layers, alarms, rules,
schedules, log groups...): plausible physical ids and attributes so that Ref/GetAtt resolve. Also the
names a created type would get, without calling AWS (`provision_template(create=False)`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import FUNCTION_TYPES, bucket_attributes, default_name, queue_name, record_resource, short_id, topic_name
from .provisioned import ProvisionedStack

_SERVICE_OF_TYPE = {
    "AWS::Serverless::Function": "lambda",
    "AWS::Lambda::Function": "lambda",
    "AWS::Serverless::StateMachine": "states",
    "AWS::StepFunctions::StateMachine": "states",
}


def record_stand_in(  # noqa: PLR0911, PLR0912, PLR0915
    stack: ProvisionedStack, logical_id: str, kind: str, resource: Mapping[str, Any]
) -> None:
    """Resources that are not created in moto: give them plausible physical ids and attributes."""
    props = resource.get("Properties") or {}
    path = f"Resources.{logical_id}.Properties"
    region, account = stack.region, stack.account_id

    def name_from(key: str, *, max_length: int = 64) -> str:
        if key in props:
            return str(stack.resolve(props[key], f"{path}.{key}"))
        return default_name(stack, logical_id, max_length=max_length)

    if kind in FUNCTION_TYPES:
        name = name_from("FunctionName")
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        record_resource(stack, logical_id, kind, name, {"Arn": arn})
        if props.get("AutoPublishAlias"):
            alias = str(stack.resolve(props["AutoPublishAlias"], f"{path}.AutoPublishAlias"))
            record_resource(stack, f"{logical_id}Alias{alias}", "AWS::Lambda::Alias", f"{arn}:{alias}", {})
        return
    if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        name = name_from("LayerName", max_length=140)
        arn = f"arn:aws:lambda:{region}:{account}:layer:{name}:1"
        record_resource(stack, logical_id, kind, arn, {"Arn": arn, "LayerVersionArn": arn})
        return
    if kind == "AWS::IAM::Role":
        name = name_from("RoleName")
        record_resource(
            stack,
            logical_id,
            kind,
            name,
            {"Arn": f"arn:aws:iam::{account}:role/{name}", "RoleId": "AROA" + short_id(name).upper()},
        )
        return
    if kind in ("AWS::IAM::ManagedPolicy",):
        name = name_from("ManagedPolicyName")
        arn = f"arn:aws:iam::{account}:policy/{name}"
        record_resource(stack, logical_id, kind, arn, {"PolicyArn": arn})
        return
    if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"):
        api_id = short_id(stack.stack_name, logical_id)
        endpoint = f"https://{api_id}.execute-api.{region}.amazonaws.com"
        record_resource(stack, logical_id, kind, api_id, {"ApiEndpoint": endpoint, "ApiId": api_id})
        return
    if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
        api_id = short_id(stack.stack_name, logical_id)
        record_resource(stack, logical_id, kind, api_id, {"RootResourceId": short_id(api_id)})
        return
    if kind == "AWS::Logs::LogGroup":
        name = name_from("LogGroupName", max_length=512)
        record_resource(stack, logical_id, kind, name, {"Arn": f"arn:aws:logs:{region}:{account}:log-group:{name}:*"})
        return
    if kind == "AWS::CloudWatch::Alarm":
        name = name_from("AlarmName", max_length=255)
        record_resource(stack, logical_id, kind, name, {"Arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"})
        return
    if kind == "AWS::Events::Rule":
        name = name_from("Name")
        record_resource(stack, logical_id, kind, name, {"Arn": f"arn:aws:events:{region}:{account}:rule/{name}"})
        return
    if kind == "AWS::Events::EventBus":
        name = name_from("Name")
        arn = f"arn:aws:events:{region}:{account}:event-bus/{name}"
        record_resource(stack, logical_id, kind, name, {"Arn": arn, "Name": name})
        return
    if kind == "AWS::Scheduler::Schedule":
        name = name_from("Name")
        group = str(stack.resolve(props.get("GroupName", "default"), f"{path}.GroupName"))
        record_resource(
            stack, logical_id, kind, name, {"Arn": f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}"}
        )
        return
    if kind == "AWS::Scheduler::ScheduleGroup":
        name = name_from("Name")
        record_resource(
            stack, logical_id, kind, name, {"Arn": f"arn:aws:scheduler:{region}:{account}:schedule-group/{name}"}
        )
        return
    if kind == "AWS::Lambda::Url":
        url = f"https://{short_id(logical_id, length=32)}.lambda-url.{region}.on.aws/"
        record_resource(stack, logical_id, kind, url, {"FunctionUrl": url, "FunctionArn": ""})
        return
    service = _SERVICE_OF_TYPE.get(kind) or kind.split("::")[1].lower()
    name = default_name(stack, logical_id)
    record_resource(stack, logical_id, kind, name, {"Arn": f"arn:aws:{service}:{region}:{account}:{name}"})


def planned(  # noqa: PLR0911
    stack: ProvisionedStack, logical_id: str, kind: str, props: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Names and attributes of a created type without calling AWS (``create=False``)."""
    region, account = stack.region, stack.account_id
    if kind == "AWS::DynamoDB::Table":
        name = str(props.get("TableName") or default_name(stack, logical_id, max_length=255))
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        return name, {"Arn": arn, "StreamArn": f"{arn}/stream/1970-01-01T00:00:00.000"}
    if kind == "AWS::SQS::Queue":
        name = queue_name(stack, logical_id, props)
        url = stack.queue_url_for_arn(f"arn:aws:sqs:{region}:{account}:{name}")
        return url, {"Arn": f"arn:aws:sqs:{region}:{account}:{name}", "QueueName": name, "QueueUrl": url}
    if kind == "AWS::KMS::Key":
        key_id = "0000" + short_id(logical_id, length=28)
        return key_id, {"Arn": f"arn:aws:kms:{region}:{account}:key/{key_id}", "KeyId": key_id}
    if kind == "AWS::KMS::Alias":
        return str(props["AliasName"]), {}
    if kind == "AWS::S3::Bucket":
        name = str(props.get("BucketName") or default_name(stack, logical_id, max_length=63, lower=True))
        return name, bucket_attributes(name, region)
    if kind == "AWS::SecretsManager::Secret":
        name = str(props.get("Name") or default_name(stack, logical_id))
        arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf"
        return arn, {"Id": arn}
    if kind == "AWS::SSM::Parameter":
        name = str(props.get("Name") or default_name(stack, logical_id))
        return name, {"Type": props.get("Type", "String"), "Value": props.get("Value", "")}
    if kind == "AWS::SNS::Topic":
        name = topic_name(stack, logical_id, props)
        arn = f"arn:aws:sns:{region}:{account}:{name}"
        return arn, {"TopicArn": arn, "TopicName": name}
    return default_name(stack, logical_id), {}
