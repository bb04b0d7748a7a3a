"""Issue 17, PRODUTOS-compara-xml against the TikTok sandbox and moto: a listed feed changes (a title, a
price, a new variant, a product removed); the run sends exactly one partial edit per changed product, the
price change to the price flow, one deactivation, no full edit; TikTok then holds the new feed; a second
run with the same feed changes nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from tests.integration.catalog.test_catalog_listing import CLIENT, Collect, World, item
from tiktok_vtex.catalog.grouping import ProductGroup
from tiktok_vtex.catalog.listing import list_group, split_feed
from tiktok_vtex.catalog_updates.edit import deactivate, restore, update_group
from tiktok_vtex.catalog_updates.messages import (
    DEACTIVATE_PRODUCTS,
    RESTORE_ITEMS,
    DeactivateProducts,
    RestoreItems,
    UpdateProductGroup,
)
from tiktok_vtex.catalog_updates.run import UpdateQueues, compare_feeds
from tiktok_vtex.repositories.feed_state import FeedStateRepository


def feed(*items: str) -> bytes:
    return ('<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>' + "".join(items)
            + "</channel></rss>").encode()


OLD = feed(item("880400", "Vestido Azul P", item_group_id="V1", color="Azul", size="P"),
           item("880401", "Vestido Azul M", item_group_id="V1", color="Azul", size="M"),
           item("880402", "Camisa Social"),
           item("880407", "Saia Longa"))
NEW = feed(item("880400", "Vestido Azul P", item_group_id="V1", color="Azul", size="P", price="139,90 BRL"),
           item("880401", "Vestido Azul M", item_group_id="V1", color="Azul", size="M"),
           item("880406", "Vestido Azul G", item_group_id="V1", color="Azul", size="G"),
           item("880402", "Camisa Social Slim"))


class Updates:
    def __init__(self, world: World, tables: dict[str, str]) -> None:
        self.world = world
        self.state = FeedStateRepository(tables["FeedStateTable"])
        self.queues = UpdateQueues(updates=Collect(), listing=Collect(), stock=world.stock_queue,
                                   price=world.price_queue)

    def list(self, xml: bytes) -> None:
        queue = Collect()
        split = split_feed(CLIENT, io.BytesIO(xml), queue, self.world.log, warehouse_id=self.world.tt.warehouse_id,
                           run_id="listing")
        ctx = self.world.context()
        for message in queue.messages:
            list_group(ctx, ProductGroup.from_message(message["group"]), split.run_id)

    def compare(self, xml: bytes) -> Any:
        for queue in (self.queues.updates, self.queues.listing, self.world.stock_queue, self.world.price_queue):
            queue.messages.clear()
        return compare_feeds(CLIENT, io.BytesIO(xml), old_feed=None, warehouse_id=self.world.tt.warehouse_id,
                             state=self.state, skus=self.world.products, queues=self.queues, log=self.world.log,
                             clock=lambda: 1_800_000_000.0)

    def consume(self) -> list[Any]:
        ctx, client = self.world.context(), self.world.client
        outcomes = []
        for message in self.queues.updates.messages:
            if message["type"] == DEACTIVATE_PRODUCTS:
                outcomes.append(deactivate(ctx, DeactivateProducts.model_validate(message), api=client,
                                           skus=self.world.products, state=self.state))
            elif message["type"] == RESTORE_ITEMS:
                outcomes.append(restore(ctx, RestoreItems.model_validate(message), api=client,
                                        skus=self.world.products, state=self.state, clock=lambda: 1.8e9))
            else:
                outcomes.append(update_group(ctx, UpdateProductGroup.model_validate(message), api=client,
                                             skus=self.world.products, state=self.state, clock=lambda: 1.8e9))
        return outcomes


@pytest.fixture
def world(tt: Any, tables: dict[str, str]) -> World:
    return World(tt, tables)


@pytest.fixture
def updates(world: World, tables: dict[str, str], module_moto: Any) -> Updates:
    module_moto.clear("FeedStateTable")
    return Updates(world, {**tables, "FeedStateTable": module_moto.stack.physical_ids["FeedStateTable"]})


def calls(world: World) -> dict[str, int]:
    return dict(world.tt.get("/sandbox/calls")["calls"])


def product_of(world: World, seller_sku: str) -> dict[str, Any]:
    row = world.products.get(CLIENT, seller_sku)
    assert row is not None and row.tik_tok_product_id
    return world.tt.sb.products[row.tik_tok_product_id]


def test_only_the_differences_reach_tiktok_and_a_rerun_changes_nothing(world: World, updates: Updates) -> None:
    updates.list(OLD)
    first = updates.compare(OLD)  # no state yet: every listed item is recorded as accepted, nothing sent
    assert first.stored == 4 and first.product_edits == first.price_skus == first.new_products == 0

    before = calls(world)
    report = updates.compare(NEW)
    assert report.counts == {"added": 1, "changed": 2, "removed": 1, "unchanged": 1}
    assert report.price_skus == 1 and report.product_edits == 2 and report.deactivations == 1
    assert [m["sku"] for m in world.price_queue.messages] == [["880400"]]
    outcomes = updates.consume()
    spent = {k: v - before.get(k, 0) for k, v in calls(world).items() if v != before.get(k, 0)}
    writes = {re.sub(r"/\d{6}/", "/v/", k): v for k, v in spent.items() if not k.startswith("GET")}
    assert writes == {"POST /product/v/products/{product_id}/partial_edit": 2,  # no full edit (PUT), no create
                      "POST /product/v/products/deactivate": 1}
    edits = [o for o in outcomes if hasattr(o, "fields")]
    # the shirt's title (and the description the demo feed derives from it); the dress: its new variant only
    assert sorted(o.fields for o in edits) == [["description", "title"], ["skus"]]
    assert product_of(world, "880402")["title"] == "Camisa Social Slim"
    vestido = product_of(world, "880400")
    assert sorted(s["seller_sku"] for s in vestido["skus"]) == ["880400", "880401", "880406"]
    new_row = world.products.get(CLIENT, "880406")
    assert new_row is not None and new_row.tik_tok_product_id == vestido["id"]
    removed = world.products.get(CLIENT, "880407")
    assert removed is not None and removed.removed_from_feed is True and not removed.offered  # kept for orders
    assert world.tt.sb.products[removed.tik_tok_product_id]["status"] != "ACTIVATE"

    again = updates.compare(NEW)
    assert again.counts["unchanged"] == 4 and again.product_edits == again.price_skus == again.deactivations == 0


def test_a_refused_or_blocked_edit_is_compared_again_next_run(world: World, updates: Updates) -> None:
    updates.list(OLD)
    updates.compare(OLD)
    broken = feed(item("880400", "Vestido Azul P", item_group_id="V1", color="Azul", size="P"),
                  item("880401", "Vestido Azul M", item_group_id="V1", color="Azul", size="M"),
                  item("880402", "Camisa Social", image_link="https://img.example.com.br/broken.png"),
                  item("880407", "Saia Longa"))
    updates.compare(broken)
    [outcome] = updates.consume()
    assert outcome.status == "blocked" and outcome.reasons
    assert updates.compare(broken).product_edits == 1  # not stored: the same edit is due again


def test_an_item_back_in_the_feed_is_restored_and_a_removed_one_keeps_stock_zero(world: World,
                                                                                updates: Updates) -> None:
    updates.list(OLD)
    updates.compare(OLD)
    updates.compare(NEW)
    updates.consume()
    gone = world.products.get(CLIENT, "880407")
    assert gone is not None and gone.removed_from_feed and not gone.offered
    product_id = gone.tik_tok_product_id
    back = feed(item("880400", "Vestido Azul P", item_group_id="V1", color="Azul", size="P", price="139,90 BRL"),
                item("880401", "Vestido Azul M", item_group_id="V1", color="Azul", size="M"),
                item("880406", "Vestido Azul G", item_group_id="V1", color="Azul", size="G"),
                item("880402", "Camisa Social Slim"),
                item("880407", "Saia Longa"))
    world.stock_queue.messages.clear()
    report = updates.compare(back)
    assert report.restored == 1 and report.product_edits == 0 and report.new_products == 0
    updates.consume()
    row = world.products.get(CLIENT, "880407")
    assert row is not None and not row.removed_from_feed and row.offered
    assert world.tt.sb.products[product_id]["status"] == "ACTIVATE"
    assert ["880407"] in [m["sku"] for m in world.stock_queue.messages]  # its stock comes back from VTEX
    assert updates.compare(back).restored == 0  # stored: nothing to do any more


def test_an_edit_of_a_product_under_review_is_reported_in_the_run_and_its_outcome(world: World,
                                                                                   updates: Updates) -> None:
    updates.list(OLD)
    updates.compare(OLD)
    shirt = world.products.get(CLIENT, "880402")
    assert shirt is not None
    world.products.update(CLIENT, "880402", audit_status="AUDITING")  # what push 37 records on the SKU rows
    retitled = feed(item("880400", "Vestido Azul P", item_group_id="V1", color="Azul", size="P"),
                    item("880401", "Vestido Azul M", item_group_id="V1", color="Azul", size="M"),
                    item("880402", "Camisa Social Slim"),
                    item("880407", "Saia Longa Nova"))
    report = updates.compare(retitled)
    assert report.product_edits == 2 and report.audit_edits == 2  # titles are audited: both go back to review
    assert report.under_review == [{"product_id": shirt.tik_tok_product_id, "state": "audit AUDITING",
                                    "sends_to_audit": True, "items": ["880402"]}]
    assert report.as_log()["under_review"] == report.under_review
    outcomes = {o.product_id: o for o in updates.consume()}
    assert outcomes[shirt.tik_tok_product_id].under_review == "audit AUDITING"
    assert outcomes[shirt.tik_tok_product_id].status == "edited"
    assert [o.under_review for pid, o in outcomes.items() if pid != shirt.tik_tok_product_id] == [None]
    logged = world.log.entries_for(CLIENT, str(shirt.tik_tok_product_id))
    [entry] = [e for e in logged if e["kind"] == "product_updated"]
    assert entry["under_review"] == "audit AUDITING" and entry["back_to_audit"] is True
