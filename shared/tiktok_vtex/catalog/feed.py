"""Streaming reader of Google Merchant Center feeds (RSS 2.0 and Atom 1.0, `g:` namespace or plain names).

    reader = FeedReader(stream)          # a binary file-like object (see sources.open_feed), bytes or str
    for record in reader:                # FeedItem (validated) or FeedItemError (per item, never raised)
        ...
    reader.stats                         # format, items, errors, warnings
    FeedReader(stream).raw_items()       # (position, raw attributes), not validated: a producer's split
    FeedReader(stream).raw_elements()    # (position, the item element itself, live until the next one)

Memory stays flat whatever the size: lxml `iterparse` is asked for item elements only (the filter runs
in C), each item is read into a small dict and cleared, and the items already read are deleted from the
root. The parser never resolves entities, loads a DTD or touches the network (XXE).

Document-level failures raise FeedError: not XML, not an RSS/Atom feed, a feed with no item, truncated
or malformed XML after some items (those items were yielded; a caller that must see the whole feed,
such as the feed diff, treats the exception as "the feed is incomplete").
Per-item failures (missing id/title/price, unreadable price, duplicate id) are yielded as FeedItemError.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import IO, Any

from lxml import etree
from pydantic import ValidationError

from .markup import clean_description, clean_text
from .models import FeedItem, FeedItemError, FeedRecord, FieldProblem
from .prices import PriceError, parse_length_cm, parse_price, parse_weight_kg

G_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
_ITEM_TAGS = ("item", f"{{{ATOM_NS}}}entry", "entry")
_ROOTS = {"rss": "rss", f"{{{ATOM_NS}}}feed": "atom", "feed": "atom"}

# Merchant Center attribute -> how it is read. Names are those of the spec (g:<name> or <name>).
_TEXT_FIELDS = (
    "brand", "mpn", "google_product_category", "product_type", "item_group_id", "color", "size", "gender",
    "age_group", "material", "pattern",
)
_REPEATED = frozenset({"additional_image_link"})
_AVAILABILITY = {
    "in stock": "in_stock", "in_stock": "in_stock", "instock": "in_stock", "available for order": "in_stock",
    "out of stock": "out_of_stock", "out_of_stock": "out_of_stock", "outofstock": "out_of_stock",
    "preorder": "preorder", "pre-order": "preorder", "backorder": "backorder",
}
_CONDITIONS = {"new": "new", "novo": "new", "refurbished": "refurbished", "used": "used", "usado": "used"}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_CUSTOM_LABELS = tuple(f"custom_label_{n}" for n in range(5))


class FeedError(ValueError):
    """The feed as a whole cannot be read (the message says why and where)."""


@dataclass
class FeedStats:
    format: str | None = None
    items: int = 0
    errors: int = 0
    warnings: int = 0
    error_reasons: dict[str, int] = field(default_factory=dict)


def _gtin_ok(code: str) -> bool:
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def _dates(text: str) -> tuple[datetime | None, datetime | None]:
    start, sep, end = text.strip().partition("/")
    if not sep:
        raise ValueError("expected start/end (ISO 8601)")
    return (datetime.fromisoformat(start.strip()) if start.strip() else None,
            datetime.fromisoformat(end.strip()) if end.strip() else None)


# Feeds repeat most values (units, availability, brands, colours, many prices): parse each once.
_price = lru_cache(maxsize=1 << 14)(parse_price)
_weight = lru_cache(maxsize=1 << 12)(parse_weight_kg)
_length = lru_cache(maxsize=1 << 12)(parse_length_cm)
_text = lru_cache(maxsize=1 << 14)(clean_text)
# The variants of a product usually share its description.
_description = lru_cache(maxsize=256)(clean_description)


def _url(text: str) -> str:
    if not _URL.match(text):
        raise ValueError(f"not an http(s) URL: {text[:80]!r}")
    return text


def _gtin(text: str) -> str:
    code = text.replace("-", "").replace(" ", "")
    if not _gtin_ok(code):
        raise ValueError(f"not a valid GTIN: {text[:20]!r}")
    return code


def _choice(table: dict[str, str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = table.get(text.lower())
        if value is None:
            raise ValueError(f"unknown value {text[:40]!r}")
        return value
    return parse


# Optional attributes: (feed name, parser, FeedItem field). A value that does not parse is a warning.
_OPTIONAL: tuple[tuple[str, Callable[[str], Any], str], ...] = (
    ("link", _url, "link"),
    ("image_link", _url, "image_link"),
    ("availability", _choice(_AVAILABILITY), "availability"),
    ("condition", _choice(_CONDITIONS), "condition"),
    ("gtin", _gtin, "gtin"),
    ("shipping_weight", _weight, "shipping_weight_kg"),
    ("product_length", _length, "product_length_cm"),
    ("product_width", _length, "product_width_cm"),
    ("product_height", _length, "product_height_cm"),
    ("sale_price_effective_date", _dates, "sale_price_effective_date"),
)


def _required(raw: dict[str, Any], values: dict[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    item_id = values.get("id")
    if item_id is None:
        problems.append(FieldProblem(field="id", message="missing"))
    elif len(item_id) > 50:
        del values["id"]
        problems.append(FieldProblem(field="id", message="longer than 50 characters (TikTok seller_sku limit)"))
    values["title"] = clean_text(raw.get("title"))
    if not values["title"]:
        problems.append(FieldProblem(field="title", message="missing"))
    for name in ("price", "sale_price"):
        text = raw.get(name)
        if text is None or not text.strip():
            if name == "price":
                problems.append(FieldProblem(field="price", message="missing"))
            continue
        try:
            values[name] = _price(text)
        except PriceError as error:
            problems.append(FieldProblem(field=name, message=str(error)))
    return problems


def _optional(raw: dict[str, Any], values: dict[str, Any]) -> list[FieldProblem]:
    warnings: list[FieldProblem] = []
    for name, parse, target in _OPTIONAL:
        text = raw.get(name)
        if text is None or not text.strip():
            continue
        try:
            values[target] = parse(text.strip())
        except (PriceError, ValueError) as error:
            warnings.append(FieldProblem(field=name, message=f"ignored: {error}"))
    if "sale_price_effective_date" in values:
        values["sale_price_effective_from"], values["sale_price_effective_until"] = values.pop(
            "sale_price_effective_date")
    extra_images = []
    for text in raw.get("additional_image_link", ()):
        for part in (p.strip() for p in text.split(",")):  # Merchant Center also takes a comma-separated list
            if part and _URL.match(part):
                extra_images.append(part)
            elif part:
                warnings.append(FieldProblem(field="additional_image_link", message=f"ignored: {part[:80]!r}"))
    values["additional_image_links"] = tuple(dict.fromkeys(x for x in extra_images if x != values.get("image_link")))
    for name in _TEXT_FIELDS:
        text = raw.get(name)
        if text:
            text = _text(text)
            if text:
                values[name] = text
    labels = {k: _text(raw[k]) for k in _CUSTOM_LABELS if raw.get(k)}
    values["custom_labels"] = {k: v for k, v in labels.items() if v}
    return warnings


def build_item(raw: dict[str, Any], position: int) -> FeedRecord:
    """Validates one item's raw fields (as read from the XML) into a FeedItem or a FeedItemError."""
    item_id = clean_text(raw.get("id")) or None
    values: dict[str, Any] = {"position": position}
    if item_id is not None:
        values["id"] = item_id
    problems = _required(raw, values)
    if problems:
        return FeedItemError(position=position, item_id=item_id, problems=tuple(problems))
    description = raw.get("description")
    values["description"] = _description(description) if description else ""
    values["warnings"] = tuple(_optional(raw, values))
    try:
        return FeedItem(**values)
    except ValidationError as error:  # a type the parsers above let through (defensive, reported per item)
        found = tuple(FieldProblem(field=".".join(str(p) for p in e["loc"]), message=e["msg"]) for e in error.errors())
        return FeedItemError(position=position, item_id=item_id, problems=found)


_G, _PLAIN, _LIST, _ATOM_LINK, _IGNORED = range(5)


def _classify(tag: Any, cache: dict[Any, Any]) -> Any:
    """How a child tag is read, computed once per distinct tag: a `g:` attribute's name (a str: nearly
    every child of a Merchant Center item), else (attribute name, kind)."""
    if not isinstance(tag, str):
        hit: Any = ("", _IGNORED)  # comments, processing instructions
    else:
        ns, name = (tag[1:].split("}", 1) if tag[:1] == "{" else (None, tag))
        if ns not in (G_NS, None, ATOM_NS):
            hit = (name, _IGNORED)
        elif name in _REPEATED:
            hit = (name, _LIST)
        elif ns == G_NS:
            hit = name
        elif name == "link":
            hit = (name, _ATOM_LINK)
        else:
            hit = ("description" if name in ("summary", "content") else name, _PLAIN)
    cache[tag] = hit
    return hit


def _read_fields(element: etree._Element, cache: dict[Any, Any]) -> dict[str, Any]:
    """An item's children -> {attribute name: text} (lists for repeated attributes). `g:` wins over
    the plain name; Atom's `<link href>` (rel alternate), `<summary>` / `<content>` are read as link and
    description. Structured attributes (g:shipping) are not read."""
    raw: dict[str, Any] = {}
    plain: dict[str, Any] | None = None
    get = cache.get
    for child in element:
        tag = child.tag
        hit = get(tag) or _classify(tag, cache)
        if hit.__class__ is str:  # a g: attribute: one lookup, one store
            raw[hit] = child.text
            continue
        name, kind = hit
        if kind == _LIST:
            raw.setdefault(name, []).append(child.text or "")
            continue
        if kind == _IGNORED:
            continue
        if plain is None:
            plain = {}
        if kind == _PLAIN:
            plain.setdefault(name, child.text)
            continue
        href = child.get("href")  # _ATOM_LINK
        if href is None:
            plain.setdefault("link", child.text)
        elif child.get("rel", "alternate") == "alternate":
            plain.setdefault("link", href)
    if plain:
        for name, text in plain.items():
            if raw.get(name) is None:
                raw[name] = text
    return raw


