"""After-sales records of the sandbox: cancellation requests and returns, with their webhook notifications
(types 11 and 12). Created by the admin routes (as the buyer) and the Return and refund API (as the seller)."""

from __future__ import annotations

from typing import Any

from .orders import AdminError
from .state import Sandbox


def new_cancellation(
    sb: Sandbox, order: dict[str, Any], *, cancel_type: str, role: str, reason: str, status: str
) -> dict[str, Any]:
    now = sb.now()
    cancel_id = sb.new_id(4035)
    record = {
        "cancel_id": cancel_id,
        "order_id": order["id"],
        "cancel_type": cancel_type,
        "cancel_status": status,
        "role": role,
        "cancel_reason": reason,
        "cancel_reason_text": reason,
        "refund_amount": {"currency": "BRL", "refund_total": order["payment"]["total_amount"]},
        "cancel_line_items": [
            {
                "order_line_item_id": li["id"],
                "sku_id": li["sku_id"],
                "seller_sku": li["seller_sku"],
                "product_name": li["product_name"],
            }
            for li in order["line_items"]
        ],
        "seller_next_action_response": [],
        "create_time": now,
        "update_time": now,
        "_shop_id": order["_shop_id"],
    }
    sb.cancellations[cancel_id] = record
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
    record["cancel_status"] = status
    record["update_time"] = sb.now()
    _notify_cancellation(sb, record)


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
    now = sb.now()
    return_id = sb.new_id(4036)
    record = {
        "return_id": return_id,
        "order_id": order["id"],
        "return_type": return_type,
        "return_status": "REPLACEMENT_REQUEST_PENDING"
        if return_type == "REPLACEMENT"
        else "RETURN_OR_REFUND_REQUEST_PENDING",
        "role": "BUYER",
        "return_reason": reason,
        "return_reason_text": reason,
        "return_tracking_number": "",
        "refund_amount": {"currency": "BRL", "refund_total": order["payment"]["total_amount"]},
        "return_line_items": [
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
    sb.returns[return_id] = record
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
    record["return_status"] = status
    record["update_time"] = sb.now()
    _notify_return(sb, record)
