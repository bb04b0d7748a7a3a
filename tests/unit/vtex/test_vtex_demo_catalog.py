"""The demo catalog contract the TikTok sandbox reads (shape, determinism, legacy SKU, sizes)."""

from __future__ import annotations

from decimal import Decimal

from local.fixtures.demo_catalog import demo_catalog, iter_skus


def test_shape_and_contract() -> None:
    catalog = demo_catalog()
    assert set(catalog) == {"brands", "categories", "products"}
    assert 8 <= len(catalog["brands"]) <= 12
    assert all(set(b) == {"id", "name"} for b in catalog["brands"])
    categories = {c["id"]: c for c in catalog["categories"]}
    for category in catalog["categories"]:
        assert set(category) == {"id", "name", "parent_id", "tiktok_category_id"}
        assert category["parent_id"] is None or category["parent_id"] in categories
        assert isinstance(category["tiktok_category_id"], str)
    brand_ids = {b["id"] for b in catalog["brands"]}
    assert 60 <= len(catalog["products"]) <= 100
    for product in catalog["products"]:
        assert set(product) == {"id", "name", "description", "brand_id", "category_id", "tiktok_product_id", "skus"}
        assert product["brand_id"] in brand_ids and product["category_id"] in categories
        for sku in product["skus"]:
            assert set(sku) == {"id", "seller_sku", "tiktok_sku_id", "name", "ean", "images", "list_price",
                                "selling_price", "stock"}
            assert sku["seller_sku"] == str(sku["id"]) and isinstance(sku["id"], int)
            assert len(sku["ean"]) == 13 and sku["ean"].isdigit()
            assert 0 < Decimal(sku["selling_price"]) <= Decimal(sku["list_price"])
            assert Decimal(sku["list_price"]).as_tuple().exponent == -2
            assert sku["images"] and all(u.startswith("https://") for u in sku["images"])
            assert all(isinstance(q, int) and q >= 0 for q in sku["stock"].values())
    skus = iter_skus(catalog)
    assert 200 <= len(skus) <= 500
    ids = [s["id"] for _, s in skus]
    assert len(set(ids)) == len(ids) and 880408 in ids
    assert any(s["stock"]["1_1"] == 0 for _, s in skus)  # some out of stock, as in a real store


def ean_ok(ean: str) -> bool:
    digits = [int(c) for c in ean]
    return (sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) + digits[12]) % 10 == 0


def test_deterministic_and_valid_eans() -> None:
    assert demo_catalog() == demo_catalog()
    assert all(ean_ok(s["ean"]) for _, s in iter_skus(demo_catalog()))


def test_sizes_for_the_benchmark_and_extra_warehouses() -> None:
    big = demo_catalog(products=2000, skus_per_product=5)
    assert len(big["products"]) == 2000 and len(iter_skus(big)) == 10_000
    assert len({p["name"] for p in big["products"]}) == 2000
    multi = demo_catalog(products=5, skus_per_product=2, warehouses=["1_1", "2_1"])
    assert all(set(s["stock"]) == {"1_1", "2_1"} for _, s in iter_skus(multi))