_FIELD_CACHE: dict[Any, Any] = {}
# An item's bytes read back (`item_fields_from_bytes`) with the reader's own safeguards.
_ITEM_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                               remove_comments=True, remove_pis=True)


def item_fields(element: etree._Element) -> dict[str, Any]:
    """An item element's attributes as `raw_items` gives them."""
    return _read_fields(element, _FIELD_CACHE)


def item_fields_from_bytes(data: bytes) -> dict[str, Any]:
    """`item_fields` of an item element serialised by lxml (`catalog_updates.elements.item_bytes`)."""
    return _read_fields(etree.fromstring(data, _ITEM_PARSER), _FIELD_CACHE)


def duplicate(position: int, item_id: str) -> FeedItemError:
    return FeedItemError(position=position, item_id=item_id, problems=(
        FieldProblem(field="id", message="duplicate id (an earlier item has it)"),))


class FeedReader:
    """Iterates a feed once (see the module doc). `stats` is complete after the iteration."""

    def __init__(self, source: IO[bytes] | bytes | str) -> None:
        if isinstance(source, str):
            source = source.encode("utf-8")
        self._stream: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source
        self.stats = FeedStats()
        self._used = False

    def __iter__(self) -> Iterator[FeedRecord]:
        if self._used:
            raise RuntimeError("a FeedReader is read once")
        self._used = True
        return self._records()

    def raw_items(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(position, the item's attributes as read, not validated): the cheap pass a producer uses to
        split a large feed by group before the items are validated in parallel (build_item).
        Document errors are raised as for the validated iteration; `stats` counts nothing here."""
        if self._used:
            raise RuntimeError("a FeedReader is read once")
        self._used = True
        return self._elements()

    def raw_elements(self) -> Iterator[tuple[int, etree._Element]]:
        """(position, the item element as parsed): for a caller that decides from the element itself
        (the feed diff: `catalog_updates.elements`) whether it needs the item's attributes at all
        (`item_fields`: what `raw_items` yields). The
        element is valid until the next one is asked for (it is then cleared); document errors are raised
        as for `raw_items`."""
        if self._used:
            raise RuntimeError("a FeedReader is read once")
        self._used = True
        return self._elements(fields=False)

    def _elements(self, fields: bool = True) -> Iterator[tuple[int, Any]]:
        context = etree.iterparse(
            self._stream, events=("end",), tag=_ITEM_TAGS, resolve_entities=False, load_dtd=False,
            no_network=True, huge_tree=False, remove_comments=True, remove_pis=True,
        )
        cache: dict[Any, Any] = {}
        position = 0
        try:
            for _, element in context:
                if self.stats.format is None:
                    self.stats.format = self._check_root(element.getroottree().getroot())
                position += 1
                yield position, _read_fields(element, cache) if fields else element
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as error:
            if position == 0 and (error.lineno or 0) <= 1 and "no element found" in str(error.msg):
                raise FeedError("the feed is empty") from None
            where = f" after {position} items" if position else ""
            raise FeedError(f"not well-formed XML{where}: {error.msg} (line {error.lineno})") from None
        if position == 0:
            root = getattr(context, "root", None)
            if root is None:
                raise FeedError("the feed is empty")
            self._check_root(root)
            raise FeedError("the feed has no items")

    def _records(self) -> Iterator[FeedRecord]:
        seen: set[str] = set()
        for position, raw in self._elements():
            record = build_item(raw, position)
            if isinstance(record, FeedItem):
                if record.id in seen:
                    record = duplicate(position, record.id)
                else:
                    seen.add(record.id)
            self._count(record)
            yield record

    def _count(self, record: FeedRecord) -> None:
        if isinstance(record, FeedItem):
            self.stats.items += 1
            self.stats.warnings += len(record.warnings)
        else:
            self.stats.errors += 1
            for problem in record.problems:
                key = f"{problem.field}: {problem.message.split(':')[0]}"
                self.stats.error_reasons[key] = self.stats.error_reasons.get(key, 0) + 1

    @staticmethod
    def _check_root(root: etree._Element) -> str:
        tag = root.tag if isinstance(root.tag, str) else ""
        kind = _ROOTS.get(tag)
        if kind is None:
            raise FeedError(f"not an RSS 2.0 or Atom feed (root element <{etree.QName(root).localname}>)")
        return kind


def read_feed(source: IO[bytes] | bytes | str) -> Iterator[FeedRecord]:
    """Shorthand for iterating a FeedReader when the stats are not needed."""
    return iter(FeedReader(source))
