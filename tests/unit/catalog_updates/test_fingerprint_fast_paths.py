"""Issue 17: the fingerprint's fast canonical forms of prices and weights (no Decimal) agree with the full
parsers on every text, and an unchanged item of the new feed gets its stored fingerprint back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_vtex.catalog_updates import fingerprint
from tiktok_vtex.catalog_updates.diff import FeedDiff, digest_items
from tiktok_vtex.catalog_updates.fingerprint import Fingerprinter

digits = st.text(alphabet="0123456789", min_size=1, max_size=9)
grouped = st.builds(lambda head, groups: head + "".join("." + g for g in groups),
                    st.text(alphabet="0123456789", min_size=1, max_size=3),
                    st.lists(st.text(alphabet="0123456789", min_size=3, max_size=3), max_size=3))
cents = st.text(alphabet="0123456789", min_size=2, max_size=2)
price_like = st.one_of(
    st.builds(lambda w, c: f"{w}.{c} BRL", digits, cents),
    st.builds(lambda w, c: f"{w},{c} BRL", st.one_of(digits, grouped), cents),
    st.builds(lambda w, c, sp: f"R${sp}{w},{c}", st.one_of(digits, grouped), cents, st.sampled_from(["", " "])),
    st.text(alphabet="0123456789.,R$ BLkg", max_size=14),  # near misses: the full parser decides
)
weight_like = st.one_of(
    st.builds(lambda n, unit: f"{n} {unit}", digits, st.sampled_from(["g", "kg", "cm", "G"])),
    st.text(alphabet="0123456789., gk", max_size=10),
)


@settings(max_examples=400, deadline=None)
@given(price_like)
def test_the_fast_price_form_is_the_full_parsers(text: str) -> None:
    assert fingerprint._price(text) == fingerprint._slow_price.__wrapped__(text)


@settings(max_examples=300, deadline=None)
@given(weight_like)
def test_the_fast_weight_form_is_the_full_parsers(text: str) -> None:
    assert fingerprint._weight(text) == fingerprint._slow_weight.__wrapped__(text)


def test_fast_forms_of_the_benchmark_spellings() -> None:
    assert fingerprint._price("1299.90 BRL") == fingerprint._price("1.299,90 BRL") == "1299.9 BRL"
    assert fingerprint._price("R$ 1.299,90") == fingerprint._price("R$1299,90") == "1299.9 BRL"
    assert fingerprint._price("R$ 1.299,90 BRL") == "R$ 1.299,90 BRL"  # two currencies: compared as text
    assert fingerprint._weight("1500 g") == fingerprint._weight("1.5 kg") == "1.5 kg"
    assert fingerprint._weight("0 g") == "0 g"  # refused by the parser (not > 0): compared as text


def test_an_unchanged_item_gets_its_stored_fingerprint_and_a_changed_one_a_new_one() -> None:
    old = [{"id": "A", "title": "Camiseta", "price": "49.90 BRL", "additional_image_link": ["https://i/1.jpg"]},
           {"id": "B", "title": "Bermuda", "price": "R$ 59,90"}]
    state = digest_items(old)
    new = [{"id": "A", "title": " Camiseta ", "price": "49,90 BRL", "additional_image_link": ["https://i/1.jpg"]},
           {"id": "B", "title": "Bermuda", "price": "R$ 69,90"}]
    changes = {c.item_id: c for c in FeedDiff(state).compare(new)}
    assert changes["A"].stored is state["A"]
    assert changes["B"].stored is not state["B"] and changes["B"].changed_fields == {"price"}
    assert Fingerprinter()(new[1]) == ("B", changes["B"].stored)  # what a full fingerprint of it gives


def test_raw_digest_shortcut_and_records_without_it() -> None:
    item = {"id": "A", "title": "Camiseta", "price": "49.90 BRL", "additional_image_link": ["https://i/1.jpg"]}
    [(_, stored)] = digest_items([item]).items()
    assert len(stored.raw_digest) == 16
    assert Fingerprinter()(dict(item), {"A": stored}) == ("A", stored)
    # a state written before raw digests existed: the canonical digest still finds the item unchanged
    record = {k: v for k, v in stored.as_record().items() if k != "raw_digest"}
    legacy = type(stored).from_record(record)
    assert legacy.raw_digest == b"" and Fingerprinter()(dict(item), {"A": legacy})[1] is legacy
    # a text holding the field separator never takes the shortcut (the canonical digest decides)
    forged = {**item, "title": "Camiseta\x00"}
    assert Fingerprinter()(forged)[1].raw_digest == b""
