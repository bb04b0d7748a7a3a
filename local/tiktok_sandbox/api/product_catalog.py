"""Product API, reference data: brands, categories (rules, attributes, recommendation) and image upload."""

from __future__ import annotations

import copy
import hashlib
import re
import struct
from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.catalog import attributes_for, rules_for
from local.tiktok_sandbox.gate import FORBIDDEN, MULTIPART, NONE, Ctx, Endpoint

from .params import base_url, fold, page_params, paginate
from .product_rules import find_category

IMAGE_USE_CASES = ("MAIN_IMAGE", "ATTRIBUTE_IMAGE", "DESCRIPTION_IMAGE", "CERTIFICATION_IMAGE", "SIZE_CHART_IMAGE")
MAX_IMAGE_BYTES = 10 * 1024 * 1024


def _visible_brands(ctx: Ctx) -> list[dict[str, Any]]:
    return [b for b in ctx.sb.brands.values() if b["owner"] in (None, ctx.open_id)]


def get_brands(ctx: Ctx) -> dict[str, Any]:
    size, offset = page_params(ctx, 1, 100)
    brands = _visible_brands(ctx)
    prefix = ctx.query.get("brand_name")
    if prefix:
        brands = [b for b in brands if fold(b["name"]).startswith(fold(prefix))]
    if ctx.query.get("is_authorized") == "true":
        brands = [b for b in brands if b["authorized_status"] == "AUTHORIZED"]
    brands.sort(key=lambda b: (fold(b["name"]), b["id"]))
    chunk, token = paginate(brands, size, offset)
    keys = ("id", "name", "authorized_status", "is_t1_brand", "brand_status")
    return {"brands": [{k: b[k] for k in keys} for b in chunk], "total_count": len(brands), "next_page_token": token}


def create_brand(ctx: Ctx) -> dict[str, Any]:
    name = ctx.body.get("name")
    if not isinstance(name, str) or not 2 <= len(name.strip()) <= 30:
        raise E.invalid("name must have 2 to 30 characters")
    name = name.strip()
    if any(fold(b["name"]) == fold(name) for b in _visible_brands(ctx)):
        raise E.ApiFail(E.BRAND_DUPLICATE, "Brand name already exists")
    day = (ctx.open_id or "", str(ctx.now // 86400))
    if ctx.sb.brand_creations[day] >= 50:
        raise E.ApiFail(E.BRAND_DAILY_LIMIT, "You can create at most 50 brands a day")
    ctx.sb.brand_creations[day] += 1
    brand_id = ctx.sb.new_id(708)
    ctx.sb.brands[brand_id] = {
        "id": brand_id,
        "name": name,
        "authorized_status": "UNAUTHORIEZD",  # sic: TikTok's spelling
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
        categories = [c for c in categories if fold(keyword) in fold(c["local_name"])]
    return {"categories": copy.deepcopy(categories)}


def _leaf(ctx: Ctx) -> dict[str, Any]:
    category = find_category(ctx, ctx.path["category_id"])
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
    words = set(re.findall(r"[a-z]{4,}", fold(title + " " + str(ctx.body.get("description") or ""))))
    leaves = [c for c in ctx.sb.categories if c["is_leaf"] and "AVAILABLE" in c.get("permission_statuses", [])]

    def score(category: dict[str, Any]) -> int:
        names = fold(category["local_name"])
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


P = "/product/202309"
ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", f"{P}/brands", get_brands, body=NONE),
    Endpoint("POST", f"{P}/brands", create_brand, cipher=FORBIDDEN),
    Endpoint("GET", f"{P}/categories", get_categories, body=NONE),
    Endpoint("GET", f"{P}/categories/{{category_id}}/rules", get_category_rules, body=NONE),
    Endpoint("GET", f"{P}/categories/{{category_id}}/attributes", get_attributes, body=NONE),
    Endpoint("POST", f"{P}/categories/recommend", recommend_category),
    Endpoint("POST", f"{P}/images/upload", upload_image, cipher=FORBIDDEN, body=MULTIPART),
]
