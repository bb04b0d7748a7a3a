"""Admin routes under /sandbox/: drive the sandbox from tests, the demo and humans (see README)."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any
from urllib.parse import urlencode

import httpx
from flask import Flask, Response, request

from .api import EVENT_TYPES, product_view
from .catalog import seed_fields
from .orders import AdminError, buyer_cancellation, create_order, new_return, set_order_status, touch_return
from .state import Fault, Sandbox

STATE_KINDS = (
    "shops",
    "tokens",
    "auth_codes",
    "products",
    "brands",
    "images",
    "orders",
    "packages",
    "invoices",
    "cancellations",
    "returns",
    "webhooks",
    "deliveries",
)


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        if request.get_data():
            raise AdminError("body must be JSON")
        return {}
    if not isinstance(data, dict):
        raise AdminError("body must be a JSON object")
    return data


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def seed_demo(sb: Sandbox, shop_id: str, catalog: dict[str, Any]) -> dict[str, int]:
    """Create the demo seller's brands and ACTIVATE products (ids from the catalog) in its default warehouse."""
    shop = sb.shops[shop_id]
    warehouse_id = sb.env.get("DEMO_TIKTOK_WAREHOUSE_ID") if shop_id == sb.env.get("DEMO_SHOP_ID") else None
    warehouse_id = warehouse_id or sb.default_warehouse(shop)
    now = sb.now()
    brand_ids: dict[int, str] = {}
    for brand in catalog.get("brands", []):
        existing = next((b for b in sb.brands.values() if b["name"].lower() == brand["name"].lower()), None)
        if existing is None:
            existing = {
                "id": sb.new_id(708),
                "name": brand["name"],
                "authorized_status": "UNAUTHORIZED",
                "is_t1_brand": False,
                "brand_status": "AVAILABLE",
                "owner": shop["open_id"],
            }
            sb.brands[existing["id"]] = existing
        brand_ids[brand["id"]] = existing["id"]
    categories = {c["id"]: str(c["tiktok_category_id"]) for c in catalog.get("categories", [])}
    known = {c["id"] for c in sb.categories}
    skus_total = 0
    for product in catalog.get("products", []):
        category_id = categories.get(product["category_id"], "")
        if category_id not in known:
            sb.categories.append(
                {
                    "id": category_id,
                    "parent_id": "0",
                    "local_name": f"Categoria {category_id}",
                    "is_leaf": True,
                    "permission_statuses": ["AVAILABLE"],
                }
            )
            known.add(category_id)
        images: list[dict[str, str]] = []
        skus = []
        for sku in product["skus"]:
            for url in sku.get("images", [])[:9]:
                uri = "tos-maliva-i-sbx/demo-" + hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()
                sb.images.setdefault(
                    uri,
                    {
                        "uri": uri,
                        "content": b"",
                        "kind": "jpeg",
                        "width": 800,
                        "height": 800,
                        "use_case": "MAIN_IMAGE",
                        "source_url": url,
                    },
                )
                if len(images) < 9 and {"uri": uri} not in images:
                    images.append({"uri": uri})
            value = sku["name"].rsplit(" - ", 1)[-1]
            skus.append(
                {
                    "id": str(sku["tiktok_sku_id"]),
                    "seller_sku": str(sku["seller_sku"]),
                    "price": {
                        "currency": "BRL",
                        "sale_price": sku["selling_price"],
                        "tax_exclusive_price": sku["selling_price"],
                    },
                    "inventory": [
                        {"warehouse_id": warehouse_id, "quantity": min(99999, sum(sku.get("stock", {}).values()))}
                    ],
                    "sales_attributes": [{"id": "100089", "name": "Variação", "value_id": "", "value_name": value}],
                    "external_sku_id": str(sku["id"]),
                    "identifier_code": {"code": sku.get("ean", ""), "type": "EAN"},
                    "list_price": {"amount": sku["list_price"], "currency": "BRL"},
                }
            )
            skus_total += 1
        product_id = str(product["tiktok_product_id"])
        sb.products[product_id] = {
            "id": product_id,
            "title": product["name"],
            "description": product.get("description") or product["name"],
            "category_id": category_id,
            "brand_id": brand_ids.get(product.get("brand_id")),
            "main_images": images,
            "skus": skus,
            "package_weight": {"value": "0.5", "unit": "KILOGRAM"},
            **seed_fields(category_id),
            "external_product_id": str(product["id"]),
            "is_cod_allowed": False,
            "status": "ACTIVATE",
            "create_time": now,
            "update_time": now,
            "_shop_id": shop_id,
            "_in_promotion": False,
            "_idempotency_key": None,
        }
    return {"brands": len(brand_ids), "products": len(catalog.get("products", [])), "skus": skus_total}


