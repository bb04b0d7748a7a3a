"""Reads template.yaml (SAM / CloudFormation) and resolves its intrinsic functions.

`load_template(path)` parses YAML with the CloudFormation short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``...)
converted to their long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``...) and applies the SAM
``Globals`` section to the functions and HTTP APIs. `Resolver` resolves intrinsics given the parameter
values and the physical ids/attributes of the resources (supplied by `local.provision`). Anything that does
not resolve raises `TemplateError` naming the logical id and the path inside the template.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"  # moto's default account
DEFAULT_STACK_NAME = "local-stack"  # callers pass STACK_NAME from stack.env
METADATA_KEY = "tiktok-vtex/local"

PSEUDO_PARAMETERS = (
    "AWS::Region",
    "AWS::AccountId",
    "AWS::StackName",
    "AWS::StackId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::NotificationARNs",
)


class TemplateError(ValueError):
    """The template is malformed or refers to something that does not resolve."""


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


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
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
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


# --------------------------------------------------------------------------------------------- walking


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = str(next(iter(value)))
    return key in {"Ref", "Condition"} or key.startswith("Fn::")


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def sub_references(template_string: str) -> Iterator[str]:
    """Names referenced by a Fn::Sub string (``${!Literal}`` excluded)."""
    for match in _SUB_VARIABLE.finditer(template_string):
        name = match.group(1).strip()
        if not name.startswith("!"):
            yield name


def references(value: Any) -> set[str]:
    """Logical ids (or parameter / pseudo-parameter names) a value refers to through Ref / GetAtt / Sub."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if key == "Fn::GetAtt":
                target = _getatt_target(arg)
                if target:
                    found.add(target[0])
                    walk(target[1])
                return
            if key == "Fn::Sub" and (isinstance(arg, str) or (isinstance(arg, list) and len(arg) == 2)):
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] or {})
                if isinstance(text, str):
                    names = {reference.split(".", 1)[0] for reference in sub_references(text)}
                    found.update(names - set(variables if isinstance(variables, dict) else ()))
                walk(variables)
                return
        for item in node.values():
            walk(item)

    walk(value)
    return found


def _getatt_target(arg: Any) -> tuple[str, Any] | None:
    if isinstance(arg, str):
        logical_id, _, attribute = arg.partition(".")
        return logical_id, attribute
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        return arg[0], arg[1]
    return None


def dependency_order(template: Mapping[str, Any], extra: Mapping[str, set[str]] | None = None) -> list[str]:
    """Logical ids ordered so that each resource comes after what it references (Ref/GetAtt/Sub/DependsOn).

    Raises `TemplateError` on a circular dependency. Ties keep the template's order.
    """
    resources: Mapping[str, Any] = template["Resources"]
    edges: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        deps = references(resource.get("Properties") or {}) & set(resources)
        depends_on = resource.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        for dep in depends_on:
            if dep not in resources:
                raise TemplateError(f"Resources.{logical_id}.DependsOn: no resource named {dep!r}")
            deps.add(dep)
        deps |= {d for d in (extra or {}).get(logical_id, set()) if d in resources}
        deps.discard(logical_id)
        edges[logical_id] = deps
    ordered: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, chain: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = " -> ".join([*chain[chain.index(node) :], node])
            raise TemplateError(f"circular dependency between resources: {cycle}")
        state[node] = 1
        for dep in sorted(edges[node], key=list(resources).index):
            visit(dep, [*chain, node])
        state[node] = 2
        ordered.append(node)

    for logical_id in resources:
        visit(logical_id, [])
    return ordered


# --------------------------------------------------------------------------------------------- resolving

AttributeLookup = Callable[[str, str, str], Any]
"""(logical_id, attribute, path) -> value; raises TemplateError if unknown."""
RefLookup = Callable[[str, str], Any]
"""(logical_id, path) -> physical id."""


