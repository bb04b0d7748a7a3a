"""Admin routes that act as the seller: shops, consent (auth codes) and deauthorization, the demo
catalog, product status and promotion locks."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
from flask import Response, request

from local.tiktok_sandbox.api.product import PRODUCT_STATUSES, product_view
from local.tiktok_sandbox.orders import AdminError
from local.tiktok_sandbox.seed import seed_demo
from local.tiktok_sandbox.state import Sandbox

from .http import Route, json_body, reply, strip_private


def register(route: Route, sb: Sandbox) -> None:  # noqa: PLR0915 - one place lists these admin routes
    @route("/sandbox/shops", ("GET", "POST"))
    def shops() -> Response:
        if request.method == "GET":
            return reply({"shops": [strip_private(s) for s in sb.shops.values()]})
        body = json_body()
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
        return reply(shop, 201)

    @route("/sandbox/consent", ("POST",))
    def consent() -> Response:
        body = json_body()
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
        return reply({"code": code, "shop_id": shop_id, "state": state, "redirect": redirect})

    @route("/sandbox/deauthorize", ("POST",))
    def deauthorize() -> Response:
        shop_id = str(json_body().get("shop_id") or "")
        if shop_id not in sb.shops:
            raise AdminError(f"unknown shop {shop_id}")
        revoked = sb.revoke(shop_id)
        sb.pusher.notify(shop_id, 6, {"message": f"Shop_id {shop_id} is deauthorized from your APP by merchant."})  # type: ignore[attr-defined]
        return reply({"revoked": revoked})

    @route("/sandbox/seed/demo", ("POST",))
    def seed() -> Response:
        body = json_body()
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
        return reply({"shop_id": shop_id, **counts})

    @route("/sandbox/products/<product_id>/status", ("POST",))
    def product_status(product_id: str) -> Response:
        status = json_body().get("status")
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
            return reply(product_view(sb, product, request.host_url.rstrip("/")))

    @route("/sandbox/products/<product_id>/promotion", ("POST",))
    def product_promotion(product_id: str) -> Response:
        with sb.lock:
            product = sb.products[product_id]
            product["_in_promotion"] = bool(json_body().get("locked", True))
            return reply({"product_id": product_id, "in_promotion": product["_in_promotion"]})
