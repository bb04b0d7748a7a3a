"""The feed diff (PRODUTOS-compara-xml): one streaming pass over the new feed against the digests of the
last accepted one.

Memory holds a table of item id -> fingerprint (the previous state, a few hundred bytes an item) and the new
feed's group membership, never two documents: the new feed is read item by item and each item is
compared as it arrives. The previous state is either the stored state of the last accepted run, the old
feed reduced to the same digests by `digest_items`, or (the legacy payload sends both feeds) the old feed
reduced to a hash of each item's bytes by `RawFeedState.read_elements`, compared with `compare_elements`
(an item whose bytes are the old item's is never read: raw_state.py).

Each item of the new feed is ADDED, CHANGED (with the fields that changed) or UNCHANGED; each item of the
old one missing from the new is REMOVED. A change is routed by what changed: price fields only -> the price
flow, availability only -> the stock flow, anything else -> a partial product edit carrying only those
fields (plus the price / stock flows for their part). An item that moved to another item_group_id is
reported (TikTok cannot move a SKU between products) and routed to REGROUP. Group-level changes (variants
added to or removed from a group) are summarised per group so the product's SKU list is edited once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple
from zlib import crc32

from lxml import etree

from tiktok_vtex.catalog.feed import item_fields
from tiktok_vtex.catalog.grouping import raw_group_key
from tiktok_vtex.catalog_updates.elements import item_bytes
from tiktok_vtex.catalog_updates.fingerprint import Fingerprint, Fingerprinter
from tiktok_vtex.catalog_updates.raw_state import RawFeedState

# Validated FeedItem names and the reader's raw tag names alike.
PRICE_FIELDS = frozenset({"price", "sale_price", "sale_price_effective_from", "sale_price_effective_until",
                          "sale_price_effective_date"})
STOCK_FIELDS = frozenset({"availability"})


_UNDECIDED = object()


class ChangeKind(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    UNCHANGED = "unchanged"


class Route(StrEnum):
    LISTING = "listing"            # a new item: pre-flight and create (or a new SKU of an existing product)
    PRODUCT_EDIT = "product_edit"  # a partial edit with the changed content fields only
    PRICE = "price"                # the price flow (no product edit)
    STOCK = "stock"                # the stock flow (no product edit)
    DEACTIVATE = "deactivate"      # removed from the feed: deactivated on TikTok, SKU rows kept
    REGROUP = "regroup"            # moved to another item_group_id: reported, handled by the caller


class ItemChange(NamedTuple):
    """One item's outcome (a NamedTuple, not a frozen dataclass: one is built per item of a 100,000-item
    feed, and a frozen dataclass's __init__ cost more than comparing the item)."""

    kind: ChangeKind
    item_id: str
    group_id: str
    changed_fields: frozenset[str] = frozenset()
    routes: frozenset[Route] = frozenset()
    new: Mapping[str, str] | None = None      # canonical texts of the new item (added and changed only)
    stored: Fingerprint | None = None          # what to store once TikTok accepted the change
    previous_group_id: str | None = None


@dataclass
class GroupChange:
    group_id: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class DiffSummary:
    counts: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in ChangeKind})
    duplicates: list[str] = field(default_factory=list)  # ids seen twice in the new feed (second one ignored)
    invalid: list[str] = field(default_factory=list)     # items without an id (reported, ignored)
    groups: dict[str, GroupChange] = field(default_factory=dict)

    def group(self, group_id: str) -> GroupChange:
        return self.groups.setdefault(group_id, GroupChange(group_id))


def digest_items(items: Iterable[Mapping[str, Any]]) -> dict[str, Fingerprint]:
    """An old feed reduced to the state the diff compares against (the first of duplicate ids wins)."""
    fingerprint = Fingerprinter()
    state: dict[str, Fingerprint] = {}
    for item in items:
        found = fingerprint(item)
        if found is not None and found[0] not in state:
            state[found[0]] = found[1]
    return state


def routes_for(changed: frozenset[str]) -> frozenset[Route]:
    routes: set[Route] = set()
    if changed & PRICE_FIELDS:
        routes.add(Route.PRICE)
    if changed & STOCK_FIELDS:
        routes.add(Route.STOCK)
    if changed - PRICE_FIELDS - STOCK_FIELDS:
        routes.add(Route.PRODUCT_EDIT)
    return frozenset(routes)


