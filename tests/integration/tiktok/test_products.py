"""Catalog endpoints against the sandbox: images, brands, categories, products, inventory, prices."""

from __future__ import annotations

import struct
import zlib

import pytest

from tiktok_vtex.clients.tiktok import (
    TikTokConflict,
    TikTokNotFound,
    TikTokPriceLocked,
    TikTokShopClient,
    TikTokValidationError,
)

from .conftest import CATALOG, Env


def png(width: int = 300, height: int = 300) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    )


def product_body(
    client: TikTokShopClient,
    warehouse_id: str,
    *,
    seller_skus: tuple[str, ...] = ("SKU-1", "SKU-2"),
    category_id: str = "824584",
) -> dict:
    uri = client.upload_image(png(), filename="p.png", mime_type="image/png").uri
    return {
        "title": "Tênis Casual Sandbox",
        "description": "<p>Tênis</p>",
        "category_id": category_id,
        "main_images": [{"uri": uri}],
        "package_weight": {"value": "0.8", "unit": "KILOGRAM"},
        "skus": [
            {
                "seller_sku": s,
                "price": {"amount": "199.90", "currency": "BRL"},
                "inventory": [{"warehouse_id": warehouse_id, "quantity": 5}],
                "sales_attributes": [{"id": "100089", "value_name": str(38 + i)}],
            }
            for i, s in enumerate(seller_skus)
        ],
    }


def test_image_upload_rules(tt: Env, client: TikTokShopClient) -> None:
    image = client.upload_image(png(), filename="a.png", mime_type="image/png", use_case="MAIN_IMAGE")
    assert image.uri.startswith("tos-") and (image.width, image.height) == (300, 300)
    assert tt.http.get(image.url).content == png()
    with pytest.raises(TikTokValidationError) as info:
        client.upload_image(png(50, 50), filename="tiny.png", mime_type="image/png")
    assert info.value.code == 12052230
    with pytest.raises(TikTokValidationError):
        client.upload_image(b"not an image", filename="x.txt", mime_type="text/plain")
    with pytest.raises(TikTokValidationError):
        client.upload_image(png(), use_case="SELFIE")


def test_brands_create_duplicate_daily_limit_and_pages(tt: Env, client: TikTokShopClient) -> None:
    brand_id = client.create_brand("Marca Nova")
    with pytest.raises(TikTokConflict) as dup:
        client.create_brand("marca nova")
    assert dup.value.code == 12052205
    with pytest.raises(TikTokValidationError):
        client.create_brand("x")
    for i in range(49):
        client.create_brand(f"Marca {i:02d}")
    with pytest.raises(TikTokValidationError) as limit:
        client.create_brand("Marca 51")
    assert limit.value.code == 12052206
    tt.post("/sandbox/clock", {"advance_seconds": 86400})
    client.create_brand("Marca 51")
    page = client.get_brands(page_size=7)
    assert len(page.items) == 7 and page.next_page_token and page.total_count == 54
    names = [b["name"] for b in client.iter_brands(page_size=7)]
    assert len(names) == 54 and "Marca Nova" in names
    assert [b["id"] for b in client.iter_brands(brand_name="marca n")] == [brand_id]
    with pytest.raises(TikTokValidationError):
        client.get_brands(page_size=101)


def test_categories_rules_attributes_recommend(client: TikTokShopClient) -> None:
    categories = client.get_categories()
    leaves = [c for c in categories if c["is_leaf"]]
    assert leaves and all(c["parent_id"] != "0" for c in leaves)
    assert client.get_categories(keyword="calç")[0]["id"] == "824584"
    rules = client.get_category_rules("824584")
    assert "package_dimension" in rules and "size_chart" in rules
    attributes = client.get_attributes("824584")
    assert {a["type"] for a in attributes} == {"SALES_PROPERTY", "PRODUCT_PROPERTY"}
    with pytest.raises(TikTokValidationError) as info:
        client.get_category_rules("824328")  # not a leaf
    assert info.value.code == 12052217
    recommended = client.recommend_category("Perfume Eau de Parfum 100 ml")
    assert recommended["leaf_category_id"] == "601548"
    assert recommended["categories"][-1]["is_leaf"] is True


def test_product_lifecycle(tt: Env, client: TikTokShopClient) -> None:
    created = client.create_product(product_body(client, tt.warehouse_id))
    assert len(created.skus) == 2
    product = client.get_product(created.product_id)
    assert product["status"] == "ACTIVATE" and product["category_chains"][-1]["id"] == "824584"
    assert [s["seller_sku"] for s in product["skus"]] == ["SKU-1", "SKU-2"]

    body = product_body(client, tt.warehouse_id)
    body["title"] = "Tênis Editado"
    edited = client.edit_product(created.product_id, body)
    assert [s["id"] for s in edited["skus"]] == [s["id"] for s in created.skus]  # SKU ids kept by seller_sku
    client.partial_edit_product(created.product_id, {"description": "<p>Nova</p>"})
    assert client.get_product(created.product_id)["description"] == "<p>Nova</p>"

    assert client.deactivate_products([created.product_id]).ok
    assert client.get_product(created.product_id)["status"] == "SELLER_DEACTIVATED"
    sku = created.skus[0]["id"]
    blocked = client.update_inventory(created.product_id, [{"id": sku, "inventory": [{"quantity": 3}]}])
    assert blocked.code == 12052990 and blocked.failed_ids("sku_id") == {sku}
    assert client.activate_products([created.product_id]).ok
    assert client.get_product(created.product_id)["status"] == "ACTIVATE"

    result = client.delete_products([created.product_id, "999"])
    assert result.failed_ids("product_id") == {"999"} and result.errors[0].code == 12052032
    with pytest.raises(TikTokNotFound):
        client.get_product(created.product_id)


