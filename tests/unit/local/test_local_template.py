"""local.template: short-form tags, Globals, parameters, intrinsic resolution and its errors (no AWS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.template import (
    NO_VALUE,
    Resolver,
    TemplateError,
    check_references,
    dependency_order,
    load_template,
    parameters_from_stack_env,
    parse_template,
    resolve_parameters,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "runtime" / "template.yaml"

TAGS = """
Resources:
  Thing:
    Type: AWS::SQS::Queue
    Properties:
      A: !Ref Param
      B: !GetAtt Other.Arn
      C: !Sub "${AWS::Region}-x"
      D: !Join [",", [a, b]]
      E: !If [Cond, x, y]
      F: !Equals [a, b]
      G: !Not [!Condition Cond]
      H: !And [!Condition Cond, !Condition Cond]
      I: !Or [!Condition Cond, !Condition Cond]
      J: !Select [0, [a]]
      K: !Split [",", "a,b"]
      L: !FindInMap [M, k, v]
      M: !ImportValue exported
      N: !Base64 text
      O: !GetAZs ""
      P: !GetAtt [Other, Arn]
      Q: !Sub ["${x}", {x: !Ref Param}]
"""


def test_short_form_tags_become_long_form() -> None:
    props = parse_template(TAGS)["Resources"]["Thing"]["Properties"]
    assert props["A"] == {"Ref": "Param"}
    assert props["B"] == {"Fn::GetAtt": ["Other", "Arn"]}
    assert props["P"] == {"Fn::GetAtt": ["Other", "Arn"]}
    assert props["C"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["D"] == {"Fn::Join": [",", ["a", "b"]]}
    assert props["E"] == {"Fn::If": ["Cond", "x", "y"]}
    assert props["F"] == {"Fn::Equals": ["a", "b"]}
    assert props["G"] == {"Fn::Not": [{"Condition": "Cond"}]}
    assert props["H"] == {"Fn::And": [{"Condition": "Cond"}, {"Condition": "Cond"}]}
    assert props["I"] == {"Fn::Or": [{"Condition": "Cond"}, {"Condition": "Cond"}]}
    assert props["J"] == {"Fn::Select": [0, ["a"]]}
    assert props["K"] == {"Fn::Split": [",", "a,b"]}
    assert props["L"] == {"Fn::FindInMap": ["M", "k", "v"]}
    assert props["M"] == {"Fn::ImportValue": "exported"}
    assert props["N"] == {"Fn::Base64": "text"}
    assert props["O"] == {"Fn::GetAZs": ""}
    assert props["Q"] == {"Fn::Sub": ["${x}", {"x": {"Ref": "Param"}}]}


def test_globals_are_merged_into_functions() -> None:
    template = load_template(FIXTURE)
    jobs = template["Resources"]["JobsFunction"]["Properties"]
    slow = template["Resources"]["SlowFunction"]["Properties"]
    assert jobs["Runtime"] == "python3.12" and jobs["CodeUri"] == "functions/"
    assert jobs["Timeout"] == 5 and slow["Timeout"] == 1  # the function wins over Globals
    assert set(jobs["Environment"]["Variables"]) == {"GREETING", "EVENTS_TABLE", "MODE", "SLOW_FUNCTION"}
    assert slow["Layers"] == [{"Ref": "LibLayer"}]
    assert template["__dir__"] == str(FIXTURE.parent)


def test_globals_lists_concatenate_and_unknown_section_is_rejected() -> None:
    text = """
Globals:
  Function:
    Layers: [!Ref A]
    Tags: {team: x, env: g}
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Layers: [!Ref B]
      Tags: {env: f}
