"""The diff's fast path on the reader's raw items (`FeedReader.raw_items`: tag -> text): one canonical text
per field, a 32-bit CRC per field and one 128-bit digest per item.

Built for the 100,000-item feed (issue 17's benchmark: within 1.5x of a plain lxml parse, under 150 MB):
no per-field objects are kept, only a packed array of CRCs per item and the item digest. The item digest
decides changed / unchanged (128 bits: collisions are not a concern); the CRCs only say *which* fields
changed, and a CRC collision (1 in 4 billion per changed field) is caught because the item digest still
differs: such an item is reported with every field changed (a full edit), never as unchanged.

Canonical text: whitespace collapsed, NFC; prices, weights and dimensions parsed so their spellings do not
count ("1.299,90 BRL" = "R$ 1.299,90"), availability without case, spaces or underscores, additional
images as a set. A value a parser refuses is compared as text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any

from tiktok_vtex.catalog.grouping import raw_group_key
from tiktok_vtex.catalog.prices import parse_length_cm, parse_price, parse_weight_kg

IGNORED_FIELDS = frozenset({"position", "warnings"})
UNORDERED_FIELDS = frozenset({"additional_image_link", "additional_image_links"})
ID_FIELD = "id"


def canonical_text(value: str | None) -> str:
    if not value:
        return ""
    text = " ".join(value.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# The three spellings generated feeds use ("1299.90 BRL", "1.299,90 BRL", "R$ 1.299,90") and integral grams /
# kilograms are canonicalised without Decimal: most prices and weights of a large feed are distinct, so a
# cache misses and the full parser (Decimal, quantize) was the largest cost of the fingerprint. Anything
# else takes the full parser; tests check both paths agree on every spelling the fast one accepts.
_FAST_PRICE = re.compile(r"(\d+)\.(\d\d) BRL"
                         r"|(\d{1,3}(?:\.\d{3})+|\d+),(\d\d) BRL"
                         r"|R\$ ?(\d{1,3}(?:\.\d{3})+|\d+),(\d\d)")
_FAST_WEIGHT = re.compile(r"(\d{1,9}) (k?g)")


def _decimal_text(whole: int, fraction: str) -> str:
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else str(whole)


@lru_cache(maxsize=8192)
def _slow_price(text: str) -> str:
    try:
        money = parse_price(text)
    except ValueError:  # PriceError, and whatever else a parser refuses with
        return canonical_text(text)
    return f"{_number(money.amount)} {money.currency}"


def _price(text: str) -> str:
    match = _FAST_PRICE.fullmatch(text)
    if match is None:
        return _slow_price(text)
    last = match.lastindex or 2  # each alternative ends with its (whole, cents) pair of groups
    whole, fraction = match.group(last - 1, last)
    return f"{_decimal_text(int(whole.replace('.', '')), fraction)} BRL"


@lru_cache(maxsize=4096)
def _slow_weight(text: str) -> str:
    try:
        return f"{_number(parse_weight_kg(text))} kg"
    except ValueError:  # PriceError, and whatever else a parser refuses with
        return canonical_text(text)


def _weight(text: str) -> str:
    match = _FAST_WEIGHT.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        return _slow_weight(text)
    number = int(match.group(1))
    if match.group(2) == "kg":
        return f"{number} kg"
    kilos, grams = divmod(number, 1000)
    return f"{_decimal_text(kilos, f'{grams:03d}')} kg"


@lru_cache(maxsize=4096)
def _length(text: str) -> str:
    try:
        return f"{_number(parse_length_cm(text))} cm"
    except ValueError:  # PriceError, and whatever else a parser refuses with
        return canonical_text(text)


@lru_cache(maxsize=64)
def _availability(text: str) -> str:
    return "".join(text.lower().replace("_", " ").split())


PARSED: Mapping[str, Callable[[str], str]] = {
    "price": _price, "sale_price": _price, "shipping_weight": _weight, "product_length": _length,
    "product_width": _length, "product_height": _length, "availability": _availability,
}


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the state keeps of an item: its group, its digest, and a CRC per field (names shared)."""

    group_id: str
    digest: bytes               # 16 bytes
    names: tuple[str, ...]      # sorted field names (the same tuple object for items of the same shape)
    crcs: bytes                 # array('I') of one CRC32 per name, packed
    raw_digest: bytes = b""     # 16 bytes over the field texts as read (before canonicalisation), or empty

    def field_crcs(self) -> dict[str, int]:
        return dict(zip(self.names, array("I", self.crcs), strict=True))

    def changed_fields(self, other: Fingerprint) -> frozenset[str]:
        mine, theirs = self.field_crcs(), other.field_crcs()
        changed = frozenset(n for n in mine.keys() | theirs.keys() if mine.get(n) != theirs.get(n))
        if not changed and self.digest != other.digest:  # a CRC collision: say everything changed
            return frozenset(mine.keys() | theirs.keys())
        return changed

    def as_record(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "digest": self.digest.hex(), "names": list(self.names),
                "crcs": self.crcs.hex(), "raw_digest": self.raw_digest.hex()}

    @classmethod
    def from_record(cls, record: Mapping[str, Any], shapes: dict[tuple[str, ...], tuple[str, ...]] | None = None
                    ) -> Fingerprint:
        names = tuple(str(n) for n in record["names"])
        if shapes is not None:
            names = shapes.setdefault(names, names)
        return cls(str(record["group_id"]), bytes.fromhex(str(record["digest"])), names,
                   bytes.fromhex(str(record["crcs"])), bytes.fromhex(str(record.get("raw_digest") or "")))


