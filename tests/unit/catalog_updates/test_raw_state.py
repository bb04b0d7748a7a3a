"""Issue 17: the old feed reduced to raw digests (RawFeedState) gives the diff the canonical path gives.

For generated feed pairs (respelled items that must stay unchanged: whitespace, number formats, availability
spelling, image order; real changes; removed, added, duplicate and id-less items; empty elements), the fast
path's changes and summary equal those of `digest_items`' fully canonical state, item for item. The only
allowed difference: an UNCHANGED item found by raw digest carries no stored fingerprint."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog_updates.diff import ChangeKind, FeedDiff, ItemChange, digest_items
from tiktok_vtex.catalog_updates.fingerprint import Fingerprinter, raw_from_bytes
from tiktok_vtex.catalog_updates.raw_state import RawFeedState

IMAGES = ["https://img/1.jpg", "https://img/2.jpg", "https://img/3.jpg"]

base_items = st.fixed_dictionaries({
    "id": st.sampled_from([f"SKU-{n}" for n in range(8)]),
    "title": st.text(alphabet="abc ÁÉçã\t", min_size=1, max_size=8),
    "price": st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2).map(lambda d: f"{d} BRL"),
    "availability": st.sampled_from(["in stock", "out of stock"]),
    "item_group_id": st.sampled_from(["G1", "G2", None]),
    "shipping_weight": st.sampled_from(["500 g", "0.5 kg", "1200 g", "2 kg"]),
    "additional_image_link": st.lists(st.sampled_from(IMAGES), unique=True, max_size=3),
}, optional={"color": st.sampled_from(["Azul", "Preto", " ", None]), "description": st.text(max_size=5)})

EDITS = ["same", "same", "same", "spaces", "price_format", "availability", "image_order", "weight_units",
         "title", "price", "color", "removed", "duplicate", "no_id", "id_spaces"]


def edited(item: dict[str, Any], edit: str) -> list[dict[str, Any]]:
    """The new feed's items for one old item under one edit (respellings must compare unchanged)."""
    new = dict(item)
    if edit == "spaces":
        new["title"] = f"  {item['title']}  ".replace(" ", "   ")
    elif edit == "price_format":
        whole, cents = item["price"].removesuffix(" BRL").split(".")
        new["price"] = f"R$ {int(whole):,}".replace(",", ".") + f",{cents}"
    elif edit == "availability":
        new["availability"] = item["availability"].replace(" ", "_").upper()
    elif edit == "image_order":
        new["additional_image_link"] = list(reversed(item["additional_image_link"]))
    elif edit == "weight_units":
        new["shipping_weight"] = {"500 g": "0.5 kg", "0.5 kg": "500 g", "1200 g": "1.2 kg", "2 kg": "2000 g"}[
            item["shipping_weight"]]
    elif edit == "title":
        new["title"] = item["title"] + " novo"
    elif edit == "price":
        new["price"] = "12345.67 BRL"
    elif edit == "color":
        new["color"] = "Verde" if item.get("color") != "Verde" else None
    elif edit == "removed":
        return []
    elif edit == "duplicate":
        return [new, {**item, "title": "outro"}]
    elif edit == "no_id":
        return [{k: v for k, v in new.items() if k != "id"} | {"position": 3}]
    elif edit == "id_spaces":
        new["id"] = f" {item['id']}  "
    return [new]


pairs = st.lists(st.tuples(base_items, st.sampled_from(EDITS)), max_size=12).flatmap(
    lambda planned: st.tuples(st.just(planned), st.lists(base_items, max_size=3)))


def normalised(changes: list[ItemChange]) -> list[ItemChange]:
    return [c._replace(stored=None) if c.kind is ChangeKind.UNCHANGED else c for c in changes]


