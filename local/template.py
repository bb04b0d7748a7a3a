"""Reads template.yaml (SAM / CloudFormation) and resolves its intrinsic functions.

`load_template(path)` parses YAML with the CloudFormation short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``...)
converted to their long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``...) and applies the SAM
``Globals`` section to the functions and HTTP APIs; `resolve_parameters` checks the parameter values.
Resolving intrinsics (`Resolver`, `dependency_order`, `check_references`) is `local.intrinsics`; its names
are re-exported here, so `from local.template import Resolver` keeps working.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from local.intrinsics import (
    ACCOUNT_ID,
    DEFAULT_STACK_NAME,
    NO_VALUE,
    PSEUDO_PARAMETERS,
    Resolver,
    TemplateError,
    check_references,
    dependency_order,
    is_intrinsic,
    references,
    sub_references,
)

# The intrinsics live in local/intrinsics.py; these names stay importable from here.
__all__ = ["ACCOUNT_ID", "DEFAULT_STACK_NAME", "METADATA_KEY", "NO_VALUE", "PSEUDO_PARAMETERS", "Resolver",
           "TemplateError", "apply_globals", "check_references", "dependency_order", "load_template",
           "parameters_from_stack_env", "parse_template", "references", "resolve_parameters", "sub_references"]

METADATA_KEY = "tiktok-vtex/local"

# --------------------------------------------------------------------------------------------- loading


# libyaml's loader when available: the template is parsed by every test that provisions it.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that understands the CloudFormation short-form tags."""


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _short_form(function: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        value = _construct(node, loader)
        if function == "Ref":
            return {"Ref": value}
        if function == "Condition":
            return {"Condition": value}
        if function == "Fn::GetAtt" and isinstance(value, str):
            logical_id, _, attribute = value.partition(".")
            return {"Fn::GetAtt": [logical_id, attribute]}
        return {function: value}

    return construct


for _tag, _function in {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
}.items():
    _CfnLoader.add_constructor(f"!{_tag}", _short_form(_function))


def parse_template(text: str, source: str = "template") -> dict[str, Any]:
    """Parse template text (YAML or JSON) into a dict with long-form intrinsics and Globals applied."""
    try:
        document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"{source}: invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise TemplateError(f"{source}: the template must be a mapping")
    resources = document.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(f"{source}: the template has no Resources")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"{source}: Resources.{logical_id} has no Type")
    return apply_globals(document)


