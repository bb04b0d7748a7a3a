"""The whole listing flow against the TikTok sandbox and moto: feed -> split into group messages ->
pre-flight, brand, images, create -> SKU table and TikTokLogProduct; reruns create nothing twice; a crash
between create and the SKU write resumes; TikTok failures mid-run fail only their group."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.integration.catalog.conftest import png
from tiktok_vtex.catalog.brands import BrandLookup
from tiktok_vtex.catalog.categories import CategoryCatalog, CategoryResolver, TaxonomyRepository
from tiktok_vtex.catalog.creation import PRICE_BATCH, STOCK_BATCH, ProductCreator
from tiktok_vtex.catalog.feed import FeedError
from tiktok_vtex.catalog.grouping import ProductGroup
from tiktok_vtex.catalog.images import ImageUploader
from tiktok_vtex.catalog.listing import GroupContext, list_group, split_feed, summarise
from tiktok_vtex.catalog.mapping import MappingContext
from tiktok_vtex.clients.tiktok.errors import TikTokError
from tiktok_vtex.models.client import CatalogRules
from tiktok_vtex.repositories.brands import BrandRepository
from tiktok_vtex.repositories.images import ImageRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository

CLIENT = "d" * 40


class Collect:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, messages: Any) -> int:
        self.messages.extend(messages)
        return 1


def image_host(request: httpx.Request) -> httpx.Response:
    if request.url.path.startswith("/broken"):
        return httpx.Response(404)
    seed = sum(request.url.path.encode())
    return httpx.Response(200, content=png(900, 900, seed))


def item(sku: str, title: str, **fields: str) -> str:
    base = {"id": sku, "title": title, "description": f"Descrição de {title}", "price": "149,90 BRL",
            "image_link": f"https://img.example.com.br/{sku}.png", "shipping_weight": "0.5 kg",
            "google_product_category": "moda", "brand": "Vila Verde", **fields}
    return "<item>" + "".join(f"<g:{k}>{v}</g:{k}>" for k, v in base.items() if v) + "</item>"


FEED = ('<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
        + item("880400", "Vestido Azul P", item_group_id="V1", color="Azul", size="P")
        + item("880401", "Vestido Azul M", item_group_id="V1", color="Azul", size="M")
        + item("880402", "Camisa Social")
        + item("880403", "Perfume Floral", google_product_category="perfume")  # Gênero missing
        + item("880404", "Bolsa Tiracolo", image_link="https://img.example.com.br/broken.png")
        + item("880405", "Sem Preço", price="")
        + "</channel></rss>")


class World:
    def __init__(self, tt: Any, tables: dict[str, str]) -> None:
        self.tt = tt
        self.client = tt.client()
        self.products = ProductRepository(tables["ProductsSellerSkuTable"])
        self.log = LogRepository(tables["LogProductTable"])
        self.taxonomy = TaxonomyRepository(tables["TaxonomyTable"])
        self.brand_repo = BrandRepository(tables["BrandsTable"])
        self.images = ImageRepository(tables["ImagesTable"])
        self.queue = Collect()
        self.stock_queue, self.price_queue = Collect(), Collect()
        self.taxonomy.put_mapping(CLIENT, "moda", "601152", source="manual")
        self.taxonomy.put_mapping(CLIENT, "perfume", "601548", source="manual")
        brand_id = self.client.create_brand("Vila Verde")
        self.brand_repo.add_from_vtex(CLIENT, "Vila Verde", "2000001", at=1)
        self.brand_repo.link(CLIENT, "Vila Verde", brand_id, how="created", at=1)

    def context(self, products: Any = None) -> GroupContext:
        catalog = CategoryCatalog(self.client, self.tt.shop_id)
        return GroupContext(
            client_hash=CLIENT, catalog=catalog,
            resolver=CategoryResolver(CLIENT, self.taxonomy, catalog, self.client),
            mapping=MappingContext(now=datetime(2026, 12, 1, tzinfo=UTC), rules=CatalogRules(
                attribute_defaults={"*": {"101395": ["Brasil"]}})),
            brands=BrandLookup(CLIENT, self.brand_repo),
            images=ImageUploader(self.tt.shop_id, self.client, self.images,
                                 http=httpx.Client(transport=httpx.MockTransport(image_host)),
                                 resolve=lambda h, p, **_: [(2, 1, 6, "", ("93.184.216.34", p))]),
            creator=ProductCreator(CLIENT, self.client, products or self.products,
                                   [(STOCK_BATCH, self.stock_queue), (PRICE_BATCH, self.price_queue)],
                                   warehouse_id=self.tt.warehouse_id),
            log=self.log)

    def run(self, products: Any = None) -> list[Any]:
        self.queue.messages.clear()
        split = split_feed(CLIENT, __import__("io").BytesIO(FEED.encode()), self.queue, self.log,
                           warehouse_id=self.tt.warehouse_id, run_id=f"run{len(self.log_entries())}")
        ctx = self.context(products)
        outcomes = [list_group(ctx, ProductGroup.from_message(m["group"]), split.run_id) for m in self.queue.messages]
        return [split, outcomes]

    def log_entries(self) -> list[dict[str, Any]]:
        return list(self.log.entries(CLIENT))

    def tiktok_products(self) -> list[dict[str, Any]]:
        return [p for p in self.tt.sb.products.values() if p["status"] != "DELETED"]


@pytest.fixture
def world(tt: Any, tables: dict[str, str]) -> World:
    return World(tt, tables)


def test_a_feed_is_listed_and_the_report_says_exactly_what_was_blocked(world: World) -> None:
    split, outcomes = world.run()
    assert (split.items, split.groups, split.messages) == (6, 5, 5)
    by_key = {o.group_key: o for o in outcomes}
    assert by_key["V1"].status == "created" and set(by_key["V1"].skus) == {"880400", "880401"}
    assert by_key["880402"].status == "created"
    assert [p.rule for p in by_key["880403"].problems] == ["attribute_required"]
    assert [p.rule for p in by_key["880404"].problems] == ["image_download_failed"]
    assert by_key["880405"].status == "blocked" and by_key["880405"].problems[0].rule == "no_valid_item"
    assert len(world.tiktok_products()) == 2
    row = world.products.get(CLIENT, "880400")
    assert row.tik_tok_product_id == by_key["V1"].tik_tok_product_id
    assert row.tik_tok_sku_id == by_key["V1"].skus["880400"]
    assert (row.vtex_id, row.product_id) == ("880400", "V1")
    tiktok = world.tt.sb.products[row.tik_tok_product_id]
    assert tiktok["brand_id"] and tiktok["title"] == "Vestido Azul"
    assert {m["type"] for m in world.stock_queue.messages} == {STOCK_BATCH}
    assert sorted(s for m in world.stock_queue.messages for s in m["sku"]) == ["880400", "880401", "880402"]
    assert len(world.price_queue.messages) == 2
    # push 37 (audit) applied by the webhook processor to the SKU rows shows in the run's summary
    world.products.update(CLIENT, "880402", audit_status="AUDIT_FAILED", audit_pre_approved_reasons=["IMAGE_BLURRY"])
    summary = summarise(world.log, CLIENT, split.run_id, world.products)
    assert (summary["created"], summary["blocked"]) == (2, 3)
    assert summary["blocked_reasons"] == {"attribute_required": 1, "image_download_failed": 1, "no_valid_item": 1}
    assert summary["listing_states"]["880402"] == {"product_status": None, "audit_status": "AUDIT_FAILED",
                                                   "audit_reasons": ["IMAGE_BLURRY"]}
    assert set(summary["listing_states"]) == {"V1", "880402"}


def test_a_second_run_changes_nothing(world: World) -> None:
    world.run()
    uploads = world.tt.get("/sandbox/calls")["calls"]["POST /product/202309/images/upload"]
    world.tt.admin.delete("/sandbox/calls")
    _, outcomes = world.run()
    assert sorted(o.status for o in outcomes) == ["blocked", "blocked", "blocked", "exists", "exists"]
    assert len(world.tiktok_products()) == 2
    calls = world.tt.get("/sandbox/calls")["calls"]
    assert "POST /product/202309/products" not in calls and "POST /product/202309/images/upload" not in calls
    assert uploads == 3


class CrashOnSkuWrite:
    """The SKU table write fails once (the process died between the create call and the write)."""

    def __init__(self, inner: ProductRepository) -> None:
        self.inner = inner
        self.crashed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("Runtime.ExitError (simulated crash)")
        return self.inner.update(*args, **kwargs)


def test_a_crash_between_create_and_the_sku_write_resumes_without_a_second_product(world: World) -> None:
    with pytest.raises(RuntimeError, match="simulated crash"):
        world.run(products=CrashOnSkuWrite(world.products))
    assert len(world.tiktok_products()) == 1  # V1 created on TikTok, not recorded
    assert world.products.get(CLIENT, "880400") is None
    _, outcomes = world.run()
    by_key = {o.group_key: o for o in outcomes}
    assert by_key["V1"].status == "resumed" and by_key["880402"].status == "created"
    assert len(world.tiktok_products()) == 2
    assert world.products.get(CLIENT, "880400").tik_tok_product_id == by_key["V1"].tik_tok_product_id


def test_tiktok_failing_mid_run_fails_only_that_group_and_its_retry_lists_it(world: World) -> None:
    world.tt.post("/sandbox/faults", {"endpoint": "POST /product/202309/products", "error_rate_5xx": 1.0, "count": 4})
    world.queue.messages.clear()
    split = split_feed(CLIENT, __import__("io").BytesIO(FEED.encode()), world.queue, world.log,
                       warehouse_id=world.tt.warehouse_id, run_id="r")
    ctx = world.context()
    failed, done = [], []
    for message in world.queue.messages:
        try:
            done.append(list_group(ctx, ProductGroup.from_message(message["group"]), split.run_id))
        except TikTokError:
            failed.append(message)
    assert len(failed) == 1 and len(done) == 4  # the retry budget (4 attempts) hit V1 only
    retried = list_group(world.context(), ProductGroup.from_message(failed[0]["group"]), "r")
    assert retried.status == "created" and len(world.tiktok_products()) == 2


@pytest.mark.parametrize(("feed", "message"), [(b"", "empty"), (b"<html/>", "not an RSS"),
                                               (b'<rss version="2.0"><channel/></rss>', "no items")])
def test_a_feed_that_cannot_be_read_is_logged_and_raised(world: World, feed: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        split_feed(CLIENT, __import__("io").BytesIO(feed), world.queue, world.log, warehouse_id="w", run_id="bad")
    [entry] = [e for e in world.log_entries() if e["kind"] == "listing_run_failed"]
    assert message in entry["reason"]
    assert world.queue.messages == []


def test_prices_follow_the_sale_price(world: World) -> None:
    world.run()
    row = world.products.get(CLIENT, "880402")
    sku = next(s for s in world.tt.sb.products[row.tik_tok_product_id]["skus"] if s["seller_sku"] == "880402")
    assert Decimal(sku["price"]["sale_price"]) == Decimal("149.90")


def test_a_trial_listing_goes_to_the_integrators_test_shop_only(world: World) -> None:
    """dispatchSendProductSandbox: the seller's feed, rules and taxonomy, the integrator's shop; the seller's
    shop and SKU table are untouched, and a second trial creates nothing twice."""
    trial_shop = world.tt.post("/sandbox/shops", {"name": "Integrador Teste"})
    trial_client = world.tt.client(shop_id=trial_shop["id"])
    trial_warehouse = next(iter(world.tt.sb.sales_warehouses(world.tt.sb.shops[trial_shop["id"]])))

    def trial_context() -> GroupContext:
        ctx = world.context()
        catalog = CategoryCatalog(trial_client, trial_shop["id"])
        return ctx.model_copy(update={
            "catalog": catalog, "resolver": CategoryResolver(CLIENT, world.taxonomy, catalog, trial_client),
            "brands": BrandLookup("trial-client", world.brand_repo), "trial": True,
            "images": ImageUploader(trial_shop["id"], trial_client, world.images,
                                    http=httpx.Client(transport=httpx.MockTransport(image_host)),
                                    resolve=lambda h, p, **_: [(2, 1, 6, "", ("93.184.216.34", p))]),
            "creator": ProductCreator(CLIENT, trial_client, world.products, [(STOCK_BATCH, world.stock_queue)],
                                      warehouse_id=trial_warehouse, trial=True)})

    def trial_run() -> list[Any]:
        world.queue.messages.clear()
        split = split_feed(CLIENT, __import__("io").BytesIO(FEED.encode()), world.queue, world.log,
                           warehouse_id=trial_warehouse, run_id=f"trial{len(world.log_entries())}",
                           trial_client_hash="trial-client")
        ctx = trial_context()
        return [list_group(ctx, ProductGroup.from_message(m["group"]), split.run_id) for m in world.queue.messages]

    first = trial_run()
    assert sorted(o.status for o in first) == ["blocked", "blocked", "blocked", "created", "created"]
    in_trial = [p for p in world.tiktok_products() if p["_shop_id"] == trial_shop["id"]]
    assert len(in_trial) == 2 and all(p.get("brand_id") is None for p in in_trial)
    assert [p for p in world.tiktok_products() if p["_shop_id"] == world.tt.shop_id] == []
    assert world.products.get(CLIENT, "880400") is None and world.stock_queue.messages == []
    assert any(e["kind"] == "trial_product_created" for e in world.log_entries())
    second = trial_run()
    assert sorted(o.status for o in second) == ["blocked", "blocked", "blocked", "exists", "exists"]
    assert len([p for p in world.tiktok_products() if p["_shop_id"] == trial_shop["id"]]) == 2
