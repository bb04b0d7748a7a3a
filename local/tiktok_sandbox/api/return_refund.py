"""Return and refund API: cancellations (search, seller cancel, approve, reject) and returns
(search, approve, reject)."""

from __future__ import annotations

from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.after_sales import new_cancellation, touch_cancellation, touch_return
from local.tiktok_sandbox.gate import Ctx, Endpoint
from local.tiktok_sandbox.orders import cancel_order as do_cancel

from .order import CANCELLABLE
from .params import page_params, paginate, public, time_filter

APPROVE_DECISIONS = (
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_RECEIVED_PACKAGE",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "OFFER_PARTIAL_REFUND",
)
REJECT_DECISIONS = ("REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE", "REJECT_REPLACEMENT")


def _rr_page(ctx: Ctx, low: int) -> tuple[int, int]:
    return page_params(ctx, low, 50, default=10)


def _filtered(items: list[dict[str, Any]], body: dict[str, Any], mapping: dict[str, str]) -> list[dict[str, Any]]:
    for body_key, field in mapping.items():
        wanted = body.get(body_key)
        if wanted:
            if not isinstance(wanted, list):
                raise E.ApiFail(E.RR_INVALID_PARAM, f"{body_key} must be a list")
            items = [i for i in items if str(i[field]) in {str(w) for w in wanted}]
    return time_filter(time_filter(items, body, "create_time"), body, "update_time")


def search_cancellations(ctx: Ctx) -> dict[str, Any]:
    size, offset = _rr_page(ctx, 1)
    items = [c for c in ctx.sb.cancellations.values() if c["_shop_id"] == ctx.shop["id"]]  # type: ignore[index]
    items = _filtered(
        items,
        ctx.body,
        {
            "cancel_ids": "cancel_id",
            "order_ids": "order_id",
            "cancel_types": "cancel_type",
            "cancel_status": "cancel_status",
        },
    )
    items.sort(key=lambda c: (c["create_time"], c["cancel_id"]), reverse=ctx.query.get("sort_order") == "DESC")
    chunk, token = paginate(items, size, offset)
    return {"cancellations": [public(c) for c in chunk], "total_count": len(items), "next_page_token": token}


