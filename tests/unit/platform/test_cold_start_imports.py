"""What each handler module loads at import (issue 11, cold start), checked in a fresh interpreter per handler
with the environment benchmarks/bench_cold_start.py uses (sys.path = functions/ and shared/).

- No handler loads the Powertools parser models of event sources this project does not consume (DynamoDB
  streams, Kinesis, Kafka): `batch/types.py` imports them when pydantic is loaded before the batch package,
  so a handler that uses BatchProcessor imports the batch package first.
- No handler loads pydantic-settings (the settings models are plain pydantic, see tiktok_vtex.settings).
- The webhook hot path loads neither the TikTok HTTP client (httpx, tenacity) nor Powertools' AppSync
  resolvers (asyncio) nor the Lambda event data classes: TikTok waits 3 s for the answer.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.bench_cold_start import ROOT, _environment, handler_modules

NEVER = ("aws_lambda_powertools.utilities.parser.models.kafka",
         "aws_lambda_powertools.utilities.parser.models.kinesis",
         "aws_lambda_powertools.utilities.parser.models.dynamodb",
         "pydantic_settings")
NOT_ON_THE_WEBHOOK_HOT_PATH = ("httpx", "tenacity", "tiktok_vtex.clients.tiktok", "asyncio",
                               "aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")
_PROBE = "import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))\n"


def loaded_by(module: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", _PROBE.format(module=module)], env=_environment(False),
                            cwd=str(ROOT), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(result.stdout))


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    return {module: loaded_by(module) for module in handler_modules()}


def test_no_handler_loads_parser_models_it_never_uses_nor_pydantic_settings(loaded: dict[str, set[str]]) -> None:
    assert any("aws_lambda_powertools.utilities.batch" in names for names in loaded.values())
    offenders = {module: sorted(name for name in NEVER if name in names) for module, names in loaded.items()}
    assert {module: names for module, names in offenders.items() if names} == {}


def test_the_webhook_hot_path_loads_only_what_a_push_needs(loaded: dict[str, set[str]]) -> None:
    names = loaded["webhook.handler"]
    assert "tiktok_vtex.webhooks.intake" in names  # the probe did import the handler
    assert sorted(name for name in NOT_ON_THE_WEBHOOK_HOT_PATH if name in names) == []
