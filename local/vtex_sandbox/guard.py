"""What every VTEX route of the sandbox passes before its handler: the account in the path, the app key and
token, injected latency and faults (429 with Retry-After, 423 lock errors, 5xx), the JSON content type, and
the due cancellation-window transitions. Also how errors become VTEX-shaped replies."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from local.vtex_sandbox.faults import FaultInjector
from local.vtex_sandbox.replies import error_reply, reply
from local.vtex_sandbox.state import SandboxError, VtexStore

JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
UNAUTHORIZED = {"error": {"code": "1", "message": "Unauthorized access", "exception": None}}


def register_guard(
    app: Flask,
    store: VtexStore,
    faults: FaultInjector,
    *,
    account: str,
    app_key: str,
    app_token: str,
    sleep: Callable[[float], None],
) -> None:
    # --- cross-cutting: account, auth, content type, faults --------------------------------------

    @app.before_request
    def guard() -> Response | None:
        path = request.path
        if path.startswith("/sandbox/") or path == "/sandbox":
            return None
        route = request.endpoint or "unknown"
        faults.count(route)
        first = path.strip("/").split("/", 1)[0]
        if first != account:
            return error_reply(404, "1", f"Account {first or '(none)'} not found")
        if (
            request.headers.get("X-VTEX-API-AppKey") != app_key
            or request.headers.get("X-VTEX-API-AppToken") != app_token
        ):
            return reply(UNAUTHORIZED, 401)
        delay = faults.latency(route)
        if delay:
            sleep(delay)
        fault = faults.check(route)
        if fault is not None:
            return _fault_reply(fault.status, fault.retry_after, route)
        if (
            request.method in JSON_BODY_METHODS
            and request.get_data(cache=True)
            and request.mimetype != "application/json"
        ):
            return error_reply(400, "1", "Content-Type must be application/json")
        store.advance_due()
        return None

    def _fault_reply(status: int, retry_after: float | None, route: str) -> Response:
        if status == 429:
            wait = int(retry_after if retry_after is not None else 1)
            return error_reply(429, "429", "Too Many Requests", {"Retry-After": str(max(0, wait))})
        if status == 423:
            sku = request.view_args.get("sku_id", "0") if request.view_args else "0"
            warehouse = request.view_args.get("warehouse_id", "1_1") if request.view_args else "1_1"
            return error_reply(
                423, "423", f"Unable to acquire lock for key: {account}_item_logistics_{sku}_{warehouse}.", text=True
            )
        headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
        return error_reply(status, str(status), f"Injected fault on {route}", headers)

    @app.errorhandler(SandboxError)
    def sandbox_error(error: SandboxError) -> Response:
        return error_reply(error.status, error.code, error.message, error.headers, text=error.text)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return error_reply(error.code or 500, str(error.code), error.description or error.name)
