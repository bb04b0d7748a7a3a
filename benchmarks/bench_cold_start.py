"""Cold start: import time of every handler module of template.yaml, as a ratio to a bare `import boto3`.

What runs: for each handler module (`Handler: <module>.lambda_handler` of every AWS::Serverless::Function,
deduplicated), a fresh interpreter imports it (sys.path = functions/ and shared/, as the Lambda runtime
and the layer lay them out) with the template Globals environment; the baseline is a fresh interpreter
running `import boto3` in the same run, so the ratio holds across machines. Each module is imported once
first (bytecode cache warm, as in a deployed package), then timed `runs` times, interleaved with the
boto3 baseline (one of each per round); the median ratio is reported. The children inherit
PYTHONDONTWRITEBYTECODE: where it is set (it is on the shared development machine), the warm-up writes no
cache and the project's own modules are compiled at every import while the installed libraries (boto3
included) load their .pyc, so the ratios also count the size of the code a handler imports; a layer
built by `sam build` ships no .pyc either. Compare ratios measured the same way only.

Two environments: `local` (no LAMBDA_TASK_ROOT: Powertools turns tracing off) and `lambda` (LAMBDA_TASK_ROOT
set, as in a deployed function with `Tracing: Active`, so the X-Ray SDK is loaded when the tracer is first
used). The issue's target: the webhook hot path (webhook.handler) at most 2x boto3.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from local.template import load_template

ROOT = Path(__file__).resolve().parent.parent
TARGET_MODULE = "webhook.handler"
TARGET_RATIO = 2.0

_TIMER = (
    "import time, sys\n"
    "started = time.perf_counter()\n"
    "import {module}\n"
    "sys.stdout.write(repr(time.perf_counter() - started))\n"
)


def handler_modules(template_path: Path = ROOT / "template.yaml") -> list[str]:
    template = load_template(template_path)
    modules = set()
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            handler = resource["Properties"]["Handler"]
            modules.add(handler.rsplit(".", 1)[0])
    return sorted(modules)


def _environment(lambda_like: bool) -> dict[str, str]:
    template = load_template(ROOT / "template.yaml")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_LAMBDA", "LAMBDA_"))}
    # Intrinsics (!Ref ...) stand for names resolved at deploy time; a placeholder keeps import-time reads valid.
    env.update({k: (v if isinstance(v, str) else f"bench-{k.lower()}") for k, v in variables.items()})
    env.update({"PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT / "shared")]),
                "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
                "AWS_LAMBDA_FUNCTION_NAME": "bench"})
    if lambda_like:
        env["LAMBDA_TASK_ROOT"] = str(ROOT / "functions")
    return env


def time_import(module: str, env: dict[str, str]) -> float:
    result = subprocess.run([sys.executable, "-c", _TIMER.format(module=module)], env=env, cwd=str(ROOT),
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"importing {module} failed: {result.stderr.strip().splitlines()[-1:]}")
    return float(result.stdout)


def measure(modules: list[str], *, runs: int, lambda_like: bool) -> tuple[dict[str, float], dict[str, float]]:
    """Median import seconds and median ratio to `import boto3` of each module.

    Interleaved: each round imports boto3 and every module once, and a module's ratio is taken against the
    boto3 import of its own round, so a load spike on a shared machine hits both sides of the ratio."""
    env = _environment(lambda_like)
    names = ["boto3", *modules]
    for module in names:
        time_import(module, env)  # warm the bytecode cache
    seconds: dict[str, list[float]] = {m: [] for m in names}
    ratios: dict[str, list[float]] = {m: [] for m in modules}
    for _ in range(runs):
        baseline = time_import("boto3", env)
        seconds["boto3"].append(baseline)
        for module in modules:
            spent = time_import(module, env)
            seconds[module].append(spent)
            ratios[module].append(spent / baseline)
    return ({m: statistics.median(s) for m, s in seconds.items()},
            {m: statistics.median(r) for m, r in ratios.items()})


def run(smoke: bool = False) -> dict[str, dict[str, float]]:
    modules = handler_modules()
    runs = 1 if smoke else 7
    environments = [("local", False)] if smoke else [("local", False), ("lambda", True)]
    results: dict[str, dict[str, float]] = {}
    for label, lambda_like in environments:
        medians, ratios = measure(modules if not smoke else [TARGET_MODULE], runs=runs, lambda_like=lambda_like)
        print(f"environment {label}: median of {runs} interleaved round(s); import boto3 = "
              f"{medians['boto3'] * 1000:.0f} ms")
        print(f"  {'handler module':<22} {'ms':>7} {'x boto3':>8}")
        for module, ratio in ratios.items():
            flag = "  <- target <= 2.0x" if module == TARGET_MODULE else ""
            print(f"  {module:<22} {medians[module] * 1000:>7.0f} {ratio:>8.2f}{flag}")
        results[label] = ratios
    return results


if __name__ == "__main__":
    run(smoke="--smoke" in sys.argv)
