"""The request gate of the Partner API (what TikTok checks before any handler, in its order), the
response envelope, injected faults, and the view that runs a handler under the sandbox lock.

Handlers (api/) take a `Ctx` and return the `data` of the envelope, or raise `ApiFail`."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from flask import Response, request

from . import errors as E
from .signing import api_sign, same
from .state import Sandbox

TIMESTAMP_PAST = 300
TIMESTAMP_FUTURE = 30

REQUIRED, FORBIDDEN = "required", "forbidden"
JSON, MULTIPART, NONE = "json", "multipart", "none"


@dataclass
class Ctx:
    sb: Sandbox
    endpoint: str
    query: dict[str, str]
    body: dict[str, Any]
    path: dict[str, str]
    shop: dict[str, Any] | None = None
    open_id: str | None = None
    files: Any = None
    form: dict[str, str] = field(default_factory=dict)
    version: str = ""  # the path's API version, e.g. "202502": handlers tell a version's differences apart

    @property
    def now(self) -> int:
        return self.sb.now()


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    handler: Callable[[Ctx], Any]
    cipher: str = REQUIRED
    body: str = JSON

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def version(self) -> str:
        return self.template.split("/")[2]


def versions(spec: Endpoint, *newer: str) -> list[Endpoint]:
    """`spec` (written at its oldest version) and the same handler at each newer version the reference
    documents (`/product/202309/products/search` -> also `/product/202502/products/search`). A version
    not listed stays 36009009 "Invalid path", as TikTok answers a retired one."""
    _, group, _, rest = spec.template.split("/", 3)
    return [spec, *(replace(spec, template=f"/{group}/{version}/{rest}") for version in newer)]


def request_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(9).upper()


def envelope(code: int, message: str, data: Any = None, status: int = 200) -> Response:
    rid = request_id()
    body: dict[str, Any] = {"code": code, "message": message, "request_id": rid}
    if data is not None or code == 0:
        body["data"] = data if data is not None else {}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    response.headers["X-Tt-Logid"] = rid
    return response


def apply_fault(sb: Sandbox, endpoint: str) -> Response | None:
    with sb.lock:
        fault = sb.fault_for(endpoint)
        if fault is None:
            return None
        if fault.count is not None:
            if fault.count <= 0:
                return None
            fault.count -= 1
        roll = random.random()
        latency = fault.latency_ms / 1000.0
        outcome = None
        if roll < fault.timeout:
            outcome = "timeout"
        elif roll < fault.timeout + fault.error_rate_5xx:
            outcome = "5xx"
        elif roll < fault.timeout + fault.error_rate_5xx + fault.rate_429:
            outcome = "429"
        timeout_seconds = fault.timeout_seconds
    if latency:
        time.sleep(latency)
    if outcome == "timeout":
        time.sleep(timeout_seconds)
        return envelope(E.REQUEST_TIMEOUT, "Request timeout, please try again later", status=504)
    if outcome == "5xx":
        return envelope(E.INTERNAL_ERROR, "Internal error, please try again later", status=500)
    if outcome == "429":
        return envelope(E.RATE_LIMITED, "Too many requests", status=429)
    return None


def _query() -> dict[str, str]:
    return {key: request.args.get(key, "") for key in request.args}


def check_request(sb: Sandbox, spec: Endpoint, path_params: Mapping[str, str]) -> Ctx:  # noqa: PLR0912, PLR0915 - TikTok checks, in order
    """Everything TikTok checks before the handler, in its order; raises ApiFail."""
    query = _query()
    app_key = query.get("app_key")
    if not app_key or not same(app_key, sb.app_key):
        raise E.ApiFail(E.REQUEST_INVALID, "Invalid app_key", 401)
    if "sign" not in query or not query["sign"]:
        raise E.ApiFail(E.REQUEST_INVALID, "Missing sign", 401)
    timestamp = query.get("timestamp", "")
    if not timestamp.isdigit() or len(timestamp) != 10:
        raise E.ApiFail(E.REQUEST_INVALID, "Invalid timestamp: expected 10-digit unix seconds", 401)

    if spec.body == MULTIPART:
        if request.mimetype != "multipart/form-data":
            raise E.ApiFail(E.CONTENT_TYPE_MULTIPART, "Content-Type must be multipart/form-data", 400)
        raw = b""  # multipart bodies are never signed
    else:
        raw = request.get_data(cache=True)
        if raw and request.mimetype != "application/json":
            raise E.ApiFail(E.CONTENT_TYPE_JSON, "Content-Type must be application/json or multipart/form-data", 400)
    # The path as sent (percent-encoding included) is what the caller signed.
    raw_path = (request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "").split("?", 1)[0]
    expected = api_sign(sb.app_secret, raw_path or request.path, query, raw)
    if not same(expected, query["sign"].strip()):
        raise E.ApiFail(E.INVALID_SIGN, "Invalid sign", 401)
    wall = sb.wall_clock()
    if not (wall - TIMESTAMP_PAST <= int(timestamp) <= wall + TIMESTAMP_FUTURE):
        raise E.ApiFail(E.REQUEST_INVALID, "Invalid timestamp: outside the accepted window", 401)

    token = request.headers.get("x-tts-access-token", "")
    with sb.lock:
        record = sb.access_tokens.get(token) if token else None
        if record is None or record["revoked"]:
            raise E.ApiFail(E.REQUEST_INVALID, "Invalid access token", 401)
        if sb.now() >= record["expires_at"]:
            raise E.ApiFail(E.TOKEN_EXPIRED, "access token is expired, please refresh it", 401)
        open_id = record["open_id"]
        cipher = query.get("shop_cipher")
        shop = None
        if spec.cipher == FORBIDDEN and cipher is not None:
            raise E.ApiFail(E.REQUEST_INVALID, "Unexpected identifier: shop_cipher", 400)
        if spec.cipher == REQUIRED:
            if not cipher:
                raise E.ApiFail(E.MISSING_SHOP_CIPHER, "shop_cipher is required", 400)
            shop = sb.shop_by_cipher(cipher)
            if shop is None or shop["open_id"] != open_id:
                raise E.ApiFail(E.INVALID_CIPHER_OR_TOKEN, "Invalid shop_cipher or token mismatch", 401)
        if "shop_id" in query:
            raise E.ApiFail(E.REQUEST_INVALID, "Invalid shop_id: not used since 202309", 400)
    limiter_shop = shop["id"] if shop else open_id
    if not sb.take_token(sb.app_key, limiter_shop, spec.key):
        raise E.ApiFail(E.RATE_LIMITED, "Too many requests", 429)

    body: dict[str, Any] = {}
    files = None
    form: dict[str, str] = {}
    if spec.body == MULTIPART:
        files = request.files
        form = {k: request.form.get(k, "") for k in request.form}
    elif raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise E.invalid("body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise E.invalid("body must be a JSON object")
        body = parsed
    return Ctx(
        sb=sb,
        endpoint=spec.key,
        query=query,
        body=body,
        path=dict(path_params),
        shop=shop,
        open_id=open_id,
        files=files,
        form=form,
        version=spec.version,
    )


def api_view(sb: Sandbox, spec: Endpoint) -> Callable[..., Response]:
    def view(**path_params: str) -> Response:
        with sb.lock:
            sb.calls[spec.key] += 1
        faulted = apply_fault(sb, spec.key)
        if faulted is not None:
            return faulted
        try:
            ctx = check_request(sb, spec, path_params)
            with sb.lock:
                data = spec.handler(ctx)
        except E.ApiFail as fail:
            return envelope(fail.code, fail.message, fail.data, fail.http_status)
        return envelope(0, "Success", data)

    view.__name__ = f"api_{spec.method}_{spec.template}"
    return view


def flask_rule(template: str) -> str:
    return template.replace("{", "<").replace("}", ">")