def register_admin(app: Flask, sb: Sandbox) -> None:  # noqa: PLR0915 - one place lists every admin route
    def route(rule: str, methods: tuple[str, ...] = ("GET",)):
        def decorator(fn):
            def view(**kwargs: Any) -> Response:
                try:
                    return fn(**kwargs)
                except AdminError as error:
                    return _json({"error": str(error)}, 400)
                except KeyError as error:
                    return _json({"error": f"not found: {error}"}, 404)

            app.add_url_rule(rule, endpoint="admin_" + fn.__name__, view_func=view, methods=list(methods))
            return fn

        return decorator

    @route("/sandbox/health")
    def health() -> Response:
        return _json({"status": "ok"})

    @route("/sandbox/reset", ("POST",))
    def reset() -> Response:
        with sb.lock:
            sb.reset()
            sb.calls.clear()
            sb.faults.clear()
            sb.buckets.clear()
            sb.offset = 0.0
        return _json({"status": "reset"})

    @route("/sandbox/config", ("GET", "POST"))
    def config() -> Response:
        if request.method == "POST":
            body = _body()
            with sb.lock:
                if "qps" in body:
                    if float(body["qps"]) <= 0:
                        raise AdminError("qps must be positive")
                    sb.qps = float(body["qps"])
                    sb.buckets.clear()
                if "auto_approve" in body:
                    sb.auto_approve = bool(body["auto_approve"])
                if "invoice_outcome" in body:
                    if body["invoice_outcome"] not in ("SUCCESS", "PROCESSING", "FAILED", "INVALID"):
                        raise AdminError("invoice_outcome: SUCCESS|PROCESSING|FAILED|INVALID")
                    sb.invoice_outcome = body["invoice_outcome"]  # type: ignore[attr-defined]
                if "push_time_scale" in body:
                    sb.pusher.auto_time_scale = float(body["push_time_scale"])  # type: ignore[attr-defined]
        return _json(
            {
                "qps": sb.qps,
                "auto_approve": sb.auto_approve,
                "invoice_outcome": sb.invoice_outcome,  # type: ignore[attr-defined]
                "push_time_scale": sb.pusher.auto_time_scale,
            }
        )  # type: ignore[attr-defined]

    @route("/sandbox/shops", ("GET", "POST"))
    def shops() -> Response:
        if request.method == "GET":
            return _json({"shops": [_strip(s) for s in sb.shops.values()]})
        body = _body()
        with sb.lock:
            if body.get("shop_id") in sb.shops:
                raise AdminError(f"shop {body['shop_id']} exists")
            shop = sb.add_shop(
                shop_id=body.get("shop_id"),
                name=body.get("name", "Loja Sandbox"),
                code=body.get("code"),
                cipher=body.get("cipher"),
                region=body.get("region", "BR"),
                seller_type=body.get("seller_type", "LOCAL"),
                open_id=body.get("open_id"),
                seller_name=body.get("seller_name"),
                warehouse_id=body.get("warehouse_id"),
            )
        return _json(shop, 201)

    @route("/sandbox/consent", ("POST",))
    def consent() -> Response:
        body = _body()
        shop_id = str(body.get("shop_id") or sb.env.get("DEMO_SHOP_ID") or "")
        if shop_id not in sb.shops:
            raise AdminError(f"unknown shop {shop_id}")
        state = body.get("state")
        code = None if body.get("deny") else sb.issue_auth_code(shop_id)
        redirect = None
        if body.get("redirect_url"):
            params = (
                {"code": code, "state": state} if code else {"code": "null", "error": "auth_denied", "state": state}
            )
            url = (
                body["redirect_url"]
                + ("&" if "?" in body["redirect_url"] else "?")
                + urlencode({k: v for k, v in params.items() if v is not None})
            )
            try:
                answer = httpx.get(url, timeout=float(body.get("timeout", 30)))
                redirect = {"status": answer.status_code, "body": answer.text[:2000]}
            except httpx.HTTPError as exc:
                redirect = {"status": None, "error": type(exc).__name__}
        return _json({"code": code, "shop_id": shop_id, "state": state, "redirect": redirect})

    @route("/sandbox/deauthorize", ("POST",))
    def deauthorize() -> Response:
        shop_id = str(_body().get("shop_id") or "")
        if shop_id not in sb.shops:
            raise AdminError(f"unknown shop {shop_id}")
        revoked = sb.revoke(shop_id)
        sb.pusher.notify(shop_id, 6, {"message": f"Shop_id {shop_id} is deauthorized from your APP by merchant."})  # type: ignore[attr-defined]
        return _json({"revoked": revoked})

    @route("/sandbox/clock", ("GET", "POST"))
    def clock() -> Response:
        if request.method == "POST":
            body = _body()
            with sb.lock:
                if "offset_seconds" in body:
                    sb.offset = float(body["offset_seconds"])
                sb.offset += float(body.get("advance_seconds", 0))
        return _json({"offset_seconds": sb.offset, "now": sb.now()})

    @route("/sandbox/seed/demo", ("POST",))
    def seed() -> Response:
        body = _body()
        shop_id = str(body.get("shop_id") or sb.env.get("DEMO_SHOP_ID") or "")
        if shop_id not in sb.shops:
            raise AdminError(f"unknown shop {shop_id}")
        catalog = body.get("catalog")
        if catalog is None:
            from local.fixtures.demo_catalog import demo_catalog

            kwargs = {"products": int(body["products"])} if "products" in body else {}
            catalog = demo_catalog(**kwargs)
        with sb.lock:
            counts = seed_demo(sb, shop_id, catalog)
        return _json({"shop_id": shop_id, **counts})

    @route("/sandbox/products/<product_id>/status", ("POST",))
    def product_status(product_id: str) -> Response:
        status = _body().get("status")
        from .api import PRODUCT_STATUSES

        if status not in PRODUCT_STATUSES:
            raise AdminError("status must be a product status")
        with sb.lock:
            product = sb.products[product_id]
            product["status"] = status
            product["update_time"] = sb.now()
            sb.pusher.notify(
                product["_shop_id"],
                5,
                {  # type: ignore[attr-defined]
                    "product_id": int(product_id),
                    "status": "PRODUCT_STATUS_CHANGED",
                    "suspended_reason": "",
                    "update_time": sb.now(),
                },
            )
            return _json(product_view(sb, product, request.host_url.rstrip("/")))

    @route("/sandbox/products/<product_id>/promotion", ("POST",))
    def product_promotion(product_id: str) -> Response:
        with sb.lock:
            product = sb.products[product_id]
            product["_in_promotion"] = bool(_body().get("locked", True))
            return _json({"product_id": product_id, "in_promotion": product["_in_promotion"]})

    @route("/sandbox/orders", ("POST",))
    def orders() -> Response:
        body = _body()
        shop_id = str(body.get("shop_id") or sb.env.get("DEMO_SHOP_ID") or "")
        with sb.lock:
            order = create_order(sb, shop_id, body)
            return _json(_view_order(order), 201)

    @route("/sandbox/orders/<order_id>/status", ("POST",))
    def order_status(order_id: str) -> Response:
        body = _body()
        with sb.lock:
            order = sb.orders[order_id]
            set_order_status(
                sb,
                order,
                str(body.get("status")),
                notify=bool(body.get("notify", True)),
                force=bool(body.get("force", False)),
            )
            return _json(_view_order(order))

    @route("/sandbox/orders/<order_id>/cancellations", ("POST",))
    def order_cancellation(order_id: str) -> Response:
        with sb.lock:
            record = buyer_cancellation(sb, sb.orders[order_id], str(_body().get("reason") or "Desisti da compra"))
            return _json(_strip(record), 201)

    @route("/sandbox/orders/<order_id>/returns", ("POST",))
    def order_return(order_id: str) -> Response:
        body = _body()
        with sb.lock:
            record = new_return(
                sb,
                sb.orders[order_id],
                str(body.get("return_type") or "RETURN_AND_REFUND"),
                str(body.get("reason") or "Produto com defeito"),
            )
            return _json(_strip(record), 201)

    @route("/sandbox/returns/<return_id>/status", ("POST",))
    def return_status(return_id: str) -> Response:
        status = str(_body().get("status"))
        with sb.lock:
            record = sb.returns[return_id]
            touch_return(sb, record, status)
            return _json(_strip(record))

    @route("/sandbox/invoices/<package_id>/status", ("POST",))
    def invoice_status(package_id: str) -> Response:
        body = _body()
        status = body.get("status")
        if status not in ("SUCCESS", "PROCESSING", "FAILED", "INVALID"):
            raise AdminError("status: SUCCESS|PROCESSING|FAILED|INVALID")
        with sb.lock:
            invoice = sb.invoices[package_id]
            invoice["status"] = status
            invoice["invalid_reason"] = body.get("invalid_reason") if status != "SUCCESS" else None
            shop_id = sb.packages[package_id]["_shop_id"]
            data = {"package_id": package_id, "order_ids": invoice["order_ids"], "invoice_status": status}
            if invoice["invalid_reason"]:
                data["invalid_reason"] = invoice["invalid_reason"]
            sb.pusher.notify(shop_id, 36, data)  # type: ignore[attr-defined]
            return _json(_strip(invoice))

    @route("/sandbox/webhooks/push", ("POST",))
    def push() -> Response:
        body = _body()
        url = body.get("url")
        type_ = body.get("type")
        if not url or not isinstance(type_, int | str):
            raise AdminError("url and type are required")
        if isinstance(type_, str):
            if type_ not in EVENT_TYPES:
                raise AdminError(f"unknown event type {type_}")
            type_ = EVENT_TYPES[type_]
        shop_id = str(body.get("shop_id") or sb.env.get("DEMO_SHOP_ID") or "")
        pusher = sb.pusher  # type: ignore[attr-defined]
        raw = body.get("raw_body")
        raw_bytes = (
            raw.encode()
            if isinstance(raw, str)
            else pusher.build(
                int(type_),
                shop_id,
                body.get("data") or {},
                notification_id=body.get("tts_notification_id"),
                timestamp=body.get("timestamp"),
            )
        )
        signature = body.get("signature")  # lets tests send a wrong one
        repeat = max(1, int(body.get("repeat", 1)))
        retry, time_scale = bool(body.get("retry", False)), float(body.get("time_scale", 0.0))

        def run() -> list[list[dict[str, Any]]]:
            return [
                pusher.deliver(url, raw_bytes, retry=retry, time_scale=time_scale, signature=signature)
                for _ in range(repeat)
            ]

        if body.get("async"):  # long compressed timetables: follow them in GET /sandbox/webhooks/deliveries
            threading.Thread(target=run, daemon=True, name="tiktok-sandbox-push").start()
            return _json({"body": raw_bytes.decode(), "scheduled": True}, 202)
        return _json({"body": raw_bytes.decode(), "deliveries": run()})

    @route("/sandbox/webhooks/deliveries", ("GET", "DELETE"))
    def deliveries() -> Response:
        with sb.lock:
            if request.method == "DELETE":
                sb.deliveries.clear()
            return _json({"deliveries": list(sb.deliveries)})

    @route("/sandbox/faults", ("GET", "POST", "DELETE"))
    def faults() -> Response:
        with sb.lock:
            if request.method == "DELETE":
                endpoint = request.args.get("endpoint")
                if endpoint:
                    sb.faults.pop(endpoint, None)
                else:
                    sb.faults.clear()
            elif request.method == "POST":
                body = _body()
                endpoint = body.get("endpoint") or "*"
                fault = Fault(
                    endpoint=endpoint,
                    error_rate_5xx=float(body.get("error_rate_5xx", 0)),
                    rate_429=float(body.get("rate_429", 0)),
                    timeout=float(body.get("timeout", 0)),
                    timeout_seconds=float(body.get("timeout_seconds", 2.0)),
                    latency_ms=int(body.get("latency_ms", 0)),
                    count=int(body["count"]) if body.get("count") is not None else None,
                )
                if fault.error_rate_5xx + fault.rate_429 + fault.timeout > 1:
                    raise AdminError("error_rate_5xx + rate_429 + timeout must not exceed 1")
                sb.faults[endpoint] = fault
            return _json({"faults": [f.as_dict() for f in sb.faults.values()]})

    @route("/sandbox/calls", ("GET", "DELETE"))
    def calls() -> Response:
        with sb.lock:
            counts = dict(sb.calls)
            if request.method == "DELETE":
                sb.calls.clear()
        return _json({"calls": counts, "total": sum(counts.values())})

    @route("/sandbox/state/<kind>")
    def state(kind: str) -> Response:
        return _json({kind: _state_rows(sb, kind)})

    @route("/sandbox/state/<kind>/<item_id>")
    def state_item(kind: str, item_id: str) -> Response:
        rows = _state_rows(sb, kind, item_id)
        if not rows:
            return _json({"error": f"no {kind} {item_id}"}, 404)
        return _json(rows[0])

    @route("/sandbox/images/<path:uri>")
    def image(uri: str) -> Response:
        record = sb.images.get(uri)
        if record is None:
            return _json({"error": "no such image"}, 404)
        return Response(record["content"], mimetype=f"image/{record['kind']}")

    @route("/sandbox/documents/<package_id>/<name>")
    def document(package_id: str, name: str) -> Response:
        if package_id not in sb.packages:
            return _json({"error": "no such package"}, 404)
        package = sb.packages[package_id]
        text = f"%PDF-1.4\n% TikTok Shop sandbox label\n% package {package_id} tracking {package['tracking_number']}\n"
        return Response(text.encode(), mimetype="application/pdf" if name.endswith(".pdf") else "text/plain")


