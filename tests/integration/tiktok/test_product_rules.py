"""Product create / edit / partial edit against the category tree's rules and attributes: every rule
refused with its code (as a non-retryable TikTokValidationError naming the field), valid products accepted."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tiktok_vtex.clients.tiktok import TikTokShopClient, TikTokValidationError
from tiktok_vtex.clients.tiktok.errors import PRODUCT_VALIDATION_CODES, error_for

from .conftest import Env
from .test_products import png, product_body

KITCHEN = "600024"  # Material required (several values allowed, customizable), package dimensions required
PERFUME = "601548"  # Gênero (listed values only) and País de origem required
SKIN = "601453"  # País de origem required, listed values only
SHOES = "824584"  # no required attribute
DIMENSIONS = {"length": "30", "width": "20", "height": "12", "unit": "CENTIMETER"}


def attr(attribute_id: str, *values: dict[str, str]) -> dict[str, Any]:
    return {"id": attribute_id, "values": list(values)}


def kitchen_body(client: TikTokShopClient, warehouse_id: str, **kwargs: Any) -> dict[str, Any]:
    body = product_body(client, warehouse_id, category_id=KITCHEN, **kwargs)
    body["package_dimensions"] = dict(DIMENSIONS)
    body["product_attributes"] = [attr("100198", {"id": "100198002"}, {"name": "Alumínio fundido"})]
    return body


def perfume_body(client: TikTokShopClient, warehouse_id: str) -> dict[str, Any]:
    body = product_body(client, warehouse_id, category_id=PERFUME, seller_skus=("PERF-1",))
    body["skus"][0]["sales_attributes"] = [{"id": "100157", "value_id": "100157002"}]
    body["product_attributes"] = [attr("101610", {"id": "101610000"}), attr("101395", {"name": "França"})]
    return body


def refused(call: Any, code: int, field: str) -> TikTokValidationError:
    with pytest.raises(TikTokValidationError) as info:
        call()
    error = info.value
    assert error.code == code, (error.code, error.message)
    assert field in error.message, error.message
    assert error.retryable is False
    return error


def test_category_tree_publishes_the_rules(client: TikTokShopClient) -> None:
    kitchen = {a["id"]: a for a in client.get_attributes(KITCHEN)}
    assert kitchen["100198"]["is_requried"] and kitchen["100198"]["is_multiple_selection"]
    assert client.get_category_rules(KITCHEN)["package_dimension"]["is_required"] is True
    perfume = {a["id"]: a for a in client.get_attributes(PERFUME)}
    assert perfume["101610"]["is_requried"] and not perfume["101610"]["is_customizable"]
    assert perfume["101395"]["is_requried"]
    assert not any(a["is_requried"] for a in client.get_attributes(SHOES))
    assert client.get_category_rules(SHOES)["package_dimension"]["is_required"] is False
    listed = {c["id"]: c for c in client.get_categories()}
    assert listed["824999"]["permission_statuses"] == ["INVITE_ONLY"] and "601999" not in listed
    everything = client.call("GET", "/product/202309/categories", query={"include_prohibited_categories": "true"})
    assert "601999" in {c["id"] for c in everything["data"]["categories"]}


def test_valid_products_in_rule_categories_are_accepted(tt: Env, client: TikTokShopClient) -> None:
    kitchen = client.create_product(kitchen_body(client, tt.warehouse_id))
    product = client.get_product(kitchen.product_id)
    assert product["status"] == "ACTIVATE" and product["package_dimensions"] == DIMENSIONS
    assert product["product_attributes"] == [
        attr("100198", {"id": "100198002", "name": "Inox"}, {"id": "", "name": "Alumínio fundido"})
    ]
    perfume = client.create_product(perfume_body(client, tt.warehouse_id))
    assert client.get_product(perfume.product_id)["status"] == "ACTIVATE"
    skin = product_body(client, tt.warehouse_id, category_id=SKIN, seller_skus=("SKIN-1",))
    skin["product_attributes"] = [attr("101395", {"id": "101395000"})]
    client.create_product(skin)
    # a brand the seller created, and a platform brand it is authorized for
    own = client.create_brand("Marca Própria")
    client.create_product({**product_body(client, tt.warehouse_id, seller_skus=("B-1",)), "brand_id": own})
    tt.sb.brands["7082427311584347906"]["authorized_status"] = "AUTHORIZED"
    body = {**kitchen_body(client, tt.warehouse_id, seller_skus=("B-2",)), "brand_id": "7082427311584347906"}
    client.create_product(body)
    # nine images, 50-char seller_sku, three sales attribute types
    nine = product_body(client, tt.warehouse_id, seller_skus=("X" * 50,))
    nine["main_images"] = [
        {"uri": client.upload_image(png(300 + i, 300), filename="p.png", mime_type="image/png").uri} for i in range(9)
    ]
    nine["skus"][0]["sales_attributes"] = [
        {"id": "100000", "value_name": "Preto"},
        {"id": "100089", "value_id": "100089002"},
        {"name": "Estampa", "value_name": "Listrada"},
    ]
    client.create_product(nine)


def test_category_refusals(tt: Env, client: TikTokShopClient) -> None:
    body = product_body(client, tt.warehouse_id)
    refused(lambda: client.create_product({**body, "category_id": "999999"}), 12052217, "category_id")
    refused(lambda: client.create_product({**body, "category_id": "824328"}), 12052217, "category_id")
    refused(lambda: client.create_product({**body, "category_id": "601999"}), 12052218, "category_id")
    error = refused(lambda: client.create_product({**body, "category_id": "824999"}), 12052218, "category_id")
    assert "INVITE_ONLY" in error.message
    refused(lambda: client.create_product({**body, "category_id": None}), 36009004, "category_id")


def test_attribute_refusals(tt: Env, client: TikTokShopClient) -> None:
    perfume = perfume_body(client, tt.warehouse_id)
    cases: list[tuple[list[dict[str, Any]], int, str]] = [
        ([attr("101610", {"id": "101610000"})], 12052227, "101395"),  # País de origem missing
        ([], 12052227, "product_attributes"),
        ([attr("101610", {"id": "999"}), perfume["product_attributes"][1]], 12052228, "101610"),  # not listed
        ([attr("101610", {"name": "Neutro"}), perfume["product_attributes"][1]], 12052228, "101610"),  # free text
        ([*perfume["product_attributes"], attr("123456", {"name": "x"})], 12052228, "123456"),  # unknown id
        ([*perfume["product_attributes"], attr("100089", {"name": "M"})], 12052228, "100089"),  # a sales property
        (
            [attr("101610", {"id": "101610000"}, {"id": "101610001"}), perfume["product_attributes"][1]],
            12052229,
            "101610",
        ),  # single selection
        ([attr("101610"), perfume["product_attributes"][1]], 36009004, "101610"),  # no values
    ]
    for attributes, code, field in cases:
        refused(lambda a=attributes: client.create_product({**perfume, "product_attributes": a}), code, field)
    skin = product_body(client, tt.warehouse_id, category_id=SKIN, seller_skus=("SKIN-1",))
    skin["product_attributes"] = [attr("101395", {"name": "Brasil"})]  # not customizable here: ids only
    refused(lambda: client.create_product(skin), 12052228, "101395")
    bad_sales = perfume_body(client, tt.warehouse_id)
    bad_sales["skus"][0]["sales_attributes"] = [{"id": "100157", "value_id": "100157999"}]
    refused(lambda: client.create_product(bad_sales), 12052228, "sales_attributes")
    bad_sales["skus"][0]["sales_attributes"] = [{"id": "100198", "value_name": "Inox"}]  # a product property
    refused(lambda: client.create_product(bad_sales), 12052228, "sales_attributes")


def test_package_refusals(tt: Env, client: TikTokShopClient) -> None:
    kitchen = kitchen_body(client, tt.warehouse_id)
    refused(lambda: client.create_product({**kitchen, "package_dimensions": None}), 12052232, "package_dimensions")
    no_dimensions = {k: v for k, v in kitchen.items() if k != "package_dimensions"}
    refused(lambda: client.create_product(no_dimensions), 12052232, "package_dimensions")
    bad = {**DIMENSIONS, "unit": "FOOT"}
    refused(lambda: client.create_product({**kitchen, "package_dimensions": bad}), 36009004, "package_dimensions")
    bad = {**DIMENSIONS, "height": "0"}
    refused(lambda: client.create_product({**kitchen, "package_dimensions": bad}), 36009004, "package_dimensions")
    shoes = product_body(client, tt.warehouse_id)
    client.create_product({**shoes, "package_dimensions": None})  # optional in this category
    refused(lambda: client.create_product({**shoes, "package_weight": None}), 36009004, "package_weight")
    no_weight = {k: v for k, v in kitchen.items() if k != "package_weight"}
    refused(lambda: client.create_product(no_weight), 36009004, "package_weight")


def test_brand_and_image_refusals(tt: Env, client: TikTokShopClient) -> None:
    body = product_body(client, tt.warehouse_id)
    refused(lambda: client.create_product({**body, "brand_id": "123"}), 12052219, "brand_id")
    natura = "7082427311584347905"  # a platform brand the seller is not authorized for
    refused(lambda: client.create_product({**body, "brand_id": natura}), 12052226, "brand_id")
    other = tt.post("/sandbox/shops", {"name": "Outra Loja"})
    foreign_brand = tt.client(shop_id=other["id"]).create_brand("Marca Alheia")
    refused(lambda: client.create_product({**body, "brand_id": foreign_brand}), 12052219, "brand_id")
    refused(lambda: client.create_product({**body, "main_images": [{"uri": "tos-x/nope"}]}), 12052220, "main_images")
    refused(lambda: client.create_product({**body, "main_images": ["tos-x/nope"]}), 12052220, "main_images")
    refused(lambda: client.create_product({**body, "main_images": []}), 36009004, "main_images")
    ten = body["main_images"] * 10
    refused(lambda: client.create_product({**body, "main_images": ten}), 36009004, "main_images")


def test_sku_refusals(tt: Env, client: TikTokShopClient) -> None:
    body = product_body(client, tt.warehouse_id)

    def with_sku(change: dict[str, Any], index: int = 0) -> dict[str, Any]:
        changed = copy.deepcopy(body)
        changed["skus"][index].update(change)
        return changed

    refused(lambda: client.create_product(with_sku({"seller_sku": ""})), 36009004, "seller_sku")
    refused(lambda: client.create_product(with_sku({"seller_sku": "S" * 51})), 36009004, "seller_sku")
    refused(lambda: client.create_product(with_sku({"seller_sku": "SKU-2"})), 12052221, "seller_sku")
    four = [{"name": f"Tipo {i}", "value_name": "x"} for i in range(4)]
    refused(lambda: client.create_product(with_sku({"sales_attributes": four})), 36009004, "sales_attributes")
    # three types on one SKU and a fourth on the other: four types in the product
    three = [{"name": f"Tipo {i}", "value_name": "x"} for i in range(3)]
    spread = with_sku({"sales_attributes": three})
    spread["skus"][1]["sales_attributes"] = [{"name": "Tipo 3", "value_name": "y"}]
    refused(lambda: client.create_product(spread), 36009004, "sales_attributes")
    for amount in ("0", "-5", "abc"):
        price = {"amount": amount, "currency": "BRL"}
        refused(lambda p=price: client.create_product(with_sku({"price": p})), 36009004, "price")


def test_full_and_partial_edit_enforce_the_rules(tt: Env, client: TikTokShopClient) -> None:
    created = client.create_product(kitchen_body(client, tt.warehouse_id))
    product_id = created.product_id
    body = kitchen_body(client, tt.warehouse_id)
    refused(
        lambda: client.edit_product(product_id, {**body, "package_dimensions": None}), 12052232, "package_dimensions"
    )
    refused(lambda: client.edit_product(product_id, {**body, "product_attributes": []}), 12052227, "100198")
    refused(lambda: client.edit_product(product_id, {**body, "category_id": "824999"}), 12052218, "category_id")
    refused(lambda: client.edit_product(product_id, {**body, "brand_id": "123"}), 12052219, "brand_id")
    client.edit_product(product_id, {**body, "title": "Panela Editada"})

    partial = client.partial_edit_product
    # fields not sent keep their (valid) stored values
    partial(product_id, {"description": "<p>Nova descrição</p>"})
    assert client.get_product(product_id)["description"] == "<p>Nova descrição</p>"
    refused(lambda: partial(product_id, {"package_dimensions": None}), 12052232, "package_dimensions")
    refused(lambda: partial(product_id, {"product_attributes": [attr("100198", {"id": "1"})]}), 12052228, "100198")
    # the stored attributes are checked against the new category: Material takes one value in Perfumes
    refused(lambda: partial(product_id, {"category_id": PERFUME}), 12052229, "100198")
    refused(lambda: partial(product_id, {"category_id": PERFUME, "product_attributes": []}), 12052227, "101610")
    refused(lambda: partial(product_id, {"brand_id": "7082427311584347905"}), 12052226, "brand_id")
    refused(lambda: partial(product_id, {"main_images": [{"uri": "tos-x/nope"}]}), 12052220, "main_images")
    refused(
        lambda: partial(product_id, {"skus": [{"seller_sku": "SKU-1", "price": {"amount": "0"}}]}), 36009004, "price"
    )
    partial(product_id, {"product_attributes": [attr("100198", {"id": "100198003"})]})
    assert client.get_product(product_id)["product_attributes"] == [
        attr("100198", {"id": "100198003", "name": "Cerâmica"})
    ]
    partial(product_id, {"category_id": SHOES, "product_attributes": [], "package_dimensions": None})
    assert client.get_product(product_id)["category_chains"][-1]["id"] == SHOES


def test_demo_seed_satisfies_the_rules(tt: Env) -> None:
    catalog = {
        "brands": [{"id": 1, "name": "Marca Seed"}],
        "categories": [
            {"id": 21, "name": "Cozinha", "parent_id": 2, "tiktok_category_id": KITCHEN},
            {"id": 32, "name": "Perfumes", "parent_id": 3, "tiktok_category_id": PERFUME},
        ],
        "products": [
            {
                "id": 5000 + p,
                "name": f"Produto {p}",
                "brand_id": 1,
                "category_id": category,
                "tiktok_product_id": str(1729380000000005000 + p),
                "skus": [
                    {
                        "id": 990000 + p,
                        "seller_sku": str(990000 + p),
                        "tiktok_sku_id": str(1729590000000990000 + p),
                        "name": f"Produto {p} - Único",
                        "images": [f"https://img.example/seed/{p}.jpg"],
                        "list_price": "99.90",
                        "selling_price": "89.90",
                        "stock": {"1_1": 3},
                    }
                ],
            }
            for p, category in enumerate((21, 32))
        ],
    }
    tt.post("/sandbox/seed/demo", {"catalog": catalog})
    client = tt.client()
    for product in catalog["products"]:
        product_id = product["tiktok_product_id"]
        # a seeded product passes the edit checks of its category untouched
        client.partial_edit_product(product_id, {"title": product["name"] + " (editado)"})
        view = client.get_product(product_id)
        assert view["status"] == "ACTIVATE" and view["product_attributes"]
    assert client.get_product(catalog["products"][0]["tiktok_product_id"])["package_dimensions"]


def test_new_codes_map_to_the_typed_validation_error() -> None:
    for code in PRODUCT_VALIDATION_CODES:
        error = error_for(code, "m", "R", 200, endpoint="POST /product/202309/products")
        assert type(error) is TikTokValidationError and error.retryable is False, code
