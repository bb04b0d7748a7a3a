"""Orders hook configuration routes of the VTEX sandbox (`/<account>/api/orders/hook/config`): validated
like VTEX (filter shapes, a ping that must answer 200) before the dispatcher takes it."""

from __future__ import annotations

from flask import Flask, Response

from local.vtex_sandbox.hook_filter import compile_filter
from local.vtex_sandbox.hooks import HookDispatcher
from local.vtex_sandbox.replies import json_body, reply
from local.vtex_sandbox.state import SandboxError, bad


def register_hook_routes(app: Flask, dispatcher: HookDispatcher, app_key: str) -> None:
    prefix = "/<account>/api"
    # invoices, tracking and cancellations are called back to each order's marketplaceServicesEndpoint
    store = app.extensions.get("vtex_sandbox", {}).get("store")
    if store is not None:
        store.marketplace_callback = dispatcher.marketplace

    @app.get("/sandbox/state/marketplace/deliveries", endpoint="state_marketplace_deliveries")
    def marketplace_deliveries() -> Response:
        return reply({"deliveries": dispatcher.callback_snapshot(), "idle": dispatcher.idle()})

    # --- orders hook -----------------------------------------------------------------------------

    @app.get("/sandbox/state/hook/filter", endpoint="state_hook_filter")
    def hook_filter_state() -> Response:
        current = dispatcher.filter
        return reply({"type": current.kind, "singleFire": current.single_fire, "fired": sorted(current.fired),
                      "errors": list(current.errors)})

    @app.get(f"{prefix}/orders/hook/config", endpoint="hook_config_get")
    def hook_config_get(account: str) -> Response:
        if dispatcher.config is None:
            raise SandboxError(404, "1", "Hook configuration not found for this appKey")
        return reply(dispatcher.config)

    @app.post(f"{prefix}/orders/hook/config", endpoint="hook_config_set")
    def hook_config_set(account: str) -> Response:
        body = json_body()
        if not isinstance(body, dict):
            raise bad("1", "hook configuration must be an object")
        hook = body.get("hook")
        if (
            not isinstance(hook, dict)
            or not isinstance(hook.get("url"), str)
            or not hook["url"].startswith(("http://", "https://"))
        ):
            raise bad("1", "hook.url is required (http or https)")
        headers = hook.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise bad("1", "hook.headers must be an object of strings")
        hook_filter = body.get("filter")
        compile_filter(hook_filter)  # VTEX refuses a filter it cannot evaluate before pinging (400 / 409)
        ok, detail = dispatcher.ping(hook["url"], headers)
        if not ok:
            raise bad("1", f"The hook URL did not answer the ping with 200 ({detail})")
        config = {
            "filter": hook_filter,
            "hook": {"url": hook["url"], "headers": headers},
            "origin": {"account": account, "appKey": app_key},
            "queue": {"visibilityTimeoutInSeconds": 250, "MessageRetentionPeriodInSeconds": 345600},
        }
        dispatcher.set_config(config)
        return reply(config)

    @app.delete(f"{prefix}/orders/hook/config", endpoint="hook_config_delete")
    def hook_config_delete(account: str) -> Response:
        dispatcher.set_config(None)
        return Response(status=200)
