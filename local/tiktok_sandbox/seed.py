"""The demo seller's catalog in the sandbox (brands, images, ACTIVATE products), from the fixture catalog."""

from __future__ import annotations

import hashlib
from typing import Any

from .catalog import seed_fields
from .state import Sandbox


def seed_demo(sb: Sandbox, shop_id: str, catalog: dict[str, Any]) -> dict[str, int]:
    """Create the demo seller's brands and ACTIVATE products (ids from the catalog) in its default warehouse."""
    shop = sb.shops[shop_id]
    warehouse_id = sb.env.get("DEMO_TIKTOK_WAREHOUSE_ID") if shop_id == sb.env.get("DEMO_SHOP_ID") else None
    warehouse_id = warehouse_id or sb.default_warehouse(shop)
    now = sb.now()
    brand_ids: dict[int, str] = {}
    for brand in catalog.get("brands", []):
        existing = next((b for b in sb.brands.values() if b["name"].lower() == brand["name"].lower()), None)
        if existing is None:
            existing = {
                "id": sb.new_id(708),
                "name": brand["name"],
                "authorized_status": "UNAUTHORIEZD",  # sic: TikTok's spelling
                "is_t1_brand": False,
                "brand_status": "AVAILABLE",
                "owner": shop["open_id"],
            }
            sb.brands[existing["id"]] = existing
        brand_ids[brand["id"]] = existing["id"]
    categories = {c["id"]: str(c["tiktok_category_id"]) for c in catalog.get("categories", [])}
    known = {c["id"] for c in sb.categories}
    skus_total = 0
    for product in catalog.get("products", []):
        category_id = categories.get(product["category_id"], "")
        if category_id not in known:
            sb.categories.append(
                {
                    "id": category_id,
                    "parent_id": "0",
                    "local_name": f"Categoria {category_id}",
                    "is_leaf": True,
                    "permission_statuses": ["AVAILABLE"],
                }
            )
            known.add(category_id)
        images: list[dict[str, str]] = []
        skus = []
        for sku in product["skus"]:
            for url in sku.get("images", [])[:9]:
                uri = "tos-maliva-i-sbx/demo-" + hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()
                sb.images.setdefault(
                    uri,
                    {
                        "uri": uri,
                        "content": b"",
                        "kind": "jpeg",
                        "width": 800,
                        "height": 800,
                        "use_case": "MAIN_IMAGE",
                        "source_url": url,
                    },
                )
                if len(images) < 9 and {"uri": uri} not in images:
                    images.append({"uri": uri})
            value = sku["name"].rsplit(" - ", 1)[-1]
            skus.append(
                {
                    "id": str(sku["tiktok_sku_id"]),
                    "seller_sku": str(sku["seller_sku"]),
                    "price": {
                        "currency": "BRL",
                        "sale_price": sku["selling_price"],
                        "tax_exclusive_price": sku["selling_price"],
                    },
                    "inventory": [
                        {"warehouse_id": warehouse_id, "quantity": min(99999, sum(sku.get("stock", {}).values()))}
                    ],
                    "sales_attributes": [{"id": "100089", "name": "Variação", "value_id": "", "value_name": value}],
                    "external_sku_id": str(sku["id"]),
                    "identifier_code": {"code": sku.get("ean", ""), "type": "EAN"},
                    "list_price": {"amount": sku["list_price"], "currency": "BRL"},
                }
            )
            skus_total += 1
        product_id = str(product["tiktok_product_id"])
        sb.products[product_id] = {
            "id": product_id,
            "title": product["name"],
            "description": product.get("description") or product["name"],
            "category_id": category_id,
            "brand_id": brand_ids.get(product.get("brand_id")),
            "main_images": images,
            "skus": skus,
            "package_weight": {"value": "0.5", "unit": "KILOGRAM"},
            **seed_fields(category_id),
            "external_product_id": str(product["id"]),
            "is_cod_allowed": False,
            "status": "ACTIVATE",
            "create_time": now,
            "update_time": now,
            "_shop_id": shop_id,
            "_in_promotion": False,
            "_idempotency_key": None,
        }
    return {"brands": len(brand_ids), "products": len(catalog.get("products", [])), "skus": skus_total}
