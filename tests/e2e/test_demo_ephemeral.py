"""The demo scenarios 10..50 on a whole local stack bound to free ports (`python -m local.demo --ephemeral`):
safe beside `make local` or another demo. Slow (the demo alone takes 60-90 s, more on a loaded machine), so
it lives with the e2e tests (`make e2e`, `make test`), outside the fast suite (`--ignore=tests/e2e`).

Checks what the invoices and shipping scenario (50) promises: a valid NF-e uploaded and accepted (push 36),
the package shipped, its labels in S3 (key and size printed), the tracking on the VTEX invoice, tracking
events after a package update, and a broken NF-e (wrong total) refused before upload with its reason; and
that no secret and no buyer document reaches the report or the function logs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from local.env import stack_env

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("TIKTOK_APP_SECRET", "INTERNAL_WEBHOOK_SECRET", "OAUTH_STATE_SECRET", "VTEX_APP_TOKEN")
BUYER_CPF = "52998224725"  # the TikTok sandbox's default (generated) buyer CPF

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_demo_scenarios_10_to_50_on_an_ephemeral_stack(tmp_path: Path) -> None:
    log = tmp_path / "demo-functions.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run([sys.executable, "-m", "local.demo", "--ephemeral", "--log", str(log)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for title in ("Platform: demo client onboarded", "Seller authorization", "Orders: TikTok -> VTEX",
                  "Stock and prices", "Invoices and shipping"):
        assert title in result.stdout, title
    invoices = result.stdout.split("== Invoices and shipping", 1)[1]
    assert re.search(r"SHIPPING_LABEL: s3://\S+/labels/\S+\.pdf \(\d+ bytes, aws:kms\)", invoices), invoices
    assert "invoice_status SUCCESS" in invoices and "VTEX invoice" in invoices and "trackingNumber BR" in invoices
    assert "push 4 -> syncTracking" in invoices
    assert "refused before upload: rule total, field total/ICMSTot/vNF" in invoices
    logs = log.read_text(encoding="utf-8")
    values = stack_env()
    for key in SECRETS:
        assert values[key] not in output, f"{key} printed by the demo"
        assert values[key] not in logs, f"{key} in the function logs"
    assert BUYER_CPF not in output and BUYER_CPF not in logs
