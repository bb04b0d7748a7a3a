"""`tiktok-vtex client add|list|show|check`: onboarding (tiktok_vtex.operations.onboarding).

The VTEX app key and token are read from environment variables (VTEX_APP_KEY / VTEX_APP_TOKEN by default),
never from the command line (shell history, `ps`). Nothing prints a secret: `show` lists the secret's
account, warehouses, trade policy and affiliate only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex import aws
from tiktok_vtex.commands.common import (
    ATTENTION,
    OK,
    Command,
    OperatorError,
    StackConfig,
    add_json_flag,
    date,
    fail,
    print_json,
    table,
)
from tiktok_vtex.operations.onboarding import (
    OnboardingRefused,
    OnboardingStores,
    WebhookApi,
    check,
    describe,
    onboard,
    validate_request,
)
from tiktok_vtex.operations.status import client_hashes
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.settings import SecretFetcher, fetch_json_secret


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="client_command", required=True, metavar="<add|list|show|check>")
    add = sub.add_parser("add", help="create or update a client (VTEX key checked first), print its auth link",
                         description="create or update a client: VTEX credentials secret (checked against VTEX "
                                     "before saving), ssxml_client row, connector settings, TikTok webhooks (once "
                                     "authorized); prints the seller authorization link")
    add.add_argument("client_hash")
    add.add_argument("--shop-code", required=True, help="the TikTok shop code")
    add.add_argument("--vtex-account", required=True)
    add.add_argument("--vtex-app-key-env", default="VTEX_APP_KEY", help="variable holding the app key")
    add.add_argument("--vtex-app-token-env", default="VTEX_APP_TOKEN", help="variable holding the app token")
    add.add_argument("--warehouse-id", dest="warehouse_ids", action="append", required=True,
                     help="a VTEX warehouse whose stock is offered (repeatable)")
    add.add_argument("--sales-channel", default="1", help="VTEX trade policy (default 1)")
    add.add_argument("--affiliate-id", required=True, help="the VTEX affiliate of the marketplace")
    add.add_argument("--warehouse-map", action="append", default=[], metavar="VTEX=TIKTOK",
                     help="VTEX warehouse -> TikTok warehouse (repeatable)")
    add.add_argument("--feed-link", help="the product feed URL (ssxml_client.tik_tok_shop_feed_link)")
    add.add_argument("--tiktok-warehouse-id", help="the TikTok warehouse (ssxml_client.tik_tok_shop_warehouse_id)")
    add.add_argument("--settings-file", type=Path, help="connector settings JSON (stock, price, order hold...)")
    _webhook_option(add)
    add_json_flag(add)
    listing = sub.add_parser("list", help="every client with a TikTok link row", description="clients and links")
    add_json_flag(listing)
    show = sub.add_parser("show", help="what is stored for a client (never a secret)",
                          description="client row, shop link, connector settings, VTEX secret fields (no key)")
    show.add_argument("client_hash")
    add_json_flag(show)
    chk = sub.add_parser("check", help="what is missing: row, secret, VTEX key, authorization, webhooks",
                         description="reports what a client lacks; exit 1 when something is missing")
    chk.add_argument("client_hash")
    chk.add_argument("--fix", action="store_true", help="subscribe the missing webhooks")
    chk.add_argument("--no-vtex", action="store_true", help="do not call VTEX to check the key")
    _webhook_option(chk)
    add_json_flag(chk)


def _webhook_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--webhook-url", default=None,
                        help="address TikTok pushes to (default: $PUBLIC_BASE_URL/tiktok/webhook)")


def _webhook_address(args: argparse.Namespace, config: StackConfig) -> str | None:
    if args.webhook_url:
        return args.webhook_url
    base = config.env.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/tiktok/webhook" if base else None


def production_vtex_client(config: StackConfig) -> Callable[[Any], Any]:
    from tiktok_vtex.clients.retry import RetryPolicy
    from tiktok_vtex.clients.vtex.client import VtexClient

    def build(credentials: Any) -> Any:
        templates = {k: v for k, v in {"base_url_template": config.env.get("VTEX_BASE_URL_TEMPLATE"),
                                       "pricing_base_url_template": config.env.get("VTEX_PRICING_BASE_URL_TEMPLATE")
                                       }.items() if v}
        return VtexClient(credentials, retry=RetryPolicy(max_attempts=2), **templates)

    return build


def production_webhooks(config: StackConfig) -> Callable[[str], WebhookApi | None]:
    def build(client_hash: str) -> WebhookApi | None:
        from tiktok_vtex.auth.shop_access import open_shop_client
        from tiktok_vtex.settings import Settings, SettingsError, load_app_secrets, load_settings

        try:
            settings = load_settings(dict(config.env), model=Settings)
            secrets = load_app_secrets(settings)
        except SettingsError as error:
            print(f"warning: cannot reach TikTok for the webhooks ({error}); set the stack's environment "
                  "(APP_SECRET_NAME, TOKEN_KMS_KEY_ID, TIKTOK_API_BASE_URL, ...)", file=sys.stderr)
            return None
        return open_shop_client(client_hash, settings=settings, secrets=secrets,
                                clients=ClientRepository(config.client_table, config.client_tiktok_table))

    return build


def _stores(config: StackConfig, secrets: Any) -> OnboardingStores:
    return OnboardingStores(config.client_table, config.client_tiktok_table, secrets, config.vtex_secret_name)


def _request(args: argparse.Namespace, config: StackConfig) -> Any:
    values: dict[str, Any] = {
        "client_hash": args.client_hash, "shop_code": args.shop_code, "vtex_account": args.vtex_account,
        "vtex_app_key": config.env.get(args.vtex_app_key_env, ""),
        "vtex_app_token": config.env.get(args.vtex_app_token_env, ""),
        "warehouse_ids": args.warehouse_ids, "sales_channel": args.sales_channel, "affiliate_id": args.affiliate_id,
        "feed_link": args.feed_link, "tiktok_warehouse_id": args.tiktok_warehouse_id}
    for name in ("vtex_app_key", "vtex_app_token"):
        if not values[name]:
            env_name = args.vtex_app_key_env if name == "vtex_app_key" else args.vtex_app_token_env
            raise OperatorError(f"the VTEX {name.removeprefix('vtex_').replace('_', ' ')} is read from ${env_name}, "
                                "which is empty; nothing written")
    mapping = {}
    for pair in args.warehouse_map:
        vtex, sep, tiktok = pair.partition("=")
        if not sep or not vtex or not tiktok:
            raise OperatorError(f"--warehouse-map {pair!r}: expected VTEX_WAREHOUSE=TIKTOK_WAREHOUSE")
        mapping[vtex] = tiktok
    values["warehouse_map"] = mapping
    if args.settings_file:
        try:
            values["settings"] = json.loads(args.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise OperatorError(f"cannot read the settings file {args.settings_file}: {error}") from None
    return validate_request({k: v for k, v in values.items() if v is not None})


def _auth_link(client_hash: str, config: StackConfig, fetch: SecretFetcher, clock: Callable[[], float]) -> str | None:
    from tiktok_vtex.auth.state import DEFAULT_AUTHORIZE_URL, authorization_link, issue_state
    from tiktok_vtex.settings import AppSecrets

    if not config.app_secret_name:
        return None
    secrets = AppSecrets.model_validate(fetch(config.app_secret_name))
    state = issue_state(client_hash, secret=secrets.oauth_state_secret.get_secret_value(), now=clock())
    return authorization_link(service_id=secrets.service_id, state=state,
                              authorize_url=config.env.get("TIKTOK_AUTHORIZE_URL", DEFAULT_AUTHORIZE_URL))


def _add(args: argparse.Namespace, out: TextIO, deps: dict[str, Any]) -> int:
    config: StackConfig = deps["config"]
    request = _request(args, config)
    result = onboard(request, _stores(config, deps["secrets"]), vtex_client=deps["vtex_client"],
                     webhooks=deps["webhooks"], webhook_address=_webhook_address(args, config))
    active = result["link_status"] == "token_generated"
    link = None if active else _auth_link(request.client_hash, config, deps["fetch"], deps["clock"])
    result["authorization_link"] = link
    if args.json:
        print_json(result, out)
        return OK
    print(f"client {request.client_hash}: VTEX key accepted by account {request.vtex_account}; secret "
          f"{result['vtex_secret']}; ssxml_client row written; connector settings saved", file=out)
    hooks = result.get("webhooks")
    if hooks:
        print(f"webhooks -> {hooks['address']}: {len(hooks['subscribed'])} subscribed, {len(hooks['present'])} "
              "already there", file=out)
    elif active:
        print("webhooks: not checked (no webhook address or TikTok not reachable): run `tiktok-vtex client check "
              f"{request.client_hash} --fix`", file=out)
    else:
        print(f"authorization: {result['link_status']}; webhooks are subscribed once the seller authorizes "
              f"(`tiktok-vtex client check {request.client_hash} --fix`)", file=out)
        print(f"authorization link: {link}" if link else
              f"authorization link: run `tiktok-vtex auth-link {request.client_hash}` (APP_SECRET_NAME not set)",
              file=out)
    return OK


def _list(args: argparse.Namespace, out: TextIO, deps: dict[str, Any]) -> int:
    config: StackConfig = deps["config"]
    repo = ClientRepository(config.client_table, config.client_tiktok_table)
    rows = []
    for client_hash in client_hashes(repo):
        link = repo.get_shop_link(client_hash)
        client = repo.get_client(client_hash)
        rows.append({"client_hash": client_hash, "status": link.status.value if link else None,
                     "shop_id": link.shop_id if link else None,
                     "shop_name": link.tik_tok_shop_store_name if link else None,
                     "shop_code": client.tik_tok_shop_store_id if client else None})
    if args.json:
        print_json({"clients": rows}, out)
    else:
        table(([r["client_hash"], r["status"], r["shop_code"], r["shop_id"], r["shop_name"]] for r in rows),
              ["CLIENT", "STATUS", "SHOP CODE", "SHOP ID", "SHOP NAME"], out)
    return OK


def _print_report(report: Any, out: TextIO) -> None:
    print(f"client {report.client_hash}", file=out)
    print(f"  ssxml_client     {report.client_row or 'missing'}", file=out)
    link = dict(report.link or {})
    settings = link.pop("connector_settings", None)
    for key in ("authorized_at", "authorization_expires_at", "deauthorized_at"):
        if key in link:
            link[key] = date(link[key])
    print(f"  shop link        {link or 'missing'}", file=out)
    print(f"  settings         {json.dumps(settings, default=str) if settings else '-'}", file=out)
    print(f"  VTEX secret      {report.vtex or 'missing'}", file=out)
    if report.webhooks:
        hooks = report.webhooks
        print(f"  webhooks         -> {hooks.address}: {len(hooks.present)} present, {len(hooks.subscribed)} "
              f"subscribed now, {len(hooks.missing)} missing", file=out)
    for problem in report.problems:
        print(f"  ! {problem}", file=out)


def _show(args: argparse.Namespace, out: TextIO, deps: dict[str, Any]) -> int:
    report = describe(args.client_hash, _stores(deps["config"], deps["secrets"]))
    if report.client_row is None and report.link is None and report.vtex is None:
        raise OperatorError(f"client {args.client_hash} is unknown; see `tiktok-vtex client list`")
    if args.json:
        print_json(report.as_dict(), out)
    else:
        _print_report(report, out)
    return OK


def _check(args: argparse.Namespace, out: TextIO, deps: dict[str, Any]) -> int:
    config: StackConfig = deps["config"]
    report = check(args.client_hash, _stores(config, deps["secrets"]), webhooks=deps["webhooks"],
                   webhook_address=_webhook_address(args, config), fix=args.fix,
                   vtex_client=None if args.no_vtex else deps["vtex_client"])
    if args.json:
        print_json(report.as_dict(), out)
    else:
        _print_report(report, out)
        print("all set" if not report.problems else f"{len(report.problems)} problem(s)", file=out)
    return ATTENTION if report.problems else OK


def run(args: argparse.Namespace, out: TextIO, *, config: StackConfig | None = None, secrets: Any | None = None,
        vtex_client: Callable[[Any], Any] | None = None, webhooks: Callable[[str], WebhookApi | None] | None = None,
        fetch: SecretFetcher = fetch_json_secret, clock: Callable[[], float] = time.time) -> int:
    config = config or StackConfig.from_env()
    try:
        deps = {"config": config, "secrets": secrets or aws.client("secretsmanager"),
                "vtex_client": vtex_client or production_vtex_client(config),
                "webhooks": webhooks or production_webhooks(config), "fetch": fetch, "clock": clock}
        action = {"add": _add, "list": _list, "show": _show, "check": _check}[args.client_command]
        return action(args, out, deps)
    except (OperatorError, OnboardingRefused) as error:
        return fail(str(error))
    except (BotoCoreError, ClientError) as error:
        return fail(f"the stack did not answer ({type(error).__name__}: {error}); check AWS credentials, "
                    "AWS_ENDPOINT_URL and the region")


COMMANDS: list[Command] = [
    ("client", "onboarding: add (VTEX key checked, webhooks, auth link), list, show, check", _configure, run),
]