class Resolver:
    """Resolves intrinsic functions of a template given parameter values and resource lookups.

    ``ref(logical_id, path)`` returns a resource's Ref value; ``getatt(logical_id, attribute, path)`` one of
    its attributes. Both are supplied by the provisioner (they raise `TemplateError` when the resource is
    not known yet). ``path`` is a dotted location in the template used in error messages.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        *,
        region: str,
        account_id: str = ACCOUNT_ID,
        stack_name: str = DEFAULT_STACK_NAME,
        ref: RefLookup | None = None,
        getatt: AttributeLookup | None = None,
    ) -> None:
        self.template = template
        self.parameters = dict(parameters)
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self._ref = ref
        self._getatt = getatt
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- pseudo parameters and conditions

    def pseudo(self, name: str) -> Any:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
                "00000000-0000-0000-0000-000000000000"
            ),
            "AWS::Partition": partition,
            "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }[name]

    def condition(self, name: str, path: str = "Conditions") -> bool:
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise TemplateError(f"{path}: no condition named {name!r} in Conditions")
        if name in self._evaluating:
            raise TemplateError(f"Conditions.{name}: circular condition")
        self._evaluating.add(name)
        try:
            value = self.resolve(conditions[name], f"Conditions.{name}")
        finally:
            self._evaluating.discard(name)
        if not isinstance(value, bool):
            raise TemplateError(f"Conditions.{name}: does not evaluate to true/false")
        self._conditions[name] = value
        return value

    def resource_enabled(self, logical_id: str) -> bool:
        resource = self.template["Resources"][logical_id]
        name = resource.get("Condition")
        return True if name is None else self.condition(name, f"Resources.{logical_id}.Condition")

    # -- resolution

    def resolve(self, value: Any, path: str = "") -> Any:
        """Resolve every intrinsic inside ``value``; ``AWS::NoValue`` removes keys / list items."""
        result = self._resolve(value, path)
        return None if result is NO_VALUE else result

    def _resolve(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                key = next(iter(value))
                if key in {"Ref", "Condition"} or str(key).startswith("Fn::"):
                    return self._intrinsic(key, value[key], f"{path}.{key}" if path else key)
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self._resolve(item, f"{path}.{key}" if path else str(key))
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            items = [self._resolve(item, f"{path}[{i}]") for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def _intrinsic(self, function: str, arg: Any, path: str) -> Any:  # noqa: PLR0911, PLR0912, PLR0915
        if function == "Ref":
            return self.ref(self._resolve(arg, path), path)
        if function == "Condition":
            return self.condition(self._resolve(arg, path), path)
        if function == "Fn::GetAtt":
            target = _getatt_target(arg)
            if target is None:
                raise TemplateError(f"{path}: expected [LogicalId, Attribute] or 'LogicalId.Attribute'")
            attribute = self._resolve(target[1], path)
            return self.getatt(target[0], str(attribute), path)
        if function == "Fn::Sub":
            return self._sub(arg, path)
        if function == "Fn::Join":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise TemplateError(f"{path}: expected [delimiter, [values]]")
            delimiter = self._resolve(arg[0], path)
            items = self._resolve(arg[1], path)
            if not isinstance(items, list):
                raise TemplateError(f"{path}: the second argument must be a list")
            return str(delimiter).join(_scalar(item, path) for item in items)
        if function == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise TemplateError(f"{path}: expected [condition, value_if_true, value_if_false]")
            chosen = arg[1] if self.condition(str(arg[0]), path) else arg[2]
            return self._resolve(chosen, path)
        if function == "Fn::Equals":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise TemplateError(f"{path}: expected [value_1, value_2]")
            left, right = (self._resolve(item, path) for item in arg)
            return _comparable(left) == _comparable(right)
        if function == "Fn::Not":
            items = arg if isinstance(arg, list) else [arg]
            if len(items) != 1:
                raise TemplateError(f"{path}: expected [condition]")
            return not self._boolean(items[0], path)
        if function in ("Fn::And", "Fn::Or"):
            if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
                raise TemplateError(f"{path}: expected a list of 2 to 10 conditions")
            results = [self._boolean(item, path) for item in arg]
            return all(results) if function == "Fn::And" else any(results)
        if function == "Fn::Select":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise TemplateError(f"{path}: expected [index, list]")
            index = self._resolve(arg[0], path)
            items = self._resolve(arg[1], path)
            try:
                return items[int(index)]
            except (ValueError, TypeError, IndexError):
                raise TemplateError(f"{path}: index {index!r} out of range for {items!r}") from None
        if function == "Fn::Split":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise TemplateError(f"{path}: expected [delimiter, string]")
            delimiter = self._resolve(arg[0], path)
            source = self._resolve(arg[1], path)
            return _scalar(source, path).split(str(delimiter))
        if function == "Fn::FindInMap":
            if not (isinstance(arg, list) and len(arg) in (3, 4)):
                raise TemplateError(f"{path}: expected [MapName, TopKey, SecondKey]")
            map_name, top, second = (self._resolve(item, path) for item in arg[:3])
            try:
                return copy.deepcopy(self.template["Mappings"][map_name][top][second])
            except (KeyError, TypeError):
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self._resolve(arg[3]["DefaultValue"], path)
                raise TemplateError(f"{path}: Mappings.{map_name}.{top}.{second} does not exist") from None
        if function == "Fn::Base64":
            return base64.b64encode(_scalar(self._resolve(arg, path), path).encode()).decode()
        if function == "Fn::GetAZs":
            region = self._resolve(arg, path) or self.region
            return [f"{region}{zone}" for zone in "abc"]
        if function == "Fn::ToJsonString":
            return json.dumps(self._resolve(arg, path), separators=(",", ":"))
        if function == "Fn::Length":
            items = self._resolve(arg, path)
            if not isinstance(items, list):
                raise TemplateError(f"{path}: expected a list")
            return len(items)
        if function == "Fn::ImportValue":
            name = self._resolve(arg, path)
            raise TemplateError(f"{path}: Fn::ImportValue {name!r} cannot be resolved locally (no other stacks)")
        raise TemplateError(f"{path}: unsupported intrinsic function {function}")

    def _boolean(self, value: Any, path: str) -> bool:
        result = self._resolve(value, path)
        if not isinstance(result, bool):
            raise TemplateError(f"{path}: expected a condition (true/false), got {result!r}")
        return result

    def ref(self, name: Any, path: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"{path}: Ref needs a name, got {name!r}")
        if name in PSEUDO_PARAMETERS:
            return self.pseudo(name)
        if name in self.parameters:
            return copy.deepcopy(self.parameters[name])
        if name in (self.template.get("Parameters") or {}):
            raise TemplateError(f"{path}: parameter {name!r} has no value")
        if self._ref is not None:
            return self._ref(name, path)
        raise TemplateError(f"{path}: Ref to {name!r}: no parameter or resource with that name")

    def getatt(self, logical_id: str, attribute: str, path: str) -> Any:
        if self._getatt is None:
            raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.{attribute}: no resources known")
        return self._getatt(logical_id, attribute, path)

    def _sub(self, arg: Any, path: str) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            text = arg[0]
            variables = self._resolve(arg[1] or {}, path)
            if not isinstance(variables, dict):
                raise TemplateError(f"{path}: the variables of Fn::Sub must be a mapping")
        else:
            raise TemplateError(f"{path}: expected a string or [string, {{variables}}]")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar(variables[name], path)
            if name in PSEUDO_PARAMETERS or name in self.parameters:
                return _scalar(self.ref(name, path), path)
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return _scalar(self.getatt(logical_id, attribute, path), path)
            return _scalar(self.ref(name, path), path)

        return _SUB_VARIABLE.sub(replace, text)


def _scalar(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return str(value)
    raise TemplateError(f"{path}: expected a string, got {value!r}")


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


def check_references(template: Mapping[str, Any], implicit: set[str] | frozenset[str] = frozenset()) -> None:
    """Every Ref / GetAtt / Sub target names a parameter, resource, pseudo parameter or implicit resource.

    Raises `TemplateError` naming the first bad reference and where it is.
    """
    known = set(template.get("Parameters") or {}) | set(template["Resources"]) | set(PSEUDO_PARAMETERS)
    known |= set(implicit)

    def check(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if len(node) == 1:
                key = next(iter(node))
                bad = [
                    name
                    for name in sorted(references(node))
                    if name.split(".", 1)[0] not in known and name not in known
                ]
                if key in ("Ref", "Fn::GetAtt", "Fn::Sub") and bad:
                    raise TemplateError(f"{path}.{key}: {bad[0]!r} is not a parameter or resource of the template")
            for key, item in node.items():
                check(item, f"{path}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                check(item, f"{path}[{i}]")

    for section in ("Resources", "Outputs", "Conditions"):
        for name, body in (template.get(section) or {}).items():
            check(body, f"{section}.{name}")
