"""Issue 17: the old feed reduced to a hash of each item's bytes (RawFeedState.read_elements, compared with
FeedDiff.compare_elements) gives the diff the canonical path gives.

The feed pairs are XML, written from test_raw_state's generated items and edits with a style per feed:
the `g:` namespace under another prefix or as a default namespace, indentation between children, attributes
in another order (or another value on an attribute the reader ignores), entities and CDATA for the same
text, an extra namespace declared at the root; and item shapes whose key is not certain from one look
(two g:id, an empty g:id next to a plain id, a plain or empty item_group_id). Whatever the bytes, the
changes and the summary equal those of `digest_items` on the reader's raw items, item for item (an
UNCHANGED item found by its bytes carries no stored fingerprint, as on the raw-texts path)."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.catalog_updates.test_raw_state import EDITS, base_items, edited
from tiktok_vtex.catalog.feed import FeedError, FeedReader, item_fields, item_fields_from_bytes
from tiktok_vtex.catalog_updates import diff as diff_module
from tiktok_vtex.catalog_updates import raw_state as raw_state_module
from tiktok_vtex.catalog_updates.diff import ChangeKind, FeedDiff, ItemChange, digest_items
from tiktok_vtex.catalog_updates.elements import item_bytes, item_key
from tiktok_vtex.catalog_updates.raw_state import RawFeedState

G_NS = "http://base.google.com/ns/1.0"

styles = st.fixed_dictionaries({
    "prefix": st.sampled_from(["g", "g", "google", ""]),  # "": each child declares G as its default namespace
    "indent": st.sampled_from(["", "\n    "]),
    "link_attrs": st.sampled_from(["href_first", "rel_first"]),
    "title_lang": st.sampled_from([None, "pt", "en"]),  # an attribute the reader does not read
    "entities": st.booleans(),       # non-ASCII text as character references
    "cdata": st.booleans(),          # the description as CDATA
    "extra_root_ns": st.booleans(),  # another namespace declared at the root (in scope for every item)
    "empty_as_element": st.booleans(),  # a None value as an empty element (else left out)
})
# Item shapes whose id / group cannot be read from one look (the reader's own rules decide).
ODD_SHAPES = ["plain", "plain", "plain", "plain", "two_ids", "empty_id_then_plain", "plain_group",
              "two_groups", "empty_group_then_plain"]


def xml_chars(value: str) -> str:
    """The generated text without the characters XML 1.0 cannot hold (a feed with them is not XML)."""
    return "".join(c for c in value if c in "\t\n\r" or (" " <= c < "\ud800" or "\ue000" <= c < "\ufffe"
                                                        or c >= "\U00010000"))


def text(value: str, style: dict[str, Any]) -> str:
    escaped = escape(xml_chars(value))
    if style["entities"]:
        escaped = "".join(c if c.isascii() else f"&#{ord(c)};" for c in escaped)
    return escaped


def child(name: str, value: str | None, style: dict[str, Any], attrs: str = "") -> str:
    prefix = style["prefix"]
    tag = f"{prefix}:{name}" if prefix else name
    declared = f' xmlns="{G_NS}"' if not prefix else ""
    if value is None:
        return f"<{tag}{declared}{attrs}/>" if style["empty_as_element"] else ""
    if name == "description" and style["cdata"] and "]]>" not in value:
        body = f"<![CDATA[{xml_chars(value)}]]>"
    else:
        body = text(value, style)
    return f"<{tag}{declared}{attrs}>{body}</{tag}>"


def render(item: dict[str, Any], style: dict[str, Any], shape: str) -> str:
    parts: list[str] = []
    if shape == "two_ids":
        parts.append(child("id", "OTHER", style))  # the reader takes the last g:id
    if shape == "empty_id_then_plain":
        parts.append(child("id", None, {**style, "empty_as_element": True}))
    for name, value in item.items():
        if name == "position":
            continue
        if name == "id" and shape == "empty_id_then_plain":
            parts.append(f"<id>{text(value, style)}</id>")  # the plain id takes over from the empty g:id
            continue
        if name == "item_group_id" and shape in ("plain_group", "empty_group_then_plain") and value is not None:
            if shape == "empty_group_then_plain":
                parts.append(child("item_group_id", None, {**style, "empty_as_element": True}))
            parts.append(f"<item_group_id>{text(value, style)}</item_group_id>")
            continue
        if name == "item_group_id" and shape == "two_groups" and value is not None:
            parts.append(child("item_group_id", "G9", style))
        if name == "additional_image_link":
            parts.extend(child(name, v, style) for v in value)
            continue
        attrs = f" lang={quoteattr(style['title_lang'])}" if name == "title" and style["title_lang"] else ""
        parts.append(child(name, value, style, attrs))
    href = f"https://loja/{escape(str(item.get('id', '')).strip())}"
    parts.append(f'<link href="{href}" rel="alternate"/>' if style["link_attrs"] == "href_first"
                 else f'<link rel="alternate" href="{href}"/>')
    indent = style["indent"]
    return f"<item>{indent}{indent.join(parts)}</item>"


def feed(items: list[tuple[dict[str, Any], str]], style: dict[str, Any]) -> bytes:
    declared = f' xmlns:g="{G_NS}"'
    if style["prefix"] == "google":
        declared += f' xmlns:google="{G_NS}"'
    if style["extra_root_ns"]:
        declared += ' xmlns:x="urn:example:other"'
    body = "\n".join(render(item, style, shape) for item, shape in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"{declared}><channel><title>Loja</title>'
            f"{body}</channel></rss>").encode()


def raw(xml: bytes) -> list[dict[str, Any]]:
    return [fields for _, fields in FeedReader(xml).raw_items()]


def elements(xml: bytes) -> Any:
    return (element for _, element in FeedReader(xml).raw_elements())


def normalised(changes: list[ItemChange]) -> list[ItemChange]:
    return [c._replace(stored=None) if c.kind is ChangeKind.UNCHANGED else c for c in changes]


def both_paths(old: bytes, new: bytes) -> tuple[list[ItemChange], FeedDiff]:
    canonical = FeedDiff(digest_items(raw(old)))
    try:
        expected = list(canonical.compare(raw(new)))
    except FeedError as error:  # a new feed with no item left: the same document error on the bytes path
        message = re.escape(str(error))
        with RawFeedState.read_elements(elements(old)) as previous, pytest.raises(FeedError, match=message):
            list(FeedDiff(previous).compare_elements(elements(new)))
        return [], canonical
    with RawFeedState.read_elements(elements(old)) as previous:
        fast = FeedDiff(previous)
        got = list(fast.compare_elements(elements(new)))
    assert normalised(got) == normalised(expected)
    assert fast.summary == canonical.summary
    return got, fast


shaped_items = st.tuples(base_items, st.sampled_from(ODD_SHAPES))
pairs = st.tuples(
    st.lists(st.tuples(shaped_items, st.sampled_from(EDITS)), min_size=1, max_size=10),
    st.lists(shaped_items, max_size=3), styles, st.booleans(), styles)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_the_bytes_path_gives_the_canonical_diff(generated: Any) -> None:
    planned, added, old_style, same_style, other_style = generated
    new_style = old_style if same_style else other_style  # the same style: the bytes fast path is taken
    old = [(item, shape) for (item, shape), _ in planned]
    new = [(changed, shape) for (item, shape), edit in planned for changed in edited(item, edit)] + added
    both_paths(feed(old, old_style), feed(new, new_style))


@settings(max_examples=100, deadline=None)
@given(st.lists(shaped_items, min_size=1, max_size=10), styles, styles)
def test_whitespace_number_format_attribute_order_and_prefix_changes_only_are_unchanged(
        items: list[tuple[dict[str, Any], str]], old_style: dict[str, Any], new_style: dict[str, Any]) -> None:
    respelled = [(new, shape) for item, shape in items
                 for new in edited(edited(edited(item, "spaces")[0], "price_format")[0], "weight_units")]
    changes, _ = both_paths(feed(items, old_style), feed(respelled, new_style))
    assert {c.kind for c in changes} <= {ChangeKind.UNCHANGED}


PLAIN_STYLE = {"prefix": "g", "indent": "", "link_attrs": "href_first", "title_lang": None, "entities": False,
               "cdata": False, "extra_root_ns": False, "empty_as_element": False}
ITEM = {"id": "7", "title": "Camiseta Azul", "price": "1299.90 BRL", "availability": "in stock",
        "item_group_id": "G1", "shipping_weight": "500 g", "additional_image_link": ["https://img/1.jpg"]}


@pytest.mark.parametrize(("change", "style"), [
    ("whitespace inside a text", {}),
    ("indentation between children", {"indent": "\n  "}),
    ("attribute order", {"link_attrs": "rel_first"}),
    ("an attribute the reader ignores", {"title_lang": "pt"}),
    ("another prefix", {"prefix": "google"}),
    ("a default namespace per child", {"prefix": ""}),
    ("character references and CDATA", {"entities": True, "cdata": True}),
    ("another namespace in scope", {"extra_root_ns": True}),
    ("number format", {}),
])
def test_each_respelling_alone_is_unchanged(change: str, style: dict[str, Any]) -> None:
    old_item = {**ITEM, "title": "Camisão Azul", "description": "leve & fresco"}
    new_item = dict(old_item)
    if change == "whitespace inside a text":
        new_item["title"] = "  Camisão   Azul "
    if change == "number format":
        new_item["price"], new_item["shipping_weight"] = "R$ 1.299,90", "0.5 kg"
    old, new = feed([(old_item, "plain")], PLAIN_STYLE), feed([(new_item, "plain")], {**PLAIN_STYLE, **style})
    changes, differ = both_paths(old, new)
    assert [c.kind for c in changes] == [ChangeKind.UNCHANGED]
    assert differ.summary.counts["unchanged"] == 1


def test_equal_bytes_skip_reading_the_item_and_other_bytes_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the bytes path: an item whose bytes are the old item's is never read into a dict, on
    either side; the others are read once (and their old item read back from its bytes)."""
    items = [({**ITEM, "id": str(n), "title": f"Item {n}"}, "plain") for n in range(50)]
    new = [*items[:47], ({**items[47][0], "price": "R$ 1.299,90"}, "plain"),  # respelled: unchanged
           ({**items[48][0], "title": "outro"}, "plain"), (items[49][0], "two_ids")]
    read: list[str] = []

    def counting(element: Any) -> dict[str, Any]:
        fields = item_fields(element)
        read.append(str(fields.get("id")))
        return fields

    monkeypatch.setattr(diff_module, "item_fields", counting)
    monkeypatch.setattr(raw_state_module, "item_fields", counting)
    old_xml, new_xml = feed(items, PLAIN_STYLE), feed(new, PLAIN_STYLE)
    changes, _ = both_paths(old_xml, new_xml)
    read.clear()
    with RawFeedState.read_elements(elements(old_xml)) as previous:
        assert read == []
        list(FeedDiff(previous).compare_elements(elements(new_xml)))
    assert sorted(read) == ["47", "48", "49"]
    kinds = {c.item_id: c.kind for c in changes}
    assert kinds["47"] is ChangeKind.UNCHANGED and kinds["48"] is ChangeKind.CHANGED
    # another g:id before its own: the reader takes the last, so the same fields (read: the key is not certain)
    assert kinds["49"] is ChangeKind.UNCHANGED


