"""VTEX API routes of the sandbox under `/<account>/api/...` and `/<account>/pricing/...`, by area: catalog,
logistics, pricing (decimals), fulfillment, OMS. Each delegates to the store; the guard in app.py has
already checked the account, the credentials, the content type and the injected faults."""

from __future__ import annotations

from flask import Flask, Response, request

from local.vtex_sandbox.replies import json_body, reply
from local.vtex_sandbox.state import SandboxError, VtexStore, bad


def register_api(app: Flask, store: VtexStore) -> None:
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
        body = json_body() or {}
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
        store.put_price(sku_id, json_body() or {})
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
        return reply(store.simulate(json_body(), _sc(), request.args.get("affiliateId")))

    @app.post(f"{prefix}/checkout/pub/orderForms/simulation", endpoint="checkout_simulation")
    def checkout_simulation(account: str) -> Response:
        return reply(store.simulate(json_body(), _sc(), request.args.get("affiliateId")))

    @app.post(f"{prefix}/fulfillment/pvt/orders", endpoint="place_order")
    def place_order(account: str) -> Response:
        return reply(store.place_order(json_body(), _sc(), request.args.get("affiliateId")))

    @app.post(f"{prefix}/fulfillment/pvt/orders/<order_id>/fulfill", endpoint="fulfill")
    def fulfill(account: str, order_id: str) -> Response:
        return reply(store.fulfill(order_id, json_body(), request.args.get("affiliateId")))

    # --- OMS -------------------------------------------------------------------------------------

    @app.get(f"{prefix}/oms/pvt/orders/<order_id>", endpoint="get_order")
    def get_order(account: str, order_id: str) -> Response:
        return reply(store.order(order_id).data)

    @app.get(f"{prefix}/oms/pvt/orders", endpoint="list_orders")
    def list_orders(account: str) -> Response:
        return reply(store.list_orders(request.args.get("f_status"), request.args.get("f_affiliateId")))

    @app.post(f"{prefix}/oms/pvt/orders/<order_id>/cancel", endpoint="cancel_order")
    def cancel_order(account: str, order_id: str) -> Response:
        return reply(store.cancel(order_id, json_body()))

    @app.post(f"{prefix}/oms/pvt/orders/<order_id>/start-handling", endpoint="start_handling")
    def start_handling(account: str, order_id: str) -> Response:
        store.start_handling(order_id)
        return Response(status=204)

    @app.post(f"{prefix}/oms/pvt/orders/<order_id>/invoice", endpoint="invoice")
    def invoice(account: str, order_id: str) -> Response:
        return reply(store.invoice(order_id, json_body()))

    @app.patch(f"{prefix}/oms/pvt/orders/<order_id>/invoice/<invoice_number>", endpoint="tracking")
    def tracking(account: str, order_id: str, invoice_number: str) -> Response:
        return reply(store.tracking(order_id, invoice_number, json_body()))

    @app.put(f"{prefix}/oms/pvt/orders/<order_id>/invoice/<invoice_number>/tracking", endpoint="tracking_events")
    def tracking_events(account: str, order_id: str, invoice_number: str) -> Response:
        return reply(store.tracking_events(order_id, invoice_number, json_body()))
