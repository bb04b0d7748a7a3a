"""`make demo` end to end: the whole local stack on its stack.env ports, every scenario, a clean stop.

One test on purpose: the demo is the e2e scenario, and running it here keeps it honest. It also checks
that no secret of local/stack.env, no token or auth code and no buyer CPF reaches the printed report or the
function logs (local.chaos.leaks).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from local.chaos import leaks
from local.env import stack_env

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("TIKTOK_APP_SECRET", "INTERNAL_WEBHOOK_SECRET", "OAUTH_STATE_SECRET", "VTEX_APP_TOKEN")

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]


def test_demo_runs_every_scenario_and_leaks_no_secret() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run([sys.executable, "-m", "local.demo"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=1500, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Demo finished" in result.stdout
    sections = ("Platform: demo client onboarded", "Seller authorization", "Orders: TikTok -> VTEX", "Stock and prices",
                "Invoices and shipping", "VTEX side of orders", "Near-real-time stock and price", "Catalog listing",
                "Catalog updates", "Operations")
    for title in sections:
        assert title in result.stdout, title
    # what the invoices and shipping scenario (50) promises
    invoices = result.stdout.split("== Invoices and shipping", 1)[1].split("\n== ", 1)[0]
    assert re.search(r"SHIPPING_LABEL: s3://\S+/labels/\S+\.pdf \(\d+ bytes, aws:kms\)", invoices), invoices
    assert "invoice_status SUCCESS" in invoices and "VTEX invoice" in invoices and "trackingNumber BR" in invoices
    assert "push 4 -> syncTracking" in invoices
    assert "refused before upload: rule total, field total/ICMSTot/vNF" in invoices
    logs = (ROOT / ".local-run" / "demo-functions.log").read_text(encoding="utf-8")
    values = stack_env()
    for key in SECRETS:
        assert values[key] not in output, f"{key} printed by the demo"
        assert values[key] not in logs, f"{key} in the function logs"
    # the leak scanner of the chaos suite (local/chaos/leaks.py): stack.env's secrets, any TikTok token or
    # auth code shape, the sandbox buyer's CPF, in every function log line and in the printed report
    issued = leaks.issued_from_stack_env(values)
    scanned = leaks.scan_file(ROOT / ".local-run" / "demo-functions.log", issued)
    leaks.scan([("demo output", line) for line in output.splitlines()], issued, report=scanned)
    assert scanned.lines > 0 and not scanned.findings, scanned.findings[:10]
