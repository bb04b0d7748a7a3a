"""Seller authorization: the demo seller consents in the TikTok sandbox, TikTok redirects to our callback
(the runtime's HTTP API), the code is processed at once (async GERENCIADOR-AUTH-CODES) and the shop is
linked to the demo client. The report shows statuses and expiry dates, never a token or an auth code."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from local.demo.context import DemoContext
from tiktok_vtex.auth.state import DEFAULT_STATE_TTL_SECONDS, authorization_link, issue_state
from tiktok_vtex.auth.tokens import TokenCipher


def _date(epoch: Any) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M UTC")


def _link(ctx: DemoContext) -> dict[str, Any]:
    return ctx.table("ClientTikTokTable").get_item(Key={"client_hash": ctx.client_hash}, ConsistentRead=True).get(
        "Item") or {}


def _active_link(ctx: DemoContext) -> dict[str, Any] | None:
    item = _link(ctx)
    return item if item.get("status") == "token_generated" else None


def _codes_with_status(ctx: DemoContext, status: str) -> list[dict[str, Any]]:
    table = ctx.table("AuthTokenTable")
    keys = table.query(IndexName="by_status", KeyConditionExpression=Key("status").eq(status))["Items"]
    return [table.get_item(Key={"auth_code": k["auth_code"]})["Item"] for k in keys]


def run(ctx: DemoContext) -> None:
    env = ctx.env
    ctx.section("Seller authorization: consent, callback, tokens, shop link")

    # 1. The operator issues the authorization link (same code as `tiktok-vtex auth-link <client_hash>`).
    state = issue_state(ctx.client_hash, secret=env["OAUTH_STATE_SECRET"], now=time.time())
    link_url = authorization_link(service_id=env["TIKTOK_SERVICE_ID"], state=state)
    ctx.report(f"authorization link for client {ctx.client_hash}: {link_url.split('&state=')[0]}&state=<signed, "
               f"single use, valid {DEFAULT_STATE_TTL_SECONDS // 3600} h>")

    # 2. The seller consents in the TikTok sandbox, which redirects the browser to our callback.
    callback = f"{ctx.api_url}/tiktok/callback"
    started = time.monotonic()
    consent = ctx.http.post(f"{ctx.tiktok_url}/sandbox/consent", json={
        "shop_id": env["DEMO_SHOP_ID"], "state": state, "redirect_url": callback}).json()
    redirect = consent.get("redirect") or {}
    ctx.expect(redirect.get("status") == 200, f"the callback answered {redirect.get('status')}")
    ctx.expect("Authorization received" in redirect.get("body", ""), "the callback page did not confirm")
    ctx.report(f"seller consented in the TikTok sandbox; GET /tiktok/callback answered {redirect['status']} "
               "\"Authorization received\"")

    # 3. Processing starts at once (async invoke), not at the next hourly run.
    link = ctx.wait_for(lambda: _active_link(ctx), 60, "the shop link to become token_generated")
    ctx.report(f"auth code processed in {time.monotonic() - started:.1f} s: unused -> access -> cipher -> "
               "token_generated")
    ctx.report(f"client {ctx.client_hash} linked: status {link['status']}, shop id {link['tik_tok_shop_store_id']}, "
               f"code {link['tik_tok_shop_store_code']}, name '{link['tik_tok_shop_store_name']}'")

    token = ctx.table("TokenTable").get_item(Key={"client_hash": ctx.client_hash}, ConsistentRead=True)["Item"]
    ctx.expect(TokenCipher.is_encrypted(token["access_token"]) and TokenCipher.is_encrypted(token["refresh_token"]),
               "tokens are not stored encrypted")
    ctx.report(f"access token expires {_date(token['access_token_expire_in'])}, refresh token expires "
               f"{_date(token['refresh_token_expire_in'])} (both stored KMS-encrypted; never printed)")
    logs = ctx.table("AuthTokenLogsTable")
    processed = _codes_with_status(ctx, "token_generated")
    ctx.expect(bool(processed), "no auth code reached token_generated")
    entries = logs.query(KeyConditionExpression=Key("auth_code").eq(processed[-1]["auth_code"]))["Items"]
    ctx.report("TikTok answers logged in ssxml_tik_tok_auth_token_logs: "
               + ", ".join(f"{e['type']} code {e['code']}" for e in entries))

    # 4. A forged callback is refused and recorded, nothing else changes.
    forged = ctx.http.get(callback, params={"code": "ROW_forgedcode", "state": state[:-4] + "AAAA"})
    rejected = [r for r in _codes_with_status(ctx, "error") if r.get("error_reason") == "state_bad_signature"]
    ctx.expect(forged.status_code == 400 and bool(rejected), "a forged callback was not refused and recorded")
    ctx.report(f"forged callback refused with HTTP {forged.status_code}, recorded as error "
               f"'{rejected[0]['error_reason']}'; link still {_link(ctx)['status']}")

    # 5. The hourly job's renewal half, invoked as the backend does.
    answer = ctx.invoke("GERENCIADOR-AUTH-CODES", {"action": "renewTokens"})
    renewal = (answer or {}).get("body", {}).get("renewTokens", {})
    ctx.expect(renewal.get("failed") == 0, f"token renewal failed: {renewal}")
    token = ctx.table("TokenTable").get_item(Key={"client_hash": ctx.client_hash}, ConsistentRead=True)["Item"]
    ctx.report(f"renewTokens: {renewal.get('due', 0)} due in the renewal window (TOKEN_RENEWAL_WINDOW_DAYS), "
               f"{renewal.get('renewed', 0)} renewed, "
               f"{renewal.get('refresh_expiring', 0)} refresh tokens expiring within 30 days; access token now "
               f"expires {_date(token['access_token_expire_in'])}")
