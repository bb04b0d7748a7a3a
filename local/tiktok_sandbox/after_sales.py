"""After-sales records of the sandbox: cancellation requests and returns, with their webhook notifications
(types 11 and 12). Created by the admin routes (as the buyer) and the Return and refund API (as the seller)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .orders import AdminError
from .state import Sandbox


def _record(sb: Sandbox, order: dict[str, Any], kind: str, id_prefix: int, reason: str) -> dict[str, Any]:
    """What a cancellation and a return share (`kind`: cancel | return): its id, the order, the reason, the
    refund of the order's total, every line item, the times, the shop."""
    now = sb.now()
    return {
        f"{kind}_id": sb.new_id(id_prefix),
        "order_id": order["id"],
        f"{kind}_reason": reason,
        f"{kind}_reason_text": reason,
        "refund_amount": {"currency": "BRL", "refund_total": order["payment"]["total_amount"]},
        f"{kind}_line_items": [
            {
                "order_line_item_id": li["id"],
                "sku_id": li["sku_id"],
                "seller_sku": li["seller_sku"],
                "product_name": li["product_name"],
            }
            for li in order["line_items"]
        ],
        "create_time": now,
        "update_time": now,
        "_shop_id": order["_shop_id"],
    }


def new_cancellation(
    sb: Sandbox, order: dict[str, Any], *, cancel_type: str, role: str, reason: str, status: str
) -> dict[str, Any]:
    record = _record(sb, order, "cancel", 4035, reason) | {
        "cancel_type": cancel_type,
        "cancel_status": status,
        "role": role,
        "seller_next_action_response": [],
    }
    sb.cancellations[record["cancel_id"]] = record
    _notify_cancellation(sb, record)
    return record


def _notify_cancellation(sb: Sandbox, record: dict[str, Any]) -> None:
    sb.pusher.notify(
        record["_shop_id"],
        11,
        {  # type: ignore[attr-defined]
            "order_id": record["order_id"],
            "cancellations_role": record["role"],
            "cancel_status": record["cancel_status"],
            "cancel_id": record["cancel_id"],
            "create_time": record["create_time"],
        },
    )


def touch_cancellation(sb: Sandbox, record: dict[str, Any], status: str) -> None:
    _touch(sb, record, "cancel_status", status, _notify_cancellation)


def _touch(sb: Sandbox, record: dict[str, Any], field: str, status: str,
           notify: Callable[[Sandbox, dict[str, Any]], None]) -> None:
    """A new status on a record, and its push."""
    record[field] = status
    record["update_time"] = sb.now()
    notify(sb, record)


def buyer_cancellation(sb: Sandbox, order: dict[str, Any], reason: str) -> dict[str, Any]:
    if order["status"] not in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"):
        raise AdminError(f"order is {order['status']}; buyers can request cancellation only before shipping")
    order["is_buyer_request_cancel"] = True
    order["request_cancel_time"] = sb.now()
    return new_cancellation(
        sb, order, cancel_type="BUYER_CANCEL", role="BUYER", reason=reason, status="CANCELLATION_REQUEST_PENDING"
    )


def new_return(sb: Sandbox, order: dict[str, Any], return_type: str, reason: str) -> dict[str, Any]:
    if return_type not in ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT"):
        raise AdminError("return_type must be REFUND, RETURN_AND_REFUND or REPLACEMENT")
    if order["status"] not in ("IN_TRANSIT", "DELIVERED", "COMPLETED", "AWAITING_COLLECTION"):
        raise AdminError(f"order is {order['status']}; returns need a shipped order")
    record = _record(sb, order, "return", 4036, reason) | {
        "return_type": return_type,
        "return_status": "REPLACEMENT_REQUEST_PENDING"
        if return_type == "REPLACEMENT"
        else "RETURN_OR_REFUND_REQUEST_PENDING",
        "role": "BUYER",
        "return_tracking_number": "",
    }
    sb.returns[record["return_id"]] = record
    _notify_return(sb, record)
    return record


def _notify_return(sb: Sandbox, record: dict[str, Any]) -> None:
    sb.pusher.notify(
        record["_shop_id"],
        12,
        {  # type: ignore[attr-defined]
            "order_id": record["order_id"],
            "return_role": record["role"],
            "return_type": record["return_type"],
            "return_status": record["return_status"],
            "return_id": record["return_id"],
            "create_time": record["create_time"],
            "update_time": record["update_time"],
        },
    )


def touch_return(sb: Sandbox, record: dict[str, Any], status: str) -> None:
    _touch(sb, record, "return_status", status, _notify_return)