def test_duplicates_removed_added_and_a_moved_item_on_the_bytes_path() -> None:
    a, b, c = ({**ITEM, "id": n} for n in ("A", "B", "C"))
    old = feed([(a, "plain"), (b, "plain"), ({**a, "title": "first A wins"}, "plain"), (c, "plain")], PLAIN_STYLE)
    new = feed([(a, "plain"), (a, "plain"), ({**b, "item_group_id": "G2"}, "plain"),
                ({**ITEM, "id": "D"}, "plain")], PLAIN_STYLE)
    changes, differ = both_paths(old, new)
    kinds = {ch.item_id: ch.kind for ch in changes}
    assert kinds == {"A": ChangeKind.UNCHANGED, "B": ChangeKind.CHANGED, "C": ChangeKind.REMOVED,
                     "D": ChangeKind.ADDED}
    assert differ.summary.duplicates == ["A"]
    moved = next(ch for ch in changes if ch.item_id == "B")
    assert moved.previous_group_id == "G1" and moved.group_id == "G2"
    assert next(ch for ch in changes if ch.item_id == "A").group_id == "G1"


def test_item_bytes_read_back_give_the_items_fields_and_the_key_is_the_readers() -> None:
    xml = feed([(ITEM, "plain"), (ITEM, "two_ids"), (ITEM, "empty_id_then_plain"), (ITEM, "plain_group"),
                ({**ITEM, "item_group_id": None}, "plain")], {**PLAIN_STYLE, "prefix": "google", "indent": "\n"})
    keys = []
    for _, element in FeedReader(xml).raw_elements():
        data = item_bytes(element)
        assert item_fields_from_bytes(data) == item_fields(element)
        assert item_bytes(next(e for _, e in FeedReader(feed_of(data)).raw_elements())) == data
        keys.append(item_key(element))
    assert keys == [("7", "G1"), None, None, None, ("7", None)]