"""
    props = parse_template(text)["Resources"]["F"]["Properties"]
    assert props["Layers"] == [{"Ref": "A"}, {"Ref": "B"}]
    assert props["Tags"] == {"team": "x", "env": "f"}
    with pytest.raises(TemplateError, match=r"Globals\.Nope"):
        parse_template("Globals: {Nope: {}}\nResources: {F: {Type: AWS::SNS::Topic}}")


def test_template_without_resources_or_types_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no Resources"):
        parse_template("Parameters: {}")
    with pytest.raises(TemplateError, match=r"Resources\.X has no Type"):
        parse_template("Resources: {X: {Properties: {}}}")
    with pytest.raises(TemplateError, match="cannot read template"):
        load_template(tmp_path / "missing.yaml")


def _resolver(template: dict[str, Any], given: dict[str, str] | None = None) -> Resolver:
    resources = {"Queue": "https://q", "Fn": "my-fn"}
    attributes = {("Queue", "Arn"): "arn:aws:sqs:us-east-1:123456789012:q", ("Fn", "Arn"): "arn:fn"}

    def ref(logical_id: str, path: str) -> str:
        if logical_id in resources:
            return resources[logical_id]
        raise TemplateError(f"{path}: Ref to {logical_id!r}: no parameter or resource with that name")

    def getatt(logical_id: str, attribute: str, path: str) -> str:
        if (logical_id, attribute) in attributes:
            return attributes[(logical_id, attribute)]
        raise TemplateError(f"{path}: Fn::GetAtt {logical_id}.{attribute} does not resolve")

    return Resolver(
        template,
        resolve_parameters(template, given),
        region="us-east-1",
        stack_name="st",
        ref=ref,
        getatt=getatt,
    )


BASE = parse_template(
    """
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Name: {Type: String, Default: shop}
  Count: {Type: Number, Default: 3}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  Sizes: {dev: {mem: 128}, prod: {mem: 1024}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [!Ref Name, shop]]
  Either: !Or [!Condition IsProd, !Equals [!Ref Name, other]]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Fn: {Type: AWS::Serverless::Function}
"""
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Name"}, "shop"),
        ({"Ref": "Count"}, "3"),
        ({"Ref": "Zones"}, ["a", "b"]),
        ({"Ref": "Queue"}, "https://q"),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "AWS::StackName"}, "st"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:q"),
        (
            {"Fn::Sub": "${Name}-${AWS::Region}-${Queue.Arn}-${Fn}"},
            "shop-us-east-1-arn:aws:sqs:us-east-1:123456789012:q-my-fn",
        ),
        ({"Fn::Sub": "${!Literal}-${Name}"}, "${Literal}-shop"),
        ({"Fn::Sub": ["${x}/${Name}", {"x": {"Ref": "Fn"}}]}, "my-fn/shop"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Name"}, 1]]}, "a-shop-1"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["Both", "yes", "no"]}, "yes"),
        ({"Fn::If": ["Either", "yes", "no"]}, "no"),
        ({"Fn::Equals": [{"Ref": "Count"}, 3]}, True),
        ({"Fn::Not": [{"Fn::Equals": ["a", "a"]}]}, False),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
        ({"Fn::Select": ["0", {"Ref": "Zones"}]}, "a"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "mem"]}, 128),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
        ({"k": {"Ref": "AWS::NoValue"}, "j": 1}, {"j": 1}),
        ([1, {"Ref": "AWS::NoValue"}, 2], [1, 2]),
    ],
)
def test_intrinsics_resolve(value: Any, expected: Any) -> None:
    assert _resolver(BASE).resolve(value, "Test") == expected


def test_parameters_given_override_defaults_and_conditions_follow() -> None:
    resolver = _resolver(BASE, {"Env": "prod"})
    assert resolver.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert resolver.resolve({"Ref": "AWS::NoValue"}) is None
    assert resolver.pseudo("AWS::NoValue") is NO_VALUE


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"Env": "staging"}, r"Parameters\.Env: 'staging' is not one of the AllowedValues"),
        ({"Count": "many"}, r"Parameters\.Count: 'many' is not a Number"),
        ({"Unknown": "x"}, "unknown template parameter"),
    ],
)
def test_bad_parameter_values_are_rejected(given: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        resolve_parameters(BASE, given)


def test_parameter_without_default_needs_a_value() -> None:
    template = parse_template("Parameters: {Key: {Type: String}}\nResources: {T: {Type: AWS::SNS::Topic}}")
    with pytest.raises(TemplateError, match=r"Parameters\.Key: no value given and no Default"):
        resolve_parameters(template)
    assert resolve_parameters(template, {"Key": "v"}) == {"Key": "v"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Missing"}, r"Resources\.X\.Properties\.A\.Ref: Ref to 'Missing'"),
        ({"Fn::GetAtt": ["Queue", "Nope"]}, r"Resources\.X\.Properties\.A\.Fn::GetAtt: Fn::GetAtt Queue\.Nope"),
        ({"Fn::Sub": "${Ghost}"}, r"Ref to 'Ghost'"),
        ({"Fn::If": ["NoSuchCondition", 1, 2]}, "no condition named 'NoSuchCondition'"),
        ({"Fn::Select": [5, ["a"]]}, "out of range"),
        ({"Fn::FindInMap": ["Sizes", "qa", "mem"]}, r"Mappings\.Sizes\.qa\.mem does not exist"),
        ({"Fn::ImportValue": "shared-vpc"}, "cannot be resolved locally"),
        ({"Fn::Join": ["-", "notalist"]}, "must be a list"),
        ({"Fn::Transform": {}}, "unsupported intrinsic function Fn::Transform"),
    ],
)
def test_unresolvable_references_name_the_place(value: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        _resolver(BASE).resolve(value, "Resources.X.Properties.A")


def test_check_references_finds_typos_statically() -> None:
    template = parse_template(
        """
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          OK: !Ref Table
          ROLE: !GetAtt FnRole.Arn
          BAD: !Sub "${Tabel}-x"
