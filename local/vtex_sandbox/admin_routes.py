# ruff: noqa: PLR0915 - one function registers every admin route
"""Admin routes of the VTEX sandbox under `/sandbox/...` (no VTEX auth): reset and seed, config, inventory,
prices and SKU switches, faults, call counts, the cancellation-window tick, order advance, state dumps."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from local.vtex_sandbox.faults import FaultInjector
from local.vtex_sandbox.hooks import HookDispatcher
from local.vtex_sandbox.replies import admin_body, reply
from local.vtex_sandbox.state import VtexStore, bad


def register_admin(
    app: Flask, store: VtexStore, faults: FaultInjector, dispatcher: HookDispatcher, account: str
) -> None:
    # --- admin -----------------------------------------------------------------------------------

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
