"""Product API, shared part: product and category lookups and TikTok's validation of a product body
(category rules, attributes, SKUs, package) for create and edit."""

from __future__ import annotations

from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.catalog import attributes_for, rules_for
from local.tiktok_sandbox.gate import Ctx

from .params import money


def find_product(ctx: Ctx, product_id: str, *, allow_deleted: bool = False) -> dict[str, Any]:
    product = ctx.sb.products.get(product_id)
    if product is None or (product["status"] == "DELETED" and not allow_deleted):
        raise E.ApiFail(E.PRODUCT_NOT_EXIST, f"Product {product_id} does not exist")
    if product["_shop_id"] != ctx.shop["id"]:  # type: ignore[index]
        raise E.ApiFail(E.PRODUCT_NOT_IN_SHOP, f"Product {product_id} is not in your shop")
    return product


def find_category(ctx: Ctx, category_id: Any, field: str = "") -> dict[str, Any]:
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
        money(value.get(side), f"package_dimensions.{side}")
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
        amount = money(price.get("amount", price.get("sale_price")), "skus.price.amount")
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


def validate_product(ctx: Ctx, body: dict[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    title = body.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 255:
        raise E.invalid("title is required (1-255 characters)")
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise E.invalid("description is required")
    if body.get("category_id") in (None, ""):
        raise E.invalid("category_id is required")
    category = find_category(ctx, body.get("category_id"), "category_id")
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
    money(weight.get("value"), "package_weight.value")
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
