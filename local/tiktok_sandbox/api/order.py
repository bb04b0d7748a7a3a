"""Order API: order search and detail (the recipient address is hidden while unpaid or on hold)."""

from __future__ import annotations

from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import NONE, Ctx, Endpoint, versions
from local.tiktok_sandbox.orders import invoice_state
from local.tiktok_sandbox.state import Sandbox

from .params import id_list, page_params, paginate, public, time_filter

ORDER_FLOW = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
)
CANCELLABLE = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT")


def order_view(sb: Sandbox, order: dict[str, Any]) -> dict[str, Any]:
    view = public(order)
    view["need_upload_invoice"] = invoice_state(sb, order)
    if view["status"] in ("UNPAID", "ON_HOLD"):
        view.pop("recipient_address", None)
    return view


def _shop_orders(ctx: Ctx) -> list[dict[str, Any]]:
    return [o for o in ctx.sb.orders.values() if o["_shop_id"] == ctx.shop["id"]]  # type: ignore[index]


def search_orders(ctx: Ctx) -> dict[str, Any]:
    size, offset = page_params(ctx, 1, 100)
    sort_field = ctx.query.get("sort_field", "create_time")
    sort_order = ctx.query.get("sort_order", "DESC")
    if sort_field not in ("create_time", "update_time") or sort_order not in ("ASC", "DESC"):
        raise E.invalid("sort_field must be create_time|update_time and sort_order ASC|DESC")
    body = ctx.body
    orders = _shop_orders(ctx)
    if body.get("order_status"):
        if body["order_status"] not in (*ORDER_FLOW, "CANCELLED"):
            raise E.invalid("order_status is not an order status")
        orders = [o for o in orders if o["status"] == body["order_status"]]
    if body.get("shipping_type"):
        orders = [o for o in orders if o["shipping_type"] == body["shipping_type"]]
    if body.get("buyer_user_id"):
        orders = [o for o in orders if o["user_id"] == str(body["buyer_user_id"])]
    if body.get("warehouse_ids"):
        orders = [o for o in orders if o["warehouse_id"] in {str(w) for w in body["warehouse_ids"]}]
    if "is_buyer_request_cancel" in body:
        orders = [o for o in orders if o["is_buyer_request_cancel"] == bool(body["is_buyer_request_cancel"])]
    orders = time_filter(orders, body, "create_time")
    orders = time_filter(orders, body, "update_time")
    orders.sort(key=lambda o: (o[sort_field], o["id"]), reverse=sort_order == "DESC")
    chunk, token = paginate(orders, size, offset)
    return {"orders": [order_view(ctx.sb, o) for o in chunk], "total_count": len(orders), "next_page_token": token}


def get_order_detail(ctx: Ctx) -> dict[str, Any]:
    ids = id_list(ctx.query.get("ids", ""), "ids", 50)
    shop_id = ctx.shop["id"]  # type: ignore[index]
    return {
        "orders": [
            order_view(ctx.sb, ctx.sb.orders[i])
            for i in ids
            if i in ctx.sb.orders and ctx.sb.orders[i]["_shop_id"] == shop_id
        ]
    }


ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", "/order/202309/orders/search", search_orders),
    # 202507 (the latest the reference documents): the same `ids` parameter and order object.
    *versions(Endpoint("GET", "/order/202309/orders", get_order_detail, body=NONE), "202507"),
]
