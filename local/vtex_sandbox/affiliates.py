"""Affiliate routes of the VTEX sandbox: the fulfillment affiliates API (`/api/fulfillment/pvt/affiliates`,
../shared/reference/vtex-api.md 5.2) and the admin routes of the notifications (watch.py sees the changes,
notifications.py sends them)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, request

from local.vtex_sandbox.notifications import AffiliateNotifier
from local.vtex_sandbox.replies import admin_body, json_body, reply
from local.vtex_sandbox.state import SandboxError, VtexStore, bad

AFFILIATE_ID = re.compile(r"^[A-Za-z]{3}$")  # "three-letter affiliate code" (OAS-OMS)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _affiliate_record(affiliate_id: str, body: Any) -> dict[str, Any]:
    if not AFFILIATE_ID.match(affiliate_id):
        raise bad("1", "affiliateId must be a three-letter code")
    if not isinstance(body, dict):
        raise bad("1", "The request is invalid: the affiliate must be an object")
    name, channel, email = body.get("name"), body.get("salesChannel"), body.get("followUpEmail")
    endpoint, version = body.get("searchURIEndpoint"), body.get("searchURIEndpointVersion")
    if not isinstance(name, str) or not name.strip():
        raise bad("1", "name is required")
    if isinstance(channel, bool) or not isinstance(channel, str | int) or not str(channel).strip():
        raise bad("1", "salesChannel is required")
    if not isinstance(email, str) or not EMAIL.match(email):
        raise bad("1", "followUpEmail must be an e-mail address")
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise bad("1", "searchURIEndpoint must be an http(s) URL")
    if not isinstance(version, str) or not version:
        raise bad("1", "searchURIEndpointVersion is required")
    versions = body.get("searchURIEndpointAvailableVersions") or [version]
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise bad("1", "searchURIEndpointAvailableVersions must be a list of strings")
    use_seller = body.get("useSellerPaymentMethod", False)
    if not isinstance(use_seller, bool):
        raise bad("1", "useSellerPaymentMethod must be a boolean")
    minimum = body.get("minimumValueAccumulated")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int | float)):
        raise bad("1", "minimumValueAccumulated must be a number or null")
    return {"name": name.strip(), "salesChannel": str(channel), "followUpEmail": email,
            "searchURIEndpoint": endpoint, "searchURIEndpointVersion": version,
            "searchURIEndpointAvailableVersions": versions, "useSellerPaymentMethod": use_seller,
            "minimumValueAccumulated": minimum}


def register_affiliate_routes(app: Flask, store: VtexStore, notifier: AffiliateNotifier) -> None:
    prefix = "/<account>/api/fulfillment/pvt/affiliates"

    @app.get(prefix, endpoint="affiliates_list")
    def affiliates_list(account: str) -> Response:
        with notifier._lock:
            return reply([dict(a) for a in notifier.affiliates.values()])

    @app.get(f"{prefix}/<affiliate_id>", endpoint="affiliate_get")
    def affiliate_get(account: str, affiliate_id: str) -> Response:
        found = notifier.get_affiliate(affiliate_id)
        if found is None:
            raise SandboxError(404, "1", f"Affiliate {affiliate_id} not found")
        return reply(found)

    @app.put(f"{prefix}/<affiliate_id>", endpoint="affiliate_put")
    def affiliate_put(account: str, affiliate_id: str) -> Response:
        notifier.put_affiliate(affiliate_id, _affiliate_record(affiliate_id, json_body()))
        return Response(status=204)

    @app.delete(f"{prefix}/<affiliate_id>", endpoint="affiliate_delete")
    def affiliate_delete(account: str, affiliate_id: str) -> Response:
        if not notifier.delete_affiliate(affiliate_id):
            raise SandboxError(404, "1", f"Affiliate {affiliate_id} not found")
        return Response(status=204)

    # --- admin ---------------------------------------------------------------------------------

    @app.after_request
    def sku_admin_changed(response: Response) -> Response:
        # PUT /sandbox/skus/<id> changes an SKU's catalog data (active or not): VTEX notifies that too.
        if request.endpoint == "admin_sku" and response.status_code == 200 and request.view_args:
            store.sku_changed(int(request.view_args["sku_id"]), sku=True)
        return response

    @app.get("/sandbox/notifications/config")
    def notifications_config_get() -> Response:
        return reply(notifier.settings())

    @app.post("/sandbox/notifications/config")
    def notifications_config_set() -> Response:
        try:
            return reply(notifier.configure(admin_body()))
        except (TypeError, ValueError) as error:
            raise bad("1", str(error)) from None

    @app.post("/sandbox/notifications/emit")
    def notifications_emit() -> Response:
        """A notification without a store change: `{"sku_id", "removed", "stock", "price", "sku"}` (e.g. the
        SKU taken out of the affiliate's trade policy, which the sandbox's catalog does not model)."""
        body = admin_body()
        with store.lock:
            record = store.sku(body.get("sku_id"))
            store.sku_changed(record.id, stock=bool(body.get("stock")), price=bool(body.get("price")),
                              sku=bool(body.get("sku")), removed=bool(body.get("removed")))
        return reply({"skuId": record.id})

    @app.get("/sandbox/state/notifications")
    def notifications_state() -> Response:
        return reply(notifier.snapshot())

    @app.delete("/sandbox/state/notifications")
    def notifications_clear() -> Response:
        notifier.clear(affiliates=False)
        return Response(status=204)