def load_template(path: str | Path) -> dict[str, Any]:
    """Read a SAM/CloudFormation template file; short-form tags become long form; Globals are applied.

    The returned dict carries the template's directory under the private key ``"__dir__"`` so that
    CodeUri / ContentUri can be resolved relative to it.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"cannot read template {path}: {exc}") from exc
    document = parse_template(text, str(path))
    document["__dir__"] = str(path.resolve().parent)
    return document


# --------------------------------------------------------------------------------------------- globals

_GLOBAL_SECTIONS = {
    "Function": ("AWS::Serverless::Function",),
    "HttpApi": ("AWS::Serverless::HttpApi",),
    "Api": ("AWS::Serverless::Api",),
    "SimpleTable": ("AWS::Serverless::SimpleTable",),
    "StateMachine": ("AWS::Serverless::StateMachine",),
    "LayerVersion": ("AWS::Serverless::LayerVersion",),
}


def _merge_global(global_value: Any, local_value: Any) -> Any:
    """SAM rules: maps merge (resource wins), lists concatenate (globals first), scalars: resource wins."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if is_intrinsic(global_value) or is_intrinsic(local_value):
            return copy.deepcopy(local_value)
        merged = copy.deepcopy(global_value)
        for key, value in local_value.items():
            merged[key] = _merge_global(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return copy.deepcopy(global_value) + copy.deepcopy(local_value)
    return copy.deepcopy(local_value)


def apply_globals(document: dict[str, Any]) -> dict[str, Any]:
    """Merge the SAM ``Globals`` section into each resource it applies to (returns the same dict)."""
    globals_section = document.get("Globals") or {}
    if not isinstance(globals_section, dict):
        raise TemplateError("Globals must be a mapping")
    for section, values in globals_section.items():
        if section not in _GLOBAL_SECTIONS:
            raise TemplateError(f"Globals.{section} is not a SAM Globals section")
        if not isinstance(values, dict):
            raise TemplateError(f"Globals.{section} must be a mapping")
        for resource in document["Resources"].values():
            if resource["Type"] not in _GLOBAL_SECTIONS[section]:
                continue
            properties = resource.setdefault("Properties", {}) or {}
            resource["Properties"] = _merge_global(values, properties)
    return document


# --------------------------------------------------------------------------------------------- parameters


def resolve_parameters(  # noqa: PLR0912
    template: Mapping[str, Any], given: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Parameter values: given overrides, else Default; checks AllowedValues/AllowedPattern/lengths.

    ``CommaDelimitedList`` and ``List<...>`` parameters become lists of strings.
    """
    given = dict(given or {})
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TemplateError(f"unknown template parameter(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, declared_spec in declared.items():
        spec = declared_spec or {}
        if name in given:
            raw: Any = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"Parameters.{name}: no value given and no Default")
        param_type = str(spec.get("Type", "String"))
        if param_type == "CommaDelimitedList" or param_type.startswith("List<"):
            items = raw if isinstance(raw, list) else [p.strip() for p in str(raw).split(",")]
            value: Any = [str(item) for item in items]
            checked = value
        else:
            value = str(raw) if not isinstance(raw, bool) else str(raw).lower()
            checked = [value]
            if param_type == "Number":
                try:
                    float(value)
                except ValueError:
                    raise TemplateError(f"Parameters.{name}: {value!r} is not a Number") from None
        allowed = spec.get("AllowedValues")
        pattern = spec.get("AllowedPattern")
        for item in checked:
            if allowed is not None and item not in [str(a) for a in allowed]:
                raise TemplateError(f"Parameters.{name}: {item!r} is not one of the AllowedValues {list(allowed)}")
            if pattern is not None and not re.fullmatch(str(pattern), item):
                raise TemplateError(f"Parameters.{name}: value does not match AllowedPattern {pattern!r}")
            if "MinLength" in spec and len(item) < int(spec["MinLength"]):
                raise TemplateError(f"Parameters.{name}: shorter than MinLength {spec['MinLength']}")
            if "MaxLength" in spec and len(item) > int(spec["MaxLength"]):
                raise TemplateError(f"Parameters.{name}: longer than MaxLength {spec['MaxLength']}")
            if param_type == "Number":
                if "MinValue" in spec and float(item) < float(spec["MinValue"]):
                    raise TemplateError(f"Parameters.{name}: below MinValue {spec['MinValue']}")
                if "MaxValue" in spec and float(item) > float(spec["MaxValue"]):
                    raise TemplateError(f"Parameters.{name}: above MaxValue {spec['MaxValue']}")
        values[name] = value
    return values


def parameters_from_stack_env(template: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Template parameter values taken from stack.env, per ``Metadata["tiktok-vtex/local"]["ParameterEnv"]``.

    Parameters not listed keep their template defaults (they are absent from the result). A listed
    stack.env key that is missing from ``env`` raises `TemplateError` naming it.
    """
    metadata = (template.get("Metadata") or {}).get(METADATA_KEY) or {}
    mapping = metadata.get("ParameterEnv") or {}
    if not isinstance(mapping, dict):
        raise TemplateError(f"Metadata.{METADATA_KEY}.ParameterEnv must be a mapping")
    declared = template.get("Parameters") or {}
    result: dict[str, str] = {}
    missing: list[str] = []
    for parameter, key in mapping.items():
        if parameter not in declared:
            raise TemplateError(
                f"Metadata.{METADATA_KEY}.ParameterEnv.{parameter}: the template declares no such parameter"
            )
        if key not in env:
            missing.append(f"{key} (for parameter {parameter})")
            continue
        result[parameter] = str(env[key])
    if missing:
        raise TemplateError(f"stack.env has no {', '.join(missing)}")
    return result


