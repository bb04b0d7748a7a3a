"""Grouping by item_group_id: feed order, unsorted feeds, validated and raw entries, duplicates across
groups, the spool file, messages that read back as ProductGroups."""

from __future__ import annotations

from tests.unit.catalog.test_catalog_feed import rss
from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog.grouping import Grouper, ProductGroup
from tiktok_vtex.catalog.models import FeedItem, FeedItemError


def item(item_id: str, group: str | None = None, price: str = "10 BRL", color: str = "") -> str:
    return (f"<g:id>{item_id}</g:id><g:title>Item {item_id}</g:title><g:price>{price}</g:price>"
            + (f"<g:item_group_id>{group}</g:item_group_id>" if group else "")
            + (f"<g:color>{color}</g:color>" if color else ""))


FEED = rss(item("1", "A", color="Azul"), item("2"), item("3", "A", color="Preto"), item("4", "B"),
           item("5", "A", price="caro"), item("3", "B"), item("6", "B"))


def test_validated_items_grouped_in_feed_order() -> None:
    with Grouper() as grouper:
        out = list(grouper.add_all(FeedReader(FEED)))
        groups = list(grouper.groups())
    assert len(out) == 7 and sum(isinstance(r, FeedItemError) for r in out) == 2  # bad price, duplicate 3
    assert [(g.key, [i.id for i in g.items]) for g in groups] == [("A", ["1", "3"]), ("2", ["2"]), ("B", ["4", "6"])]
    assert groups[0].items[1].color == "Preto"


def test_raw_split_then_validation_per_group_gives_the_same_products() -> None:
    errors = []
    with Grouper(spool_memory_bytes=64) as grouper:  # rolls over to a temporary file at once
        for position, raw in FeedReader(FEED).raw_items():
            error = grouper.add_raw(position, raw)
            if error:
                errors.append(error)
        messages = list(grouper.messages())
        assert grouper.sizes() == {"A": 3, "2": 1, "B": 2}
    assert [(e.position, e.item_id) for e in errors] == [(6, "3")]  # the duplicate, caught at the split
    groups = [ProductGroup.from_message(body) for _, body in messages]
    assert [(g.key, [i.id for i in g.items], [e.item_id for e in g.errors]) for g in groups] == [
        ("A", ["1", "3"], ["5"]), ("2", ["2"], []), ("B", ["4", "6"], [])]
    assert "price" in groups[0].errors[0].reason


def test_messages_can_be_read_twice_and_hold_exactly_the_items() -> None:
    with Grouper() as grouper:
        list(grouper.add_all(FeedReader(FEED)))
        first = list(grouper.messages())
        second = list(grouper.messages())
    assert first == second
    [a] = [ProductGroup.from_message(body) for key, body in first if key == "A"]
    assert all(isinstance(i, FeedItem) for i in a.items)


def test_a_group_of_invalid_items_only() -> None:
    with Grouper() as grouper:
        for position, raw in FeedReader(rss(item("9", "Z", price="x"), item("10", "Z", price=""))).raw_items():
            grouper.add_raw(position, raw)
        [group] = list(grouper.groups())
    assert group.items == () and [e.item_id for e in group.errors] == ["9", "10"]
