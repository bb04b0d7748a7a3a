"""Client vs sandbox: inventory, catalog and pricing calls."""

from __future__ import annotations

from decimal import Decimal

import pytest

from local.fixtures.demo_catalog import demo_catalog, iter_skus
from tiktok_vtex.clients.vtex import VtexClient, VtexNotFound
from tiktok_vtex.clients.vtex.models import UNLIMITED_QUANTITY

DEMO = {sku["id"]: (product, sku) for product, sku in iter_skus(demo_catalog())}


def test_inventory_in_one_warehouse_and_across_warehouses(client: VtexClient, sandbox) -> None:
    expected = DEMO[880408][1]["stock"]["1_1"]
    balance = client.get_inventory(880408, "1_1")
    assert balance.skuId == "880408" and balance.warehouseId == "1_1"
    assert balance.totalQuantity == expected and balance.reservedQuantity == 0 and balance.available == expected
    assert client.get_inventory("880408").available == expected  # default warehouse from the credentials
    everywhere = client.get_inventory_all_warehouses(880408)
    assert [b.warehouseId for b in everywhere.balance] == ["1_1"]
    assert everywhere.available() == expected and everywhere.balance[0].leadTime == "00:00:00"
    assert client.get_available_quantity(880408) == expected

    sandbox.put("/sandbox/inventory", {"sku_id": 880408, "warehouse_id": "2_1", "quantity": 7})
    assert client.get_inventory_all_warehouses(880408).available() == expected + 7
    assert client.get_inventory(880408, "2_1").available == 7
    sandbox.put("/sandbox/inventory", {"sku_id": 880409, "quantity": 0, "unlimited": True})
    assert client.get_inventory(880409).available == UNLIMITED_QUANTITY
    assert client.get_inventory(999999, "1_1").available == 0  # unknown SKU: no rows


def test_sku_ids_by_page_and_iteration(client: VtexClient) -> None:
    first = client.list_sku_ids(1, 50)
    assert len(first) == 50 and first[0] == 880400 and all(isinstance(i, int) for i in first)
    assert client.list_sku_ids(1000, 50) == []
    everything = list(client.iter_sku_ids(page_size=100))
    assert sorted(everything) == sorted(DEMO) and len(everything) == len(set(everything))
    with pytest.raises(ValueError):
        client.list_sku_ids(1, 1001)


def test_sku_context_files_product_brands_categories(client: VtexClient) -> None:
    product, sku = DEMO[880408]
    context = client.get_sku_context(880408, sales_channel="1")
    assert context.Id == 880408 and context.ProductId == product["id"]
    assert context.ean == sku["ean"] and context.image_urls == sku["images"]
    assert context.BrandId == str(product["brand_id"])  # a string in the SKU context
    assert context.Dimension is not None and context.Dimension.weight
    assert context.category_id == product["category_id"]
    assert context.NameComplete == sku["name"]

    files = client.get_sku_files(880408)
    assert [f.Url for f in files] == sku["images"] and files[0].IsMain

    vtex_product = client.get_product(product["id"])
    assert vtex_product.Name == product["name"] and vtex_product.BrandId == product["brand_id"]
    assert vtex_product.CategoryId == product["category_id"]

    brands = client.list_brands()
    assert {b.id: b.name for b in brands} == {b["id"]: b["name"] for b in demo_catalog()["brands"]}

    tree = client.get_category_tree(3)
    all_ids = {c.id for root in tree for c in root.walk()}
    assert all_ids == {c["id"] for c in demo_catalog()["categories"]}
    assert all(root.hasChildren for root in tree)
    assert all(root.children == [] for root in client.get_category_tree(1))

    with pytest.raises(VtexNotFound):
        client.get_sku_context(123)
    with pytest.raises(VtexNotFound):
        client.get_product(1)


def test_prices_are_decimals_and_per_trade_policy(client: VtexClient, sandbox) -> None:
    _, sku = DEMO[880408]
    price = client.get_price(880408)
    assert price.itemId == "880408"
    assert price.basePrice == Decimal(sku["selling_price"]) and price.listPrice == Decimal(sku["list_price"])
    computed = client.get_computed_price(880408)
    assert computed.tradePolicyId == "1" and computed.sellingPrice == Decimal(sku["selling_price"])
    assert computed.priceValidUntil

    sandbox.put("/sandbox/prices", {"sku_id": 880408, "trade_policy": "2", "selling_price": "99.99"})
    assert client.get_computed_price(880408, "2").sellingPrice == Decimal("99.99")
    assert client.get_computed_price(880408, "1").sellingPrice == Decimal(sku["selling_price"])
    sandbox.put("/sandbox/prices", {"sku_id": 880408, "selling_price": "10.10", "list_price": "20.20"})
    assert client.get_price(880408).basePrice == Decimal("10.10")

    sandbox.put("/sandbox/prices", {"sku_id": 880410, "delete": True})
    with pytest.raises(VtexNotFound):
        client.get_price(880410)
    with pytest.raises(VtexNotFound):
        client.get_computed_price(880410)
