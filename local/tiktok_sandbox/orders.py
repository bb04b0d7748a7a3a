"""Order life cycle of the sandbox: created by the admin routes, moved by them and by the API
(ship, cancel), with packages, tracking events and webhook notifications. After-sales records
(cancellation requests, returns): after_sales.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .state import Sandbox

ORDER_RANK = {
    s: i
    for i, s in enumerate(
        (
            "UNPAID",
            "ON_HOLD",
            "AWAITING_SHIPMENT",
            "PARTIALLY_SHIPPING",
            "AWAITING_COLLECTION",
            "IN_TRANSIT",
            "DELIVERED",
            "COMPLETED",
        )
    )
}
LINE_STATUS = {
    "UNPAID": "UNPAID",
    "ON_HOLD": "AWAITING_SHIPMENT",
    "AWAITING_SHIPMENT": "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING": "AWAITING_COLLECTION",
    "AWAITING_COLLECTION": "AWAITING_COLLECTION",
    "IN_TRANSIT": "IN_TRANSIT",
    "DELIVERED": "DELIVERED",
    "COMPLETED": "COMPLETED",
    "CANCELLED": "CANCELLED",
}
TRACKING_TEXT = {
    "AWAITING_COLLECTION": "Pacote pronto para coleta",
    "IN_TRANSIT": "Objeto em trânsito",
    "DELIVERED": "Objeto entregue ao destinatário",
    "COMPLETED": "Pedido concluído",
}
DEFAULT_ADDRESS = {
    "name": "Maria da Silva",
    "phone_number": "(+55)11987654321",
    "full_address": "Rua das Flores, 123, Apto 45, Pinheiros, São Paulo - SP, 05422-010",
    "address_line1": "Rua das Flores, 123",
    "address_line2": "Apto 45",
    "address_line3": "Pinheiros",
    "address_line4": "",
    "postal_code": "05422-010",
    "region_code": "BR",
    "district_info": [
        {"address_level_name": "State", "address_name": "São Paulo", "address_level": "L1"},
        {"address_level_name": "City", "address_name": "São Paulo", "address_level": "L2"},
    ],
}


class AdminError(ValueError):
    """A bad admin request (400 with {"error": ...})."""


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _needs_invoice(requested: Any, region: str) -> bool:
    """Brazilian orders need an NF-e by default; the admin spec may say so with a bool or the enum."""
    if requested is None:
        return region == "BR"
    if isinstance(requested, bool):
        return requested
    if requested in ("NEED_INVOICE", "NO_NEED"):
        return requested == "NEED_INVOICE"
    raise AdminError("need_upload_invoice must be a bool, NEED_INVOICE or NO_NEED")


def invoice_state(sb: Sandbox, order: dict[str, Any]) -> str:
    """`need_upload_invoice` as TikTok documents it (a string enum), from the invoices of the order's
    packages: NO_NEED, NEED_INVOICE, INVOICE_PROCESSING (uploaded, under review), INVOICE_UPLOADED
    (accepted). UNKNOWN is never produced (the reference does not say when TikTok sends it)."""
    if not order["_needs_invoice"]:
        return "NO_NEED"
    statuses = {(sb.invoices.get(p["id"]) or {}).get("status") for p in order["packages"]}
    if "SUCCESS" in statuses:
        return "INVOICE_UPLOADED"
    if "PROCESSING" in statuses:
        return "INVOICE_PROCESSING"
    return "NEED_INVOICE"


def find_sku(sb: Sandbox, shop_id: str, seller_sku: str | None, sku_id: str | None) -> tuple[dict, dict]:
    for product in sb.products.values():
        if product["_shop_id"] != shop_id or product["status"] == "DELETED":
            continue
        for sku in product["skus"]:
            if (seller_sku is not None and sku["seller_sku"] == str(seller_sku)) or (
                sku_id is not None and sku["id"] == str(sku_id)
            ):
                return product, sku
    raise AdminError(f"no SKU {seller_sku or sku_id} in shop {shop_id}")


def _fixed_package_id(sb: Sandbox, spec: dict[str, Any]) -> str:
    """A fixed id for the order's package (the samples of events/ name one); "" lets the sandbox pick."""
    package_id = str(spec.get("package_id") or "")
    if package_id and (not (package_id.isdigit() and len(package_id) == 19) or package_id in sb.packages):
        raise AdminError(f"package_id {package_id} must be 19 digits and not used yet")
    return package_id


