"""Issue 17: the streaming feed diff. Property: applying the computed changes to the old feed's items gives
the new feed's items; an unchanged (or merely re-spelled) feed gives no change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_vtex.catalog_updates.diff import ChangeKind, FeedDiff, Route, apply_changes, digest_items
from tiktok_vtex.catalog_updates.fingerprint import Fingerprint, Fingerprinter

IDS = [f"SKU-{n}" for n in range(12)]
GROUPS = [None, "G1", "G2", "G3"]

items = st.fixed_dictionaries({
    "id": st.sampled_from(IDS),
    "title": st.text(alphabet="abc ÁÉçã\t", min_size=1, max_size=8),
    "price": st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2).map(lambda d: f"{d} BRL"),
    "availability": st.sampled_from(["in stock", "out of stock"]),
    "item_group_id": st.sampled_from(GROUPS),
    "additional_image_link": st.lists(st.sampled_from(["https://img/1.jpg", "https://img/2.jpg",
                                                        "https://img/3.jpg"]), unique=True, max_size=3),
}, optional={"color": st.sampled_from(["Azul", "Preto", " "]), "description": st.text(max_size=5)})
feeds = st.lists(items, max_size=10)


def canonical_items(feed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for item in feed:
        result.setdefault(item["id"], Fingerprinter().texts(item))  # the first of duplicate ids wins, as in the diff
    return result


def run(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[list[Any], FeedDiff]:
    differ = FeedDiff(digest_items(old))
    return list(differ.compare(new)), differ


@settings(max_examples=150, deadline=None)
@given(feeds, feeds)
def test_applying_the_diff_to_the_old_feed_gives_the_new_feed(old: list[dict[str, Any]],
                                                             new: list[dict[str, Any]]) -> None:
    changes, differ = run(old, new)
    assert apply_changes(canonical_items(old), changes) == canonical_items(new)
    counts = differ.summary.counts
    assert sum(counts.values()) == len(set(canonical_items(new)) | set(canonical_items(old)))


@settings(max_examples=100, deadline=None)
@given(feeds)
def test_an_unchanged_feed_gives_an_empty_diff(feed: list[dict[str, Any]]) -> None:
    changes, _ = run(feed, feed)
    assert {c.kind for c in changes} <= {ChangeKind.UNCHANGED}


@settings(max_examples=100, deadline=None)
@given(feeds)
def test_a_respelled_feed_is_unchanged(feed: list[dict[str, Any]]) -> None:
    respelled = [{**item, "title": f"  {item['title']}  ".replace(" ", "   "),
                  "price": "R$ " + item["price"].removesuffix(" BRL").replace(".", ","),
                  "availability": item["availability"].replace(" ", "_").upper(),
                  "additional_image_link": list(reversed(item["additional_image_link"]))} for item in feed]
    changes, _ = run(feed, respelled)
    assert {c.kind for c in changes} <= {ChangeKind.UNCHANGED}


def item(item_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "title": "Camiseta", "price": "49.90 BRL", "availability": "in stock",
            "item_group_id": "G1", "image_link": "https://img/main.jpg", **fields}


def only(changes: list[Any], item_id: str) -> Any:
    [change] = [c for c in changes if c.item_id == item_id]
    return change


def test_a_price_only_or_availability_only_change_makes_no_product_edit() -> None:
    old = [item("A"), item("B"), item("C")]
    new = [item("A", price="39,90 BRL"), item("B", availability="out of stock"),
           item("C", title="Camiseta nova", price="R$ 59,90")]
    changes, _ = run(old, new)
    assert only(changes, "A").routes == {Route.PRICE} and only(changes, "A").changed_fields == {"price"}
    assert only(changes, "B").routes == {Route.STOCK}
    assert only(changes, "C").routes == {Route.PRODUCT_EDIT, Route.PRICE}
    assert only(changes, "C").changed_fields == {"title", "price"}


def test_a_removed_field_counts_as_changed_and_an_emptied_one_as_removed() -> None:
    changes, _ = run([item("A", color="Azul")], [item("A", color="  ")])
    assert only(changes, "A").changed_fields == {"color"}
    assert apply_changes(canonical_items([item("A", color="Azul")]), changes) == canonical_items([item("A")])


def test_group_changes_added_and_removed_variants_and_a_moved_item() -> None:
    old = [item("A"), item("B"), item("M", item_group_id="G2")]
    new = [item("A"), item("C"), item("M", item_group_id="G1")]
    changes, differ = run(old, new)
    groups = differ.summary.groups
    assert groups["G1"].added == ["C", "M"] and groups["G1"].removed == ["B"]
    assert groups["G2"].removed == ["M"]
    moved = only(changes, "M")
    assert moved.routes == {Route.REGROUP} and moved.previous_group_id == "G2"
    assert only(changes, "B").routes == {Route.DEACTIVATE} and only(changes, "C").routes == {Route.LISTING}


def test_duplicates_and_items_without_id_are_reported_not_compared() -> None:
    changes, differ = run([item("A")], [item("A"), item("A", title="outra"), {"title": "sem id", "position": 7}])
    assert [c.kind for c in changes] == [ChangeKind.UNCHANGED]
    assert differ.summary.duplicates == ["A"] and differ.summary.invalid == ["7"]


def test_stored_state_round_trips_through_its_record() -> None:
    state = digest_items([item("A"), item("B", item_group_id=None)])
    shapes: dict[tuple[str, ...], tuple[str, ...]] = {}
    again = {k: Fingerprint.from_record(v.as_record(), shapes) for k, v in state.items()}
    changes, _ = list(FeedDiff(again).compare([item("A"), item("B", item_group_id=None)])), None
    assert {c.kind for c in changes} == {ChangeKind.UNCHANGED}
    assert state["B"].group_id == "B"  # an item without group is its own product


def test_a_crc_collision_is_reported_as_every_field_changed_never_unchanged() -> None:
    [(_, old)] = digest_items([item("A")]).items()
    forged = Fingerprint(old.group_id, b"\x00" * 16, old.names, old.crcs)  # same CRCs, another digest
    assert forged.changed_fields(old) == frozenset(old.names)
