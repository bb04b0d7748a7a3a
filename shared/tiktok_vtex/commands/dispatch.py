"""`tiktok-vtex dispatch <operation> <client_hash> [--option ...]`: one legacy backend operation, sent the
way the PHP backend sends it (tiktok_vtex.lambda_tiktok). Options come from each operation's argument model;
a value `@path` reads a file (an NF-e, a feed). The client must exist in ssxml_client; generate-products and
send-product-sandbox take the feed link and warehouse from that row when not given (as the backend does)."""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex.commands.common import Command, OperatorError, StackConfig, add_json_flag, fail, print_json
from tiktok_vtex.lambda_tiktok import OPERATIONS, DispatchError, InvalidArguments, LambdaTiktok

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


def run(args: argparse.Namespace, out: TextIO, *, lambda_client: Any | None = None,
        config: StackConfig | None = None) -> int:
    config = config or StackConfig.from_env()
    try:
        row = None if args.no_client_check else _client_row(args.client_hash, config)
        arguments = _arguments(args, config, row)
        result = LambdaTiktok(config.function_prefix, lambda_client).dispatch(args.operation, **arguments)
    except (OperatorError, InvalidArguments, DispatchError) as error:
        return fail(str(error))
    except (BotoCoreError, ClientError) as error:
        return fail(f"the stack did not answer ({type(error).__name__}: {error}); check AWS credentials, "
                    "AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_LAMBDA and the region")
    if args.json:
        print_json(result.as_dict(), out)
    else:
        print(f"dispatched {result.operation} -> {result.function_name} (InvocationType=Event, "
              f"{result.payload_bytes} bytes: {', '.join(result.payload_keys)})", file=out)
        print("the function runs asynchronously: follow it with `tiktok-vtex history` / `tiktok-vtex status`; "
              "a failure lands in the async failure queue (`tiktok-vtex dlq list`)", file=sys.stderr)
    return 0


COMMANDS: list[Command] = [
    ("dispatch", "send one legacy backend operation (LambdaTiktok) to its function", _configure, run),
]
