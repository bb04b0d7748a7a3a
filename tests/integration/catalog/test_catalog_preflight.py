"""Categories (taxonomy, recommend fallback recorded for review, leaf + AVAILABLE) and the pre-flight
report against the TikTok sandbox's category rules and attributes; a ready draft is accepted by the
sandbox's create call."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.catalog.conftest import png
from tiktok_vtex.catalog.categories import CategoryCatalog, CategoryResolver, TaxonomyRepository
from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog.grouping import Grouper, ProductGroup
from tiktok_vtex.catalog.mapping import MappingContext
from tiktok_vtex.catalog.preflight import preflight
from tiktok_vtex.models.client import CatalogRules, PackageDimensions

CLIENT = "c" * 40
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def feed_groups(*items: dict[str, Any]) -> list[ProductGroup]:
    body = []
    for item in items:
        fields = {"price": "99,90 BRL", "description": "Produto de teste", "image_link": "https://img.example/1.jpg",
                  "shipping_weight": "300 g", **item}
        body.append("<item>" + "".join(f"<g:{k}>{v}</g:{k}>" for k, v in fields.items() if v is not None) + "</item>")
    xml = ('<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>' + "".join(body)
           + "</channel></rss>")
    with Grouper() as grouper:
        list(grouper.add_all(FeedReader(xml)))
        return list(grouper.groups())


@pytest.fixture
def world(tt: Any, tables: dict[str, str]) -> Any:
    client = tt.client()
    taxonomy = TaxonomyRepository(tables["TaxonomyTable"])
    catalog = CategoryCatalog(client, tt.shop_id)
    resolver = CategoryResolver(CLIENT, taxonomy, catalog, client, clock=lambda: 1_764_547_200)

    class World:
        pass

    w = World()
    w.tt, w.client, w.taxonomy, w.catalog, w.resolver = tt, client, taxonomy, catalog, resolver
    w.context = MappingContext(now=NOW)
    return w


def run(world: Any, *items: dict[str, Any], rules: CatalogRules | None = None) -> list[Any]:
    context = MappingContext(now=NOW, rules=rules or CatalogRules())
    return [preflight(g, world.resolver, world.catalog, context) for g in feed_groups(*items)]


def test_taxonomy_mapping_by_category_id_and_by_product_type_prefix(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "2271", "601152", source="manual")
    world.taxonomy.put_mapping(CLIENT, "Casa > Cozinha", "600024", source="manual")
    reports = run(world,
                  {"id": "1", "title": "Vestido Midi", "google_product_category": "2271"},
                  {"id": "2", "title": "Frigideira", "product_type": "Casa &gt; Cozinha &gt; Frigideiras",
                   "material": "Inox", "product_length": "30 cm", "product_width": "30 cm", "product_height": "8 cm"})
    assert [(r.category.category_id, r.category.source, r.category.feed_category) for r in reports] == [
        ("601152", "taxonomy", "2271"), ("600024", "taxonomy", "Casa > Cozinha")]
    assert [r.status for r in reports] == ["ready", "ready"]


def test_unmapped_category_is_recommended_recorded_for_review_and_reused(world: Any) -> None:
    world.tt.admin.delete("/sandbox/calls")
    reports = run(world,
                  {"id": "1", "title": "Perfume Floral Feminino", "product_type": "Beleza > Perfumaria",
                   "gender": "female"},
                  {"id": "2", "title": "Outro Perfume", "product_type": "Beleza > Perfumaria", "gender": "male"})
    assert {r.category.source for r in reports} == {"recommended"}
    [row] = world.taxonomy.all(CLIENT)
    assert (row["category_id"], row["source"], row["reviewed"]) == ("Beleza > Perfumaria", "recommended", False)
    assert row["tik_tok_category_id"] == reports[0].category.category_id
    calls = world.tt.get("/sandbox/calls")["calls"]
    assert calls["POST /product/202309/categories/recommend"] == 1  # the second product reused the record


def test_a_manual_mapping_is_never_overwritten_by_a_recommendation(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "X", "601152", source="manual")
    world.taxonomy.record_recommendation(CLIENT, "X", "600024", name="Cozinha", at=1)
    [row] = world.taxonomy.all(CLIENT)
    assert (row["tik_tok_category_id"], row["source"]) == ("601152", "manual")


@pytest.mark.parametrize(("category", "rule"), [("601999", "category_unknown"), ("824999", "category_invite_only"),
                                                ("824328", "category_not_leaf"), ("123", "category_unknown")])
def test_categories_that_cannot_be_listed_block_the_product(world: Any, category: str, rule: str) -> None:
    world.taxonomy.put_mapping(CLIENT, "K", category, source="manual")
    [report] = run(world, {"id": "1", "title": "Algo", "google_product_category": "K"})
    assert report.status == "blocked" and report.reasons == [rule]


def test_required_attributes_listed_values_and_dimensions(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "perfume", "601548", source="manual")
    world.taxonomy.put_mapping(CLIENT, "cozinha", "600024", source="manual")
    reports = run(
        world,
        # Perfumes: Gênero (listed values only) and País de origem are required
        {"id": "1", "title": "Perfume A", "google_product_category": "perfume", "gender": "female"},
        {"id": "2", "title": "Perfume B", "google_product_category": "perfume", "gender": "robot"},
        # Cozinha: Material required (several allowed) and package dimensions
        {"id": "3", "title": "Panela", "google_product_category": "cozinha", "material": "Inox, Cerâmica"},
        {"id": "4", "title": "Faca", "google_product_category": "cozinha"},
    )
    by_sku = {r.seller_skus[0]: r for r in reports}
    assert by_sku["1"].reasons == ["attribute_required"] and "101395" in by_sku["1"].problems[0].message
    assert set(by_sku["2"].reasons) == {"attribute_required", "attribute_value_not_listed"}
    assert by_sku["3"].reasons == ["package_dimensions_required"]
    [material] = [a for a in by_sku["3"].draft.product_attributes if a["id"] == "100198"]
    assert len(material["values"]) == 2
    assert set(by_sku["4"].reasons) == {"attribute_required", "package_dimensions_required"}


def test_client_defaults_and_value_maps_fill_what_the_feed_lacks(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "perfume", "601548", source="manual")
    rules = CatalogRules(attribute_defaults={"*": {"101395": ["Brasil"]}}, value_map={"101610": {"robot": "Unissex"}},
                         default_package_dimensions=PackageDimensions(length_cm=Decimal(10), width_cm=Decimal(10),
                                                                      height_cm=Decimal(10)))
    reports = run(world, {"id": "1", "title": "Perfume A", "google_product_category": "perfume", "gender": "robot"},
                  rules=rules)
    assert reports[0].status == "ready", reports[0].problems
    assert {a["id"] for a in reports[0].draft.product_attributes} >= {"101395", "101610"}


def test_variants_become_one_product_with_sales_attributes(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "vestido", "601152", source="manual")
    reports = run(
        world,
        *({"id": str(880400 + n), "title": f"Vestido Midi {c} {s}", "item_group_id": "G1", "color": c, "size": s,
           "google_product_category": "vestido"} for n, (c, s) in enumerate([("Azul", "P"), ("Azul", "M"),
                                                                            ("Roxo", "P")])),
        {"id": "9001", "title": "Saia A", "item_group_id": "G2", "color": "Azul", "google_product_category": "vestido"},
        {"id": "9002", "title": "Saia B", "item_group_id": "G2", "google_product_category": "vestido"},
        {"id": "9003", "title": "Blusa", "item_group_id": "G3", "size": "M", "google_product_category": "vestido"},
        {"id": "9004", "title": "Blusa", "item_group_id": "G3", "size": "M", "google_product_category": "vestido"},
    )
    g1, g2, g3 = reports
    assert g1.status == "ready" and g1.draft.title == "Vestido Midi"
    skus = {s.seller_sku: s.sales_attributes for s in g1.draft.skus}
    assert skus["880400"] == ({"id": "100000", "value_id": "100000002"}, {"id": "100089", "value_id": "100089001"})
    assert skus["880402"][0] == {"id": "100000", "value_name": "Roxo"}  # not listed, customizable
    assert g2.reasons == ["sales_attributes_missing"]
    assert g3.reasons == ["sales_attributes_duplicate"]


def test_missing_weight_title_too_long_and_no_image(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "v", "601152", source="manual")
    [report] = run(world, {"id": "1", "title": "T" * 256, "google_product_category": "v", "shipping_weight": None,
                           "image_link": None, "description": None})
    assert set(report.reasons) == {"title_length", "package_weight_missing", "image_count", "description_missing"}


def test_rules_and_attributes_are_read_once_per_category(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "v", "601152", source="manual")
    world.tt.admin.delete("/sandbox/calls")
    run(world, *({"id": str(n), "title": f"Vestido {n}", "google_product_category": "v"} for n in range(5)))
    calls = world.tt.get("/sandbox/calls")["calls"]
    assert calls["GET /product/202309/categories/{category_id}/attributes"] == 1
    assert calls["GET /product/202309/categories/{category_id}/rules"] == 1
    assert calls["GET /product/202309/categories"] == 1


def test_a_ready_draft_is_accepted_by_tiktok(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "cozinha", "600024", source="manual")
    [report] = run(world, *({"id": str(n), "title": f"Panela {c}", "item_group_id": "P", "color": c, "gtin": gtin,
                             "google_product_category": "cozinha", "material": "Inox", "product_length": "30 cm",
                             "product_width": "20 cm", "product_height": "10 cm"}
                            for n, (c, gtin) in enumerate([("Preto", "7891234567895"), ("Cobre", None)])))
    assert report.status == "ready", report.problems
    uri = world.client.upload_image(png(), filename="p.png", mime_type="image/png").uri
    body = report.draft.payload(image_uris=[uri], brand_id=None, warehouse_id=world.tt.warehouse_id,
                                idempotency_key="k1")
    created = world.client.create_product(body)
    product = world.tt.get(f"/sandbox/state/products/{created.product_id}")
    assert sorted(s["seller_sku"] for s in product["skus"]) == ["0", "1"]
    assert product["package_dimensions"]["unit"] == "CENTIMETER"


def test_a_parent_category_mapped_for_a_shorter_path_falls_back_to_the_recommendation(world: Any) -> None:
    world.taxonomy.put_mapping(CLIENT, "Moda", "824328", source="manual")  # a parent (not a leaf)
    [report] = run(world, {"id": "1", "title": "Sandália de Couro", "product_type": "Moda > Calçados > Sandálias"})
    assert report.category.source == "recommended" and report.status == "ready"
    world.taxonomy.put_mapping(CLIENT, "Moda > Calçados > Sandálias", "824328", source="manual")
    world.resolver = CategoryResolver(CLIENT, world.taxonomy, world.catalog, world.client)  # a new invocation
    [report] = run(world, {"id": "2", "title": "Sandália", "product_type": "Moda > Calçados > Sandálias"})
    assert report.reasons == ["category_not_leaf"]  # the exact path mapped to a parent is a mapping error
