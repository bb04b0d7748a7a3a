"""`tiktok-vtex status [client_hash]`: per client, authorization and token expiry, last stock / price / catalog
sync and lag, orders in ERROR or stuck, invoices waiting for push 36; the stack's DLQ depth. Exit 1 when
something needs attention (cron-friendly), 0 when all is well, 2 when the command could not run."""

from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex import aws
from tiktok_vtex.commands.common import (
    ATTENTION,
    OK,
    Command,
    StackConfig,
    add_json_flag,
    date,
    duration,
    fail,
    print_json,
)
from tiktok_vtex.operations.dlq import DeadLetterQueues
from tiktok_vtex.operations.status import ClientStatus, StatusSources, Thresholds, client_hashes, client_status
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.repositories.tokens import TokenRepository


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_hash", nargs="?", help="one client (default: every linked client)")
    parser.add_argument("--stuck-minutes", type=int, default=30, help="orders unchanged this long are stuck")
    parser.add_argument("--sync-lag-hours", type=float, default=26, help="stock/price syncs older than this are late")
    parser.add_argument("--catalog-lag-hours", type=float, default=48,
                        help="a catalog run (feed listed or compared) older than this is late")
    add_json_flag(parser)


def sources_for(config: StackConfig) -> StatusSources:
    return StatusSources(clients=ClientRepository(config.client_table, config.client_tiktok_table),
                         tokens=TokenRepository(config.token_table), orders=OrderRepository(config.orders_table),
                         logs={name: LogRepository(table) for name, table in config.log_tables.items()})


def _print_client(status: ClientStatus, now: int, out: TextIO) -> None:
    auth = status.auth
    flag = "ATTENTION" if status.attention else "ok"
    print(f"client {status.client_hash}  [{flag}]", file=out)
    print(f"  authorization   {auth['status']}  shop {auth.get('shop_id') or '-'} '{auth.get('shop_name') or ''}'",
          file=out)
    print(f"  tokens          access expires {date(auth.get('access_token_expires_at'))}, refresh expires "
          f"{date(auth.get('refresh_token_expires_at'))}, renewal {auth.get('renewal') or '-'}", file=out)
    for name, sync in status.syncs.items():
        last = f"{date(sync['last_at'])} ({duration(sync['lag_seconds'])} ago)" if sync["last_at"] else "none found"
        print(f"  last {name:10} {last}{'  LATE' if sync['late'] else ''}", file=out)
    print(f"  orders ERROR    {len(status.orders_error)}"
          + "".join(f"\n    {o['order_id']}: {o['error_code']} {o['error_reason']}" for o in status.orders_error[:10]),
          file=out)
    print(f"  orders stuck    {len(status.orders_stuck)}"
          + "".join(f"\n    {o['order_id']}: {o['sync_state']} for {o['minutes']} min"
                    for o in status.orders_stuck[:10]),
          file=out)
    print(f"  push 36 missing {len(status.invoices_waiting)}"
          + "".join(f"\n    {o['order_id']} package {o['package_id']}: {o['minutes']} min"
                    for o in status.invoices_waiting[:10]), file=out)
    for item in status.attention:
        print(f"  ! {item}", file=out)


def run(args: argparse.Namespace, out: TextIO, *, config: StackConfig | None = None,
        sources: StatusSources | None = None, sqs: Any | None = None, clock: Any = time.time) -> int:
    config = config or StackConfig.from_env()
    now = int(clock())
    thresholds = Thresholds(stuck_seconds=args.stuck_minutes * 60, sync_lag_seconds=int(args.sync_lag_hours * 3600),
                            catalog_lag_seconds=int(args.catalog_lag_hours * 3600))
    try:
        sources = sources or sources_for(config)
        if args.client_hash:
            if sources.clients.get_shop_link(args.client_hash) is None and \
                    sources.clients.get_client(args.client_hash) is None:
                return fail(f"client {args.client_hash} is unknown (not in {config.client_table} nor "
                            f"{config.client_tiktok_table}); see `tiktok-vtex client list`")
            hashes = [args.client_hash]
        else:
            hashes = client_hashes(sources.clients)
        statuses = [client_status(sources, h, now=now, thresholds=thresholds) for h in hashes]
        dlqs = DeadLetterQueues(config.function_prefix, sqs or aws.client("sqs")).discover(peek=False)
    except (BotoCoreError, ClientError) as error:
        return fail(f"the stack did not answer ({type(error).__name__}: {error}); check AWS credentials, "
                    "AWS_ENDPOINT_URL and the region")
    waiting = {d.name: d.depth for d in dlqs if d.depth}
    attention = any(s.attention for s in statuses) or bool(waiting)
    if args.json:
        print_json({"generated_at": now, "attention": attention, "clients": [s.as_dict() for s in statuses],
                    "dlq_depth": {d.name: d.depth for d in dlqs}}, out)
    else:
        print(f"status at {date(now)}: {len(statuses)} client(s)", file=out)
        for status in statuses:
            _print_client(status, now, out)
        total = sum(waiting.values())
        print(f"DLQs: {total} message(s)" + "".join(f"\n  {name}: {depth}" for name, depth in sorted(waiting.items()))
              + ("\n  ! inspect with `tiktok-vtex dlq show <queue>`, replay with `tiktok-vtex dlq replay`"
                 if total else ""), file=out)
    return ATTENTION if attention else OK


COMMANDS: list[Command] = [
    ("status", "per-client health (auth, syncs, orders, invoices) and DLQ depth; exit 1 when attention is needed",
     _configure, run),
]
