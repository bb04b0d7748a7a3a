"""Admin routes that act as the buyer and the platform: orders, status changes, buyer cancellations,
returns, invoice review outcomes."""

from __future__ import annotations

from typing import Any

from flask import Response

from local.tiktok_sandbox.after_sales import buyer_cancellation, new_return, touch_return
from local.tiktok_sandbox.event_types import INVOICE_INVALID_REASONS
from local.tiktok_sandbox.orders import AdminError, create_order, invoice_state, set_order_status
from local.tiktok_sandbox.state import Sandbox

from .http import Route, json_body, reply, strip_private


def register(route: Route, sb: Sandbox) -> None:
    @route("/sandbox/orders", ("POST",))
    def orders() -> Response:
        body = json_body()
        shop_id = str(body.get("shop_id") or sb.env.get("DEMO_SHOP_ID") or "")
        with sb.lock:
            order = create_order(sb, shop_id, body)
            return reply(_view_order(sb, order), 201)

    @route("/sandbox/orders/<order_id>/status", ("POST",))
    def order_status(order_id: str) -> Response:
        body = json_body()
        with sb.lock:
            order = sb.orders[order_id]
            set_order_status(
                sb,
                order,
                str(body.get("status")),
                notify=bool(body.get("notify", True)),
                force=bool(body.get("force", False)),
            )
            return reply(_view_order(sb, order))

    @route("/sandbox/orders/<order_id>/cancellations", ("POST",))
    def order_cancellation(order_id: str) -> Response:
        with sb.lock:
            record = buyer_cancellation(sb, sb.orders[order_id], str(json_body().get("reason") or "Desisti da compra"))
            return reply(strip_private(record), 201)

    @route("/sandbox/orders/<order_id>/returns", ("POST",))
    def order_return(order_id: str) -> Response:
        body = json_body()
        with sb.lock:
            record = new_return(
                sb,
                sb.orders[order_id],
                str(body.get("return_type") or "RETURN_AND_REFUND"),
                str(body.get("reason") or "Produto com defeito"),
            )
            return reply(strip_private(record), 201)

    @route("/sandbox/returns/<return_id>/status", ("POST",))
    def return_status(return_id: str) -> Response:
        status = str(json_body().get("status"))
        with sb.lock:
            record = sb.returns[return_id]
            touch_return(sb, record, status)
            return reply(strip_private(record))

    @route("/sandbox/invoices/<package_id>/status", ("POST",))
    def invoice_status(package_id: str) -> Response:
        body = json_body()
        status = body.get("status")
        if status not in ("SUCCESS", "PROCESSING", "FAILED", "INVALID"):
            raise AdminError("status: SUCCESS|PROCESSING|FAILED|INVALID")
        reason = body.get("invalid_reason") or "UNKNOWN"
        if status in ("FAILED", "INVALID") and reason not in INVOICE_INVALID_REASONS:
            raise AdminError(f"invalid_reason: one of {', '.join(INVOICE_INVALID_REASONS)}")
        with sb.lock:
            invoice = sb.invoices[package_id]
            invoice["status"] = status
            invoice["invalid_reason"] = reason if status in ("FAILED", "INVALID") else None
            shop_id = sb.packages[package_id]["_shop_id"]
            data = {"package_id": package_id, "order_ids": invoice["order_ids"], "invoice_status": status}
            if invoice["invalid_reason"]:
                data["invalid_reason"] = invoice["invalid_reason"]
            sb.pusher.notify(shop_id, 36, data)  # type: ignore[attr-defined]
            return reply(strip_private(invoice))


def _view_order(sb: Sandbox, order: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in order.items() if not k.startswith("_")}
    return view | {"need_upload_invoice": invoice_state(sb, order), "shop_id": order["_shop_id"]}
