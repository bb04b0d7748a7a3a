"""Product API: products (create, read, search, edit, partial edit, activate, deactivate, delete)."""

from __future__ import annotations

import copy
from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import NONE, Ctx, Endpoint, versions
from local.tiktok_sandbox.state import Sandbox

from .params import base_url, id_list, page_params, paginate, public, time_filter, without_nulls
from .product_rules import find_product, validate_product

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
    fields = validate_product(ctx, ctx.body)
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
    view = public(product)
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
    # TikTok sends brand{id,name} (no brand_id) and leaves out what does not apply (absent, not null)
    brand = sb.brands.get(view.pop("brand_id", None) or "")
    if brand:
        view["brand"] = {"id": brand["id"], "name": brand["name"]}
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
    return without_nulls(view)


def get_product(ctx: Ctx) -> dict[str, Any]:
    return product_view(ctx.sb, find_product(ctx, ctx.path["product_id"]), base_url())


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
    if sku_ids is not None and ctx.version < SKU_IDS_SINCE:
        raise E.invalid(f"sku_ids is not a parameter of version {ctx.version} (since {SKU_IDS_SINCE})")
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
    items = time_filter(items, body, "create_time", "le")
    items = time_filter(items, body, "update_time", "le")
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
    product = find_product(ctx, ctx.path["product_id"])
    fields = validate_product(ctx, ctx.body, product)
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
    product = find_product(ctx, ctx.path["product_id"])
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
    fields = validate_product(ctx, merged, product)
    fields.pop("_save_mode")
    product.update(fields)
    product["update_time"] = ctx.now
    return {"product_id": product["id"], "skus": _sku_summary(product)}


def _product_batch(ctx: Ctx, action: str) -> dict[str, Any]:
    ids = id_list(ctx.body.get("product_ids"), "product_ids", 20, E.TOO_MANY_PRODUCT_IDS)
    errors = []
    for product_id in ids:
        try:
            product = find_product(ctx, product_id)
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


P = "/product/202309"
# Versions after 202309 that the reference documents (section 5.1): search 202502 adds the `sku_ids`
# filter; edit and partial edit 202509 have the same request and response fields as 202309.
SKU_IDS_SINCE = "202502"
ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", f"{P}/products", create_product),
    Endpoint("GET", f"{P}/products/{{product_id}}", get_product, body=NONE),
    *versions(Endpoint("POST", f"{P}/products/search", search_products), SKU_IDS_SINCE),
    *versions(Endpoint("PUT", f"{P}/products/{{product_id}}", edit_product), "202509"),
    *versions(Endpoint("POST", f"{P}/products/{{product_id}}/partial_edit", partial_edit_product), "202509"),
    Endpoint("POST", f"{P}/products/activate", activate_products),
    Endpoint("POST", f"{P}/products/deactivate", deactivate_products),
    Endpoint("DELETE", f"{P}/products", delete_products),
]
