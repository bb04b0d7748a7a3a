"""`provision` / `provision_template`: resolve the template's parameters and references, then record or
create every enabled resource in dependency order, and describe the functions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.template import (
    ACCOUNT_ID,
    DEFAULT_STACK_NAME,
    check_references,
    dependency_order,
    load_template,
    resolve_parameters,
)

from .common import CREATED_TYPES, record_resource, render
from .creator import Creator
from .functions import function_ids, function_spec
from .provisioned import ProvisionedStack
from .sam import implicit_resources
from .stand_ins import planned, record_stand_in


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
    implicit = implicit_resources(template)
    check_references(template, implicit=set(implicit))
    for logical_id, (kind, ref_value, attrs) in implicit.items():
        record_resource(
            stack, logical_id, kind, render(ref_value, stack), {k: render(v, stack) for k, v in attrs.items()}
        )
    creator = Creator(stack) if create else None
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
                physical, attrs = planned(stack, logical_id, kind, properties)
                record_resource(stack, logical_id, kind, physical, attrs)
        else:
            record_stand_in(stack, logical_id, kind, resource)
    stack._functions = [function_spec(stack, lid) for lid in function_ids(template, stack)]
    return stack
