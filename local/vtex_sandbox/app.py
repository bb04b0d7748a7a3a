# ruff: noqa: PLR0915 - one factory registers every route
"""Flask app of the VTEX sandbox: VTEX routes under `/<account>/api/...` and `/<account>/pricing/...`,
admin routes under `/sandbox/...` (no VTEX auth). See the README section "VTEX sandbox"."""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from local.vtex_sandbox.faults import FaultInjector
from local.vtex_sandbox.hooks import HookDispatcher
from local.vtex_sandbox.state import SandboxError, VtexStore, bad

JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
UNAUTHORIZED = {"error": {"code": "1", "message": "Unauthorized access", "exception": None}}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # pricing decimals go out as JSON numbers (149.9), as VTEX sends them
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def reply(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(data, default=_default, ensure_ascii=False)
    return Response(body, status=status, headers=dict(headers or {}), mimetype="application/json")


def error_reply(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, *, text: bool = False
) -> Response:
    if text:
        return Response(message, status=status, headers=dict(headers or {}), mimetype="text/plain")
    return reply({"error": {"code": code, "message": message, "exception": None}}, status, headers)


def _body() -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise bad("1", "The request is invalid: malformed JSON") from None


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
    faults = FaultInjector(clock, default_rate_per_minute=rate)
    if _flag(env, "VTEX_SANDBOX_SEED", "demo") == "demo":
        store.seed_demo()

    app = Flask("vtex_sandbox")
    app.url_map.strict_slashes = False
    app.extensions["vtex_sandbox"] = {"store": store, "faults": faults, "hooks": dispatcher}
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

    app.extensions["vtex_sandbox"]["close"] = close

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

    prefix = "/<account>/api"

    # --- catalog ---------------------------------------------------------------------------------

    @app.get(f"{prefix}/catalog_system/pvt/sku/stockkeepingunitids", endpoint="sku_ids")
    def sku_ids(account: str) -> Response:
        page, size = request.args.get("page"), request.args.get("pagesize")
        if not page or not size or not page.isdigit() or not size.isdigit() or int(page) < 1:
            raise SandboxError(400, "400", "page and pagesize are required (positive integers)", text=True)
        if not 1 <= int(size) <= 1000:
            raise SandboxError(400, "400", "pagesize must be between 1 and 1000", text=True)
        ids = sorted(store.skus)
        start = (int(page) - 1) * int(size)
        return reply(ids[start : start + int(size)])

    @app.get(f"{prefix}/catalog_system/pvt/sku/stockkeepingunitbyid/<sku_id>", endpoint="sku_context")
    def sku_context(account: str, sku_id: str) -> Response:
        return reply(store.sku_context(sku_id, request.args.get("sc")))

    @app.get(f"{prefix}/catalog/pvt/stockkeepingunit/<sku_id>", endpoint="sku")
    def sku(account: str, sku_id: str) -> Response:
        return reply(store.sku_record(sku_id))

    @app.get(f"{prefix}/catalog/pvt/stockkeepingunit/<sku_id>/file", endpoint="sku_files")
    def sku_files(account: str, sku_id: str) -> Response:
        return reply(store.sku_files(sku_id))

    @app.get(f"{prefix}/catalog/pvt/stockkeepingunit/<sku_id>/ean", endpoint="sku_ean")
    def sku_ean(account: str, sku_id: str) -> Response:
        return reply([store.sku(sku_id).ean])

    @app.get(f"{prefix}/catalog/pvt/product/<product_id>", endpoint="product")
    def product(account: str, product_id: str) -> Response:
        return reply(store.product(product_id))

    @app.get(f"{prefix}/catalog_system/pvt/products/GetProductAndSkuIds", endpoint="product_sku_ids")
    def product_sku_ids(account: str) -> Response:
        start, end = int(request.args.get("_from", 1)), int(request.args.get("_to", 50))
        if end - start >= 250 or start < 1 or end < start:
            raise bad("1", "_from and _to must be a range of at most 250 (1-based)")
        category = request.args.get("categoryId")
        products = [
            p for p in sorted(store.products) if not category or str(store.products[p]["category_id"]) == category
        ]
        page = products[start - 1 : end]
        data = {str(p): [s.id for s in store.skus.values() if s.product_id == p] for p in page}
        return reply({"data": data, "range": {"total": len(products), "from": start, "to": end}})

    @app.get(f"{prefix}/catalog_system/pvt/brand/list", endpoint="brand_list")
    def brand_list(account: str) -> Response:
        return reply(
            [
                {**b, "title": b["name"], "metaTagDescription": b["name"], "imageUrl": None}
                for b in store.brands.values()
            ]
        )

    @app.get(f"{prefix}/catalog_system/pub/category/tree/<int:levels>", endpoint="category_tree")
    def category_tree(account: str, levels: int) -> Response:
        return reply(store.category_tree(levels))

    # --- logistics -------------------------------------------------------------------------------

    @app.get(f"{prefix}/logistics/pvt/inventory/skus/<sku_id>", endpoint="inventory_sku")
    def inventory_sku(account: str, sku_id: str) -> Response:
        return reply(store.inventory_sku(sku_id))

    @app.get(f"{prefix}/logistics/pvt/inventory/items/<sku_id>/warehouses/<warehouse_id>", endpoint="inventory_item")
    def inventory_item(account: str, sku_id: str, warehouse_id: str) -> Response:
        return reply(store.inventory_items(sku_id, warehouse_id))

    @app.put(f"{prefix}/logistics/pvt/inventory/skus/<sku_id>/warehouses/<warehouse_id>", endpoint="inventory_put")
    def inventory_put(account: str, sku_id: str, warehouse_id: str) -> Response:
        body = _body() or {}
        store.set_inventory(
            sku_id, warehouse_id, body.get("quantity"), body.get("unlimitedQuantity"), body.get("leadTime")
        )
        return reply(True)

    @app.get(f"{prefix}/logistics/pvt/configuration/warehouses", endpoint="warehouses")
    def warehouses_list(account: str) -> Response:
        return reply(
            [
                {
                    "id": w,
                    "name": f"Estoque {w}",
                    "warehouseDocks": [{"dockId": "1", "time": "00:00:00", "cost": 0.0}],
                    "pickupPointIds": [],
                    "priority": 0,
                    "isActive": True,
                }
                for w in store.warehouses
            ]
        )

    # --- pricing (decimals) ----------------------------------------------------------------------

    @app.get("/<account>/pricing/prices/<sku_id>", endpoint="price")
    def price(account: str, sku_id: str) -> Response:
        return reply(store.price(sku_id))

    @app.put("/<account>/pricing/prices/<sku_id>", endpoint="price_put")
    def price_put(account: str, sku_id: str) -> Response:
        store.put_price(sku_id, _body() or {})
        return Response(status=200)

    @app.get("/<account>/pricing/prices/<sku_id>/computed/<trade_policy>", endpoint="computed_price")
    def computed_price(account: str, sku_id: str, trade_policy: str) -> Response:
        return reply(store.computed_price(sku_id, trade_policy))

    @app.get("/<account>/pricing/prices/<sku_id>/computed", endpoint="computed_prices")
    def computed_prices(account: str, sku_id: str) -> Response:
        record = store._price(sku_id)
        policies = sorted({store.sales_channel, *record.fixed})
        return reply([store.computed_price(sku_id, p) for p in policies])

    # --- fulfillment -----------------------------------------------------------------------------

    def _sc() -> str:
        return request.args.get("sc") or store.sales_channel

    @app.post(f"{prefix}/fulfillment/pvt/orderForms/simulation", endpoint="simulation")
    def simulation(account: str) -> Response:
        return reply(store.simulate(_body(), _sc(), request.args.get("affiliateId")))

    @app.post(f"{prefix}/checkout/pub/orderForms/simulation", endpoint="checkout_simulation")
    def checkout_simulation(account: str) -> Response:
        return reply(store.simulate(_body(), _sc(), request.args.get("affiliateId")))

    @app.post(f"{prefix}/fulfillment/pvt/orders", endpoint="place_order")
    def place_order(account: str) -> Response:
        return reply(store.place_order(_body(), _sc(), request.args.get("affiliateId")))

    @app.post(f"{prefix}/fulfillment/pvt/orders/<order_id>/fulfill", endpoint="fulfill")
    def fulfill(account: str, order_id: str) -> Response:
        return reply(store.fulfill(order_id, _body(), request.args.get("affiliateId")))

    # --- OMS -------------------------------------------------------------------------------------

    @app.get(f"{prefix}/oms/pvt/orders/<order_id>", endpoint="get_order")
    def get_order(account: str, order_id: str) -> Response:
        return reply(store.order(order_id).data)

    @app.get(f"{prefix}/oms/pvt/orders", endpoint="list_orders")
    def list_orders(account: str) -> Response:
        return reply(store.list_orders(request.args.get("f_status"), request.args.get("f_affiliateId")))

    @app.post(f"{prefix}/oms/pvt/orders/<order_id>/cancel", endpoint="cancel_order")
    def cancel_order(account: str, order_id: str) -> Response:
        return reply(store.cancel(order_id, _body()))

    @app.post(f"{prefix}/oms/pvt/orders/<order_id>/start-handling", endpoint="start_handling")
    def start_handling(account: str, order_id: str) -> Response:
        store.start_handling(order_id)
        return Response(status=204)

    @app.post(f"{prefix}/oms/pvt/orders/<order_id>/invoice", endpoint="invoice")
    def invoice(account: str, order_id: str) -> Response:
        return reply(store.invoice(order_id, _body()))

    @app.patch(f"{prefix}/oms/pvt/orders/<order_id>/invoice/<invoice_number>", endpoint="tracking")
    def tracking(account: str, order_id: str, invoice_number: str) -> Response:
        return reply(store.tracking(order_id, invoice_number, _body()))

    @app.put(f"{prefix}/oms/pvt/orders/<order_id>/invoice/<invoice_number>/tracking", endpoint="tracking_events")
    def tracking_events(account: str, order_id: str, invoice_number: str) -> Response:
        return reply(store.tracking_events(order_id, invoice_number, _body()))

    # --- orders hook -----------------------------------------------------------------------------

    @app.get(f"{prefix}/orders/hook/config", endpoint="hook_config_get")
    def hook_config_get(account: str) -> Response:
        if dispatcher.config is None:
            raise SandboxError(404, "1", "Hook configuration not found for this appKey")
        return reply(dispatcher.config)

    @app.post(f"{prefix}/orders/hook/config", endpoint="hook_config_set")
    def hook_config_set(account: str) -> Response:
        body = _body()
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
        if hook_filter is not None:
            if not isinstance(hook_filter, dict) or hook_filter.get("type") not in ("FromWorkflow", "FromOrders"):
                raise bad("1", "filter.type must be FromWorkflow or FromOrders")
            if hook_filter.get("status") is not None and hook_filter.get("expression") is not None:
                raise SandboxError(409, "1", "filter cannot mix FromWorkflow status and FromOrders expression")
            if hook_filter["type"] == "FromWorkflow" and not isinstance(hook_filter.get("status"), list):
                raise bad("1", "filter.status is required for FromWorkflow")
            if hook_filter["type"] == "FromOrders" and not isinstance(hook_filter.get("expression"), str):
                raise bad("1", "filter.expression is required for FromOrders")
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

    # --- admin -----------------------------------------------------------------------------------

    def admin_body() -> dict[str, Any]:
        body = _body()
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise bad("1", "admin bodies are JSON objects")
        return body

    @app.get("/sandbox/health")
    def health() -> Response:
        return reply({"status": "ok"})

    @app.post("/sandbox/reset")
    def reset() -> Response:
        body = admin_body()
        store.reset()
        faults.clear()
        faults.reset_calls()
        dispatcher.clear()
        if body.get("seed", "demo") == "demo":
            store.seed_demo()
        return reply(store.counts())

    @app.post("/sandbox/seed/demo")
    def seed_demo() -> Response:
        body = admin_body()
        options = {k: int(body[k]) for k in ("products", "skus_per_product", "seed") if body.get(k) is not None}
        if body.get("replace", True):
            store.reset()
        return reply(store.seed_demo(**options))

    @app.get("/sandbox/config")
    def config_get() -> Response:
        return reply(_config())

    def _config() -> dict[str, Any]:
        return {
            "cancel_window_seconds": store.cancel_window_seconds,
            "place_order_response": store.place_order_response,
            "price_divergence": store.price_divergence,
            "rate_limit_per_minute": faults.default_rate_per_minute,
            "warehouses": store.warehouses,
            "affiliate_id": store.affiliate_id,
            "sales_channel": store.sales_channel,
            "account": account,
        }

    @app.post("/sandbox/config")
    def config_set() -> Response:
        body = admin_body()
        if "cancel_window_seconds" in body:
            store.cancel_window_seconds = max(0.0, float(body["cancel_window_seconds"]))
        if "place_order_response" in body:
            if body["place_order_response"] not in ("array", "object"):
                raise bad("1", "place_order_response must be array or object")
            store.place_order_response = body["place_order_response"]
        if "price_divergence" in body:
            if body["price_divergence"] not in ("accept", "reject"):
                raise bad("1", "price_divergence must be accept or reject")
            store.price_divergence = body["price_divergence"]
        if "rate_limit_per_minute" in body:
            value = body["rate_limit_per_minute"]
            faults.default_rate_per_minute = float(value) if value else None
        return reply(_config())

    @app.put("/sandbox/inventory")
    def admin_inventory() -> Response:
        body = admin_body()
        return reply(
            store.set_inventory(
                body.get("sku_id"),
                str(body.get("warehouse_id") or store.warehouses[0]),
                body.get("quantity"),
                body.get("unlimited", False),
            )
        )

    @app.put("/sandbox/prices")
    def admin_prices() -> Response:
        return reply(store.set_price_admin(admin_body()))

    @app.put("/sandbox/skus/<int:sku_id>")
    def admin_sku(sku_id: int) -> Response:
        body = admin_body()
        with store.lock:
            target = store.sku(sku_id)
            if "active" in body:
                target.is_active = bool(body["active"])
            return reply({"id": target.id, "active": target.is_active, "name": target.name})

    @app.get("/sandbox/faults")
    def faults_get() -> Response:
        return reply(faults.describe())

    @app.post("/sandbox/faults")
    def faults_set() -> Response:
        try:
            return reply(faults.configure(admin_body()))
        except (TypeError, ValueError, KeyError) as error:
            raise bad("1", f"invalid fault: {error}") from None

    @app.delete("/sandbox/faults")
    def faults_clear() -> Response:
        faults.clear(request.args.get("route") or request.args.get("endpoint"))
        return reply(faults.describe())

    @app.get("/sandbox/calls")
    def calls_get() -> Response:
        counts = dict(faults.calls)
        return reply({"calls": counts, "total": sum(counts.values())})

    @app.delete("/sandbox/calls")
    def calls_reset() -> Response:
        faults.reset_calls()
        return reply({"calls": {}, "total": 0})

    @app.post("/sandbox/tick")
    def tick_now() -> Response:
        return reply({"moved": store.advance_due()})

    @app.get("/sandbox/state/orders")
    def state_orders() -> Response:
        with store.lock:
            return reply(
                [
                    {
                        "orderId": oid,
                        "status": r.data["status"],
                        "marketplaceOrderId": r.data["marketplaceOrderId"],
                        "value": r.data["value"],
                        "reserved": r.reserved,
                        "history": r.history,
                    }
                    for oid, r in store.orders.items()
                ]
            )

    @app.get("/sandbox/state/orders/<order_id>")
    def state_order(order_id: str) -> Response:
        with store.lock:
            record = store.order(order_id)
            return reply(
                {
                    **record.data,
                    "_sandbox": {
                        "history": record.history,
                        "reserved": record.reserved,
                        "reservations": record.reservations,
                    },
                }
            )

    @app.post("/sandbox/orders/<order_id>/advance")
    def advance(order_id: str) -> Response:
        return reply(store.advance(order_id, admin_body()))

    @app.get("/sandbox/state/inventory/<int:sku_id>")
    def state_inventory(sku_id: int) -> Response:
        with store.lock:
            store.sku(sku_id)
            return reply(store.inventory_state(sku_id))

    @app.get("/sandbox/state/inventory")
    def state_inventory_all() -> Response:
        with store.lock:
            reserved = [
                store.inventory_state(s) for s in sorted({s for (s, _), r in store.stock.items() if r.reserved})
            ]
            return reply({"skus": len(store.skus), "warehouses": store.warehouses, "with_reservations": reserved})

    @app.get("/sandbox/state/prices/<int:sku_id>")
    def state_price(sku_id: int) -> Response:
        return reply(store.price(sku_id))

    @app.get("/sandbox/state/catalog")
    def state_catalog() -> Response:
        return reply(store.counts())

    @app.get("/sandbox/state/hook")
    def state_hook() -> Response:
        config = dispatcher.config
        if config is None:
            return reply({"config": None})
        hook = config["hook"]
        shown = {**config, "hook": {"url": hook["url"], "headers": sorted(hook.get("headers") or {})}}
        return reply({"config": shown})

    @app.get("/sandbox/state/hook/deliveries")
    def state_deliveries() -> Response:
        return reply({"deliveries": dispatcher.snapshot(), "idle": dispatcher.idle()})

    return app
