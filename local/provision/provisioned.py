"""`ProvisionedStack`: what provisioning produced (physical ids, attributes, functions), and Ref/GetAtt
resolution against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.template import ACCOUNT_ID, DEFAULT_STACK_NAME, Resolver, TemplateError

from .session import shared_client
from .specs import FunctionSpec


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
        return shared_client(service, self.region, self.endpoint_url)
