"""Operations: what an operator sees after the other scenarios, through the real CLI (`tiktok-vtex`, run as a
process with the stack's endpoints in its environment, as on a laptop pointed at AWS): the DLQs, the status
report of every client, the hourly late-sync check, and one order's history across the log tables with both
sides' statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from boto3.dynamodb.conditions import Key

from local.demo.context import DemoContext


def operator_env(ctx: DemoContext) -> dict[str, str]:
    """An operator's shell: AWS endpoint and credentials, the stack's prefixes. Nothing else."""
    env = ctx.env
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT")}
    return {**keep, "AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"],
            "AWS_ENDPOINT_URL_LAMBDA": env["AWS_ENDPOINT_URL_LAMBDA"],
            "AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"],
            "AWS_REGION": env["AWS_REGION"], "AWS_DEFAULT_REGION": env["AWS_REGION"],
            "FUNCTION_PREFIX": env["FUNCTION_PREFIX"], "TABLE_PREFIX": env["TABLE_PREFIX"],
            "VTEX_SECRET_PREFIX": env["STACK_NAME"]}


def cli(ctx: DemoContext, *args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "tiktok_vtex.cli", *args], env=operator_env(ctx),
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode == 2:  # could not run: the report says why
        ctx.expect(False, f"tiktok-vtex {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.returncode, done.stdout


def _an_order(ctx: DemoContext) -> dict[str, Any] | None:
    items = ctx.table("OrdersTable").query(KeyConditionExpression=Key("client_hash").eq(ctx.client_hash))["Items"]
    placed = [i for i in items if i.get("vtex_order")]
    return (placed or items or [None])[0]


def run(ctx: DemoContext) -> None:
    ctx.section("Operations: DLQs, status report, one order's history (tiktok-vtex CLI)")

    status, out = cli(ctx, "dlq", "list", "--json")
    dlqs = json.loads(out)["dlqs"]
    ctx.expect(len(dlqs) >= 9, f"expected every DLQ of the template, got {len(dlqs)}")
    waiting = {d["name"]: d["depth"] for d in dlqs if d["depth"]}
    ctx.report(f"$ tiktok-vtex dlq list: {len(dlqs)} DLQs, "
               + (", ".join(f"{n} {d}" for n, d in waiting.items()) if waiting else "all empty"))

    status, out = cli(ctx, "status", ctx.client_hash)
    ctx.report(f"$ tiktok-vtex status {ctx.client_hash}   (exit {status}: "
               f"{'attention needed' if status else 'all well'})")
    for line in out.rstrip().splitlines():
        ctx.report(f"  {line}")
    report = json.loads(cli(ctx, "status", ctx.client_hash, "--json")[1])
    client = report["clients"][0]
    ctx.expect(client["auth"]["status"] == "token_generated", "the status report does not see the authorization")
    ctx.expect(client["syncs"]["stock"]["last_at"] is not None, "the status report found no stock sync")

    # the hourly late-sync check behind StockSyncLateAlarm / PriceSyncLateAlarm / CatalogSyncLateAlarm
    checked = ctx.invoke("OPS-sync-check", {})["body"]
    ctx.report(f"OPS-sync-check: {checked['checked']} active client(s), late: "
               + ", ".join(f"{sync} {len(late)}" for sync, late in checked["late"].items()))
    ctx.expect(ctx.client_hash not in checked["late"]["stock"], "the sync check finds the demo's stock sync late")

    order = _an_order(ctx)
    ctx.expect(order is not None, "no order of the demo client to show")
    assert order is not None
    status, out = cli(ctx, "history", "order", order["order_id"], "--client", ctx.client_hash)
    ctx.expect(status == 0, f"no history for order {order['order_id']}")
    ctx.report(f"$ tiktok-vtex history order {order['order_id']} --client {ctx.client_hash}")
    for line in out.rstrip().splitlines():
        ctx.report(f"  {line}")
