"""Authorization API: the shops a token may act for, and the token endpoints of the auth host."""

from __future__ import annotations

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
    def gate(grant_type: str) -> dict[str, str]:
        query = {k: request.args.get(k, "") for k in request.args}
        if not same(query.get("app_key", ""), sb.app_key) or not same(query.get("app_secret", ""), sb.app_secret):
            raise E.ApiFail(E.REQUEST_INVALID, "Invalid app_key or app_secret", 401)
        if query.get("grant_type") != grant_type:
            raise E.ApiFail(E.REQUEST_INVALID, f"grant_type must be {grant_type}", 400)
        return query

    def token_get() -> Response:
        key = "GET /api/v2/token/get"
        with sb.lock:
            sb.calls[key] += 1
        faulted = apply_fault(sb, key)
        if faulted is not None:
            return faulted
        try:
            query = gate("authorized_code")
            with sb.lock:
                record = sb.auth_codes.get(query.get("auth_code", ""))
                if record is None or record["used"] or sb.now() >= record["issued_at"] + AUTH_CODE_TTL:
                    raise E.ApiFail(E.AUTH_RECORD_NOT_FOUND, "can not find related auth record")
                record["used"] = True
                data = sb.issue_tokens(record["shop_id"])
        except E.ApiFail as fail:
            return envelope(fail.code, fail.message, fail.data, fail.http_status)
        return envelope(0, "success", data)

    def token_refresh() -> Response:
        key = "GET /api/v2/token/refresh"
        with sb.lock:
            sb.calls[key] += 1
        faulted = apply_fault(sb, key)
        if faulted is not None:
            return faulted
        try:
            query = gate("refresh_token")
            with sb.lock:
                record = sb.refresh_tokens.get(query.get("refresh_token", ""))
                if record is None or record["revoked"]:
                    raise E.ApiFail(E.AUTH_RECORD_NOT_FOUND, "can not find related auth record")
                if sb.now() >= record["expires_at"]:
                    raise E.ApiFail(E.RT_EXPIRED, "rt has expired")
                data = sb.refresh(query["refresh_token"])
        except E.ApiFail as fail:
            return envelope(fail.code, fail.message, fail.data, fail.http_status)
        return envelope(0, "success", data)

    app.add_url_rule("/api/v2/token/get", endpoint="token_get", view_func=token_get, methods=["GET"])
    app.add_url_rule("/api/v2/token/refresh", endpoint="token_refresh", view_func=token_refresh, methods=["GET"])


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/authorization/202309/shops", authorized_shops, cipher=FORBIDDEN, body=NONE),
]