_FIELD = "\x00"   # between fields of an item while it is canonicalised (not whitespace for str.split)
_VALUE = "\x01"   # between values of a repeated field


def _joined(name: str, values: list[Any]) -> str:
    texts = [t for t in map(canonical_text, values) if t]
    if name in UNORDERED_FIELDS:
        texts.sort()
    return _VALUE.join(texts)


def _other(name: str, value: Any) -> str:
    """A value that is not one text: a repeated field's list, an empty element's None."""
    if isinstance(value, list):
        return _joined(name, value)
    return "" if value is None else str(value)


class _Plan:
    """How to canonicalise items of one shape (their field names in feed order): the names sorted, an
    itemgetter taking their values in that order, and the few values that need more than whitespace work
    (parsed fields, repeated fields)."""

    __slots__ = ("get", "header", "lists", "names", "special")

    def __init__(self, shape: tuple[str, ...]) -> None:
        self.names = sorted(n for n in shape if n not in IGNORED_FIELDS)
        self.get = itemgetter(*self.names) if self.names else (lambda raw: ())
        self.special = tuple((index, name, PARSED.get(name)) for index, name in enumerate(self.names)
                             if name in PARSED or name in UNORDERED_FIELDS)
        self.header = (_VALUE.join(self.names) + _FIELD).encode()
        self.lists = tuple(index for index, name in enumerate(self.names) if name in UNORDERED_FIELDS)