def both_paths(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[Any, Any]:
    canonical = FeedDiff(digest_items(old))
    expected = list(canonical.compare(new))
    with RawFeedState.read(old) as previous:
        fast = FeedDiff(previous)
        got = list(fast.compare(new))
    assert normalised(got) == normalised(expected)
    assert fast.summary == canonical.summary
    return got, fast


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_the_raw_digest_path_gives_the_canonical_diff(generated: Any) -> None:
    planned, added = generated
    old = [item for item, _ in planned]
    new = [new for item, edit in planned for new in edited(item, edit)] + added
    both_paths(old, new)


@settings(max_examples=100, deadline=None)
@given(st.lists(base_items, max_size=10))
def test_respellings_only_are_unchanged_on_the_raw_digest_path(feed: list[dict[str, Any]]) -> None:
    respelled = [new for item in feed for new in edited(edited(edited(item, "spaces")[0], "price_format")[0],
                                                        "weight_units")]
    changes, _ = both_paths(feed, respelled)
    assert {c.kind for c in changes} <= {ChangeKind.UNCHANGED}


def test_raw_bytes_read_back_give_the_same_fingerprint() -> None:
    fingerprint = Fingerprinter()
    item = {"id": "A", "title": "Camiseta  Azul", "price": "1.299,90 BRL", "additional_image_link": [],
            "position": 4}
    _, header, whole = fingerprint.raw_key(item)
    assert whole is not None
    assert fingerprint(raw_from_bytes(header + whole.encode())) == fingerprint(item)
    assert fingerprint._raw_bytes(*fingerprint._plan(item)) == header + whole.encode()


HEAD = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'


def raw(*items: str) -> list[dict[str, Any]]:
    xml = (HEAD + "".join(f"<item>{i}</item>" for i in items) + "</channel></rss>").encode()
    return [fields for _, fields in FeedReader(xml).raw_items()]


def test_feeds_read_by_the_reader_unchanged_respelled_changed_empty_element() -> None:
    old = raw("<g:id>1</g:id><g:title>Camiseta Azul</g:title><g:price>1299.90 BRL</g:price>"
              "<g:additional_image_link>https://img/a.jpg</g:additional_image_link>"
              "<g:additional_image_link>https://img/b.jpg</g:additional_image_link>",
              "<g:id>2</g:id><g:title>Bermuda</g:title><g:price>99.90 BRL</g:price><g:color/>",
              "<g:id>3</g:id><g:title>Meia</g:title><g:price>9.90 BRL</g:price>",
              "<g:id>4</g:id><g:title>Boné</g:title><g:price>19.90 BRL</g:price>")
    new = raw("<g:id>1</g:id><g:title> Camiseta   Azul </g:title><g:price>R$ 1.299,90</g:price>"
              "<g:additional_image_link>https://img/b.jpg</g:additional_image_link>"
              "<g:additional_image_link>https://img/a.jpg</g:additional_image_link>",
              "<g:id>2</g:id><g:title>Bermuda</g:title><g:price>99.90 BRL</g:price><g:color/>",
              "<g:id>3</g:id><g:title>Meia</g:title><g:price>8.90 BRL</g:price>",
              "<g:id>5</g:id><g:title>Cinto</g:title><g:price>29.90 BRL</g:price>")
    changes, differ = both_paths(old, new)
    kinds = {c.item_id: c.kind for c in changes}
    assert kinds == {"1": ChangeKind.UNCHANGED, "2": ChangeKind.UNCHANGED, "3": ChangeKind.CHANGED,
                     "4": ChangeKind.REMOVED, "5": ChangeKind.ADDED}
    assert next(c for c in changes if c.item_id == "3").changed_fields == {"price"}
    assert differ.summary.counts == {"added": 1, "changed": 1, "removed": 1, "unchanged": 2}


def test_only_items_whose_texts_differ_are_canonicalised(monkeypatch: Any) -> None:
    """The point of the fast path: the unchanged items of either feed are never canonicalised."""
    items = [{"id": str(n), "title": f"Item {n}", "price": "10.00 BRL"} for n in range(50)]
    new = [*items[:48], {**items[48], "price": "R$ 10,00"}, {**items[49], "title": "outro"}]
    calls: list[str] = []
    original = Fingerprinter._canonical

    def counting(self: Fingerprinter, raw: Any, planned: Any = None) -> Any:
        calls.append(str(raw.get("id")))
        return original(self, raw, planned)

    monkeypatch.setattr(Fingerprinter, "_canonical", counting)
    changes, _ = both_paths(items, new)
    calls.clear()
    with RawFeedState.read(items) as previous:
        list(FeedDiff(previous).compare(new))
    assert sorted(set(calls)) == ["48", "49"]
    assert [c.item_id for c in changes if c.kind is not ChangeKind.UNCHANGED] == ["49"]


def test_the_benchmark_feed_pair_gives_the_same_diff_on_both_paths(tmp_path: Any) -> None:
    """The generated feeds of bench_feed_diff (entities, markup, duplicate ids, repeated images) as read."""
    from benchmarks.bench_feed_diff import mutate
    from benchmarks.bench_feed_parse import generate

    old, new = tmp_path / "old.xml", tmp_path / "new.xml"
    generate(old, 1_500)
    planted = mutate(old, new)
    changes, differ = both_paths(raw_file(old), raw_file(new))
    assert differ.summary.counts["changed"] == planted["changed"]
    assert sum(c.stored is None for c in changes) > 0.9 * len(changes)  # found by raw hash, not canonicalised


def raw_file(path: Any) -> list[dict[str, Any]]:
    with path.open("rb") as stream:
        return [fields for _, fields in FeedReader(stream).raw_items()]