def _view_order(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if not k.startswith("_")} | {"shop_id": order["_shop_id"]}


def _state_rows(sb: Sandbox, kind: str, item_id: str | None = None) -> list[dict[str, Any]]:
    if kind not in STATE_KINDS:
        raise AdminError(f"state kinds: {', '.join(STATE_KINDS)}")
    with sb.lock:
        if kind == "tokens":
            rows = sb.token_status()
            return [r for r in rows if item_id in (None, r["shop_id"], r["fingerprint"])]
        if kind == "auth_codes":
            now = sb.now()
            rows = [
                {
                    "shop_id": r["shop_id"],
                    "issued_at": r["issued_at"],
                    "used": r["used"],
                    "expired": now >= r["issued_at"] + 1800,
                }
                for r in sb.auth_codes.values()
            ]
            return [r for r in rows if item_id in (None, r["shop_id"])]
        if kind == "webhooks":
            rows = [
                {"shop_id": shop_id, "event_type": event, **hook}
                for shop_id, hooks in sb.webhooks.items()
                for event, hook in hooks.items()
            ]
            return [r for r in rows if item_id in (None, r["shop_id"])]
        if kind == "deliveries":
            return list(sb.deliveries)
        table: dict[str, dict[str, Any]] = getattr(sb, kind)
        records = table.values() if item_id is None else ([table[item_id]] if item_id in table else [])
        rows = []
        for record in records:
            row = {k: v for k, v in record.items() if not k.startswith("_") and k != "content"}
            if "_shop_id" in record:
                row["shop_id"] = record["_shop_id"]
            if kind == "products":
                row["in_promotion"] = record["_in_promotion"]
            if kind == "packages":
                row["shipped"] = record["_shipped"]
            if kind == "orders":
                row["tracking"] = record["_tracking"]
            rows.append(row)
        return rows
