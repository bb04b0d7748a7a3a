"""Affiliate setup (issue 16): `tiktok-vtex vtex-affiliate` against the VTEX sandbox creates the client's
affiliate pointed at its notification URL, shows it without the token, and a re-run changes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

from tiktok_vtex.cli import build_parser, run_vtex_affiliate
from tiktok_vtex.notifications.token import notification_token

SECRET = "local-internal-secret"  # a test key


def run(sandbox: Any, *argv: str) -> tuple[int, dict[str, Any] | None]:
    env = sandbox.env
    args = build_parser().parse_args(["vtex-affiliate", "c0ffee", "--secret-name", "app",
                                      "--public-base-url", "https://api.example.com",
                                      "--vtex-base-url-template", sandbox.template(), *argv])
    app_secret = {"app_key": "k", "app_secret": "s", "service_id": "1", "internal_webhook_secret": SECRET,
                  "oauth_state_secret": "o"}
    credentials = {"account": env["VTEX_ACCOUNT"], "app_key": env["VTEX_APP_KEY"], "app_token": env["VTEX_APP_TOKEN"],
                   "affiliate_id": env["VTEX_AFFILIATE_ID"], "sales_channel": env["VTEX_SALES_CHANNEL"]}
    out = io.StringIO()
    code = run_vtex_affiliate(args, out, fetch=lambda name, **_: app_secret,
                              vtex_secret=lambda name, force=False: credentials)
    return code, json.loads(out.getvalue()) if out.getvalue() else None


def test_show_then_apply_then_rerun_is_unchanged(sandbox: Any, client: Any) -> None:
    code, shown = run(sandbox, "--follow-up-email", "ops@example.com")
    assert code == 0 and shown is not None and shown["action"] == "would create"
    assert client.get_affiliate("TTK") is None  # nothing written without --apply
    code, applied = run(sandbox, "--follow-up-email", "ops@example.com", "--apply")
    assert code == 0 and applied is not None and applied["action"] == "created"
    stored = client.get_affiliate("TTK")
    token = notification_token(SECRET, "c0ffee")
    assert stored["searchURIEndpoint"] == f"https://api.example.com/vtex/notification/c0ffee/{token}"
    assert stored["salesChannel"] == sandbox.env["VTEX_SALES_CHANNEL"] and stored["searchURIEndpointVersion"] == "1.x.x"
    assert token not in json.dumps(applied)  # the URL's secret is never printed
    code, again = run(sandbox, "--apply")  # the e-mail is kept from VTEX
    assert code == 0 and again is not None and (again["action"], again["changes"]) == ("unchanged", [])


def test_a_moved_api_updates_the_endpoint_and_a_missing_email_is_refused(sandbox: Any, client: Any) -> None:
    assert run(sandbox, "--apply")[0] == 2  # no affiliate yet and no e-mail: refused, nothing written
    assert client.get_affiliate("TTK") is None
    run(sandbox, "--follow-up-email", "ops@example.com", "--apply")
    args = ["--follow-up-email", "ops@example.com", "--apply", "--public-base-url", "https://new.example.com"]
    code, moved = run(sandbox, *args)
    assert code == 0 and moved is not None and moved["action"] == "updated"
    assert moved["changes"] == ["searchURIEndpoint"]
    assert client.get_affiliate("TTK")["searchURIEndpoint"].startswith("https://new.example.com/vtex/notification/")
