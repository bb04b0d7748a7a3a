"""The repository's structural promises: layer deps in sync, template clean, no stack.env values in code."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from local.env import parse_stack_env, stack_env

ROOT = Path(__file__).resolve().parents[3]


def test_layer_requirements_match_project_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [line.strip() for line in (ROOT / "shared/requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert sorted(project) == sorted(layer)


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(ROOT / "template.yaml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_function_follows_the_naming_and_layout_contract(template) -> None:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        assert props["FunctionName"]["Fn::Sub"].startswith("${FunctionPrefix}"), logical_id
        module = props["Handler"].rsplit(".", 1)[0]
        assert (ROOT / "functions" / (module.replace(".", "/") + ".py")).is_file(), logical_id


def test_no_stack_env_value_is_repeated_in_code() -> None:
    """Secrets, ports and demo ids of local/stack.env live there only (tests/docs may read the file)."""
    generic = {"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "FUNCTION_PREFIX", "TABLE_PREFIX"}
    values = {v for k, v in stack_env().items() if len(v) >= 8 and not v.startswith("http") and k not in generic}
    offenders = []
    code = [*ROOT.glob("shared/**/*.py"), *ROOT.glob("functions/**/*.py"), *ROOT.glob("local/**/*.py")]
    for path in code:
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {v}" for v in values if v in text]
    assert offenders == [], "\n".join(offenders)


def test_stack_env_interpolation_and_errors() -> None:
    assert parse_stack_env("A=1\nB=http://x:${A}\n") == {"A": "1", "B": "http://x:1"}
    import pytest

    from local.env import StackEnvError

    with pytest.raises(StackEnvError, match=r"\$\{C\} is not defined"):
        parse_stack_env("B=${C}\n")
    with pytest.raises(StackEnvError, match=":1: expected KEY=VALUE"):
        parse_stack_env("not a pair\n")
    assert re.match(r"^\d+$", stack_env()["API_PORT"])


def test_every_queue_sender_may_use_the_queue_key(template) -> None:
    """Our queues are SSE-KMS with DataKey: SendMessage fails without kms:GenerateDataKey on it."""
    missing = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        policies = resource["Properties"].get("Policies", [])
        sends = any(isinstance(p, dict) and "SQSSendMessagePolicy" in p for p in policies)
        actions = [a for p in policies if isinstance(p, dict) for s in p.get("Statement", [])
                   for a in (s.get("Action") if isinstance(s.get("Action"), list) else [s.get("Action")])]
        if sends and "kms:GenerateDataKey" not in actions:
            missing.append(logical_id)
    assert missing == []


def test_containers_of_a_function_share_tiktoks_50_qps(template) -> None:
    """A function scaled to N containers must give each at most 50/N QPS (no shared limiter yet). A FIFO
    queue grouped per shop runs one container per shop: tests/unit/platform/test_rate_limit_shares.py."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        qps = float(props.get("Environment", {}).get("Variables", {}).get("TIKTOK_QPS_PER_CONTAINER", 50))
        for event in props.get("Events", {}).values():
            scaling = event.get("Properties", {}).get("ScalingConfig", {})
            queue = (event.get("Properties", {}).get("Queue") or {}).get("Fn::GetAtt", [None])[0]
            if queue and template["Resources"][queue]["Properties"].get("FifoQueue") in (True, "true"):
                continue
            if "MaximumConcurrency" in scaling:
                assert qps * int(scaling["MaximumConcurrency"]) <= 50, logical_id