class FeedDiff:
    """`for change in FeedDiff(previous).compare(new_items)`: the changes, new feed first (in feed order),
    then the removed items; `summary` is complete once the iteration ends."""

    def __init__(self, previous: Mapping[str, Fingerprint]) -> None:
        self.previous = previous
        self.summary = DiffSummary()
        self._fingerprint = Fingerprinter()
        self._seen: set[str] = set()

    def compare(self, new_items: Iterable[Mapping[str, Any]]) -> Iterator[ItemChange]:
        raw_state = self.previous if isinstance(self.previous, RawFeedState) and not self.previous.holds_xml else None
        for item in new_items:
            change = self._compare_item(item, raw_state)
            if change is not None:
                yield change
        yield from self._removed()

    def compare_elements(self, new_elements: Iterable[etree._Element]) -> Iterator[ItemChange]:
        """`compare` on `FeedReader.raw_elements`. Against a `RawFeedState.read_elements` state, an item
        whose `item_bytes` have an old item's hash, size and CRC32 is that item, unchanged, without its
        attributes being read (equal bytes, equal attributes, equal canonical form; its id and group are
        the old item's); any other item is read (`item_fields`) and compared as `compare` does, with the old
        item of its id read back from its bytes. A FeedDiff makes one comparison (`summary` is its own)."""
        state = self.previous if isinstance(self.previous, RawFeedState) and self.previous.holds_xml else None
        entries, by_hash = (state.entries, state.by_hash) if state is not None else ({}, {})
        seen, counts = self._seen, self.summary.counts
        for element in new_elements:
            if state is not None:
                data = item_bytes(element)
                item_id = by_hash.get(hash(data))
                if item_id is not None and item_id not in seen:
                    entry = entries[item_id]
                    if entry[3] == len(data) and entry[4] == crc32(data):
                        seen.add(item_id)
                        counts["unchanged"] += 1
                        yield ItemChange(ChangeKind.UNCHANGED, item_id, entry[1])  # type: ignore[arg-type]
                        continue
            change = self._compare_item(item_fields(element), None)
            if change is not None:
                yield change
        yield from self._removed()

    def _compare_item(self, item: Mapping[str, Any], raw_state: RawFeedState | None) -> ItemChange | None:
        previous = self.previous
        if isinstance(previous, RawFeedState):
            decided, previous = self._against_raw_state(item, previous, raw_state is not None)
            if decided is not _UNDECIDED:
                return decided  # type: ignore[return-value]
        found = self._fingerprint(item, previous)
        if found is None:
            self.summary.invalid.append(str(item.get("position", "?")))
            return None
        item_id, new = found
        if item_id in self._seen:
            self.summary.duplicates.append(item_id)
            return None
        self._seen.add(item_id)
        old = previous.get(item_id)
        if new is old:  # the common case (the same content: the stored fingerprint came back)
            self.summary.counts["unchanged"] += 1
            return ItemChange(ChangeKind.UNCHANGED, item_id, new.group_id, stored=new)
        change = self._changed(item_id, item, old, new)
        self.summary.counts[change.kind.value] += 1
        return change

    def _against_raw_state(self, item: Mapping[str, Any], state: RawFeedState, by_texts: bool
                           ) -> tuple[Any, Mapping[str, Fingerprint]]:
        """(the outcome when decided without fingerprinting the item, else _UNDECIDED; the previous state to
        fingerprint it against: the old item of its id read back, alone). With `by_texts` (a `read` state
        and raw items), an item with the same texts as read is unchanged without either side being
        canonicalised (raw_state.py)."""
        seen = self._seen
        if by_texts:
            item_id, header, whole = self._fingerprint.raw_key(item)
            entry = state.entries.get(item_id)
            if (item_id not in seen and whole is not None and entry is not None and entry[0] == hash(whole)
                    and entry[1] == header):
                seen.add(item_id)
                self.summary.counts["unchanged"] += 1
                return ItemChange(ChangeKind.UNCHANGED, item_id, raw_group_key(item) or item_id), {}
        else:
            item_id = self._fingerprint.item_id(item)
        if item_id and item_id in seen:  # what the canonical path finds, without fingerprinting either
            self.summary.duplicates.append(item_id)
            return None, {}
        return _UNDECIDED, ({item_id: state[item_id]} if item_id in state else {})

    def _removed(self) -> Iterator[ItemChange]:
        counts = self.summary.counts
        for item_id in self.previous:
            if item_id not in self._seen:
                old = self.previous[item_id]
                counts[ChangeKind.REMOVED.value] += 1
                self.summary.group(old.group_id).removed.append(item_id)
                yield ItemChange(ChangeKind.REMOVED, item_id, old.group_id, frozenset(old.names),
                                 frozenset({Route.DEACTIVATE}))

    def _changed(self, item_id: str, item: Mapping[str, Any], old: Fingerprint | None,
                 new: Fingerprint) -> ItemChange:
        texts = self._fingerprint.texts(item)
        if old is None:
            self.summary.group(new.group_id).added.append(item_id)
            return ItemChange(ChangeKind.ADDED, item_id, new.group_id, frozenset(new.names),
                              frozenset({Route.LISTING}), texts, new)
        changed = new.changed_fields(old)
        if old.group_id != new.group_id:
            self.summary.group(old.group_id).removed.append(item_id)
            self.summary.group(new.group_id).added.append(item_id)
            return ItemChange(ChangeKind.CHANGED, item_id, new.group_id, changed, frozenset({Route.REGROUP}),
                              texts, new, previous_group_id=old.group_id)
        self.summary.group(new.group_id).changed.append(item_id)
        return ItemChange(ChangeKind.CHANGED, item_id, new.group_id, changed, routes_for(changed), texts, new)


def apply_changes(old: Mapping[str, Mapping[str, str]],
                  changes: Iterable[ItemChange]) -> dict[str, dict[str, str]]:
    """The old feed's canonical items with the changes applied (what the property test checks: equal to the
    new feed's canonical items). Only the changed fields of a CHANGED item are taken from the new item."""
    result = {item_id: dict(fields) for item_id, fields in old.items()}
    for change in changes:
        if change.kind is ChangeKind.REMOVED:
            result.pop(change.item_id, None)
        elif change.kind is ChangeKind.ADDED:
            result[change.item_id] = dict(change.new or {})
        elif change.kind is ChangeKind.CHANGED:
            target = result[change.item_id]
            for name in change.changed_fields:
                if change.new is not None and name in change.new:
                    target[name] = change.new[name]
                else:
                    target.pop(name, None)
    return result