def test_product_validation(tt: Env, client: TikTokShopClient) -> None:
    body = product_body(client, tt.warehouse_id)
    for change, code in (
        ({"main_images": [{"uri": "tos-never-uploaded"}]}, 12052220),
        ({"category_id": "824328"}, 12052217),
        ({"package_weight": None}, 36009004),
        ({"title": ""}, 36009004),
    ):
        with pytest.raises(TikTokValidationError) as info:
            client.create_product({**body, **change})
        assert info.value.code == code, change
    duplicated = product_body(client, tt.warehouse_id, seller_skus=("A", "A"))
    with pytest.raises(TikTokValidationError) as info:
        client.create_product(duplicated)
    assert info.value.code == 12052221
    bad_qty = product_body(client, tt.warehouse_id, seller_skus=("Q",))
    bad_qty["skus"][0]["inventory"][0]["quantity"] = 100000
    with pytest.raises(TikTokValidationError):
        client.create_product(bad_qty)


def test_search_products_filters_and_pages(seeded: Env) -> None:
    client = seeded.client()
    page = client.search_products({"status": "ACTIVATE"}, page_size=2)
    assert page.total_count == 3 and len(page.items) == 2 and page.next_page_token
    ids = [p["id"] for p in client.iter_products({"status": "ALL"}, page_size=2)]
    assert ids == [p["tiktok_product_id"] for p in CATALOG["products"]]
    wanted = CATALOG["products"][1]["skus"][0]["seller_sku"]
    found = client.search_products({"seller_skus": [wanted]}).items
    assert [p["id"] for p in found] == [CATALOG["products"][1]["tiktok_product_id"]]
    with pytest.raises(TikTokValidationError):
        client.search_products({}, page_size=0)
    with pytest.raises(TikTokValidationError):
        client.search_products({"seller_skus": [str(i) for i in range(11)]})


def test_inventory_updates_partial_failures_and_search(seeded: Env) -> None:
    client = seeded.client()
    product = CATALOG["products"][0]
    sku_a, sku_b = (s["tiktok_sku_id"] for s in product["skus"])
    result = client.update_inventory(
        product["tiktok_product_id"],
        [
            {"id": sku_a, "inventory": [{"warehouse_id": seeded.warehouse_id, "quantity": 0}]},  # 0 = out of stock
            {"id": sku_b, "inventory": [{"warehouse_id": seeded.warehouse_id, "quantity": 100000}]},
            {"id": "123", "inventory": [{"warehouse_id": seeded.warehouse_id, "quantity": 1}]},
            {"id": sku_b, "inventory": [{"warehouse_id": "999", "quantity": 1}]},
        ],
    )
    assert result.code == 0 and not result.ok
    assert [e.code for e in result.errors] == [12052990, 12052223, 12052990]
    assert result.errors[0].detail["extra_errors"][0]["code"] == 12052225
    inventory = client.search_inventory(sku_ids=[sku_a, sku_b])[0]["skus"]
    assert {s["id"]: s["total_available_quantity"] for s in inventory} == {sku_a: 0, sku_b: 11}
    by_product = client.search_inventory(product_ids=[product["tiktok_product_id"]])
    assert len(by_product[0]["skus"]) == 2
    with pytest.raises(TikTokNotFound):
        client.update_inventory("999", [{"id": sku_a, "inventory": [{"quantity": 1}]}])


def test_price_updates_and_promotion_lock(seeded: Env) -> None:
    client = seeded.client()
    product = CATALOG["products"][0]
    sku_a, sku_b = (s["tiktok_sku_id"] for s in product["skus"])
    result = client.update_prices(
        product["tiktok_product_id"],
        [
            {"id": sku_a, "price": {"amount": "139.90", "currency": "BRL"}},
            {"id": sku_b, "price": {"amount": "-1", "currency": "BRL"}},
        ],
    )
    assert result.failed_ids("sku_id") == {sku_b}
    skus = client.get_product(product["tiktok_product_id"])["skus"]
    assert skus[0]["price"]["sale_price"] == "139.90" and skus[1]["price"]["sale_price"] == "149.90"
    seeded.post(f"/sandbox/products/{product['tiktok_product_id']}/promotion", {"locked": True})
    with pytest.raises(TikTokPriceLocked) as info:
        client.update_prices(
            product["tiktok_product_id"], [{"id": sku_a, "price": {"amount": "1.00", "currency": "BRL"}}]
        )
    assert info.value.code == 12052038


def test_batch_limits_and_other_shops(seeded: Env) -> None:
    client = seeded.client()
    with pytest.raises(TikTokValidationError) as info:
        client.call("POST", "/product/202309/products/deactivate", body={"product_ids": [str(i) for i in range(21)]})
    assert info.value.code == 12019120
    other = seeded.post("/sandbox/shops", {"name": "Outra"})
    foreign = seeded.client(shop_id=other["id"])
    with pytest.raises(TikTokNotFound) as info:
        foreign.get_product(CATALOG["products"][0]["tiktok_product_id"])
    assert info.value.code == 12052048
