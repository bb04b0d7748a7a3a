"""`tiktok-vtex client add|list|show|check` with moto in-process, the VTEX sandbox checking the key and the
TikTok sandbox's Event API holding the webhook subscriptions."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from local.tiktok_sandbox import sandbox_of
from tiktok_vtex.auth.state import verify_state
from tiktok_vtex.cli import build_parser
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.tiktok import NoRateLimit, StaticAccessToken, TikTokAuthClient, TikTokShopClient
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.commands import client as client_command
from tiktok_vtex.commands.common import StackConfig
from tiktok_vtex.operations.onboarding import WEBHOOK_EVENT_TYPES
from tiktok_vtex.repositories.clients import ClientRepository

CLIENT = "client-onboard-1"
NOW = 1_900_000_000.0
HOOK = "https://connector.example.com/tiktok/webhook"
NO_WAIT = RetryPolicy(max_attempts=1, sleep=lambda s: None)


@pytest.fixture
def config(stack: Any, stack_env: dict[str, str]) -> StackConfig:
    return StackConfig.from_env({"FUNCTION_PREFIX": stack_env["FUNCTION_PREFIX"],
                                 "TABLE_PREFIX": stack_env["TABLE_PREFIX"],
                                 "VTEX_SECRET_PREFIX": stack_env["STACK_NAME"],
                                 "APP_SECRET_NAME": "stack/tiktok-app", "VTEX_APP_KEY": stack_env["VTEX_APP_KEY"],
                                 "VTEX_APP_TOKEN": stack_env["VTEX_APP_TOKEN"], "WRONG_TOKEN": "not-the-token",
                                 "TIKTOK_AUTHORIZE_URL": "http://sandbox/open/authorize"})


@pytest.fixture
def shop_api(tiktok_sandbox: Any, stack_env: dict[str, str]) -> Callable[[str], TikTokShopClient]:
    """The demo shop's Event API through the real client, authorized in the sandbox."""
    http = httpx.Client(timeout=10)
    code = http.post(tiktok_sandbox.url("/sandbox/consent"), json={"shop_id": stack_env["DEMO_SHOP_ID"]}).json()["code"]
    token = TikTokAuthClient(stack_env["TIKTOK_APP_KEY"], stack_env["TIKTOK_APP_SECRET"], tiktok_sandbox.base_url,
                             http=http, retry=NO_WAIT).get_token(code)
    cipher = sandbox_of(tiktok_sandbox.app).shops[stack_env["DEMO_SHOP_ID"]]["cipher"]

    def build(client_hash: str) -> TikTokShopClient:
        return TikTokShopClient(app_key=stack_env["TIKTOK_APP_KEY"], app_secret=stack_env["TIKTOK_APP_SECRET"],
                                base_url=tiktok_sandbox.base_url, shop_cipher=cipher,
                                tokens=StaticAccessToken(token.access_token.get_secret_value()), http=http,
                                limiter=NoRateLimit(), retry=NO_WAIT, shop_id=stack_env["DEMO_SHOP_ID"])

    return build


def _vtex(vtex_sandbox: Any) -> Callable[[Any], VtexClient]:
    return lambda credentials: VtexClient(credentials, base_url_template=f"{vtex_sandbox.base_url}/{{account}}",
                                          pricing_base_url_template=f"{vtex_sandbox.base_url}/{{account}}",
                                          retry=NO_WAIT)


SECRET_DOC = {"app_key": "k", "app_secret": "s" * 12, "service_id": "7100000000000000001",
              "internal_webhook_secret": "i" * 12, "oauth_state_secret": "state-secret-for-tests"}


def _run(argv: list[str], config: StackConfig, vtex_sandbox: Any, webhooks: Any = None) -> tuple[int, str]:
    out = io.StringIO()
    args = build_parser().parse_args(["client", *argv])
    status = client_command.run(args, out, config=config, secrets=boto3.client("secretsmanager"),
                                vtex_client=_vtex(vtex_sandbox), webhooks=webhooks or (lambda h: None),
                                fetch=lambda name: SECRET_DOC, clock=lambda: NOW)
    return status, out.getvalue()


def _add_args(stack_env: dict[str, str], *extra: str) -> list[str]:
    return ["add", CLIENT, "--shop-code", stack_env["DEMO_SHOP_CODE"], "--vtex-account", stack_env["VTEX_ACCOUNT"],
            "--warehouse-id", stack_env["VTEX_WAREHOUSE_ID"], "--affiliate-id", stack_env["VTEX_AFFILIATE_ID"],
            "--sales-channel", stack_env["VTEX_SALES_CHANNEL"],
            "--warehouse-map", f"{stack_env['VTEX_WAREHOUSE_ID']}={stack_env['DEMO_TIKTOK_WAREHOUSE_ID']}", *extra]