def feed_of(item: bytes) -> bytes:
    return b'<rss version="2.0"><channel>' + item + b"</channel></rss>"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"not xml at all", "not well-formed"),
    (b"<html><body><item>x</item></body></html>", "not an RSS 2.0 or Atom feed"),
    (b'<rss version="2.0"><channel><title>x</title></channel></rss>', "no items"),
])
def test_raw_elements_reports_document_errors_as_raw_items_does(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        list(FeedReader(data).raw_elements())
    with pytest.raises(FeedError, match=message):
        RawFeedState.read_elements(elements(data))


def test_a_truncated_new_feed_stops_the_diff_after_the_items_before_the_break() -> None:
    good = feed([(ITEM, "plain"), ({**ITEM, "id": "8"}, "plain")], PLAIN_STYLE)
    with RawFeedState.read_elements(elements(good)) as previous:
        differ = FeedDiff(previous)
        seen = []
        with pytest.raises(FeedError, match="not well-formed XML after 1 items"):
            for change in differ.compare_elements(elements(good[:-60])):
                seen.append(change)
    assert [c.item_id for c in seen] == ["7"]


def test_a_feed_with_a_doctype_and_entity_references_is_compared_exactly() -> None:
    """Entities are never resolved, so a feed with a DOCTYPE can keep entity references in its items: their
    bytes would not parse alone (the old item could not be read back), so such an old feed is fingerprinted."""
    def with_doctype(xml: bytes) -> bytes:
        return xml.replace(b"<rss ", b'<!DOCTYPE rss [<!ENTITY x "interno">]><rss ', 1)

    kept = ({**ITEM, "id": "8", "title": "C &x;"}, "plain")
    old_items = [({**ITEM, "title": "A &x; B"}, "plain"), kept]
    new_items = [({**ITEM, "title": "A &x; B", "price": "9.90 BRL"}, "plain"), kept]
    old = with_doctype(feed(old_items, PLAIN_STYLE).replace(b"&amp;x;", b"&x;"))
    new = feed(new_items, PLAIN_STYLE).replace(b"&amp;x;", b"&x;")
    for new_feed in (with_doctype(new), new.replace(b"&x;", b"")):
        changes, _ = both_paths(old, new_feed)
        assert {c.item_id: c.kind for c in changes}["7"] is ChangeKind.CHANGED
    changes, _ = both_paths(old, with_doctype(new))
    assert {c.item_id: c.kind for c in changes}["8"] is ChangeKind.UNCHANGED
