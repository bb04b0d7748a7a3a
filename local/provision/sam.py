"""Resources SAM generates implicitly (function roles, the implicit HTTP/REST APIs, event rules and
schedules), so that templates may Ref/GetAtt them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import short_id


def implicit_resources(template: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, str]]]:
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
                {"Arn": f"arn:aws:iam::{{account}}:role/{role}", "RoleId": "AROA" + short_id(logical_id).upper()},
            )
        for event_name, event in (props.get("Events") or {}).items():
            event_type = (event or {}).get("Type")
            event_props = (event or {}).get("Properties") or {}
            if event_type == "HttpApi" and "ApiId" not in event_props:
                api_id = short_id("ServerlessHttpApi")
                implicit["ServerlessHttpApi"] = (
                    "AWS::ApiGatewayV2::Api",
                    api_id,
                    {"ApiEndpoint": f"https://{api_id}.execute-api.{{region}}.amazonaws.com", "ApiId": api_id},
                )
            elif event_type == "Api" and "RestApiId" not in event_props:
                api_id = short_id("ServerlessRestApi")
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
