"""Fulfillment API: packages (search, detail, ship, documents, handover slots), tracking, invoice upload."""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
from typing import Any
from xml.parsers import expat

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import NONE, Ctx, Endpoint
from local.tiktok_sandbox.orders import set_order_status

from .params import base_url, page_params, paginate, public, time_filter, without_nulls

DOCUMENT_TYPES = (
    "SHIPPING_LABEL",
    "PACKING_SLIP",
    "SHIPPING_LABEL_AND_PACKING_SLIP",
    "SHIPPING_LABEL_PICTURE",
    "HAZMAT_LABEL",
    "INVOICE_LABEL",
)
MAX_INVOICE_BYTES = 1024 * 1024
_ACCESS_KEY = re.compile(rb'<infNFe\b[^>]*\bId="NFe(\d{44})"')
PROVIDERS = {"7117858858072016686": "Correios", "7117859084333745966": "Loggi", "7129736187384498945": "J&T Express"}


def _package(ctx: Ctx) -> dict[str, Any]:
    package = ctx.sb.packages.get(ctx.path["package_id"])
    if package is None or package["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.PACKAGE_NOT_FOUND, f"Package {ctx.path['package_id']} does not exist")
    return package


def search_packages(ctx: Ctx) -> dict[str, Any]:
    size, offset = page_params(ctx, 1, 50)
    packages = [p for p in ctx.sb.packages.values() if p["_shop_id"] == ctx.shop["id"]]  # type: ignore[index]
    if ctx.body.get("package_status"):
        packages = [p for p in packages if p["package_status"] == ctx.body["package_status"]]
    packages = time_filter(packages, ctx.body, "create_time")
    packages = time_filter(packages, ctx.body, "update_time")
    packages.sort(key=lambda p: (p["create_time"], p["package_id"]), reverse=True)
    chunk, token = paginate(packages, size, offset)
    return {
        "packages": [
            {
                "id": p["package_id"],
                "orders": copy.deepcopy(p["orders"]),
                "status": p["package_status"],
                "tracking_number": p["tracking_number"],
                "shipping_provider_id": p["shipping_provider_id"],
                "shipping_provider_name": p["shipping_provider_name"],
                "order_line_item_ids": list(p["order_line_item_ids"]),
                "create_time": p["create_time"],
                "update_time": p["update_time"],
            }
            for p in chunk
        ],
        "total_count": len(packages),
        "next_page_token": token,
    }


def get_package(ctx: Ctx) -> dict[str, Any]:
    return without_nulls(public(_package(ctx)))


def ship_package(ctx: Ctx) -> dict[str, Any]:  # noqa: PLR0912
    package = _package(ctx)
    sb = ctx.sb
    if package["package_status"] == "CANCELLED":
        raise E.ApiFail(21011003, "The package is cancelled")
    if package["_shipped"]:
        raise E.ApiFail(E.PACKAGE_ALREADY_SHIPPED, "The package has already been shipped")
    orders = [sb.orders[o["id"]] for o in package["orders"]]
    if any(o["_needs_invoice"] for o in orders):
        invoice = sb.invoices.get(package["package_id"])
        if invoice is None or invoice["status"] != "SUCCESS":
            raise E.ApiFail(E.INVOICE_REQUIRED, "Upload a valid invoice before shipping this package")
    if package["shipping_type"] == "TIKTOK":
        method = ctx.body.get("handover_method")
        if method not in ("PICKUP", "DROP_OFF"):
            raise E.invalid("handover_method must be PICKUP or DROP_OFF for TikTok shipping")
        if method == "PICKUP":
            slot = ctx.body.get("pickup_slot") or {}
            if not isinstance(slot.get("start_time"), int) or not isinstance(slot.get("end_time"), int):
                raise E.invalid("pickup_slot {start_time, end_time} is required for PICKUP")
            package["pickup_slot"] = {"start_time": slot["start_time"], "end_time": slot["end_time"]}
        package["handover_method"] = method
        package["tracking_number"] = "BR" + package["package_id"][-11:] + "TT"
        new_status = "AWAITING_COLLECTION"
    else:
        shipment = ctx.body.get("self_shipment") or {}
        tracking, provider = shipment.get("tracking_number"), str(shipment.get("shipping_provider_id") or "")
        if not tracking or not provider:
            raise E.invalid("self_shipment {tracking_number, shipping_provider_id} is required for seller shipping")
        if provider not in PROVIDERS:
            raise E.invalid("shipping_provider_id is unknown")
        if any(p["tracking_number"] == tracking for p in sb.packages.values() if p is not package):
            raise E.ApiFail(E.DUPLICATE_TRACKING_NUMBER, "Duplicate tracking number")
        package["tracking_number"] = tracking
        package["shipping_provider_id"], package["shipping_provider_name"] = provider, PROVIDERS[provider]
        new_status = "IN_TRANSIT"
    package["_shipped"] = True
    package["package_status"] = "FULFILLING"
    package["update_time"] = ctx.now
    for order in orders:
        set_order_status(sb, order, new_status, notify=True)
    return {}


def update_shipping_info(ctx: Ctx) -> dict[str, Any]:
    """Seller shipping: correct the tracking number / carrier of a package already shipped, while it is on
    its way (not delivered, not cancelled); the carrier must be one of TikTok's shipping providers."""
    package = _package(ctx)
    sb = ctx.sb
    tracking = ctx.body.get("tracking_number")
    provider = str(ctx.body.get("shipping_provider_id") or "")
    if not isinstance(tracking, str) or not tracking.strip() or not provider:
        raise E.invalid("tracking_number and shipping_provider_id are required")
    if provider not in PROVIDERS:
        raise E.invalid("shipping_provider_id is unknown")
    if package["shipping_type"] != "SELLER":
        raise E.ApiFail(E.NOT_SELLER_SHIPPING, "Shipping info can only be updated for seller shipping packages")
    if package["package_status"] == "CANCELLED":
        raise E.ApiFail(21011003, "The package is cancelled")
    if not package["_shipped"]:
        raise E.ApiFail(E.PACKAGE_NOT_SHIPPED, "Ship the package before updating its shipping info")
    if package["package_status"] == "COMPLETED":
        raise E.ApiFail(E.PACKAGE_DELIVERED, "The package is delivered; its shipping info can no longer change")
    if any(p["tracking_number"] == tracking for p in sb.packages.values() if p is not package):
        raise E.ApiFail(E.DUPLICATE_TRACKING_NUMBER, "Duplicate tracking number")
    package["tracking_number"] = tracking
    package["shipping_provider_id"], package["shipping_provider_name"] = provider, PROVIDERS[provider]
    package["update_time"] = ctx.now
    for order in (sb.orders[o["id"]] for o in package["orders"]):
        order.update(tracking_number=tracking, shipping_provider_id=provider, shipping_provider=PROVIDERS[provider],
                     update_time=ctx.now)
        for li in order["line_items"]:
            li.update(tracking_number=tracking, shipping_provider_id=provider,
                      shipping_provider_name=PROVIDERS[provider])
    return {}


def get_shipping_document(ctx: Ctx) -> dict[str, Any]:
    package = _package(ctx)
    document_type = ctx.query.get("document_type")
    if document_type not in DOCUMENT_TYPES:
        raise E.invalid("document_type is required and must be a known type")
    size = ctx.query.get("document_size", "A6")
    fmt = ctx.query.get("document_format", "PDF")
    if size not in ("A6", "A5") or fmt not in ("PDF", "ZPL"):
        raise E.invalid("document_size A6|A5, document_format PDF|ZPL")
    if package["shipping_type"] != "TIKTOK":
        raise E.ApiFail(E.NOT_TIKTOK_SHIPPING, "Shipping documents are only available for TikTok shipping")
    if not package["_shipped"]:
        raise E.ApiFail(E.PACKAGE_NOT_SHIPPED, "Ship the package before requesting its documents")
    extension = "png" if document_type == "SHIPPING_LABEL_PICTURE" else fmt.lower()
    expires = ctx.now + 24 * 3600
    url = f"{base_url()}/sandbox/documents/{package['package_id']}/{document_type}.{extension}?expires={expires}"
    return {"doc_url": url, "tracking_number": package["tracking_number"]}


def get_handover_time_slots(ctx: Ctx) -> dict[str, Any]:
    package = _package(ctx)
    if package["shipping_type"] != "TIKTOK":
        return {"can_pickup": False, "can_drop_off": False, "can_van_collection": False, "pickup_slots": []}
    day = ctx.now - ctx.now % 86400 + 86400
    slots = [
        {"start_time": day + d * 86400 + 12 * 3600, "end_time": day + d * 86400 + 21 * 3600, "avaliable": True}
        for d in range(3)
    ]
    return {
        "can_pickup": True,
        "can_drop_off": True,
        "can_van_collection": False,
        "drop_off_point_url": "https://seller-br.tiktok.com/dropoff-points",
        "pickup_slots": slots,
    }


def get_tracking(ctx: Ctx) -> dict[str, Any]:
    order = ctx.sb.orders.get(ctx.path["order_id"])
    if order is None or order["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.ORDER_NOT_FOUND, f"Order {ctx.path['order_id']} does not exist")
    return {"tracking": copy.deepcopy(list(reversed(order["_tracking"])))}


def _well_formed(xml: bytes) -> bool:
    parser = expat.ParserCreate()
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        return False
    return True


def _access_key(xml: bytes) -> str | None:
    """The NF-e's 44-digit access key (infNFe/@Id without "NFe") when its mod-11 digit is right, else None.
    Written here on purpose (not the connector's code): the sandbox checks what TikTok checks independently."""
    found = _ACCESS_KEY.search(xml)
    if found is None:
        return None
    key = found.group(1).decode()
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(key[:43])))
    digit = 0 if total % 11 < 2 else 11 - total % 11
    return key if digit == int(key[43]) else None


