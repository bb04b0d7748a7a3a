"""Operator CLI: `tiktok-vtex <command> ...` (console script declared in pyproject.toml).

Commands register themselves in COMMANDS (name -> (configure parser, run)); other capabilities add theirs
the same way. Configuration comes from the same environment variables the functions use
(APP_SECRET_NAME, CLIENT_TABLE, ...) with AWS credentials from the usual boto3 chain; options override.

- `auth-link <client_hash>`: the seller authorization link with a fresh signed state (single use,
  bound to the client, valid --ttl-hours). Send it to the seller; TikTok redirects to /tiktok/callback.
- `auth-status <client_hash>`: link status and token expiry dates of a client (never a token).
- `migrate-legacy-tokens`: one-off after the first deploy (see tiktok_vtex.auth.migration).
- `vtex-affiliate <client_hash> [--apply]`: the client's VTEX affiliate pointed at its notification URL
  (tiktok_vtex.notifications.affiliate; issue 16).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from tiktok_vtex.auth.state import DEFAULT_AUTHORIZE_URL, DEFAULT_STATE_TTL_SECONDS, authorization_link, issue_state
from tiktok_vtex.settings import AppSecrets, SecretFetcher, fetch_json_secret

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, TextIO], int]
COMMANDS: dict[str, tuple[str, Configure, Run]] = {}


def command(name: str, help_text: str) -> Callable[[Configure], Callable[[Run], Run]]:
    def with_configure(configure: Configure) -> Callable[[Run], Run]:
        def register(run: Run) -> Run:
            COMMANDS[name] = (help_text, configure, run)
            return run

        return register

    return with_configure


def _date(epoch: Any) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if epoch else "-"


def load_secrets(secret_name: str, fetch: SecretFetcher = fetch_json_secret) -> AppSecrets:
    if not secret_name:
        raise SystemExit("the app secret name is needed: --secret-name or APP_SECRET_NAME")
    return AppSecrets.model_validate(fetch(secret_name))


# ------------------------------------------------------------------------------------------- auth-link

def _configure_auth_link(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_hash", help="the client (ssxml_client.client_hash) the seller authorizes for")
    parser.add_argument("--ttl-hours", type=float, default=DEFAULT_STATE_TTL_SECONDS / 3600,
                        help="how long the link stays valid (default 24; it works once anyway)")
    parser.add_argument("--secret-name", default=os.environ.get("APP_SECRET_NAME", ""),
                        help="the stack's TikTok app secret (default: $APP_SECRET_NAME)")
    parser.add_argument("--authorize-url", default=os.environ.get("TIKTOK_AUTHORIZE_URL", DEFAULT_AUTHORIZE_URL),
                        help="TikTok's consent page (default: $TIKTOK_AUTHORIZE_URL or the ROW page)")
    parser.add_argument("--client-table", default=os.environ.get("CLIENT_TABLE", ""),
                        help="ssxml_client table: when given, the client must exist and have a shop code")


@command("auth-link", "print the seller authorization link with a fresh signed state")(_configure_auth_link)
def run_auth_link(args: argparse.Namespace, out: TextIO, *, fetch: SecretFetcher = fetch_json_secret,
                  clock: Callable[[], float] = time.time) -> int:
    if args.client_table:
        from tiktok_vtex.repositories.base import DynamoTable

        client = DynamoTable(args.client_table).get({"client_hash": args.client_hash})
        if client is None:
            print(f"error: client {args.client_hash} is not in {args.client_table}", file=sys.stderr)
            return 2
        if not client.get("tik_tok_shop_store_id"):
            print(f"warning: client {args.client_hash} has no TikTok shop code (tik_tok_shop_store_id); the "
                  "authorization will be refused with unknown_shop_code until it is set", file=sys.stderr)
    secrets = load_secrets(args.secret_name, fetch)
    ttl = int(args.ttl_hours * 3600)
    now = clock()
    state = issue_state(args.client_hash, secret=secrets.oauth_state_secret.get_secret_value(), now=now, ttl=ttl)
    print(authorization_link(service_id=secrets.service_id, state=state, authorize_url=args.authorize_url), file=out)
    print(f"valid until {_date(now + ttl)}, single use, bound to client {args.client_hash}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------- auth-status

def _configure_auth_status(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_hash")
    parser.add_argument("--client-tiktok-table", default=os.environ.get("CLIENT_TIKTOK_TABLE", "ssxml_client_tiktok"))
    parser.add_argument("--token-table", default=os.environ.get("TOKEN_TABLE", "ssxml_tik_tok_token"))


@command("auth-status", "show a client's shop link status and token expiry dates (never a token)")(
    _configure_auth_status)
def run_auth_status(args: argparse.Namespace, out: TextIO) -> int:
    from tiktok_vtex.repositories.base import DynamoTable
    from tiktok_vtex.repositories.tokens import TokenRepository

    link = DynamoTable(args.client_tiktok_table).get({"client_hash": args.client_hash})
    token = TokenRepository(args.token_table).get(args.client_hash)
    if link is None and token is None:
        print(f"client {args.client_hash}: no TikTok authorization", file=out)
        return 1
    link = link or {}
    print(f"client {args.client_hash}", file=out)
    print(f"  link status        {link.get('status', '-')}", file=out)
    print(f"  shop               {link.get('tik_tok_shop_store_id', '-')} / {link.get('tik_tok_shop_store_code', '-')}"
          f" '{link.get('tik_tok_shop_store_name', '')}'", file=out)
    if link.get("status") == "deauthorized":
        print(f"  deauthorized at    {_date(link.get('deauthorized_at'))}: {link.get('deauthorized_reason', '')}",
              file=out)
    if link.get("authorization_expires_at"):
        print(f"  authorization ends {_date(link['authorization_expires_at'])}", file=out)
    if token is not None:
        print(f"  access token       expires {_date(token.access_token_expire_in)}", file=out)
        print(f"  refresh token      expires {_date(token.refresh_token_expire_in)}", file=out)
        print(f"  renewal            {'active' if token.token_bucket else 'stopped'}", file=out)
        if token.last_refresh_error_code is not None:
            print(f"  last refresh error {token.last_refresh_error_code}: {token.last_refresh_error}", file=out)
    return 0


# ------------------------------------------------------------------------------------------- migrate-legacy-tokens

def _configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token-table", default=os.environ.get("TOKEN_TABLE", "ssxml_tik_tok_token"))
    parser.add_argument("--client-tiktok-table", default=os.environ.get("CLIENT_TIKTOK_TABLE", "ssxml_client_tiktok"))
    parser.add_argument("--kms-key-id", default=os.environ.get("TOKEN_KMS_KEY_ID", ""),
                        help="the stack's DataKey (output DataKeyArn; default: $TOKEN_KMS_KEY_ID)")


@command("migrate-legacy-tokens", "encrypt legacy plain-text tokens, make their rows renewable, drop plain copies "
         "(run once after the first deploy; safe to repeat)")(_configure_migrate)
def run_migrate(args: argparse.Namespace, out: TextIO) -> int:
    from tiktok_vtex.auth.migration import migrate_legacy_tokens
    from tiktok_vtex.auth.tokens import TokenCipher
    from tiktok_vtex.repositories.base import DynamoTable
    from tiktok_vtex.repositories.tokens import TokenRepository

    if not args.kms_key_id:
        raise SystemExit("the KMS key is needed: --kms-key-id or TOKEN_KMS_KEY_ID")
    summary = migrate_legacy_tokens(tokens=TokenRepository(args.token_table),
                                    links=DynamoTable(args.client_tiktok_table), cipher=TokenCipher(args.kms_key_id))
    for key, value in summary.as_dict().items():
        print(f"{key:32} {value}", file=out)
    return 0


# ------------------------------------------------------------------------------------------- vtex-affiliate

def _configure_vtex_affiliate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_hash")
    parser.add_argument("--apply", action="store_true", help="write the changes (default: only show them)")
    parser.add_argument("--follow-up-email", default="", help="needed when the affiliate does not exist yet")
    parser.add_argument("--name", default="", help="affiliate name (default: kept, or 'TikTok Shop')")
    parser.add_argument("--public-base-url", default=os.environ.get("PUBLIC_BASE_URL", ""),
                        help="public https base URL of the HTTP API (default: $PUBLIC_BASE_URL)")
    parser.add_argument("--secret-name", default=os.environ.get("APP_SECRET_NAME", ""),
                        help="the stack's TikTok app secret (default: $APP_SECRET_NAME)")
    parser.add_argument("--vtex-secret-prefix", default=os.environ.get("VTEX_SECRET_PREFIX", "tiktok-vtex"))
    parser.add_argument("--vtex-base-url-template",
                        default=os.environ.get("VTEX_BASE_URL_TEMPLATE", "https://{account}.vtexcommercestable.com.br"))


@command("vtex-affiliate", "show the client's VTEX affiliate and, with --apply, create or update it so VTEX "
         "notifies the connector of stock, price and SKU changes (safe to re-run)")(_configure_vtex_affiliate)
def run_vtex_affiliate(args: argparse.Namespace, out: TextIO, *, fetch: SecretFetcher = fetch_json_secret,
                       vtex_secret: Any = None) -> int:
    import json

    from tiktok_vtex.clients.vtex.cache import VtexClientCache
    from tiktok_vtex.clients.vtex.credentials import fetch_vtex_secret
    from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexCredentialsError
    from tiktok_vtex.notifications.affiliate import AffiliateSetupError, setup_client_affiliate

    secrets = load_secrets(args.secret_name, fetch)
    clients = VtexClientCache(vtex_secret or fetch_vtex_secret, secret_prefix=args.vtex_secret_prefix,
                              base_url_template=args.vtex_base_url_template,
                              pricing_base_url_template=args.vtex_base_url_template)
    try:
        setup = setup_client_affiliate(clients, args.client_hash,
                                       secret=secrets.internal_webhook_secret.get_secret_value(),
                                       public_base_url=args.public_base_url, apply=args.apply,
                                       name=args.name or None, follow_up_email=args.follow_up_email or None)
    except (AffiliateSetupError, VtexCredentialsError, VtexApiError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(setup.as_dict(), indent=2, ensure_ascii=False), file=out)
    if setup.action.startswith("would"):
        print("nothing written: run again with --apply", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------- main

# Command groups in their own modules, each exporting COMMANDS = [(name, help, configure, run), ...].
# One line per group; add yours at the end (kept a plain list so parallel additions merge).
COMMAND_MODULES: list[str] = [
    "tiktok_vtex.commands.dispatch",
    "tiktok_vtex.commands.client",
    "tiktok_vtex.commands.dlq",
    "tiktok_vtex.commands.history",
    "tiktok_vtex.commands.status",
]


def _load_command_modules() -> None:
    # Imported here, not at the top: the command modules import this package's helpers, not this module.
    for module in COMMAND_MODULES:
        for name, help_text, configure, run in importlib.import_module(module).COMMANDS:
            COMMANDS[name] = (help_text, configure, run)


def build_parser() -> argparse.ArgumentParser:
    _load_command_modules()
    parser = argparse.ArgumentParser(prog="tiktok-vtex", description="TikTok Shop x VTEX connector operator tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, configure, _run) in sorted(COMMANDS.items()):
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    _help, _configure, run = COMMANDS[args.command]
    return run(args, out or sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
