"""What every operator command shares: the stack it talks to (from the environment, like the functions)
and how it prints (aligned text for people, --json for scripts).

No rich/click: this package ships in the Lambda layer, and rich (with pygments and markdown-it, ~5 MB)
would grow every function's layer for tables that `table()` below prints; argparse gives --help everywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TextIO

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, TextIO], int]
Command = tuple[str, str, Configure, Run]

# exit statuses shared by every command
OK, ATTENTION, USAGE = 0, 1, 2


class OperatorError(RuntimeError):
    """A refusal the operator can act on: the message says what is wrong and what to do (exit 2)."""


@dataclass(frozen=True)
class StackConfig:
    """Names of the stack's resources, from the same variables the functions read, with the legacy defaults."""

    function_prefix: str
    table_prefix: str
    vtex_secret_prefix: str
    app_secret_name: str
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackConfig:
        env = dict(os.environ if env is None else env)
        return cls(function_prefix=env.get("FUNCTION_PREFIX", "integracao-tik-tok-"),
                   table_prefix=env.get("TABLE_PREFIX", "ssxml_"),
                   vtex_secret_prefix=env.get("VTEX_SECRET_PREFIX", env.get("STACK_NAME", "")),
                   app_secret_name=env.get("APP_SECRET_NAME", ""), env=env)

    def table(self, variable: str, suffix: str) -> str:
        """A table's name: its variable (CLIENT_TABLE, ...) when set, else <TABLE_PREFIX><legacy suffix>."""
        return self.env.get(variable) or f"{self.table_prefix}{suffix}"

    @property
    def client_table(self) -> str:
        return self.table("CLIENT_TABLE", "client")

    @property
    def client_tiktok_table(self) -> str:
        return self.table("CLIENT_TIKTOK_TABLE", "client_tiktok")

    @property
    def orders_table(self) -> str:
        return self.table("ORDERS_TABLE", "tik_tok_orders")

    @property
    def skus_table(self) -> str:
        return self.table("PRODUCTS_SELLER_SKU_TABLE", "tik_tok_products_seller_sku")

    @property
    def token_table(self) -> str:
        return self.table("TOKEN_TABLE", "tik_tok_token")

    @property
    def log_tables(self) -> dict[str, str]:
        """Legacy model name -> table name."""
        return {"TikTokLogProduct": self.table("LOG_PRODUCT_TABLE", "tik_tok_log_product"),
                "TikTokLogPrice": self.table("LOG_PRICE_TABLE", "tik_tok_log_price"),
                "TikTokLogStock": self.table("LOG_STOCK_TABLE", "tik_tok_log_stock"),
                "TikTokLogOrder": self.table("LOG_ORDER_TABLE", "tik_tok_log_order"),
                "TikTokLogPriceProduct": self.table("LOG_PRICE_PRODUCT_TABLE", "tik_tok_log_price_product")}

    def vtex_secret_name(self, client_hash: str) -> str:
        if not self.vtex_secret_prefix:
            raise OperatorError("the VTEX secret prefix is needed: set VTEX_SECRET_PREFIX (the stack name)")
        return f"{self.vtex_secret_prefix}/vtex/{client_hash}"


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document (for scripts)")


def date(epoch: Any) -> str:
    if epoch in (None, "", 0):
        return "-"
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    """45s, 12m, 3h05m, 2d4h."""
    if seconds is None:
        return "-"
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600}h"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def print_json(document: Any, out: TextIO) -> None:
    print(json.dumps(_plain(document), indent=2, sort_keys=True, default=str), file=out)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], out: TextIO) -> None:
    """Left-aligned columns, two spaces apart."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE
