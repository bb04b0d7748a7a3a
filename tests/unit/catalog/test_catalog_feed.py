"""Feed reader: RSS 2.0 and Atom, g: namespace and plain names, every field, per-item errors, document
errors, flat memory (items cleared), XXE refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_vtex.catalog.feed import FeedError, FeedReader, build_item
from tiktok_vtex.catalog.markup import clean_description
from tiktok_vtex.catalog.models import FeedItem, FeedItemError
from tiktok_vtex.catalog.sources import FetchPolicy, open_feed

FULL_ITEM = """
<g:id>880408</g:id>
<g:title>Vestido Midi &amp; Cinto</g:title>
<g:description>&lt;p&gt;Tecido &lt;b&gt;leve&lt;/b&gt;&amp;nbsp;e fresco&lt;/p&gt;
&lt;script&gt;alert(1)&lt;/script&gt;</g:description>
<g:link>https://loja.example.com.br/vestido-midi/p</g:link>
<g:image_link>https://img.example.com.br/880408-1.jpg</g:image_link>
<g:additional_image_link>https://img.example.com.br/880408-2.jpg</g:additional_image_link>
<g:additional_image_link>https://img.example.com.br/880408-3.jpg</g:additional_image_link>
<g:price>1.299,90 BRL</g:price>
<g:sale_price>R$ 999,90</g:sale_price>
<g:sale_price_effective_date>2026-11-27T00:00-03:00/2026-11-30T23:59-03:00</g:sale_price_effective_date>
<g:availability>in stock</g:availability>
<g:brand>Brisa Carioca</g:brand>
<g:gtin>7891234567895</g:gtin>
<g:mpn>VM-880408</g:mpn>
<g:condition>new</g:condition>
<g:google_product_category>2271</g:google_product_category>
<g:product_type>Moda &gt; Roupas Femininas &gt; Vestidos</g:product_type>
<g:item_group_id>1001</g:item_group_id>
<g:color>Azul</g:color>
<g:size>M</g:size>
<g:gender>female</g:gender>
<g:age_group>adult</g:age_group>
<g:material>Linho</g:material>
<g:pattern>Liso</g:pattern>
<g:shipping_weight>450 g</g:shipping_weight>
<g:product_length>30 cm</g:product_length>
<g:product_width>20 cm</g:product_width>
<g:product_height>5 cm</g:product_height>
<g:custom_label_0>verao</g:custom_label_0>
<g:custom_label_4>liquidacao</g:custom_label_4>
<g:shipping><g:country>BR</g:country><g:price>10.00 BRL</g:price></g:shipping>
"""


def rss(*items: str, ns: bool = True) -> bytes:
    declared = ' xmlns:g="http://base.google.com/ns/1.0"' if ns else ""
    body = "".join(f"<item>{i}</item>" for i in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"{declared}><channel><title>Loja</title>'
            f"<link>https://loja.example.com.br</link>{body}</channel></rss>").encode()


def atom(*entries: str) -> bytes:
    body = "".join(f"<entry>{e}</entry>" for e in entries)
    return ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:g="http://base.google.com/ns/1.0"><title>Loja</title>{body}</feed>').encode()


def records(data: bytes) -> list[FeedItem | FeedItemError]:
    return list(FeedReader(data))


def test_rss_item_with_every_field() -> None:
    reader = FeedReader(rss(FULL_ITEM))
    [item] = list(reader)
    assert isinstance(item, FeedItem)
    assert reader.stats.format == "rss"
    assert item.id == "880408" and item.title == "Vestido Midi & Cinto"
    assert item.description == "<p>Tecido <b>leve</b> e fresco</p>"
    assert item.link == "https://loja.example.com.br/vestido-midi/p"
    assert item.images == tuple(f"https://img.example.com.br/880408-{n}.jpg" for n in (1, 2, 3))
    assert item.price.amount == Decimal("1299.90") and item.sale_price and item.sale_price.amount == Decimal("999.90")
    assert item.sale_price_effective_from and item.sale_price_effective_from.utcoffset().total_seconds() == -3 * 3600
    assert item.availability == "in_stock" and item.condition == "new"
    assert (item.brand, item.gtin, item.mpn) == ("Brisa Carioca", "7891234567895", "VM-880408")
    assert item.google_product_category == "2271"
    assert item.product_type == "Moda > Roupas Femininas > Vestidos"
    assert (item.item_group_id, item.color, item.size, item.gender, item.age_group) == (
        "1001", "Azul", "M", "female", "adult")
    assert (item.material, item.pattern) == ("Linho", "Liso")
    assert item.shipping_weight_kg == Decimal("0.450")
    assert (item.product_length_cm, item.product_width_cm, item.product_height_cm) == (
        Decimal("30.0"), Decimal("20.0"), Decimal("5.0"))
    assert item.custom_labels == {"custom_label_0": "verao", "custom_label_4": "liquidacao"}
    assert item.warnings == ()
    assert item.group_key == "1001"


def test_sale_price_applies_only_within_its_dates() -> None:
    [item] = records(rss(FULL_ITEM))
    assert isinstance(item, FeedItem)
    assert item.selling_price(datetime(2026, 11, 28, tzinfo=UTC)).amount == Decimal("999.90")
    assert item.selling_price(datetime(2026, 12, 2, tzinfo=UTC)).amount == Decimal("1299.90")
    assert item.selling_price(datetime(2026, 11, 1, tzinfo=UTC)).amount == Decimal("1299.90")


def test_plain_names_without_namespace_read_the_same() -> None:
    plain = FULL_ITEM.replace("<g:", "<").replace("</g:", "</")
    [with_ns] = records(rss(FULL_ITEM))
    [without] = records(rss(plain, ns=False))
    assert isinstance(without, FeedItem)
    assert without.model_dump() == with_ns.model_dump()


def test_g_namespace_wins_over_the_plain_rss_field() -> None:
    [item] = records(rss("<title>Canal</title><g:title>Produto</g:title><g:id>1</g:id><g:price>10 BRL</g:price>"))
    assert isinstance(item, FeedItem) and item.title == "Produto"
    [item] = records(rss("<g:title>Produto</g:title><title>Canal</title><g:id>1</g:id><g:price>10 BRL</g:price>"))
    assert isinstance(item, FeedItem) and item.title == "Produto"


def test_atom_entries() -> None:
    entry = ("<g:id>55</g:id><title>Toalha de Banho</title><link rel=\"self\" href=\"https://x.example/self\"/>"
             "<link href=\"https://loja.example.com.br/toalha/p\"/><summary>Algodão egípcio</summary>"
             "<g:price>89.90 BRL</g:price><g:image_link>https://img.example.com.br/55.jpg</g:image_link>")
    reader = FeedReader(atom(entry))
    [item] = list(reader)
    assert reader.stats.format == "atom"
    assert isinstance(item, FeedItem)
    assert (item.id, item.title, item.link) == ("55", "Toalha de Banho", "https://loja.example.com.br/toalha/p")
    assert item.description == "<p>Algodão egípcio</p>"


def test_bad_items_are_reported_and_the_rest_continues() -> None:
    good = "<g:id>{}</g:id><g:title>Ok</g:title><g:price>10 BRL</g:price>"
    data = rss(
        good.format(1),
        "<g:title>Sem id</g:title><g:price>10 BRL</g:price>",
        "<g:id>3</g:id><g:price>10 BRL</g:price>",
        "<g:id>4</g:id><g:title>Sem preço</g:title>",
        "<g:id>5</g:id><g:title>Preço ruim</g:title><g:price>dez reais</g:price>",
        "<g:id>6</g:id><g:title>Promo ruim</g:title><g:price>10 BRL</g:price><g:sale_price>1.2.3,4</g:sale_price>",
        good.format(1),
        good.format(7),
    )
    reader = FeedReader(data)
    out = list(reader)
    assert [type(r).__name__ for r in out] == ["FeedItem"] + ["FeedItemError"] * 6 + ["FeedItem"]
    errors = [r for r in out if isinstance(r, FeedItemError)]
    assert [(e.position, e.item_id, e.problems[0].field) for e in errors] == [
        (2, None, "id"), (3, "3", "title"), (4, "4", "price"), (5, "5", "price"), (6, "6", "sale_price"),
        (7, "1", "id")]
    assert "duplicate" in errors[-1].reason
    assert (reader.stats.items, reader.stats.errors) == (2, 6)


def test_optional_fields_that_do_not_parse_are_dropped_with_a_warning() -> None:
    [item] = records(rss(
        "<g:id>1</g:id><g:title>T</g:title><g:price>10 BRL</g:price><g:gtin>7891234567890</g:gtin>"
        "<g:shipping_weight>pesado</g:shipping_weight><g:image_link>ftp://x/y.jpg</g:image_link>"
        "<g:availability>talvez</g:availability><g:sale_price_effective_date>amanhã</g:sale_price_effective_date>"
        "<g:additional_image_link>https://ok.example/a.jpg,nope</g:additional_image_link>"))
    assert isinstance(item, FeedItem)
    assert item.gtin is None and item.shipping_weight_kg is None and item.image_link is None
    assert item.availability is None and item.additional_image_links == ("https://ok.example/a.jpg",)
    assert {w.field for w in item.warnings} == {
        "gtin", "shipping_weight", "image_link", "availability", "sale_price_effective_date", "additional_image_link"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"not xml at all", "not well-formed"),
        (b"<html><body><item>x</item></body></html>", "not an RSS 2.0 or Atom feed"),
        (b"<html><body>no feed</body></html>", "not an RSS 2.0 or Atom feed"),
        (b'<rss version="2.0"><channel><title>x</title></channel></rss>', "no items"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "no items"),
    ],
)
def test_document_errors(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        records(data)


def test_truncated_feed_raises_after_the_items_before_the_break() -> None:
    data = rss("<g:id>1</g:id><g:title>A</g:title><g:price>1 BRL</g:price>",
               "<g:id>2</g:id><g:title>B</g:title><g:price>1 BRL</g:price>")[:-60]
    seen = []
    with pytest.raises(FeedError, match="not well-formed XML after 1 items"):
        for record in FeedReader(data):
            seen.append(record)
    assert [r.id for r in seen if isinstance(r, FeedItem)] == ["1"]


def test_external_entities_are_never_resolved(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id>'
            "<g:title>A &x; B</g:title><g:price>1 BRL</g:price></item></channel></rss>").encode()
    out = records(data)
    assert all("TOP-SECRET" not in r.model_dump_json() for r in out)


def test_items_are_cleared_as_they_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """When an item is read, the items before it are gone from the tree (flat memory whatever the size)."""
    from tiktok_vtex.catalog import feed as feed_module

    read = feed_module._read_fields
    preceding: list[int] = []

    def spy(element, cache):  # type: ignore[no-untyped-def]
        preceding.append(sum(1 for _ in element.itersiblings(preceding=True)))
        assert len(element) == 3 or not element.text  # the item itself is intact when read
        return read(element, cache)

    monkeypatch.setattr(feed_module, "_read_fields", spy)
    data = rss(*(f"<g:id>{n}</g:id><g:title>T{n}</g:title><g:price>1 BRL</g:price>" for n in range(2000)))
    reader = FeedReader(data)
    assert sum(1 for _ in reader) == 2000
    assert max(preceding) <= 2  # the channel's <title> and <link> only
    assert reader.stats.items == 2000


def test_gzip_feed_through_open_feed() -> None:
    data = gzip.compress(rss("<g:id>1</g:id><g:title>A</g:title><g:price>1 BRL</g:price>"))
    with open_feed(data, FetchPolicy()) as stream:
        [item] = list(FeedReader(stream))
    assert isinstance(item, FeedItem) and item.id == "1"


def test_inline_text_source() -> None:
    with open_feed(rss("<g:id>9</g:id><g:title>A</g:title><g:price>1 BRL</g:price>").decode(), FetchPolicy()) as s:
        assert [r.id for r in FeedReader(s) if isinstance(r, FeedItem)] == ["9"]


def test_build_item_never_raises_on_odd_values() -> None:
    out = build_item({"id": "x" * 51, "title": "t", "price": "1 BRL"}, 1)
    assert isinstance(out, FeedItemError) and "50 characters" in out.reason


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_description_becomes_safe_markup(text: str) -> None:
    cleaned = clean_description(text)
    assert "<script" not in cleaned.lower() and "<style" not in cleaned.lower()
    assert len(cleaned) <= 10_000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "id": st.text(min_size=0, max_size=8), "title": st.text(max_size=20), "price": st.text(max_size=12)}),
    max_size=8))
def test_any_item_text_yields_an_item_or_an_error(items: list[dict[str, str]]) -> None:
    from xml.sax.saxutils import escape
    def clean(s: str) -> str:
        return escape("".join(c for c in s if c.isprintable()))
    body = [f"<g:id>{clean(i['id'])}</g:id><g:title>{clean(i['title'])}</g:title><g:price>{clean(i['price'])}</g:price>"
            for i in items]
    if not body:
        return
    out = records(rss(*body))
    assert len(out) == len(items)
    assert [r.position for r in out] == list(range(1, len(items) + 1))
