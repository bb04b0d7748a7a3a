"""`tiktok-vtex dispatch <operation> <client_hash> [--option ...]`: one legacy backend operation, sent the
way the PHP backend sends it (tiktok_vtex.lambda_tiktok). Options come from each operation's argument model;
a value `@path` reads a file (an NF-e, a feed). The client must exist in ssxml_client; generate-products and
send-product-sandbox take the feed link and warehouse from that row when not given (as the backend does)."""

from __future__ import annotations

import argparse
import sys
import time
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex.commands.common import Command, OperatorError, StackConfig, add_json_flag, fail, print_json
from tiktok_vtex.lambda_tiktok import OPERATIONS, DispatchError, InvalidArguments, LambdaTiktok

# Fan-outs whose progress shows in a log table: operation -> (legacy log table, done kind, failed kind). Unchanged
# SKUs write nothing (diff-only), so the end of a run is when entries stop arriving, not a total.
FOLLOWED: dict[str, tuple[str, str, str]] = {
    "prepare-stock": ("TikTokLogStock", "stock_update", "stock_update_failed"),
    "prepare-list-price": ("TikTokLogPrice", "price_update", "price_update_failed"),
}
_FROM_CLIENT_ROW = {"url": "tik_tok_shop_feed_link", "warehouse_id": "tik_tok_shop_warehouse_id"}


def _option(field: str) -> str:
    return "--" + field.replace("_", "-")


def _configure(parser: argparse.ArgumentParser) -> None:
    ops = parser.add_subparsers(dest="operation", required=True, metavar="<operation>")
    for name, op in sorted(OPERATIONS.items()):
        sub = ops.add_parser(name, help=op.summary,
                             description=f"{op.summary}. Invokes <prefix>{op.function} (InvocationType=Event) with the "
                                         f"payload of the backend's {op.legacy_method}."
                                         + ("" if op.documented else " The legacy doc names the arguments only; "
                                            "the payload is our reading of them."))
        sub.add_argument("client_hash", help="the client (ssxml_client.client_hash)")
        for field, info in op.args.model_fields.items():
            if field == "client_hash":
                continue
            required = info.is_required() and field not in _FROM_CLIENT_ROW
            kind = typing.get_origin(info.annotation) or info.annotation
            help_text = (info.description or field.replace("_", " "))
            if field in _FROM_CLIENT_ROW:
                help_text += f" (default: ssxml_client.{_FROM_CLIENT_ROW[field]})"
            if kind is list:
                sub.add_argument(_option(field), dest=field, nargs="+", help=help_text)
            elif "int" in str(info.annotation):
                sub.add_argument(_option(field), dest=field, type=int, help=help_text)
            else:
                sub.add_argument(_option(field), dest=field, required=required,
                                 help=help_text + (" (@path reads a file)" if field.endswith("_xml") else ""))
        sub.add_argument("--no-client-check", action="store_true",
                         help="do not require the client in ssxml_client")
        if name in FOLLOWED:
            sub.add_argument("--follow", action="store_true",
                             help=f"report progress from {FOLLOWED[name][0]} until it is quiet (fan-outs)")
            sub.add_argument("--quiet-seconds", type=float, default=30,
                             help="--follow stops after this long without a new entry (default 30)")
            sub.add_argument("--timeout", type=float, default=900, help="--follow stops after this long (900)")
        add_json_flag(sub)