def test_add_checks_the_key_writes_everything_and_prints_the_link(config: StackConfig, vtex_sandbox: Any,
                                                                  stack_env: dict[str, str]) -> None:
    status, out = _run(_add_args(stack_env, "--feed-link", "https://feeds.example.com/f.xml"), config, vtex_sandbox)
    assert status == 0, out
    assert "VTEX key accepted" in out and stack_env["VTEX_APP_TOKEN"] not in out
    row = boto3.resource("dynamodb").Table(config.client_table).get_item(Key={"client_hash": CLIENT})["Item"]
    assert row["tik_tok_shop_store_id"] == stack_env["DEMO_SHOP_CODE"]
    assert row["tik_tok_shop_feed_link"] == "https://feeds.example.com/f.xml"
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(
        SecretId=f"{stack_env['STACK_NAME']}/vtex/{CLIENT}")["SecretString"])
    assert secret["app_token"] == stack_env["VTEX_APP_TOKEN"] and secret["warehouse_ids"] == [
        stack_env["VTEX_WAREHOUSE_ID"]]
    link = ClientRepository(config.client_table, config.client_tiktok_table).get_shop_link(CLIENT)
    assert link is not None and link.status.value == "unused"
    assert link.connector_settings.warehouse_map == {stack_env["VTEX_WAREHOUSE_ID"]:
                                                     stack_env["DEMO_TIKTOK_WAREHOUSE_ID"]}
    url = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("authorization link"))
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert verify_state(state, secret="state-secret-for-tests", now=NOW + 1).client_hash == CLIENT


def test_a_refused_vtex_key_writes_nothing(config: StackConfig, vtex_sandbox: Any, stack_env: dict[str, str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = _run(_add_args(stack_env, "--vtex-app-token-env", "WRONG_TOKEN"), config, vtex_sandbox)
    assert status == 2
    err = capsys.readouterr().err
    assert "VTEX refused the app key/token for account sandboxstore (401)" in err and "nothing written" in err
    assert "not-the-token" not in err
    assert "Item" not in boto3.resource("dynamodb").Table(config.client_table).get_item(Key={"client_hash": CLIENT})
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    assert f"{stack_env['STACK_NAME']}/vtex/{CLIENT}" not in names


def test_bad_input_is_named(config: StackConfig, vtex_sandbox: Any, stack_env: dict[str, str],
                            capsys: pytest.CaptureFixture[str]) -> None:
    args = _add_args(stack_env)
    args[args.index("--affiliate-id") + 1] = "not valid!"
    assert _run(args, config, vtex_sandbox)[0] == 2
    assert "affiliate_id: String should match" in capsys.readouterr().err


def test_webhooks_are_subscribed_once_authorized_and_check_reports_missing(
        config: StackConfig, vtex_sandbox: Any, tiktok_sandbox: Any, stack_env: dict[str, str],
        shop_api: Callable[[str], TikTokShopClient]) -> None:
    assert _run(_add_args(stack_env), config, vtex_sandbox)[0] == 0
    # not authorized yet: check says so, and subscribes nothing
    status, out = _run(["check", CLIENT, "--webhook-url", HOOK], config, vtex_sandbox, shop_api)
    assert status == 1 and "TikTok authorization: unused" in out
    assert shop_api(CLIENT).get_webhooks() == []
    # the seller authorizes (what GERENCIADOR-AUTH-CODES writes)
    ClientRepository(config.client_table, config.client_tiktok_table).update_shop_link(
        CLIENT, status="token_generated", tik_tok_shop_store_id=stack_env["DEMO_SHOP_ID"])
    shop_api(CLIENT).update_webhook("ORDER_STATUS_CHANGE", HOOK)  # one already there
    status, out = _run(["check", CLIENT, "--webhook-url", HOOK, "--json"], config, vtex_sandbox, shop_api)
    report = json.loads(out)
    assert status == 1 and report["webhooks"]["present"] == ["ORDER_STATUS_CHANGE"]
    assert set(report["webhooks"]["missing"]) == set(WEBHOOK_EVENT_TYPES) - {"ORDER_STATUS_CHANGE"}
    # add again (the authorized path) subscribes every handled type in the sandbox
    status, out = _run([*_add_args(stack_env), "--webhook-url", HOOK, "--json"], config, vtex_sandbox, shop_api)
    assert status == 0 and len(json.loads(out)["webhooks"]["subscribed"]) == len(WEBHOOK_EVENT_TYPES) - 1
    configured = {w["event_type"]: w["address"] for w in shop_api(CLIENT).get_webhooks()}
    assert configured == dict.fromkeys(WEBHOOK_EVENT_TYPES, HOOK)
    status, out = _run(["check", CLIENT, "--webhook-url", HOOK], config, vtex_sandbox, shop_api)
    assert status == 0 and "all set" in out


def test_list_and_show_never_print_a_secret(config: StackConfig, vtex_sandbox: Any, stack_env: dict[str, str]) -> None:
    assert _run(_add_args(stack_env), config, vtex_sandbox)[0] == 0
    status, out = _run(["list"], config, vtex_sandbox)
    assert status == 0 and CLIENT in out and stack_env["DEMO_SHOP_CODE"] in out
    status, out = _run(["show", CLIENT], config, vtex_sandbox)
    assert status == 0 and "sandboxstore" in out
    status, shown = _run(["show", CLIENT, "--json"], config, vtex_sandbox)
    assert json.loads(shown)["vtex"]["affiliate_id"] == stack_env["VTEX_AFFILIATE_ID"]
    for text in (out, shown):
        assert stack_env["VTEX_APP_TOKEN"] not in text and stack_env["VTEX_APP_KEY"] not in text
    assert _run(["show", "nobody"], config, vtex_sandbox)[0] == 2