def create_order(sb: Sandbox, shop_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Admin: an order from seller SKUs. `items: [{seller_sku | sku_id, quantity}]`; one line item per unit.
    `order_id` / `package_id`: fixed ids (the package is created when the order is paid)."""
    shop = sb.shops.get(shop_id)
    if shop is None:
        raise AdminError(f"unknown shop {shop_id}")
    items = spec.get("items")
    if not isinstance(items, list) or not items:
        raise AdminError("items: [{seller_sku, quantity}] is required")
    status = spec.get("status", "AWAITING_SHIPMENT")
    if status not in ORDER_RANK and status != "CANCELLED":
        raise AdminError(f"unknown order status {status}")
    now = sb.now()
    order_id = str(spec.get("order_id") or sb.new_id(5766))
    if order_id in sb.orders:
        raise AdminError(f"order {order_id} exists")
    package_id = _fixed_package_id(sb, spec)
    buyer = spec.get("buyer") or {}
    warehouse_id = str(spec.get("warehouse_id") or sb.default_warehouse(shop))
    line_items = []
    subtotal = Decimal(0)
    original_total = Decimal(0)
    for item in items:
        product, sku = find_sku(sb, shop_id, item.get("seller_sku"), item.get("sku_id"))
        if product["status"] != "ACTIVATE" and not spec.get("allow_inactive"):
            raise AdminError(f"product {product['id']} is {product['status']}, buyers cannot order it")
        quantity = int(item.get("quantity", 1))
        if quantity < 1:
            raise AdminError("quantity must be >= 1")
        price = Decimal(str(item.get("sale_price") or sku["price"]["sale_price"]))
        original = (
            Decimal(str((sku.get("list_price") or {}).get("amount") or price))
            if isinstance(sku.get("list_price"), dict)
            else price
        )
        stock = next((w for w in sku["inventory"] if w["warehouse_id"] == warehouse_id), None)
        if stock is not None:
            stock["quantity"] = max(0, stock["quantity"] - quantity)
        for _ in range(quantity):
            subtotal += price
            original_total += original
            line_items.append(
                {
                    "id": sb.new_id(5770),
                    "sku_id": sku["id"],
                    "product_id": product["id"],
                    "product_name": product["title"],
                    "seller_sku": sku["seller_sku"],
                    "sku_name": ", ".join(a.get("value_name", "") for a in sku["sales_attributes"]),
                    "sku_image": f"/sandbox/images/{product['main_images'][0]['uri']}"
                    if product["main_images"]
                    else "",
                    "sale_price": _money(price),
                    "original_price": _money(original),
                    "seller_discount": "0.00",
                    "platform_discount": "0.00",
                    "currency": "BRL",
                    "display_status": LINE_STATUS[status],
                    "package_status": "TO_FULFILL",
                    "tracking_number": "",
                    "shipping_provider_id": "",
                    "shipping_provider_name": "",
                    "cancel_reason": "",
                    "cancel_user": "",
                    "rts_time": 0,
                    "is_gift": False,
                }
            )
    shipping_fee = Decimal(str(spec.get("shipping_fee", "0.00")))
    shipping_type = spec.get("shipping_type", "TIKTOK")
    if shipping_type not in ("TIKTOK", "SELLER"):
        raise AdminError("shipping_type must be TIKTOK or SELLER")
    order = {
        "id": order_id,
        "status": "UNPAID",
        "create_time": int(spec.get("create_time") or now),
        "update_time": now,
        "paid_time": 0,
        "user_id": str(buyer.get("user_id") or "7494" + order_id[-15:]),
        "buyer_email": buyer.get("email", "comprador@scs.tiktokshop.com"),
        "buyer_message": spec.get("buyer_message", ""),
        "seller_note": "",
        "cpf": buyer.get("cpf", "52998224725"),
        "cancel_reason": "",
        "cancellation_initiator": "",
        "cancel_time": 0,
        "is_buyer_request_cancel": False,
        "request_cancel_time": 0,
        "shipping_type": shipping_type,
        "shipping_provider": "",
        "shipping_provider_id": "",
        "tracking_number": "",
        "delivery_option_id": "7129736187384498900",
        "delivery_option_name": "Padrão",
        "delivery_type": "HOME_DELIVERY",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "warehouse_id": warehouse_id,
        "rts_sla_time": now + 2 * 86400,
        "tts_sla_time": now + 7 * 86400,
        "rts_time": 0,
        "shipping_due_time": now + 2 * 86400,
        "collection_due_time": now + 3 * 86400,
        "delivery_due_time": now + 10 * 86400,
        "is_cod": False,
        "is_sample_order": False,
        "is_on_hold_order": False,
        "is_replacement_order": False,
        "is_exchange_order": False,
        "split_or_combine_tag": "",
        "_needs_invoice": _needs_invoice(spec.get("need_upload_invoice"), shop["region"]),
        "order_type": "NORMAL",
        "packages": [],
        "payment": {
            "currency": "BRL",
            "sub_total": _money(subtotal),
            "shipping_fee": _money(shipping_fee),
            "seller_discount": "0.00",
            "platform_discount": "0.00",
            "total_amount": _money(subtotal + shipping_fee),
            "original_total_product_price": _money(original_total),
            "original_shipping_fee": _money(shipping_fee),
            "tax": "0.00",
        },
        "recipient_address": {
            **DEFAULT_ADDRESS,
            **(spec.get("address") or {}),
            **({"name": buyer["name"]} if buyer.get("name") else {}),
            **({"phone_number": buyer["phone"]} if buyer.get("phone") else {}),
        },
        "line_items": line_items,
        "_shop_id": shop_id,
        "_tracking": [],
        "_package_id": package_id,
    }
    sb.orders[order_id] = order
    if status != "UNPAID":
        set_order_status(sb, order, status, notify=False, force=True)
    if spec.get("notify", True):
        notify_order(sb, order)
    return order


def ensure_package(sb: Sandbox, order: dict[str, Any]) -> dict[str, Any]:
    if order["packages"]:
        return sb.packages[order["packages"][0]["id"]]
    now = sb.now()
    shop = sb.shops[order["_shop_id"]]
    package_id = order.get("_package_id") or sb.new_id(1153)
    warehouse = (
        next(w for w in shop["warehouses"] if w["id"] == order["warehouse_id"])
        if any(w["id"] == order["warehouse_id"] for w in shop["warehouses"])
        else shop["warehouses"][0]
    )
    package = {
        "package_id": package_id,
        "package_status": "PROCESSING",
        "orders": [{"id": order["id"]}],
        "order_line_item_ids": [li["id"] for li in order["line_items"]],
        "shipping_type": order["shipping_type"],
        "tracking_number": "",
        "shipping_provider_id": "7117858858072016686" if order["shipping_type"] == "TIKTOK" else "",
        "shipping_provider_name": "Correios" if order["shipping_type"] == "TIKTOK" else "",
        "delivery_option_id": order["delivery_option_id"],
        "delivery_option_name": order["delivery_option_name"],
        "recipient_address": dict(order["recipient_address"]),
        "sender_address": warehouse["address"],
        "weight": {"value": "500", "unit": "GRAM"},
        "dimension": {"length": "20", "width": "15", "height": "10", "unit": "CM"},
        "create_time": now,
        "update_time": now,
        "_shop_id": order["_shop_id"],
        "_shipped": False,
    }
    sb.packages[package_id] = package
    order["packages"] = [{"id": package_id}]
    for li in order["line_items"]:
        li["package_id"] = package_id
    return package


def set_order_status(  # noqa: PLR0912
    sb: Sandbox, order: dict[str, Any], status: str, *, notify: bool = True, force: bool = False
) -> dict[str, Any]:
    current = order["status"]
    if status == current:
        return order
    if status == "CANCELLED":
        if current in ("IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED") and not force:
            raise AdminError(f"order {order['id']} is {current}; it can no longer be cancelled")
        cancel_order(sb, order, reason=order.get("cancel_reason") or "Cancelado", initiator="SYSTEM", notify=notify)
        return order
    if status not in ORDER_RANK:
        raise AdminError(f"unknown order status {status}")
    if current == "CANCELLED" or (ORDER_RANK[status] < ORDER_RANK[current] and not force):
        raise AdminError(f"order status moves forward only ({current} -> {status})")
    now = sb.now()
    order["status"] = status
    order["update_time"] = now
    if ORDER_RANK[status] >= ORDER_RANK["AWAITING_SHIPMENT"] and not order["paid_time"]:
        order["paid_time"] = now
    if ORDER_RANK[status] >= ORDER_RANK["AWAITING_SHIPMENT"]:
        package = ensure_package(sb, order)
        if ORDER_RANK[status] >= ORDER_RANK["AWAITING_COLLECTION"]:
            if not package["_shipped"]:
                package["_shipped"] = True
                package["tracking_number"] = package["tracking_number"] or "BR" + package["package_id"][-11:] + "TT"
            package["package_status"] = "COMPLETED" if ORDER_RANK[status] >= ORDER_RANK["DELIVERED"] else "FULFILLING"
            package["update_time"] = now
            order["tracking_number"] = package["tracking_number"]
            order["shipping_provider"] = package["shipping_provider_name"]
            order["shipping_provider_id"] = package["shipping_provider_id"]
            order["rts_time"] = order["rts_time"] or now
        for li in order["line_items"]:
            li["display_status"] = LINE_STATUS[status]
            li["package_status"] = {
                "AWAITING_SHIPMENT": "TO_FULFILL",
                "DELIVERED": "COMPLETED",
                "COMPLETED": "COMPLETED",
            }.get(status, "FULFILLING" if package["_shipped"] else "PROCESSING")
            li["tracking_number"] = package["tracking_number"]
            li["shipping_provider_id"] = package["shipping_provider_id"]
            li["shipping_provider_name"] = package["shipping_provider_name"]
    else:
        for li in order["line_items"]:
            li["display_status"] = LINE_STATUS[status]
    if status in TRACKING_TEXT:
        order["_tracking"].append({"description": TRACKING_TEXT[status], "update_time_millis": now * 1000})
    if notify:
        notify_order(sb, order)
    return order


def notify_order(sb: Sandbox, order: dict[str, Any]) -> None:
    sb.pusher.notify(
        order["_shop_id"],
        1,
        {  # type: ignore[attr-defined]
            "order_id": order["id"],
            "order_status": order["status"],
            "is_on_hold_order": order["is_on_hold_order"],
            "update_time": order["update_time"],
        },
    )


def cancel_order(sb: Sandbox, order: dict[str, Any], *, reason: str, initiator: str, notify: bool = True) -> None:
    now = sb.now()
    order.update(
        status="CANCELLED",
        update_time=now,
        cancel_reason=reason,
        cancellation_initiator=initiator,
        cancel_time=now,
        is_buyer_request_cancel=False,
    )
    for li in order["line_items"]:
        li.update(display_status="CANCELLED", package_status="CANCELLED", cancel_reason=reason, cancel_user=initiator)
        product = sb.products.get(li["product_id"])
        sku = next((s for s in product["skus"] if s["id"] == li["sku_id"]), None) if product else None
        if sku:
            stock = next((w for w in sku["inventory"] if w["warehouse_id"] == order["warehouse_id"]), None)
            if stock is not None:
                stock["quantity"] = min(99999, stock["quantity"] + 1)
    for ref in order["packages"]:
        package = sb.packages[ref["id"]]
        package["package_status"] = "CANCELLED"
        package["update_time"] = now
    if notify:
        notify_order(sb, order)