def upload_invoice(ctx: Ctx) -> dict[str, Any]:
    invoices = ctx.body.get("invoices")
    if not isinstance(invoices, list) or not 1 <= len(invoices) <= 50:
        raise E.invalid("invoices must hold 1 to 50 invoices")
    errors = []
    for item in invoices:
        package_id = str((item or {}).get("package_id") or "")
        order_ids = item.get("order_ids")
        if isinstance(order_ids, str):
            order_ids = [order_ids]
        detail = {"package_id": package_id, "order_ids": order_ids or []}

        def fail(code: int, message: str, _detail: dict[str, Any] = detail) -> None:
            errors.append({"code": code, "message": message, "detail": _detail})

        package = ctx.sb.packages.get(package_id)
        if package is None or package["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
            fail(E.PACKAGE_NOT_FOUND, "Package does not exist")
            continue
        if not order_ids or {str(o) for o in order_ids} != {o["id"] for o in package["orders"]}:
            fail(E.INVOICE_MISMATCH, "order_ids do not match the package's orders")
            continue
        if item.get("file_type") != "XML":
            fail(E.REQUEST_INVALID, "file_type must be XML")
            continue
        try:
            content = base64.b64decode(str(item.get("file") or ""), validate=True)
        except (binascii.Error, ValueError):
            fail(E.REQUEST_INVALID, "file must be base64")
            continue
        if len(content) > MAX_INVOICE_BYTES:
            fail(E.FILE_TOO_LARGE, "The invoice file exceeds 1 MB")
            continue
        if not content or not _well_formed(content):
            fail(E.REQUEST_INVALID, "The invoice file is not well-formed XML")
            continue
        key = _access_key(content)
        if key is None:
            fail(E.REQUEST_INVALID, "The invoice has no valid 44-digit access key (infNFe Id)")
            continue
        existing = ctx.sb.invoices.get(package_id)
        if existing is not None and existing["status"] in ("SUCCESS", "PROCESSING"):
            fail(E.INVOICE_EXISTS, "Invoice already exists")
            continue
        # The configured outcome (POST /sandbox/config invoice_outcome / invoice_invalid_reason); an access
        # key already accepted for another package is TikTok's own asynchronous ACCESS_KEY_DUPLICATE.
        status = ctx.sb.invoice_outcome  # type: ignore[attr-defined]
        reason = getattr(ctx.sb, "invoice_invalid_reason", None) or "UNKNOWN"
        if any(i.get("access_key") == key and i["status"] in ("SUCCESS", "PROCESSING")
               for p, i in ctx.sb.invoices.items() if p != package_id):
            status, reason = "INVALID", "ACCESS_KEY_DUPLICATE"
        failed = status in ("FAILED", "INVALID")
        ctx.sb.invoices[package_id] = {
            "package_id": package_id,
            "order_ids": [str(o) for o in order_ids],
            "status": status,
            "invalid_reason": reason if failed else None,
            "access_key": key,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "upload_time": ctx.now,
            "_content": content,
        }
        ctx.sb.pusher.notify(
            ctx.shop["id"],
            36,
            {  # type: ignore[index,attr-defined]
                "package_id": package_id,
                "order_ids": [str(o) for o in order_ids],
                "invoice_status": status,
                **({"invalid_reason": reason} if failed else {}),
            },
        )
    return {"errors": errors} if errors else {}


F = "/fulfillment/202309"
ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", f"{F}/packages/search", search_packages),
    Endpoint("GET", f"{F}/packages/{{package_id}}", get_package, body=NONE),
    Endpoint("POST", f"{F}/packages/{{package_id}}/ship", ship_package),
    Endpoint("POST", f"{F}/packages/{{package_id}}/shipping_info/update", update_shipping_info),
    Endpoint("GET", f"{F}/packages/{{package_id}}/shipping_documents", get_shipping_document, body=NONE),
    Endpoint("GET", f"{F}/packages/{{package_id}}/handover_time_slots", get_handover_time_slots, body=NONE),
    Endpoint("GET", f"{F}/orders/{{order_id}}/tracking", get_tracking, body=NONE),
    Endpoint("POST", "/fulfillment/202502/invoice/upload", upload_invoice),
]
