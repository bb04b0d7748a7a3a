"""Product API, stock and price part: inventory update and search, price update (what the connector
sends most often)."""

from __future__ import annotations

from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import Ctx, Endpoint
from local.tiktok_sandbox.state import Sandbox

from .order import CANCELLABLE
from .params import id_list, money
from .product_rules import find_product


def _sku_items(ctx: Ctx) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    product = find_product(ctx, ctx.path["product_id"])
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
            amount = money(price.get("amount", price.get("sale_price")), "price.amount")
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
        wanted_skus = set(id_list(sku_ids, "sku_ids", 600))
        products = [
            p
            for p in ctx.sb.products.values()
            if p["_shop_id"] == ctx.shop["id"]  # type: ignore[index]
            and any(s["id"] in wanted_skus for s in p["skus"])
        ]
    elif product_ids:
        products = [find_product(ctx, pid) for pid in id_list(product_ids, "product_ids", 100)]
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


P = "/product/202309"
ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", f"{P}/products/{{product_id}}/inventory/update", update_inventory),
    Endpoint("POST", f"{P}/products/{{product_id}}/prices/update", update_prices),
    Endpoint("POST", f"{P}/inventory/search", search_inventory),
]
