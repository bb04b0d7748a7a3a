"""`tiktok-vtex history order|sku|product <id> --client <hash>`: one entity's timeline across the legacy log
tables and its current record (tiktok_vtex.operations.history)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex.commands.common import ATTENTION, OK, Command, StackConfig, add_json_flag, date, fail, print_json
from tiktok_vtex.operations.history import LOG_SOURCES, History
from tiktok_vtex.repositories.logs import LogRepository


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("entity", choices=sorted(LOG_SOURCES), help="what the id names")
    parser.add_argument("id", help="TikTok order id, seller SKU or TikTok product id")
    parser.add_argument("--client", required=True, help="the client (client_hash) the entity belongs to")
    parser.add_argument("--days", type=int, default=None,
                        help="also read the client's log entries of the last N days (entries older than the "
                             "by_subject index)")
    add_json_flag(parser)


def history_for(config: StackConfig) -> History:
    logs = {name: LogRepository(table) for name, table in config.log_tables.items()}
    return History(logs, orders_table=config.orders_table, skus_table=config.skus_table)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _value(value: Any, key: str = "") -> str:
    if key.endswith(("_at", "_time", "_until")) and isinstance(value, int | float) and 1e9 < value < 1e10:
        return date(value)
    return json.dumps(value, default=str, separators=(",", ":")) if isinstance(value, dict | list) else str(value)


def print_timeline(timeline: Any, out: TextIO) -> None:
    print(f"{timeline.entity} {timeline.subject} (client {timeline.client_hash})", file=out)
    for record in timeline.records:
        fields = {k: v for k, v in record.items() if k not in {"table"}}
        print(f"  now in {record['table']}: " + ", ".join(f"{k}={_value(v, k)}" for k, v in fields.items()), file=out)
    for entry in timeline.entries:
        details = ", ".join(f"{k}={_value(v, k)}" for k, v in sorted(entry["details"].items()))
        print(f"  {_when(entry['at_ms'])}  {entry['table']:22} {entry['kind']:28} {details}", file=out)
    if not timeline.found:
        print("  nothing recorded", file=out)


def run(args: argparse.Namespace, out: TextIO, *, config: StackConfig | None = None,
        history: History | None = None) -> int:
    config = config or StackConfig.from_env()
    try:
        timeline = (history or history_for(config)).timeline(args.entity, args.client, args.id, days=args.days)
    except (BotoCoreError, ClientError) as error:
        return fail(f"the stack did not answer ({type(error).__name__}: {error}); check AWS credentials, "
                    "AWS_ENDPOINT_URL and the region")
    if args.json:
        print_json(timeline.as_dict(), out)
    else:
        print_timeline(timeline, out)
    return OK if timeline.found else ATTENTION


COMMANDS: list[Command] = [
    ("history", "one order's, SKU's or product's timeline across the log tables and its record", _configure, run),
]
