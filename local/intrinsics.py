"""CloudFormation intrinsic functions of template.yaml: what a value refers to, the order resources
must be created in, and `Resolver`, which resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``,
conditions... given the parameter values and the physical ids/attributes of the resources (supplied by
`local.provision`). Anything that does not resolve raises `TemplateError` naming the logical id and the
path inside the template. Loading the YAML and applying Globals is `local.template`.

Size (~430 lines): one resolver of the intrinsic functions, each a short method on the same
resolution state; split by function it would pass that state around.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account
DEFAULT_STACK_NAME = "local-stack"  # callers pass STACK_NAME from stack.env

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


# --------------------------------------------------------------------------------------------- walking


def is_intrinsic(value: Any) -> bool:
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
