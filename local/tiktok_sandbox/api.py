"""The Partner API endpoints the connector uses, with TikTok's validation rules.

Handlers run under the sandbox lock after the gate in app.py accepted the request (sign, timestamp,
app_key, token, shop_cipher, content type, rate limit). They raise ApiFail for business errors.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from xml.parsers import expat

from flask import Flask, Response, request

from . import errors as E
from .app import FORBIDDEN, JSON, MULTIPART, NONE, Ctx, Endpoint, envelope
from .catalog import attributes_for, rules_for
from .signing import same
from .state import AUTH_CODE_TTL, Sandbox

PRODUCT_STATUSES = (
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)
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
EVENT_TYPES = {
    "ORDER_STATUS_CHANGE": 1,
    "REVERSE_STATUS_UPDATE": 2,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "PRODUCT_STATUS_CHANGE": 5,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
    "NEW_CONVERSATION": 13,
    "NEW_MESSAGE": 14,
    "PRODUCT_INFORMATION_CHANGE": 15,
    "PRODUCT_CREATION": 16,
    "PRODUCT_CATEGORY_CHANGE": 18,
    "NEW_MESSAGE_LISTENER": 33,
    "INVOICE_STATUS_CHANGE": 36,
    "PRODUCT_AUDIT_STATUS_CHANGE": 37,
}
TYPE_TO_EVENT = {number: name for name, number in EVENT_TYPES.items()}
IMAGE_USE_CASES = ("MAIN_IMAGE", "ATTRIBUTE_IMAGE", "DESCRIPTION_IMAGE", "CERTIFICATION_IMAGE", "SIZE_CHART_IMAGE")
DOCUMENT_TYPES = (
    "SHIPPING_LABEL",
    "PACKING_SLIP",
    "SHIPPING_LABEL_AND_PACKING_SLIP",
    "SHIPPING_LABEL_PICTURE",
    "HAZMAT_LABEL",
    "INVOICE_LABEL",
)
APPROVE_DECISIONS = (
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_RECEIVED_PACKAGE",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "OFFER_PARTIAL_REFUND",
)
REJECT_DECISIONS = ("REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE", "REJECT_REPLACEMENT")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_INVOICE_BYTES = 1024 * 1024
PROVIDERS = {"7117858858072016686": "Correios", "7117859084333745966": "Loggi", "7129736187384498945": "J&T Express"}


# ---------------------------------------------------------------------- helpers


def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise E.invalid(f"{what} must be a decimal string") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise E.invalid(f"{what} must be positive with at most 2 decimals")
    return amount


def _ids(value: Any, what: str, limit: int | None = None, code: int | None = None) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
        raise E.invalid(f"{what} must be a non-empty list")
    ids = [str(v) for v in value]
    if limit is not None and len(ids) > limit:
        if code is not None:
            raise E.ApiFail(code, f"Too many {what}: at most {limit}")
        raise E.invalid(f"{what}: at most {limit}")
    return ids


def page_params(ctx: Ctx, low: int, high: int, default: int | None = None) -> tuple[int, int]:
    raw = ctx.query.get("page_size")
    if raw is None or raw == "":
        if default is None:
            raise E.invalid("page_size is required")
        size = default
    else:
        if not raw.isdigit():
            raise E.invalid("page_size must be an integer")
        size = int(raw)
    if not low <= size <= high:
        raise E.invalid(f"page_size must be between {low} and {high}")
    offset = 0
    token = ctx.query.get("page_token")
    if token:
        try:
            text = base64.b64decode(token.encode(), validate=True).decode()
            key, _, number = text.strip().partition("=")
            if key != "offset" or not number.isdigit():
                raise ValueError
            offset = int(number)
        except (ValueError, binascii.Error):
            raise E.invalid("page_token is invalid") from None
    return size, offset


def paginate(items: list[Any], size: int, offset: int) -> tuple[list[Any], str]:
    chunk = items[offset : offset + size]
    end = offset + len(chunk)
    next_token = base64.b64encode(f"offset={end}\n".encode()).decode() if end < len(items) else ""
    return chunk, next_token


def _time_filter(
    items: Iterable[dict[str, Any]], body: dict[str, Any], field: str, upper: str = "lt"
) -> list[dict[str, Any]]:
    ge, bound = body.get(f"{field}_ge"), body.get(f"{field}_{upper}")
    out = []
    for item in items:
        value = item.get(field, 0)
        if ge is not None and value < int(ge):
            continue
        if bound is not None and (value >= int(bound) if upper == "lt" else value > int(bound)):
            continue
        out.append(item)
    return out


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


def base_url() -> str:
    return request.host_url.rstrip("/")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# ---------------------------------------------------------------------- shops


def authorized_shops(ctx: Ctx) -> dict[str, Any]:
    shops = ctx.sb.shops_of(ctx.open_id or "")
    keys = ("id", "name", "region", "seller_type", "cipher", "code")
    return {"shops": [{k: s[k] for k in keys} for s in shops]}


# ---------------------------------------------------------------------- products


def _product(ctx: Ctx, product_id: str, *, allow_deleted: bool = False) -> dict[str, Any]:
    product = ctx.sb.products.get(product_id)
    if product is None or (product["status"] == "DELETED" and not allow_deleted):
        raise E.ApiFail(E.PRODUCT_NOT_EXIST, f"Product {product_id} does not exist")
    if product["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.PRODUCT_NOT_IN_SHOP, f"Product {product_id} is not in your shop")
    return product


def _category(ctx: Ctx, category_id: Any, field: str = "") -> dict[str, Any]:
    category = next((c for c in ctx.sb.categories if c["id"] == str(category_id)), None)
    if category is None:
        prefix = f"{field}: c" if field else "C"
        raise E.ApiFail(E.CATEGORY_INVALID, f"{prefix}ategory {category_id} does not exist")
    return category


def _check_brand(ctx: Ctx, brand_id: str) -> None:
    """A custom brand of this seller, or a platform brand the seller is authorized for."""
    brand = ctx.sb.brands.get(brand_id)
    if brand is None or brand["owner"] not in (None, ctx.open_id):
        raise E.ApiFail(E.BRAND_NOT_FOUND, f"brand_id: brand {brand_id} does not exist")
    if brand.get("brand_status", "AVAILABLE") != "AVAILABLE" or (
        brand["owner"] is None and brand.get("authorized_status") != "AUTHORIZED"
    ):
        raise E.ApiFail(
            E.BRAND_NOT_AUTHORIZED,
            f"brand_id: brand {brand_id} ({brand['name']}) is not authorized for your shop",
        )


def _package_dimensions(value: Any, category_id: str) -> dict[str, Any] | None:
    if value in (None, {}):
        if rules_for(category_id)["package_dimension"]["is_required"]:
            raise E.ApiFail(
                E.PACKAGE_DIMENSIONS_REQUIRED,
                f"package_dimensions is required for category {category_id} (length, width, height, unit)",
            )
        return None
    if not isinstance(value, dict) or value.get("unit") not in ("CENTIMETER", "INCH"):
        raise E.invalid("package_dimensions {length, width, height, unit CENTIMETER|INCH}")
    for side in ("length", "width", "height"):
        _money(value.get(side), f"package_dimensions.{side}")
    return {k: value[k] for k in ("length", "width", "height", "unit")}


def _attribute_values(attribute: dict[str, Any], values: Any, where: str) -> list[dict[str, Any]]:
    """Values of one attribute: listed ids, or free names when the attribute is customizable."""
    if not isinstance(values, list) or not values or not all(isinstance(v, dict) for v in values):
        raise E.invalid(f"{where}.values must be a non-empty list of {{id | name}}")
    label = f"{where} ({attribute['name']})"
    if len(values) > 1 and not attribute["is_multiple_selection"]:
        raise E.ApiFail(E.ATTRIBUTE_NOT_MULTIPLE, f"{label} takes a single value, got {len(values)}")
    listed = {v["id"]: v["name"] for v in attribute["values"]}
    out = []
    for value in values:
        value_id, name = str(value.get("id") or ""), value.get("name")
        if value_id:
            if value_id not in listed:
                raise E.ApiFail(E.ATTRIBUTE_VALUE_INVALID, f"{label}: value id {value_id} is not one of its values")
            out.append({"id": value_id, "name": listed[value_id]})
        elif isinstance(name, str) and name.strip():
            if not attribute["is_customizable"]:
                raise E.ApiFail(
                    E.ATTRIBUTE_VALUE_INVALID,
                    f"{label} is not customizable: value {name!r} must be given as one of its value ids",
                )
            out.append({"id": "", "name": name.strip()})
        else:
            raise E.invalid(f"{where}.values: each value needs an id or a name")
    if len({v["id"] or v["name"] for v in out}) != len(out):
        raise E.invalid(f"{where}.values: duplicate value")
    return out


def _product_attributes(value: Any, category_id: str, attributes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise E.invalid("product_attributes must be a list of {id, values}")
    by_id = {a["id"]: a for a in attributes if a["type"] == "PRODUCT_PROPERTY"}
    out, seen = [], set()
    for item in value:
        attribute_id = str(item.get("id") or "")
        where = f"product_attributes[{attribute_id}]"
        if not attribute_id:
            raise E.invalid("product_attributes: each attribute needs an id")
        if attribute_id in seen:
            raise E.invalid(f"{where}: sent twice")
        seen.add(attribute_id)
        attribute = by_id.get(attribute_id)
        if attribute is None:
            raise E.ApiFail(
                E.ATTRIBUTE_VALUE_INVALID,
                f"{where}: not a product attribute of category {category_id}",
            )
        out.append({"id": attribute_id, "values": _attribute_values(attribute, item.get("values"), where)})
    missing = [a for a in by_id.values() if a["is_requried"] and a["id"] not in seen]
    if missing:
        names = ", ".join(f"{a['id']} ({a['name']})" for a in missing)
        raise E.ApiFail(
            E.ATTRIBUTE_REQUIRED, f"product_attributes: required attribute {names} missing for category {category_id}"
        )
    return out


def _sales_attributes(attrs: list[Any], attributes: list[dict[str, Any]], types: set[str]) -> None:
    """A SKU's sales attributes: an ``id`` must be a sales property of the category (a ``name`` alone
    declares a custom one), values are listed ids or free names when customizable; at most 3 types."""
    by_id = {a["id"]: a for a in attributes if a["type"] == "SALES_PROPERTY"}
    keys = set()
    for attr in attrs:
        if not isinstance(attr, dict):
            raise E.invalid("sales_attributes: each entry must be an object")
        attribute_id, name = str(attr.get("id") or ""), attr.get("name")
        key = attribute_id or str(name or "")
        if not key:
            raise E.invalid("sales_attributes: each entry needs an id or a name")
        if key in keys:
            raise E.invalid(f"sales_attributes[{key}]: sent twice in one SKU")
        keys.add(key)
        value = {"id": str(attr.get("value_id") or ""), "name": attr.get("value_name")}
        if attribute_id:
            attribute = by_id.get(attribute_id)
            if attribute is None:
                raise E.ApiFail(
                    E.ATTRIBUTE_VALUE_INVALID,
                    f"sales_attributes[{attribute_id}]: not a sales attribute of the category",
                )
            _attribute_values(attribute, [value], f"sales_attributes[{attribute_id}]")
        elif not value["id"] and not (isinstance(value["name"], str) and value["name"].strip()):
            raise E.invalid(f"sales_attributes[{key}]: value_name is required")
    types.update(keys)
    if len(types) > 3:
        raise E.invalid("sales_attributes: at most 3 types in a product")


def _validate_skus(  # noqa: PLR0912 - one branch per TikTok rule
    ctx: Ctx, skus: Any, existing: dict[str, Any] | None, attributes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    shop = ctx.shop or {}
    warehouses = ctx.sb.sales_warehouses(shop)
    if not isinstance(skus, list) or not 1 <= len(skus) <= 100:
        raise E.invalid("skus must hold 1 to 100 SKUs")
    old = {s["id"]: s for s in (existing or {}).get("skus", [])}
    old_by_seller = {s["seller_sku"]: s for s in old.values()}
    seen_seller: set[str] = set()
    seen_attrs: set[tuple[Any, ...]] = set()
    sales_types: set[str] = set()
    out = []
    for raw in skus:
        if not isinstance(raw, dict):
            raise E.invalid("each SKU must be an object")
        seller_sku = str(raw.get("seller_sku") or "")
        if not 1 <= len(seller_sku) <= 50:
            raise E.invalid("seller_sku must have 1 to 50 characters")
        if seller_sku in seen_seller:
            raise E.ApiFail(E.SELLER_SKU_DUPLICATE, f"Duplicate seller_sku {seller_sku} in the product")
        seen_seller.add(seller_sku)
        price = raw.get("price") or {}
        amount = _money(price.get("amount", price.get("sale_price")), "skus.price.amount")
        if price.get("currency", "BRL") != "BRL":
            raise E.invalid("skus.price.currency must be BRL for a Brazilian shop")
        inventory = raw.get("inventory")
        if not isinstance(inventory, list) or not inventory:
            raise E.invalid("skus.inventory is required")
        stock = []
        for entry in inventory:
            warehouse_id = str(entry.get("warehouse_id") or (next(iter(warehouses)) if len(warehouses) == 1 else ""))
            if warehouse_id not in warehouses:
                raise E.ApiFail(E.WAREHOUSE_INVALID, f"Warehouse {warehouse_id} is not a sales warehouse of the shop")
            quantity = entry.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= 99999:
                raise E.ApiFail(E.QUANTITY_OUT_OF_RANGE, "inventory quantity must be an integer 0-99999")
            stock.append({"warehouse_id": warehouse_id, "quantity": quantity})
        attrs = raw.get("sales_attributes") or []
        if not isinstance(attrs, list) or len(attrs) > 3:
            raise E.invalid("sales_attributes: at most 3")
        _sales_attributes(attrs, attributes, sales_types)
        combo = tuple(
            sorted((str(a.get("id") or a.get("name")), str(a.get("value_id") or a.get("value_name"))) for a in attrs)
        )
        if len(skus) > 1:
            if not attrs:
                raise E.invalid("every SKU of a multi-SKU product needs sales_attributes")
            if combo in seen_attrs:
                raise E.invalid("two SKUs have the same sales_attributes")
        seen_attrs.add(combo)
        previous = old.get(str(raw.get("id"))) or old_by_seller.get(seller_sku)
        sku_id = previous["id"] if previous else ctx.sb.new_id(173)
        out.append(
            {
                "id": sku_id,
                "seller_sku": seller_sku,
                "price": {"currency": "BRL", "sale_price": f"{amount:.2f}", "tax_exclusive_price": f"{amount:.2f}"},
                "inventory": stock,
                "sales_attributes": [
                    {
                        "id": str(a.get("id") or ""),
                        "name": a.get("name", ""),
                        "value_id": str(a.get("value_id") or ""),
                        "value_name": a.get("value_name", ""),
                    }
                    for a in attrs
                ],
                "external_sku_id": raw.get("external_sku_id", ""),
                "identifier_code": raw.get("identifier_code"),
                "list_price": raw.get("list_price"),
            }
        )
    return out


def _validate_product(ctx: Ctx, body: dict[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    title = body.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 255:
        raise E.invalid("title is required (1-255 characters)")
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise E.invalid("description is required")
    if body.get("category_id") in (None, ""):
        raise E.invalid("category_id is required")
    category = _category(ctx, body.get("category_id"), "category_id")
    if not category["is_leaf"]:
        raise E.ApiFail(E.CATEGORY_INVALID, f"category_id: category {category['id']} is not a leaf category")
    if "AVAILABLE" not in category.get("permission_statuses", []):
        statuses = ", ".join(category.get("permission_statuses", [])) or "none"
        raise E.ApiFail(
            E.CATEGORY_NOT_AVAILABLE,
            f"category_id: category {category['id']} is not available for your shop (permission: {statuses})",
        )
    attributes = attributes_for(category["id"])
    brand_id = body.get("brand_id")
    if brand_id not in (None, ""):
        _check_brand(ctx, str(brand_id))
    images = body.get("main_images")
    if not isinstance(images, list) or not 1 <= len(images) <= 9:
        raise E.invalid("main_images must hold 1 to 9 images")
    for image in images:
        uri = image.get("uri") if isinstance(image, dict) else None
        if not isinstance(uri, str) or uri not in ctx.sb.images:
            raise E.ApiFail(E.IMAGE_NOT_UPLOADED, f"main_images: image {uri} was not uploaded through images/upload")
    weight = body.get("package_weight")
    if not isinstance(weight, dict) or weight.get("unit") not in ("KILOGRAM", "POUND"):
        raise E.invalid("package_weight {value, unit KILOGRAM|POUND} is required")
    _money(weight.get("value"), "package_weight.value")
    dimensions = _package_dimensions(body.get("package_dimensions"), category["id"])
    product_attributes = _product_attributes(body.get("product_attributes"), category["id"], attributes)
    save_mode = body.get("save_mode", "LISTING")
    if save_mode not in ("LISTING", "AS_DRAFT"):
        raise E.invalid("save_mode must be LISTING or AS_DRAFT")
    return {
        "title": title.strip(),
        "description": description,
        "category_id": category["id"],
        "brand_id": str(brand_id) if brand_id else None,
        "main_images": [{"uri": i["uri"]} for i in images],
        "skus": _validate_skus(ctx, body.get("skus"), existing, attributes),
        "package_weight": weight,
        "package_dimensions": dimensions,
        "product_attributes": product_attributes,
        "external_product_id": body.get("external_product_id"),
        "is_cod_allowed": bool(body.get("is_cod_allowed", False)),
        "_save_mode": save_mode,
    }


def _listed_status(sb: Sandbox, save_mode: str) -> str:
    if save_mode == "AS_DRAFT":
        return "DRAFT"
    return "ACTIVATE" if sb.auto_approve else "PENDING"


def _sku_summary(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": s["id"],
            "seller_sku": s["seller_sku"],
            "external_sku_id": s["external_sku_id"],
            "sales_attributes": [{"id": a["id"], "value_id": a["value_id"]} for a in s["sales_attributes"]],
        }
        for s in product["skus"]
    ]


def create_product(ctx: Ctx) -> dict[str, Any]:
    fields = _validate_product(ctx, ctx.body)
    key = ctx.body.get("idempotency_key")
    if key:
        for product in ctx.sb.products.values():
            if product.get("_idempotency_key") == key and product["_shop_id"] == ctx.shop["id"]:  # type: ignore[index]
                return {"product_id": product["id"], "skus": _sku_summary(product), "warnings": []}
    product_id = ctx.sb.new_id(172)
    save_mode = fields.pop("_save_mode")
    product = {
        "id": product_id,
        **fields,
        "status": _listed_status(ctx.sb, save_mode),
        "create_time": ctx.now,
        "update_time": ctx.now,
        "_shop_id": ctx.shop["id"],
        "_in_promotion": False,  # type: ignore[index]
        "_idempotency_key": key,
    }
    ctx.sb.products[product_id] = product
    ctx.sb.pusher.notify(ctx.shop["id"], 16, {"product_id": product_id, "update_time": ctx.now})  # type: ignore
    return {"product_id": product_id, "skus": _sku_summary(product), "warnings": []}


def product_view(sb: Sandbox, product: dict[str, Any], host: str) -> dict[str, Any]:
    view = _public(product)
    chain, category = [], next((c for c in sb.categories if c["id"] == product["category_id"]), None)
    while category is not None:
        chain.insert(
            0,
            {
                "id": category["id"],
                "parent_id": category["parent_id"],
                "local_name": category["local_name"],
                "is_leaf": category["is_leaf"],
            },
        )
        category = next((c for c in sb.categories if c["id"] == category["parent_id"]), None)
    view["category_chains"] = chain
    brand = sb.brands.get(product.get("brand_id") or "")
    view["brand"] = {"id": brand["id"], "name": brand["name"]} if brand else None
    view["main_images"] = [
        {
            "uri": i["uri"],
            "urls": [f"{host}/sandbox/images/{i['uri']}"],
            "width": sb.images.get(i["uri"], {}).get("width"),
            "height": sb.images.get(i["uri"], {}).get("height"),
        }
        for i in product["main_images"]
    ]
    view["audit"] = {"status": "APPROVED" if product["status"] == "ACTIVATE" else "AUDITING"}
    view.pop("category_id", None)
    return view


def get_product(ctx: Ctx) -> dict[str, Any]:
    return product_view(ctx.sb, _product(ctx, ctx.path["product_id"]), base_url())


def search_products(ctx: Ctx) -> dict[str, Any]:
    size, offset = page_params(ctx, 1, 100)
    body = ctx.body
    status = body.get("status", "ALL")
    if status != "ALL" and status not in PRODUCT_STATUSES:
        raise E.invalid("status is not a product status")
    seller_skus = body.get("seller_skus")
    if seller_skus is not None and (not isinstance(seller_skus, list) or len(seller_skus) > 10):
        raise E.invalid("seller_skus: at most 10")
    sku_ids = body.get("sku_ids")
    if sku_ids is not None and (not isinstance(sku_ids, list) or len(sku_ids) > 10):
        raise E.invalid("sku_ids: at most 10")
    items = [p for p in ctx.sb.products.values() if p["_shop_id"] == ctx.shop["id"]]  # type: ignore[index]
    if status == "ALL":
        items = [p for p in items if p["status"] != "DELETED"]
    else:
        items = [p for p in items if p["status"] == status]
    if seller_skus:
        wanted = {str(s) for s in seller_skus}
        items = [p for p in items if any(s["seller_sku"] in wanted for s in p["skus"])]
    if sku_ids:
        wanted = {str(s) for s in sku_ids}
        items = [p for p in items if any(s["id"] in wanted for s in p["skus"])]
    items = _time_filter(items, body, "create_time", "le")
    items = _time_filter(items, body, "update_time", "le")
    if len(items) > 10000:
        raise E.ApiFail(12052180, "Search results exceed 10000; narrow the filters")
    items.sort(key=lambda p: (p["create_time"], p["id"]))
    chunk, token = paginate(items, size, offset)
    return {
        "products": [
            {
                "id": p["id"],
                "title": p["title"],
                "status": p["status"],
                "sales_regions": ["BR"],
                "skus": [
                    {k: copy.deepcopy(s[k]) for k in ("id", "seller_sku", "price", "inventory")} for s in p["skus"]
                ],
                "create_time": p["create_time"],
                "update_time": p["update_time"],
            }
            for p in chunk
        ],
        "total_count": len(items),
        "next_page_token": token,
    }


def edit_product(ctx: Ctx) -> dict[str, Any]:
    product = _product(ctx, ctx.path["product_id"])
    fields = _validate_product(ctx, ctx.body, product)
    save_mode = fields.pop("_save_mode")
    product.update(fields)
    product["status"] = (
        _listed_status(ctx.sb, save_mode) if product["status"] != "SELLER_DEACTIVATED" else "SELLER_DEACTIVATED"
    )
    product["update_time"] = ctx.now
    ctx.sb.pusher.notify(
        ctx.shop["id"],
        15,
        {  # type: ignore[index,attr-defined]
            "product_id": product["id"],
            "change_source": "OPEN_API",
            "changed_fields": ["title", "description"],
            "update_time": ctx.now,
        },
    )
    return {
        "product_id": product["id"],
        "skus": _sku_summary(product),
        "warnings": [],
        "audit": {"status": "AUDITING" if product["status"] == "PENDING" else "APPROVED"},
    }


def partial_edit_product(ctx: Ctx) -> dict[str, Any]:
    product = _product(ctx, ctx.path["product_id"])
    allowed = {
        "title",
        "description",
        "category_id",
        "brand_id",
        "main_images",
        "skus",
        "package_weight",
        "package_dimensions",
        "product_attributes",
        "external_product_id",
        "is_cod_allowed",
    }
    unknown = set(ctx.body) - allowed - {"idempotency_key", "category_version", "save_mode"}
    if unknown:
        raise E.invalid(f"unknown fields {sorted(unknown)}")
    merged = {k: copy.deepcopy(v) for k, v in product.items() if not k.startswith("_")}
    merged["skus"] = [
        {
            "id": s["id"],
            "seller_sku": s["seller_sku"],
            "price": {"amount": s["price"]["sale_price"], "currency": "BRL"},
            "inventory": s["inventory"],
            "sales_attributes": s["sales_attributes"],
            "external_sku_id": s["external_sku_id"],
        }
        for s in product["skus"]
    ]
    if "skus" in ctx.body:
        by_id = {s["id"]: s for s in merged["skus"]}
        by_seller = {s["seller_sku"]: s for s in merged["skus"]}
        for change in ctx.body["skus"] or []:
            target = by_id.get(str(change.get("id"))) or by_seller.get(str(change.get("seller_sku")))
            if target is None:
                merged["skus"].append(change)
            else:
                target.update(change)
    for key in allowed - {"skus"}:
        if key in ctx.body:
            merged[key] = ctx.body[key]
    fields = _validate_product(ctx, merged, product)
    fields.pop("_save_mode")
    product.update(fields)
    product["update_time"] = ctx.now
    return {"product_id": product["id"], "skus": _sku_summary(product)}


def _product_batch(ctx: Ctx, action: str) -> dict[str, Any]:
    ids = _ids(ctx.body.get("product_ids"), "product_ids", 20, E.TOO_MANY_PRODUCT_IDS)
    errors = []
    for product_id in ids:
        try:
            product = _product(ctx, product_id)
        except E.ApiFail as fail:
            errors.append({"code": fail.code, "message": fail.message, "detail": {"product_id": product_id}})
            continue
        status = product["status"]
        if action == "deactivate":
            if status not in ("ACTIVATE", "PENDING"):
                errors.append(
                    {
                        "code": E.PRODUCT_STATUS_NOT_ALLOWED,
                        "detail": {"product_id": product_id},
                        "message": f"Product in status {status} cannot be deactivated",
                    }
                )
                continue
            product["status"] = "SELLER_DEACTIVATED"
        elif action == "activate":
            if status in ("PLATFORM_DEACTIVATED", "FREEZE"):
                errors.append(
                    {
                        "code": E.PRODUCT_STATUS_NOT_ALLOWED,
                        "detail": {"product_id": product_id},
                        "message": f"Product in status {status} cannot be activated",
                    }
                )
                continue
            if status != "ACTIVATE":
                product["status"] = "ACTIVATE" if ctx.sb.auto_approve else "PENDING"
        else:
            product["status"] = "DELETED"
        product["update_time"] = ctx.now
        ctx.sb.pusher.notify(
            ctx.shop["id"],
            5,
            {  # type: ignore[index,attr-defined]
                "product_id": int(product_id),
                "status": "PRODUCT_STATUS_CHANGED",
                "suspended_reason": "",
                "update_time": ctx.now,
            },
        )
    return {"errors": errors} if errors else {}


def activate_products(ctx: Ctx) -> dict[str, Any]:
    return _product_batch(ctx, "activate")


def deactivate_products(ctx: Ctx) -> dict[str, Any]:
    return _product_batch(ctx, "deactivate")


def delete_products(ctx: Ctx) -> dict[str, Any]:
    return _product_batch(ctx, "delete")


def _sku_items(ctx: Ctx) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    product = _product(ctx, ctx.path["product_id"])
    skus = ctx.body.get("skus")
    if not isinstance(skus, list) or not skus:
        raise E.invalid("skus is required")
    return product, skus


def _finish_batch(errors: list[dict[str, Any]], total: int) -> dict[str, Any]:
    if errors and len(errors) >= total:
        raise E.ApiFail(E.CHECK_FAILED, "Check failed", 200, {"errors": errors})
    return {"errors": errors} if errors else {}


def update_inventory(ctx: Ctx) -> dict[str, Any]:
    product, skus = _sku_items(ctx)
    warehouses = ctx.sb.sales_warehouses(ctx.shop or {})
    by_id = {s["id"]: s for s in product["skus"]}
    errors: list[dict[str, Any]] = []
    for item in skus:
        sku_id = str(item.get("id"))
        sku = by_id.get(sku_id)
        if product["status"] != "ACTIVATE":
            errors.append(
                {
                    "code": E.PRODUCT_STATUS_NOT_ALLOWED,
                    "detail": {"sku_id": sku_id, "extra_errors": []},
                    "message": f"Product status {product['status']} does not allow inventory updates",
                }
            )
            continue
        if sku is None:
            errors.append(
                {
                    "code": E.SKU_NOT_IN_PRODUCT,
                    "message": f"SKU {sku_id} is not in the product",
                    "detail": {"sku_id": sku_id, "extra_errors": []},
                }
            )
            continue
        extra, updates = [], []
        inventory = item.get("inventory")
        if not isinstance(inventory, list) or not inventory:
            extra.append({"warehouse_id": "", "code": E.REQUEST_INVALID, "message": "inventory is required"})
            inventory = []
        for entry in inventory:
            warehouse_id = str(entry.get("warehouse_id") or (next(iter(warehouses)) if len(warehouses) == 1 else ""))
            quantity = entry.get("quantity")
            if warehouse_id not in warehouses:
                extra.append(
                    {
                        "warehouse_id": warehouse_id,
                        "code": E.WAREHOUSE_INVALID,
                        "message": "Not a sales warehouse of the shop",
                    }
                )
            elif not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= 99999:
                extra.append(
                    {
                        "warehouse_id": warehouse_id,
                        "code": E.QUANTITY_OUT_OF_RANGE,
                        "message": "quantity must be an integer 0-99999",
                    }
                )
            else:
                updates.append((warehouse_id, quantity))
        if extra:
            errors.append(
                {"code": E.CHECK_FAILED, "message": "Check failed", "detail": {"sku_id": sku_id, "extra_errors": extra}}
            )
            continue
        current = {w["warehouse_id"]: w for w in sku["inventory"]}
        for warehouse_id, quantity in updates:
            if warehouse_id in current:
                current[warehouse_id]["quantity"] = quantity
            else:
                sku["inventory"].append({"warehouse_id": warehouse_id, "quantity": quantity})
        product["update_time"] = ctx.now
    return _finish_batch(errors, len(skus))


def update_prices(ctx: Ctx) -> dict[str, Any]:
    product, skus = _sku_items(ctx)
    if product["_in_promotion"]:
        raise E.ApiFail(E.PRICE_LOCKED, "The product is in a promotion; its price cannot be changed now")
    by_id = {s["id"]: s for s in product["skus"]}
    errors: list[dict[str, Any]] = []
    for item in skus:
        sku_id = str(item.get("id"))
        sku = by_id.get(sku_id)
        if product["status"] != "ACTIVATE":
            errors.append(
                {
                    "code": E.PRODUCT_STATUS_NOT_ALLOWED,
                    "detail": {"sku_id": sku_id},
                    "message": f"Product status {product['status']} does not allow price updates",
                }
            )
            continue
        if sku is None:
            errors.append(
                {
                    "code": E.SKU_NOT_IN_PRODUCT,
                    "message": f"SKU {sku_id} is not in the product",
                    "detail": {"sku_id": sku_id},
                }
            )
            continue
        price = item.get("price") or {}
        try:
            amount = _money(price.get("amount", price.get("sale_price")), "price.amount")
            if price.get("currency") != "BRL":
                raise E.invalid("price.currency must be BRL")
        except E.ApiFail as fail:
            errors.append({"code": fail.code, "message": fail.message, "detail": {"sku_id": sku_id}})
            continue
        sku["price"] = {"currency": "BRL", "sale_price": f"{amount:.2f}", "tax_exclusive_price": f"{amount:.2f}"}
        if item.get("list_price"):
            sku["list_price"] = item["list_price"]
        product["update_time"] = ctx.now
    return _finish_batch(errors, len(skus))


def _committed(sb: Sandbox, sku_id: str) -> int:
    return sum(
        1 for o in sb.orders.values() if o["status"] in CANCELLABLE for li in o["line_items"] if li["sku_id"] == sku_id
    )


def search_inventory(ctx: Ctx) -> dict[str, Any]:
    product_ids, sku_ids = ctx.body.get("product_ids"), ctx.body.get("sku_ids")
    if sku_ids:
        wanted_skus = set(_ids(sku_ids, "sku_ids", 600))
        products = [
            p
            for p in ctx.sb.products.values()
            if p["_shop_id"] == ctx.shop["id"]  # type: ignore[index]
            and any(s["id"] in wanted_skus for s in p["skus"])
        ]
    elif product_ids:
        products = [_product(ctx, pid) for pid in _ids(product_ids, "product_ids", 100)]
        wanted_skus = None
    else:
        raise E.invalid("product_ids or sku_ids is required")
    out = []
    for product in products:
        skus = []
        for sku in product["skus"]:
            if wanted_skus is not None and sku["id"] not in wanted_skus:
                continue
            committed = _committed(ctx.sb, sku["id"])
            skus.append(
                {
                    "id": sku["id"],
                    "seller_sku": sku["seller_sku"],
                    "total_available_quantity": sum(w["quantity"] for w in sku["inventory"]),
                    "total_committed_quantity": committed,
                    "warehouse_inventory": [
                        {
                            "warehouse_id": w["warehouse_id"],
                            "available_quantity": w["quantity"],
                            "committed_quantity": committed if i == 0 else 0,
                        }
                        for i, w in enumerate(sku["inventory"])
                    ],
                }
            )
        out.append({"product_id": product["id"], "skus": skus})
    return {"inventory": out}


# ---------------------------------------------------------------------- brands, categories, images


def _visible_brands(ctx: Ctx) -> list[dict[str, Any]]:
    return [b for b in ctx.sb.brands.values() if b["owner"] in (None, ctx.open_id)]


def get_brands(ctx: Ctx) -> dict[str, Any]:
    size, offset = page_params(ctx, 1, 100)
    brands = _visible_brands(ctx)
    prefix = ctx.query.get("brand_name")
    if prefix:
        brands = [b for b in brands if _fold(b["name"]).startswith(_fold(prefix))]
    if ctx.query.get("is_authorized") == "true":
        brands = [b for b in brands if b["authorized_status"] == "AUTHORIZED"]
    brands.sort(key=lambda b: (_fold(b["name"]), b["id"]))
    chunk, token = paginate(brands, size, offset)
    keys = ("id", "name", "authorized_status", "is_t1_brand", "brand_status")
    return {"brands": [{k: b[k] for k in keys} for b in chunk], "total_count": len(brands), "next_page_token": token}


def create_brand(ctx: Ctx) -> dict[str, Any]:
    name = ctx.body.get("name")
    if not isinstance(name, str) or not 2 <= len(name.strip()) <= 30:
        raise E.invalid("name must have 2 to 30 characters")
    name = name.strip()
    if any(_fold(b["name"]) == _fold(name) for b in _visible_brands(ctx)):
        raise E.ApiFail(E.BRAND_DUPLICATE, "Brand name already exists")
    day = (ctx.open_id or "", str(ctx.now // 86400))
    if ctx.sb.brand_creations[day] >= 50:
        raise E.ApiFail(E.BRAND_DAILY_LIMIT, "You can create at most 50 brands a day")
    ctx.sb.brand_creations[day] += 1
    brand_id = ctx.sb.new_id(708)
    ctx.sb.brands[brand_id] = {
        "id": brand_id,
        "name": name,
        "authorized_status": "UNAUTHORIZED",
        "is_t1_brand": False,
        "brand_status": "AVAILABLE",
        "owner": ctx.open_id,
    }
    return {"id": brand_id}


def get_categories(ctx: Ctx) -> dict[str, Any]:
    categories = ctx.sb.categories
    if str(ctx.query.get("include_prohibited_categories", "")).lower() != "true":
        categories = [c for c in categories if "PROHIBITED" not in c.get("permission_statuses", [])]
    keyword = ctx.query.get("keyword")
    if keyword:
        categories = [c for c in categories if _fold(keyword) in _fold(c["local_name"])]
    return {"categories": copy.deepcopy(categories)}


def _leaf(ctx: Ctx) -> dict[str, Any]:
    category = _category(ctx, ctx.path["category_id"])
    if not category["is_leaf"]:
        raise E.ApiFail(E.CATEGORY_INVALID, f"Category {category['id']} is not a leaf category")
    return category


def get_category_rules(ctx: Ctx) -> dict[str, Any]:
    return rules_for(_leaf(ctx)["id"])


def get_attributes(ctx: Ctx) -> dict[str, Any]:
    return {"attributes": attributes_for(_leaf(ctx)["id"])}


def recommend_category(ctx: Ctx) -> dict[str, Any]:
    title = ctx.body.get("product_title")
    if not isinstance(title, str) or not title.strip():
        raise E.invalid("product_title is required")
    words = set(re.findall(r"[a-z]{4,}", _fold(title + " " + str(ctx.body.get("description") or ""))))
    leaves = [c for c in ctx.sb.categories if c["is_leaf"] and "AVAILABLE" in c.get("permission_statuses", [])]

    def score(category: dict[str, Any]) -> int:
        names = _fold(category["local_name"])
        return sum(1 for w in words if w[:5] in names)

    best = max(leaves, key=score)
    chain, node = [], best
    while node is not None:
        chain.insert(0, {"id": node["id"], "name": node["local_name"], "is_leaf": node["is_leaf"]})
        node = next((c for c in ctx.sb.categories if c["id"] == node["parent_id"]), None)
    for level, item in enumerate(chain, start=1):
        item["level"] = level
    return {"leaf_category_id": best["id"], "categories": chain}


def _image_size(data: bytes) -> tuple[str, int | None, int | None]:  # noqa: PLR0911
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "jpeg", width, height
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            i += 2 + length
        return "jpeg", None, None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp", None, None
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "bmp", width, abs(height)
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "heic", None, None
    return "", None, None


def upload_image(ctx: Ctx) -> dict[str, Any]:
    upload = ctx.files.get("data") if ctx.files else None
    if upload is None:
        raise E.invalid("form field data (the image file) is required")
    content = upload.read()
    if len(content) > MAX_IMAGE_BYTES:
        raise E.ApiFail(E.FILE_TOO_LARGE, "The image exceeds 10 MB")
    kind, width, height = _image_size(content)
    if not kind:
        raise E.ApiFail(E.IMAGE_INVALID, "Unsupported image format (JPG, JPEG, PNG, WEBP, HEIC, BMP)")
    if width is not None and height is not None and not (100 <= width <= 20000 and 100 <= height <= 20000):
        raise E.ApiFail(E.IMAGE_INVALID, "Image dimensions must be between 100 and 20000 px")
    use_case = ctx.form.get("use_case") or "MAIN_IMAGE"
    if use_case not in IMAGE_USE_CASES:
        raise E.invalid("use_case is not supported")
    uri = "tos-maliva-i-sbx/" + hashlib.sha1(content, usedforsecurity=False).hexdigest()
    ctx.sb.images[uri] = {
        "uri": uri,
        "content": content,
        "kind": kind,
        "width": width,
        "height": height,
        "use_case": use_case,
    }
    return {
        "uri": uri,
        "url": f"{base_url()}/sandbox/images/{uri}",
        "width": width,
        "height": height,
        "use_case": use_case,
    }


# ---------------------------------------------------------------------- orders


def order_view(order: dict[str, Any]) -> dict[str, Any]:
    view = _public(order)
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
    orders = _time_filter(orders, body, "create_time")
    orders = _time_filter(orders, body, "update_time")
    orders.sort(key=lambda o: (o[sort_field], o["id"]), reverse=sort_order == "DESC")
    chunk, token = paginate(orders, size, offset)
    return {"orders": [order_view(o) for o in chunk], "total_count": len(orders), "next_page_token": token}


def get_order_detail(ctx: Ctx) -> dict[str, Any]:
    ids = _ids(ctx.query.get("ids", ""), "ids", 50)
    shop_id = ctx.shop["id"]  # type: ignore[index]
    return {
        "orders": [
            order_view(ctx.sb.orders[i]) for i in ids if i in ctx.sb.orders and ctx.sb.orders[i]["_shop_id"] == shop_id
        ]
    }


# ---------------------------------------------------------------------- fulfillment


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
    packages = _time_filter(packages, ctx.body, "create_time")
    packages = _time_filter(packages, ctx.body, "update_time")
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
    return _public(_package(ctx))


def ship_package(ctx: Ctx) -> dict[str, Any]:  # noqa: PLR0912
    package = _package(ctx)
    sb = ctx.sb
    if package["package_status"] == "CANCELLED":
        raise E.ApiFail(21011003, "The package is cancelled")
    if package["_shipped"]:
        raise E.ApiFail(E.PACKAGE_ALREADY_SHIPPED, "The package has already been shipped")
    orders = [sb.orders[o["id"]] for o in package["orders"]]
    if any(o["need_upload_invoice"] for o in orders):
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
    from .orders import set_order_status

    for order in orders:
        set_order_status(sb, order, new_status, notify=True)
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
        existing = ctx.sb.invoices.get(package_id)
        if existing is not None and existing["status"] in ("SUCCESS", "PROCESSING"):
            fail(E.INVOICE_EXISTS, "Invoice already exists")
            continue
        status = ctx.sb.invoice_outcome  # type: ignore[attr-defined]
        ctx.sb.invoices[package_id] = {
            "package_id": package_id,
            "order_ids": [str(o) for o in order_ids],
            "status": status,
            "invalid_reason": None if status == "SUCCESS" else "FAILED",
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
                **({} if status == "SUCCESS" else {"invalid_reason": "FAILED"}),
            },
        )
    return {"errors": errors} if errors else {}


# ---------------------------------------------------------------------- cancellations and returns


def _rr_page(ctx: Ctx, low: int) -> tuple[int, int]:
    return page_params(ctx, low, 50, default=10)


def _filtered(items: list[dict[str, Any]], body: dict[str, Any], mapping: dict[str, str]) -> list[dict[str, Any]]:
    for body_key, field in mapping.items():
        wanted = body.get(body_key)
        if wanted:
            if not isinstance(wanted, list):
                raise E.ApiFail(E.RR_INVALID_PARAM, f"{body_key} must be a list")
            items = [i for i in items if str(i[field]) in {str(w) for w in wanted}]
    return _time_filter(_time_filter(items, body, "create_time"), body, "update_time")


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
    return {"cancellations": [_public(c) for c in chunk], "total_count": len(items), "next_page_token": token}


def _order_for_rr(ctx: Ctx, order_id: Any) -> dict[str, Any]:
    order = ctx.sb.orders.get(str(order_id or ""))
    if order is None or order["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.RR_INVALID_PARAM, f"Order {order_id} does not exist")
    return order


def cancel_order(ctx: Ctx) -> dict[str, Any]:
    from .orders import cancel_order as do_cancel
    from .orders import new_cancellation

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
    from .orders import cancel_order as do_cancel
    from .orders import touch_cancellation

    cancellation = _cancellation(ctx)
    order = ctx.sb.orders[cancellation["order_id"]]
    touch_cancellation(ctx.sb, cancellation, "CANCELLATION_REQUEST_SUCCESS")
    do_cancel(ctx.sb, order, reason=cancellation["cancel_reason"], initiator="BUYER")
    return {}


def reject_cancellation(ctx: Ctx) -> dict[str, Any]:
    from .orders import touch_cancellation

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
    return {"return_orders": [_public(r) for r in chunk], "total_count": len(items), "next_page_token": token}


def _return(ctx: Ctx) -> dict[str, Any]:
    record = ctx.sb.returns.get(ctx.path["return_id"])
    if record is None or record["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.RR_INVALID_PARAM, f"Return {ctx.path['return_id']} does not exist")
    return record


def approve_return(ctx: Ctx) -> dict[str, Any]:
    from .orders import touch_return

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
    from .orders import touch_return

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


# ---------------------------------------------------------------------- logistics and events


def get_warehouses(ctx: Ctx) -> dict[str, Any]:
    return {"warehouses": copy.deepcopy(ctx.shop["warehouses"])}  # type: ignore[index]


def get_webhooks(ctx: Ctx) -> dict[str, Any]:
    hooks = ctx.sb.webhooks.get(ctx.shop["id"], {})  # type: ignore[index]
    rows = [{"event_type": k, **v} for k, v in sorted(hooks.items())]
    return {"webhooks": rows, "total_count": len(rows)}


def valid_webhook_address(address: str) -> bool:
    """TikTok: https, a domain name (no IP), no port, <= 255 characters. The sandbox also accepts
    http(s) on 127.0.0.1/localhost (any port) so the local stack can receive pushes."""
    if len(address) > 255:
        return False
    parts = urlsplit(address)
    host = parts.hostname or ""
    if host in ("127.0.0.1", "localhost"):
        return parts.scheme in ("http", "https")
    try:
        port = parts.port
    except ValueError:
        return False
    is_ip = bool(re.fullmatch(r"[\d.]+|\[?[0-9a-fA-F:]+\]?", host))
    return parts.scheme == "https" and "." in host and not is_ip and port is None


def update_webhook(ctx: Ctx) -> dict[str, Any]:
    address, event_type = ctx.body.get("address"), ctx.body.get("event_type")
    if not address:
        raise E.invalid("param body.address is missing")
    if event_type not in EVENT_TYPES:
        raise E.invalid("param body.event_type is invalid")
    if not isinstance(address, str) or not valid_webhook_address(address):
        raise E.invalid("address must be an https URL with a domain name, no port, at most 255 characters")
    hooks = ctx.sb.webhooks.setdefault(ctx.shop["id"], {})  # type: ignore[index]
    created = hooks.get(event_type, {}).get("create_time", ctx.now)
    hooks[event_type] = {"address": address, "create_time": created, "update_time": ctx.now}
    return {}


def delete_webhook(ctx: Ctx) -> dict[str, Any]:
    event_type = ctx.body.get("event_type")
    if event_type not in EVENT_TYPES:
        raise E.invalid("param body.event_type is invalid")
    ctx.sb.webhooks.get(ctx.shop["id"], {}).pop(event_type, None)  # type: ignore[index]
    return {}


# ---------------------------------------------------------------------- token endpoints (auth host)


def register_token_routes(app: Flask, sb: Sandbox) -> None:
    def gate(grant_type: str) -> dict[str, str]:
        query = {k: request.args.get(k, "") for k in request.args}
        if not same(query.get("app_key", ""), sb.app_key) or not same(query.get("app_secret", ""), sb.app_secret):
            raise E.ApiFail(E.REQUEST_INVALID, "Invalid app_key or app_secret", 401)
        if query.get("grant_type") != grant_type:
            raise E.ApiFail(E.REQUEST_INVALID, f"grant_type must be {grant_type}", 400)
        return query

    def token_get() -> Response:
        key = "GET /api/v2/token/get"
        with sb.lock:
            sb.calls[key] += 1
        from .app import _apply_fault

        faulted = _apply_fault(sb, key)
        if faulted is not None:
            return faulted
        try:
            query = gate("authorized_code")
            with sb.lock:
                record = sb.auth_codes.get(query.get("auth_code", ""))
                if record is None or record["used"] or sb.now() >= record["issued_at"] + AUTH_CODE_TTL:
                    raise E.ApiFail(E.AUTH_RECORD_NOT_FOUND, "can not find related auth record")
                record["used"] = True
                data = sb.issue_tokens(record["shop_id"])
        except E.ApiFail as fail:
            return envelope(fail.code, fail.message, fail.data, fail.http_status)
        return envelope(0, "success", data)

    def token_refresh() -> Response:
        key = "GET /api/v2/token/refresh"
        with sb.lock:
            sb.calls[key] += 1
        from .app import _apply_fault

        faulted = _apply_fault(sb, key)
        if faulted is not None:
            return faulted
        try:
            query = gate("refresh_token")
            with sb.lock:
                record = sb.refresh_tokens.get(query.get("refresh_token", ""))
                if record is None or record["revoked"]:
                    raise E.ApiFail(E.AUTH_RECORD_NOT_FOUND, "can not find related auth record")
                if sb.now() >= record["expires_at"]:
                    raise E.ApiFail(E.RT_EXPIRED, "rt has expired")
                data = sb.refresh(query["refresh_token"])
        except E.ApiFail as fail:
            return envelope(fail.code, fail.message, fail.data, fail.http_status)
        return envelope(0, "success", data)

    app.add_url_rule("/api/v2/token/get", endpoint="token_get", view_func=token_get, methods=["GET"])
    app.add_url_rule("/api/v2/token/refresh", endpoint="token_refresh", view_func=token_refresh, methods=["GET"])


P = "/product/202309"
F = "/fulfillment/202309"
R = "/return_refund/202309"
ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/authorization/202309/shops", authorized_shops, cipher=FORBIDDEN, body=NONE),
    Endpoint("POST", f"{P}/products", create_product),
    Endpoint("GET", f"{P}/products/{{product_id}}", get_product, body=NONE),
    Endpoint("POST", f"{P}/products/search", search_products),
    Endpoint("PUT", f"{P}/products/{{product_id}}", edit_product),
    Endpoint("POST", f"{P}/products/{{product_id}}/partial_edit", partial_edit_product),
    Endpoint("POST", f"{P}/products/activate", activate_products),
    Endpoint("POST", f"{P}/products/deactivate", deactivate_products),
    Endpoint("DELETE", f"{P}/products", delete_products),
    Endpoint("POST", f"{P}/products/{{product_id}}/inventory/update", update_inventory),
    Endpoint("POST", f"{P}/products/{{product_id}}/prices/update", update_prices),
    Endpoint("POST", f"{P}/inventory/search", search_inventory),
    Endpoint("GET", f"{P}/brands", get_brands, body=NONE),
    Endpoint("POST", f"{P}/brands", create_brand, cipher=FORBIDDEN),
    Endpoint("GET", f"{P}/categories", get_categories, body=NONE),
    Endpoint("GET", f"{P}/categories/{{category_id}}/rules", get_category_rules, body=NONE),
    Endpoint("GET", f"{P}/categories/{{category_id}}/attributes", get_attributes, body=NONE),
    Endpoint("POST", f"{P}/categories/recommend", recommend_category),
    Endpoint("POST", f"{P}/images/upload", upload_image, cipher=FORBIDDEN, body=MULTIPART),
    Endpoint("POST", "/order/202309/orders/search", search_orders),
    Endpoint("GET", "/order/202309/orders", get_order_detail, body=NONE),
    Endpoint("POST", f"{F}/packages/search", search_packages),
    Endpoint("GET", f"{F}/packages/{{package_id}}", get_package, body=NONE),
    Endpoint("POST", f"{F}/packages/{{package_id}}/ship", ship_package),
    Endpoint("GET", f"{F}/packages/{{package_id}}/shipping_documents", get_shipping_document, body=NONE),
    Endpoint("GET", f"{F}/packages/{{package_id}}/handover_time_slots", get_handover_time_slots, body=NONE),
    Endpoint("GET", f"{F}/orders/{{order_id}}/tracking", get_tracking, body=NONE),
    Endpoint("POST", "/fulfillment/202502/invoice/upload", upload_invoice),
    Endpoint("POST", f"{R}/cancellations/search", search_cancellations),
    Endpoint("POST", f"{R}/cancellations", cancel_order),
    Endpoint("POST", f"{R}/cancellations/{{cancel_id}}/approve", approve_cancellation),
    Endpoint("POST", f"{R}/cancellations/{{cancel_id}}/reject", reject_cancellation),
    Endpoint("POST", f"{R}/returns/search", search_returns),
    Endpoint("POST", f"{R}/returns/{{return_id}}/approve", approve_return),
    Endpoint("POST", f"{R}/returns/{{return_id}}/reject", reject_return),
    Endpoint("GET", "/logistics/202309/warehouses", get_warehouses, body=NONE),
    Endpoint("GET", "/event/202309/webhooks", get_webhooks, body=NONE),
    Endpoint("PUT", "/event/202309/webhooks", update_webhook),
    Endpoint("DELETE", "/event/202309/webhooks", delete_webhook),
]
_ = JSON