class Fingerprinter:
    """Fingerprints raw items; shares the names tuple between items of the same shape (memory).

    The hot loop works on the whole item at once (one join, one whitespace collapse, one NFC, one digest,
    CRCs through `map`) with a plan per item shape (sorted names, the parsed fields): per-field Python work
    is what made earlier versions 2-3x slower than the parse itself."""

    def __init__(self) -> None:
        self._shapes: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._plans: dict[tuple[str, ...], _Plan] = {}
        self._last: tuple[Mapping[str, Any], list[str], list[str]] | None = None  # for texts(), see there

    def _plan(self, raw: Mapping[str, Any]) -> tuple[_Plan, list[Any]]:
        shape = tuple(raw)
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = _Plan(shape)
        got = plan.get(raw)
        return plan, [got] if len(plan.names) == 1 else list(got)

    @staticmethod
    def _raw_digest(plan: _Plan, values: list[Any]) -> bytes:
        """A digest of the texts as read: equal raw digests mean equal inputs, hence equal canonical texts."""
        data = Fingerprinter._raw_bytes(plan, values)
        return hashlib.blake2b(data, digest_size=16).digest() if data else b""

    @staticmethod
    def _raw_bytes(plan: _Plan, values: list[Any]) -> bytes:
        """The item's texts as read, in one buffer that also names its fields (what the raw digest hashes);
        empty when the item cannot be written so (an empty element's None, a text holding a separator)."""
        whole = Fingerprinter._raw_text(plan, values.copy())
        return b"" if whole is None else plan.header + whole.encode()

    @staticmethod
    def _raw_text(plan: _Plan, texts: list[Any]) -> str | None:
        """The item's texts as read joined in `plan.names` order (one text per field, a repeated field's
        values joined), or None when that would not be unambiguous (`texts` is the caller's to reuse)."""
        separators = 0
        for index in plan.lists:  # the reader's repeated fields: a list of texts
            value = texts[index]
            if value.__class__ is list:
                texts[index] = _VALUE.join(value)
                separators += len(value) - 1 if value else 0
        try:
            whole = _FIELD.join(texts)
        except TypeError:  # an empty element (None), a list elsewhere: rare
            return None
        if whole.count(_FIELD) != len(texts) - 1 or whole.count(_VALUE) != separators:
            return None  # a text holds a separator (never XML 1.0 text): the canonical digest decides
        return whole

    def _canonical(self, raw: Mapping[str, Any], planned: tuple[_Plan, list[Any]] | None = None
                   ) -> tuple[list[str], list[str]]:
        plan, values = planned or self._plan(raw)
        names = plan.names
        values = list(values)
        for index, name, parse in plan.special:
            value = values[index]
            if parse is not None and value.__class__ is str:
                values[index] = parse(value)
            else:
                values[index] = _other(name, value)
        try:
            whole = _FIELD.join(values)
        except TypeError:  # an empty element (None) or a repeated field (list): rare, per field
            values = [v if v.__class__ is str else _other(n, v) for n, v in zip(names, values, strict=True)]
            whole = _FIELD.join(values)
        if whole.count(_FIELD) != len(values) - 1:  # a value holds the separator (never from XML 1.0 text)
            whole = _FIELD.join(v.replace(_FIELD, " ") for v in values)
        whole = " ".join(whole.split()).replace(" " + _FIELD, _FIELD).replace(_FIELD + " ", _FIELD)
        if not whole.isascii():
            whole = unicodedata.normalize("NFC", whole)
        texts = whole.split(_FIELD)
        if "" in texts:
            kept = [(n, t) for n, t in zip(names, texts, strict=True) if t]
            return [n for n, _ in kept], [t for _, t in kept]
        return names, texts

    @staticmethod
    def _digest(names: list[str], texts: list[str]) -> tuple[bytes, bytes]:
        """(item digest, packed CRC32 per field): the canonical text is encoded once and split on the
        field separator for the CRCs (one map over bytes, no per-field encode)."""
        encoded = _FIELD.join(texts).encode()
        digest = hashlib.blake2b((_VALUE.join(names) + _FIELD).encode() + encoded, digest_size=16).digest()
        return digest, array("I", map(zlib.crc32, encoded.split(b"\x00"))).tobytes()

    def __call__(self, raw: Mapping[str, Any], previous: Mapping[str, Fingerprint] | None = None
                 ) -> tuple[str, Fingerprint] | None:
        """(item id, fingerprint), or None for an item without id.

        With `previous` (the stored state), an item whose stored fingerprint says it had the same texts as
        read (raw digest) or the same canonical texts (digest) gets that fingerprint itself back: its
        CRCs are the ones this item would get. The raw digest is the diff's common case: an item nobody
        touched costs one digest of its texts, not a canonicalisation (equal inputs, equal canonical form)."""
        planned = self._plan(raw)
        plan, values = planned
        item_id = raw.get(ID_FIELD)
        item_id = canonical_text(item_id if item_id.__class__ is str else _other(ID_FIELD, item_id))
        if not item_id:
            return None
        raw_digest = self._raw_digest(plan, values)
        same_as = previous.get(item_id) if previous is not None else None
        if same_as is not None and raw_digest and same_as.raw_digest == raw_digest:
            return item_id, same_as
        names, texts = self._canonical(raw, planned)
        self._last = (raw, names, texts)
        # The listing's own group key (SKU rows record it as `product_id`), so both flows agree on products.
        group_id = raw_group_key(raw) or item_id
        digest, crcs = self._digest(names, texts)
        if same_as is not None and same_as.digest == digest and same_as.group_id == group_id:
            return item_id, same_as
        shape = tuple(names)
        shape = self._shapes.setdefault(shape, shape)
        return item_id, Fingerprint(group_id, digest, shape, crcs, raw_digest)

    def item_id(self, raw: Mapping[str, Any]) -> str:
        item_id = raw.get(ID_FIELD)
        return canonical_text(item_id if item_id.__class__ is str else _other(ID_FIELD, item_id))

    def raw_key(self, raw: Mapping[str, Any]) -> tuple[str, bytes, str | None]:
        """(item id, its field names as `raw_from_bytes` reads them, its texts as read joined or None: see
        `_raw_text`) without canonicalising anything: the diff's cheap pass, run on every item of both feeds
        (hence `_plan` and `canonical_text` inlined: a call each is measurable here)."""
        plan = self._plans.get(tuple(raw))
        if plan is None:
            plan = self._plan(raw)[0]
        got = plan.get(raw)
        item_id = raw.get(ID_FIELD)
        if item_id.__class__ is str:
            item_id = " ".join(item_id.split())
            if not item_id.isascii():
                item_id = unicodedata.normalize("NFC", item_id)
        else:
            item_id = canonical_text(_other(ID_FIELD, item_id))
        return item_id, plan.header, self._raw_text(plan, [got] if len(plan.names) == 1 else list(got))

    def texts(self, raw: Mapping[str, Any]) -> dict[str, str]:
        """The canonical texts of an item (for the changed and added ones: what the edit carries). The item
        just fingerprinted is not canonicalised again (the diff asks right after `__call__`)."""
        last, self._last = self._last, None
        names, texts = last[1:] if last is not None and last[0] is raw else self._canonical(raw)
        return dict(zip(names, texts, strict=True))


def raw_from_bytes(data: bytes) -> dict[str, Any]:
    """An item back from `Fingerprinter._raw_bytes` (header + raw text encoded: its non-ignored fields;
    repeated fields as lists). Its fingerprint is the one of the item it was written from (an empty list
    comes back as [""]: both canonicalise to nothing)."""
    header, _, whole = data.decode().partition(_FIELD)
    names = header.split(_VALUE)
    texts: list[Any] = whole.split(_FIELD)
    for index, name in enumerate(names):
        if name in UNORDERED_FIELDS:
            texts[index] = texts[index].split(_VALUE)
    return dict(zip(names, texts, strict=True))
