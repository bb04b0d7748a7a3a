"""Authorization API: the shops a token may act for, and the token endpoints of the auth host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import FORBIDDEN, NONE, Ctx, Endpoint, apply_fault, envelope
from local.tiktok_sandbox.signing import same
from local.tiktok_sandbox.state import AUTH_CODE_TTL, Sandbox


def authorized_shops(ctx: Ctx) -> dict[str, Any]:
    shops = ctx.sb.shops_of(ctx.open_id or "")
    keys = ("id", "name", "region", "seller_type", "cipher", "code")
    return {"shops": [{k: s[k] for k in keys} for s in shops]}


def register_token_routes(app: Flask, sb: Sandbox) -> None:
    """The two token endpoints of the auth host: both count the call, apply a configured fault, check the app
    credentials and the grant type, then answer TikTok's envelope (the grant's own checks raise ApiFail)."""

    def token_route(path: str, grant_type: str, grant: Callable[[dict[str, str]], dict[str, Any]]) -> None:
        key = f"GET {path}"

        def view() -> Response:
            with sb.lock:
                sb.calls[key] += 1
            faulted = apply_fault(sb, key)
            if faulted is not None:
                return faulted
            query = {k: request.args.get(k, "") for k in request.args}
            try:
                if not same(query.get("app_key", ""), sb.app_key) or not same(query.get("app_secret", ""),
                                                                               sb.app_secret):
                    raise E.ApiFail(E.REQUEST_INVALID, "Invalid app_key or app_secret", 401)
                if query.get("grant_type") != grant_type:
                    raise E.ApiFail(E.REQUEST_INVALID, f"grant_type must be {grant_type}", 400)
                with sb.lock:
                    data = grant(query)
            except E.ApiFail as fail:
                return envelope(fail.code, fail.message, fail.data, fail.http_status)
            return envelope(0, "success", data)

        app.add_url_rule(path, endpoint=f"token_{path.rsplit('/', 1)[-1]}", view_func=view, methods=["GET"])

    def authorized_code(query: dict[str, str]) -> dict[str, Any]:
        record = sb.auth_codes.get(query.get("auth_code", ""))
        if record is None or record["used"] or sb.now() >= record["issued_at"] + AUTH_CODE_TTL:
            raise E.ApiFail(E.AUTH_RECORD_NOT_FOUND, "can not find related auth record")
        record["used"] = True
        return sb.issue_tokens(record["shop_id"])

    def refresh_token(query: dict[str, str]) -> dict[str, Any]:
        record = sb.refresh_tokens.get(query.get("refresh_token", ""))
        if record is None or record["revoked"]:
            raise E.ApiFail(E.AUTH_RECORD_NOT_FOUND, "can not find related auth record")
        if sb.now() >= record["expires_at"]:
            raise E.ApiFail(E.RT_EXPIRED, "rt has expired")
        return sb.refresh(query["refresh_token"])

    token_route("/api/v2/token/get", "authorized_code", authorized_code)
    token_route("/api/v2/token/refresh", "refresh_token", refresh_token)


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/authorization/202309/shops", authorized_shops, cipher=FORBIDDEN, body=NONE),
]
