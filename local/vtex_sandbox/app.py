"""Flask app of the VTEX sandbox: wires the store, the hook dispatcher and the fault injector, the guard every
VTEX route passes (account, auth, content type, faults), and the routes: VTEX API (api_routes.py), orders
hook configuration (hook_routes.py), admin under `/sandbox/...` (admin_routes.py). See the README section
"VTEX sandbox".

Dependency direction: records <- store <- areas (catalog, logistics, pricing, checkout, fulfillment, oms)
<- state <- replies <- guard, routes <- app."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping

from flask import Flask

from local.vtex_sandbox.admin_routes import register_admin
from local.vtex_sandbox.affiliates import register_affiliate_routes
from local.vtex_sandbox.api_routes import register_api
from local.vtex_sandbox.faults import FaultInjector
from local.vtex_sandbox.guard import register_guard
from local.vtex_sandbox.hook_routes import register_hook_routes
from local.vtex_sandbox.hooks import HookDispatcher
from local.vtex_sandbox.notifications import AffiliateNotifier
from local.vtex_sandbox.state import VtexStore


def _flag(env: Mapping[str, str], name: str, default: str) -> str:
    return str(env.get(name, default)).strip()


def create_app(
    env: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    ticker: bool = True,
) -> Flask:
    """The sandbox for the account in `env` (local/stack.env keys). `clock` drives rate limits and the
    cancellation window; `ticker` runs a daemon thread that applies due transitions (and their hooks)."""
    account = env["VTEX_ACCOUNT"]
    app_key, app_token = env["VTEX_APP_KEY"], env["VTEX_APP_TOKEN"]
    warehouses = [w.strip() for w in env.get("VTEX_WAREHOUSE_ID", "1_1").split(",") if w.strip()]
    rate = float(_flag(env, "VTEX_SANDBOX_RATE_LIMIT_PER_MINUTE", "6000") or 0) or None
    hook_delays = [float(x) for x in _flag(env, "VTEX_SANDBOX_HOOK_RETRY_DELAYS", "0.2,0.5,1.0").split(",") if x]
    dispatcher = HookDispatcher(account, app_key, retry_delays=hook_delays, sleep=sleep)
    store = VtexStore(
        account=account,
        affiliate_id=env.get("VTEX_AFFILIATE_ID", "TTK"),
        sales_channel=env.get("VTEX_SALES_CHANNEL", "1"),
        warehouses=warehouses,
        clock=clock,
        notify=dispatcher.notify,
        cancel_window_seconds=float(_flag(env, "VTEX_SANDBOX_CANCEL_WINDOW_SECONDS", "3")),
    )
    dispatcher.order_lookup = lambda order_id: (found.data if (found := store.orders.get(order_id)) else None)
    faults = FaultInjector(clock, default_rate_per_minute=rate)
    notification_delays = [float(x) for x in _flag(env, "VTEX_SANDBOX_NOTIFICATION_RETRY_DELAYS", "0.5,1.0,2.0")
                           .split(",") if x]
    notifier = AffiliateNotifier(account, committed=lambda: store.lock, retry_delays=notification_delays, sleep=sleep)
    store.notifier = notifier
    if _flag(env, "VTEX_SANDBOX_SEED", "demo") == "demo":
        store.seed_demo()

    app = Flask("vtex_sandbox")
    app.url_map.strict_slashes = False
    app.extensions["vtex_sandbox"] = {"store": store, "faults": faults, "hooks": dispatcher,
                                      "notifications": notifier}
    stop = threading.Event()

    if ticker:
        store_ref = weakref.ref(store)

        def tick() -> None:  # ends with close() or once the app (and its store) is garbage
            while not stop.wait(0.25):
                current = store_ref()
                if current is None:
                    return
                current.advance_due()
                del current

        threading.Thread(target=tick, name="vtex-sandbox-ticker", daemon=True).start()

    def close() -> None:
        stop.set()
        dispatcher.close()
        notifier.close()

    app.extensions["vtex_sandbox"]["close"] = close

    register_guard(app, store, faults, account=account, app_key=app_key, app_token=app_token, sleep=sleep)
    register_api(app, store)
    register_hook_routes(app, dispatcher, app_key)
    register_admin(app, store, faults, dispatcher, account)
    register_affiliate_routes(app, store, notifier)
    return app