def _read(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise OperatorError(f"cannot read {path}: {error.strerror}") from None
    return value


def _arguments(args: argparse.Namespace, config: StackConfig, client_row: dict[str, Any] | None) -> dict[str, Any]:
    op = OPERATIONS[args.operation]
    arguments: dict[str, Any] = {"client_hash": args.client_hash}
    for field in op.args.model_fields:
        if field == "client_hash":
            continue
        value = _read(getattr(args, field, None))
        if value is None and field in _FROM_CLIENT_ROW and client_row is not None:
            value = client_row.get(_FROM_CLIENT_ROW[field])
        if value is not None:
            arguments[field] = value
    return arguments


def _client_row(client_hash: str, config: StackConfig) -> dict[str, Any]:
    from tiktok_vtex.repositories.base import DynamoTable

    row = DynamoTable(config.client_table).get({"client_hash": client_hash})
    if row is None:
        raise OperatorError(f"client {client_hash} is not in {config.client_table}; onboard it first "
                            "(tiktok-vtex client add) or pass --no-client-check")
    return row


def follow(client_hash: str, operation: str, config: StackConfig, out: TextIO, *, since: float,
           quiet_seconds: float, timeout: float, clock: Callable[[], float] = time.time,
           sleep: Callable[[float], None] = time.sleep, interval: float = 2.0) -> dict[str, int]:
    """Counts the fan-out's log entries (SKUs done / failed) written since `since`, printing each change."""
    from tiktok_vtex.repositories.logs import LogRepository

    table, done_kind, failed_kind = FOLLOWED[operation]
    log = LogRepository(config.log_tables[table])
    done: set[str] = set()
    failed: set[str] = set()
    started, last_change = clock(), clock()
    while True:
        before = (len(done), len(failed))
        for entry in log.entries(client_hash, since_ms=int(since * 1000)):
            if entry.get("kind") == done_kind:
                done.add(entry["subject"])
                failed.discard(entry["subject"])
            elif entry.get("kind") == failed_kind and entry["subject"] not in done:
                failed.add(entry["subject"])
        now = clock()
        if (len(done), len(failed)) != before:
            last_change = now
            print(f"  {int(now - started):>4}s  {len(done)} SKU(s) updated, {len(failed)} failed", file=out)
        if now - last_change >= quiet_seconds or now - started >= timeout:
            break
        sleep(interval)
    print(f"{operation}: {len(done)} SKU(s) updated, {len(failed)} failed (unchanged SKUs are not sent); "
          f"{'quiet' if now - last_change >= quiet_seconds else 'timeout'} after {int(now - started)}s", file=out)
    return {"updated": len(done), "failed": len(failed)}


def run(args: argparse.Namespace, out: TextIO, *, lambda_client: Any | None = None,
        config: StackConfig | None = None, clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep) -> int:
    config = config or StackConfig.from_env()
    started = clock()
    try:
        row = None if args.no_client_check else _client_row(args.client_hash, config)
        arguments = _arguments(args, config, row)
        result = LambdaTiktok(config.function_prefix, lambda_client).dispatch(args.operation, **arguments)
    except (OperatorError, InvalidArguments, DispatchError) as error:
        return fail(str(error))
    except (BotoCoreError, ClientError) as error:
        return fail(f"the stack did not answer ({type(error).__name__}: {error}); check AWS credentials, "
                    "AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_LAMBDA and the region")
    document = result.as_dict()
    if args.json and not getattr(args, "follow", False):
        print_json(document, out)
        return 0
    if not args.json:
        print(f"dispatched {result.operation} -> {result.function_name} (InvocationType=Event, "
              f"{result.payload_bytes} bytes: {', '.join(result.payload_keys)})", file=out)
    if getattr(args, "follow", False):
        try:
            progress = follow(args.client_hash, args.operation, config, sys.stderr if args.json else out,
                              since=started - 1, quiet_seconds=args.quiet_seconds, timeout=args.timeout,
                              clock=clock, sleep=sleep)
        except (BotoCoreError, ClientError) as error:
            return fail(f"dispatched, but the progress could not be read ({type(error).__name__}: {error})")
        document["progress"] = progress
        if args.json:
            print_json(document, out)
        return 1 if progress["failed"] else 0
    print("the function runs asynchronously: follow it with --follow (stock, prices), `tiktok-vtex history` / "
          "`tiktok-vtex status`; a failure lands in the async failure queue (`tiktok-vtex dlq list`)", file=sys.stderr)
    return 0


COMMANDS: list[Command] = [
    ("dispatch", "send one legacy backend operation (LambdaTiktok) to its function", _configure, run),
]
