"""Issue 17: the diff on the reader's raw items (the cheap pass: no validation of unchanged items)."""

from __future__ import annotations

from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog_updates.diff import ChangeKind, FeedDiff, Route, digest_items

HEAD = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'


def feed(*items: str) -> bytes:
    return (HEAD + "".join(f"<item>{i}</item>" for i in items) + "</channel></rss>").encode()


def raw(xml: bytes) -> list[dict]:
    return [fields for _, fields in FeedReader(xml).raw_items()]


def diff(old: bytes, new: bytes) -> dict[str, object]:
    differ = FeedDiff(digest_items(raw(old)))
    return {change.item_id: change for change in differ.compare(raw(new))}


OLD = feed(
    "<g:id>1</g:id><g:title>Camiseta  Azul</g:title><g:price>1.299,90 BRL</g:price>"
    "<g:availability>in stock</g:availability><g:shipping_weight>500 g</g:shipping_weight>"
    "<g:additional_image_link>https://img/a.jpg</g:additional_image_link>"
    "<g:additional_image_link>https://img/b.jpg</g:additional_image_link>",
    "<g:id>2</g:id><g:title>Bermuda</g:title><g:price>99.90 BRL</g:price><g:availability>in stock</g:availability>",
)


def test_other_spellings_of_the_same_values_are_unchanged() -> None:
    new = feed(
        "<g:id>1</g:id><g:title>Camiseta Azul </g:title><g:price>R$ 1.299,90</g:price>"
        "<g:availability>in_stock</g:availability><g:shipping_weight>0.5 kg</g:shipping_weight>"
        "<g:additional_image_link>https://img/b.jpg</g:additional_image_link>"
        "<g:additional_image_link>https://img/a.jpg</g:additional_image_link>",
        "<g:id>2</g:id><g:title>Bermuda</g:title><g:price>99,90 BRL</g:price><g:availability>In Stock</g:availability>",
    )
    assert {c.kind for c in diff(OLD, new).values()} == {ChangeKind.UNCHANGED}


def test_price_and_availability_changes_route_to_their_flows() -> None:
    new = feed(
        "<g:id>1</g:id><g:title>Camiseta Azul</g:title><g:price>1.199,90 BRL</g:price>"
        "<g:availability>in stock</g:availability><g:shipping_weight>500 g</g:shipping_weight>"
        "<g:additional_image_link>https://img/a.jpg</g:additional_image_link>"
        "<g:additional_image_link>https://img/b.jpg</g:additional_image_link>",
        "<g:id>2</g:id><g:title>Bermuda</g:title><g:price>99.90 BRL</g:price>"
        "<g:availability>out of stock</g:availability>",
        "<g:id>3</g:id><g:title>Boné</g:title><g:price>39.90 BRL</g:price>",
    )
    changes = diff(OLD, new)
    assert changes["1"].routes == {Route.PRICE} and changes["1"].changed_fields == {"price"}
    assert changes["2"].routes == {Route.STOCK}
    assert changes["3"].kind is ChangeKind.ADDED


def test_a_price_that_does_not_parse_is_compared_as_text() -> None:
    bad = feed("<g:id>2</g:id><g:title>Bermuda</g:title><g:price>dez reais</g:price>"
               "<g:availability>in stock</g:availability>")
    changes = diff(OLD, bad)
    assert changes["2"].changed_fields == {"price"} and changes["1"].kind is ChangeKind.REMOVED
