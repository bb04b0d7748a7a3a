"""The old feed of a legacy payload (old and new feed both sent) reduced without canonicalising it.

`digest_items` canonicalises every item of the old feed (~19 us an item of a 100,000-item feed) although ~93%
of them come back unchanged. Two reductions, both exact against the canonical path:

**From the reader's elements** (`read_elements`, what `compare_feeds` and bench_feed_diff run; the diff is
`FeedDiff.compare_elements`): no item is read into a dict. Each old item element is keyed by its id read
from the element itself (`feed.item_key`: one C-level scan of the key children; an item whose id or group it
cannot be sure of is read and fingerprinted at once, as `digest_items` would), its `feed.item_bytes` (libxml2's
serialisation, ~4 us) are hashed and spooled as they are (already bytes: no encode), and the table keeps
id -> (hash, group, spool offset, size, CRC32) plus hash -> id. A new item whose bytes have the hash, size and
CRC of an old item's is that item, unchanged, and is never read either (equal bytes, equal parse, equal
canonical form; its id and group are the old item's, read from the same bytes). Any other new item is read
(`feed.item_fields`) and compared as today with the old item of its id parsed back from its spooled bytes
(`feed.item_fields_from_bytes`): a respelled item (whitespace, number format, attribute order, another
prefix, indentation) has other bytes but the same canonical form, so it is still unchanged. A change hidden
by a collision needs a 64-bit keyed hash, the size and a CRC32 to agree by chance with one of the old items
(~1e-24 per new item of a 100,000-item feed); two old items with one hash are only looked up by id.

**From raw items** (`read`, dicts from `FeedReader.raw_items`; the diff is `FeedDiff.compare`): each old
item keeps a hash of its texts as read (`Fingerprinter.raw_key`: its fields in name order, joined) in a table
id -> (hash, field names, spool offset, size), and those texts go to the spool. A new item with the same
field names and the same hash of its texts is unchanged without either side being canonicalised; an item
whose texts cannot be joined unambiguously (an empty element, a separator in a text: rare) is fingerprinted
at once. A real change hidden by a collision needs the same id, the same field names and a 64-bit collision
under an unknown key: ~5e-20 per changed item.

Either way, any other item of both feeds is compared with the old item read back and fingerprinted, exactly
as against `digest_items`' state, and a removed item is read back for its group and fields; so the changes
are the ones the canonical path gives, item for item (property tests test_raw_state.py, test_raw_bytes.py).
The only difference: an UNCHANGED change found by a hash carries `stored=None` (nothing stores an unchanged
item's fingerprint). The hashes are Python's own (SipHash-1-3, keyed at random per process): they live only
for this comparison, never stored or compared across processes. Memory: the table (a few hundred bytes an
item) and up to 16 MB of spool in memory; the rest of the spool is on disk (/tmp: about the old feed's size
from elements), removed by `close()`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any
from zlib import crc32

from lxml import etree

from tiktok_vtex.catalog.feed import item_fields, item_fields_from_bytes
from tiktok_vtex.catalog.markup import clean_text
from tiktok_vtex.catalog_updates.elements import item_bytes, item_key
from tiktok_vtex.catalog_updates.fingerprint import Fingerprint, Fingerprinter, canonical_text, raw_from_bytes

# (raw hash, field names header, spool offset, size) from raw items, (bytes hash, group, spool offset, size,
# CRC32) from elements, or (None, its fingerprint) for an item fingerprinted at once: the hash is always
# entry[0], so the diff's lookup is one dict get and one compare.
_Entry = tuple[int, bytes, int, int] | tuple[int, str, int, int, int] | tuple[None, Fingerprint]


class RawFeedState(Mapping[str, Fingerprint]):
    """`with RawFeedState.read_elements(old_elements) as previous: FeedDiff(previous).compare_elements(new_elements)`
    (or `read(old_raw_items)` ... `compare(new_raw_items)`).

    As a Mapping it gives each old item's fingerprint (read back from the spool on access, not cached);
    `entries[item_id]` (see _Entry) and `by_hash` answer the cheap question, nothing canonicalised."""

    def __init__(self, spool_memory_bytes: int = 16 * 1024 * 1024) -> None:
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=spool_memory_bytes)  # noqa: SIM115
        self.entries: dict[str, _Entry] = {}
        self._pending: list[bytes] = []
        self._end = 0
        self._fingerprint = Fingerprinter()
        self.holds_xml = False  # spooled as item_bytes (read_elements), else as raw texts (read)
        self.by_hash: dict[int, str | None] = {}  # read_elements: hash of item_bytes -> item id
        self._groups: dict[str, str] = {}

    @classmethod
    def read(cls, items: Iterable[Mapping[str, Any]]) -> RawFeedState:
        state = cls()
        try:
            state.add_all(items)
        except BaseException:
            state.close()
            raise
        return state

    @classmethod
    def read_elements(cls, elements: Iterable[etree._Element]) -> RawFeedState:
        """The old feed from `FeedReader.raw_elements` (see the module doc: its bytes, no attributes read)."""
        state = cls()
        state.holds_xml = True
        try:
            state.add_elements(elements)
        except BaseException:
            state.close()
            raise
        return state

    def __enter__(self) -> RawFeedState:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._spool.close()

    def add_all(self, items: Iterable[Mapping[str, Any]]) -> None:
        """The old feed's items (the first of duplicate ids wins, as in `digest_items`)."""
        entries, pending, raw_key = self.entries, self._pending, self._fingerprint.raw_key
        end, batch = self._end, 0
        for item in items:
            item_id, header, whole = raw_key(item)
            if not item_id or item_id in entries:
                continue
            if whole is None:
                found = self._fingerprint(item)
                if found is not None:
                    entries[item_id] = (None, found[1])
                continue
            data = whole.encode()
            size = len(data)
            entries[item_id] = (hash(whole), header, end, size)
            end += size
            batch += size
            pending.append(data)
            if batch > 1 << 20:  # one write per ~1 MB (one per item is slow)
                self._flush()
                batch = 0
        self._end = end
        self._flush()

    def add_elements(self, elements: Iterable[etree._Element]) -> None:
        """The old feed's item elements: each keyed by its id read from the element (`item_key`), its
        `item_bytes` hashed and spooled; an item whose key is not certain that way is read and
        fingerprinted at once (as `digest_items` would). The first of duplicate ids wins."""
        assert self.holds_xml
        entries, pending, by_hash, groups = self.entries, self._pending, self.by_hash, self._groups
        end, batch = self._end, 0
        doctype: bool | None = None
        for element in elements:
            if doctype is None:
                # A feed with a DOCTYPE can keep entity references in its items (never resolved): their bytes
                # would not parse alone, so every item of such a feed is fingerprinted at once.
                doctype = bool(element.getroottree().docinfo.doctype)
            key = None if doctype else item_key(element)
            if key is None:
                found = self._fingerprint(item_fields(element))
                if found is not None and found[0] not in entries:
                    entries[found[0]] = (None, found[1])
                continue
            item_id = canonical_text(key[0])
            if not item_id or item_id in entries:
                continue
            data = item_bytes(element)
            size, raw_hash = len(data), hash(data)
            group = groups.get(key[1]) if key[1] is not None else None  # the variants of a product share it
            if group is None:
                group = clean_text(key[1]) or clean_text(key[0]) or item_id  # raw_group_key's reading
                if key[1] is not None and clean_text(key[1]):
                    groups[key[1]] = group
            entries[item_id] = (raw_hash, group, end, size, crc32(data))
            # Two old items with one hash (a collision: equal bytes would be equal ids) are looked up by id.
            by_hash[raw_hash] = None if raw_hash in by_hash else item_id
            end += size
            batch += size
            pending.append(data)
            if batch > 1 << 20:
                self._flush()
                batch = 0
        self._end = end
        self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._spool.seek(0, 2)
            self._spool.write(b"".join(self._pending))
            self._pending.clear()

    def __getitem__(self, item_id: str) -> Fingerprint:
        entry = self.entries[item_id]
        if entry[0] is None:
            return entry[1]  # type: ignore[return-value]
        header, offset, size = entry[1:4]  # type: ignore[misc]
        self._spool.seek(offset)
        data = self._spool.read(size)
        found = self._fingerprint(item_fields_from_bytes(data) if self.holds_xml else raw_from_bytes(header + data))
        assert found is not None and found[0] == item_id  # the id was read from these very bytes
        return found[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.entries
