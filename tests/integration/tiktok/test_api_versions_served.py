"""The sandbox serves each endpoint at every version the reference documents, with that version's
differences, and answers an unknown version 36009009 "Invalid path" (through the real client)."""

from __future__ import annotations

import pytest

from tiktok_vtex.clients.tiktok import TikTokApiError, TikTokValidationError

from .conftest import CATALOG, Env

PRODUCT = CATALOG["products"][0]


def test_product_search_at_202309_and_202502(seeded: Env) -> None:
    client = seeded.client()
    sku_id = PRODUCT["skus"][0]["tiktok_sku_id"]
    query = {"page_size": 10}
    old = client.call("POST", "/product/202309/products/search", query=query, body={"status": "ACTIVATE"})
    new = client.call("POST", "/product/202502/products/search", query=query, body={"status": "ACTIVATE"})
    assert old["data"]["total_count"] == new["data"]["total_count"] == len(CATALOG["products"])
    # sku_ids is a 202502 filter: 202309 refuses it, 202502 filters by it
    with pytest.raises(TikTokValidationError) as info:
        client.call("POST", "/product/202309/products/search", query=query, body={"sku_ids": [sku_id]})
    assert info.value.code == 36009004
    found = client.call("POST", "/product/202502/products/search", query=query, body={"sku_ids": [sku_id]})
    assert [p["id"] for p in found["data"]["products"]] == [PRODUCT["tiktok_product_id"]]
    # the client's own call goes to the table's version
    assert [p["id"] for p in client.search_products({"sku_ids": [sku_id]}).items] == [PRODUCT["tiktok_product_id"]]
    assert seeded.sb.calls["POST /product/202502/products/search"] == 3


def test_order_detail_and_edits_at_both_versions(seeded: Env) -> None:
    client = seeded.client()
    order = seeded.post("/sandbox/orders", {"items": [{"seller_sku": PRODUCT["skus"][0]["seller_sku"]}]})
    for version in ("202309", "202507"):
        data = client.call("GET", f"/order/{version}/orders", query={"ids": order["id"]})["data"]
        assert [o["id"] for o in data["orders"]] == [order["id"]]
    assert client.get_order_details([order["id"]])[0]["id"] == order["id"]
    product_id = PRODUCT["tiktok_product_id"]
    for version in ("202309", "202509"):
        path = f"/product/{version}/products/{product_id}/partial_edit"
        assert client.call("POST", path, body={"title": f"Sandália {version}"})["data"]["product_id"] == product_id
    client.partial_edit_product(product_id, {"title": "Sandália nova"})
    assert client.get_product(product_id)["title"] == "Sandália nova"
    assert seeded.sb.calls["GET /order/202507/orders"] == 2
    assert seeded.sb.calls["POST /product/202509/products/{product_id}/partial_edit"] == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/product/202401/products/search"),
        ("GET", "/order/202508/orders"),
        ("POST", "/fulfillment/202309/invoice/upload"),  # invoice upload exists only from 202502
        ("GET", "/logistics/202502/warehouses"),
    ],
)
def test_an_undocumented_version_is_an_invalid_path(seeded: Env, method: str, path: str) -> None:
    client = seeded.client()
    with pytest.raises(TikTokApiError) as info:
        client.call(method, path, body={} if method == "POST" else None)
    assert info.value.code == 36009009