"""
    )
    with pytest.raises(TemplateError, match=r"Resources\.Fn\.Properties\.Environment\.Variables\.BAD.*'Tabel'"):
        check_references(template, implicit={"FnRole"})
    template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["BAD"] = {"Fn::Sub": "${Table}"}
    check_references(template, implicit={"FnRole"})


def test_dependency_order_puts_referenced_resources_first_and_detects_cycles() -> None:
    template = load_template(FIXTURE)
    order = dependency_order(template)
    assert order.index("WorkDLQ") < order.index("WorkQueue")
    assert order.index("DataKey") < order.index("EventsTable") < order.index("HttpFunction")
    cyclic = parse_template(
        """
Resources:
  A: {Type: AWS::SQS::Queue, Properties: {X: !GetAtt B.Arn}}
  B: {Type: AWS::SQS::Queue, Properties: {X: !Ref A}}
"""
    )
    with pytest.raises(TemplateError, match="circular dependency"):
        dependency_order(cyclic)
    with pytest.raises(TemplateError, match=r"DependsOn: no resource named 'Ghost'"):
        dependency_order(parse_template("Resources: {A: {Type: AWS::SNS::Topic, DependsOn: Ghost}}"))


def test_parameters_from_stack_env_reads_the_metadata_mapping() -> None:
    template = load_template(FIXTURE)
    assert parameters_from_stack_env(template, {"TEST_GREETING": "oi", "OTHER": "x"}) == {"Greeting": "oi"}
    with pytest.raises(TemplateError, match=r"stack\.env has no TEST_GREETING \(for parameter Greeting\)"):
        parameters_from_stack_env(template, {})
    template["Metadata"]["tiktok-vtex/local"]["ParameterEnv"]["Nope"] = "X"
    with pytest.raises(TemplateError, match="declares no such parameter"):
        parameters_from_stack_env(template, {"TEST_GREETING": "oi", "X": "1"})


def test_repository_template_maps_every_listed_stack_env_key() -> None:
    from local.env import stack_env

    root = Path(__file__).resolve().parents[3]
    template = load_template(root / "template.yaml")
    parameters = parameters_from_stack_env(template, stack_env())
    resolve_parameters(template, parameters)  # AllowedValues etc. hold for the local values