def _order_for_rr(ctx: Ctx, order_id: Any) -> dict[str, Any]:
    order = ctx.sb.orders.get(str(order_id or ""))
    if order is None or order["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.RR_INVALID_PARAM, f"Order {order_id} does not exist")
    return order


def cancel_order(ctx: Ctx) -> dict[str, Any]:
    order = _order_for_rr(ctx, ctx.body.get("order_id"))
    reason = ctx.body.get("cancel_reason")
    if not reason:
        raise E.ApiFail(E.RR_INVALID_PARAM, "cancel_reason is required")
    if order["status"] not in CANCELLABLE:
        raise E.ApiFail(E.RR_INVALID_STATUS, f"Order in status {order['status']} cannot be cancelled by the seller")
    cancellation = new_cancellation(
        ctx.sb, order, cancel_type="CANCEL", role="SELLER", reason=str(reason), status="CANCELLATION_REQUEST_COMPLETE"
    )
    do_cancel(ctx.sb, order, reason=str(reason), initiator="SELLER")
    return {"cancel_id": cancellation["cancel_id"], "cancel_status": cancellation["cancel_status"]}


def _cancellation(ctx: Ctx) -> dict[str, Any]:
    cancellation = ctx.sb.cancellations.get(ctx.path["cancel_id"])
    if cancellation is None or cancellation["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.RR_INVALID_PARAM, f"Cancellation {ctx.path['cancel_id']} does not exist")
    if cancellation["cancel_status"] != "CANCELLATION_REQUEST_PENDING":
        raise E.ApiFail(E.RR_INVALID_STATUS, f"Cancellation is {cancellation['cancel_status']}, not pending")
    return cancellation


def approve_cancellation(ctx: Ctx) -> dict[str, Any]:
    cancellation = _cancellation(ctx)
    order = ctx.sb.orders[cancellation["order_id"]]
    touch_cancellation(ctx.sb, cancellation, "CANCELLATION_REQUEST_SUCCESS")
    do_cancel(ctx.sb, order, reason=cancellation["cancel_reason"], initiator="BUYER")
    return {}


def reject_cancellation(ctx: Ctx) -> dict[str, Any]:
    cancellation = _cancellation(ctx)
    if not ctx.body.get("reject_reason"):
        raise E.ApiFail(E.RR_INVALID_PARAM, "reject_reason is required")
    cancellation["reject_reason"] = ctx.body["reject_reason"]
    ctx.sb.orders[cancellation["order_id"]]["is_buyer_request_cancel"] = False
    touch_cancellation(ctx.sb, cancellation, "CANCELLATION_REQUEST_CANCEL")
    return {}


def search_returns(ctx: Ctx) -> dict[str, Any]:
    size, offset = _rr_page(ctx, 10)
    items = [r for r in ctx.sb.returns.values() if r["_shop_id"] == ctx.shop["id"]]  # type: ignore[index]
    items = _filtered(
        items,
        ctx.body,
        {
            "return_ids": "return_id",
            "order_ids": "order_id",
            "return_types": "return_type",
            "return_status": "return_status",
        },
    )
    items.sort(key=lambda r: (r["create_time"], r["return_id"]), reverse=ctx.query.get("sort_order") == "DESC")
    chunk, token = paginate(items, size, offset)
    return {"return_orders": [public(r) for r in chunk], "total_count": len(items), "next_page_token": token}


def _return(ctx: Ctx) -> dict[str, Any]:
    record = ctx.sb.returns.get(ctx.path["return_id"])
    if record is None or record["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.RR_INVALID_PARAM, f"Return {ctx.path['return_id']} does not exist")
    return record


def approve_return(ctx: Ctx) -> dict[str, Any]:
    record = _return(ctx)
    decision = ctx.body.get("decision")
    if decision not in APPROVE_DECISIONS:
        raise E.ApiFail(E.RR_INVALID_PARAM, "decision is not an approve decision")
    status = record["return_status"]
    if decision == "APPROVE_RECEIVED_PACKAGE":
        if status != "BUYER_SHIPPED_ITEM":
            raise E.ApiFail(E.RR_INVALID_STATUS, f"Return is {status}; the buyer has not shipped it")
        touch_return(ctx.sb, record, "RETURN_OR_REFUND_REQUEST_SUCCESS")
        return {}
    if status not in ("RETURN_OR_REFUND_REQUEST_PENDING", "REPLACEMENT_REQUEST_PENDING"):
        raise E.ApiFail(E.RR_INVALID_STATUS, f"Return is {status}, not pending")
    if record["return_type"] == "RETURN_AND_REFUND" and decision == "APPROVE_RETURN":
        touch_return(ctx.sb, record, "AWAITING_BUYER_SHIP")
    elif record["return_type"] == "REPLACEMENT":
        touch_return(ctx.sb, record, "REPLACEMENT_REQUEST_COMPLETE")
    else:
        touch_return(ctx.sb, record, "RETURN_OR_REFUND_REQUEST_SUCCESS")
    return {}


def reject_return(ctx: Ctx) -> dict[str, Any]:
    record = _return(ctx)
    decision = ctx.body.get("decision")
    if decision not in REJECT_DECISIONS:
        raise E.ApiFail(E.RR_INVALID_PARAM, "decision is not a reject decision")
    if not ctx.body.get("reject_reason"):
        raise E.ApiFail(E.RR_INVALID_PARAM, "reject_reason is required")
    status = record["return_status"]
    if decision == "REJECT_RECEIVED_PACKAGE":
        if status != "BUYER_SHIPPED_ITEM":
            raise E.ApiFail(E.RR_INVALID_STATUS, f"Return is {status}; the buyer has not shipped it")
        record["reject_reason"] = ctx.body["reject_reason"]
        touch_return(ctx.sb, record, "REJECT_RECEIVE_PACKAGE")
        return {}
    if status not in ("RETURN_OR_REFUND_REQUEST_PENDING", "REPLACEMENT_REQUEST_PENDING"):
        raise E.ApiFail(E.RR_INVALID_STATUS, f"Return is {status}, not pending")
    record["reject_reason"] = ctx.body["reject_reason"]
    rejected = (
        "REPLACEMENT_REQUEST_REJECT" if record["return_type"] == "REPLACEMENT" else "REFUND_OR_RETURN_REQUEST_REJECT"
    )
    touch_return(ctx.sb, record, rejected)
    return {}


R = "/return_refund/202309"
ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", f"{R}/cancellations/search", search_cancellations),
    Endpoint("POST", f"{R}/cancellations", cancel_order),
    Endpoint("POST", f"{R}/cancellations/{{cancel_id}}/approve", approve_cancellation),
    Endpoint("POST", f"{R}/cancellations/{{cancel_id}}/reject", reject_cancellation),
    Endpoint("POST", f"{R}/returns/search", search_returns),
    Endpoint("POST", f"{R}/returns/{{return_id}}/approve", approve_return),
    Endpoint("POST", f"{R}/returns/{{return_id}}/reject", reject_return),
]
