"""What the feed diff takes from an item element without reading its attributes into a dict (the reader's
`FeedReader.raw_elements`): its bytes as lxml serialises them, and its id and group when one look at the key
children is enough. Both follow the reader's rules for reading an item (`feed.item_fields`); the property
test tests/unit/catalog_updates/test_raw_bytes.py holds them to it."""

from __future__ import annotations

from lxml import etree

from tiktok_vtex.catalog.feed import ATOM_NS, G_NS

_G_ID, _G_GROUP = f"{{{G_NS}}}id", f"{{{G_NS}}}item_group_id"
# A plain (or Atom) item_group_id counts only when there is no g: one; a plain id never does (the one g:id
# item_key requires wins over it).
_KEY_TAGS = (_G_ID, _G_GROUP, "item_group_id", f"{{{ATOM_NS}}}item_group_id")


def item_bytes(element: etree._Element) -> bytes:
    """The item element serialised by libxml2 (UTF-8, without its tail, with the namespace declarations
    in scope): a function of the parsed element, so equal bytes mean equal attributes (`feed.item_fields`),
    and `feed.item_fields_from_bytes` reads the same attributes back. Not the input's bytes: another spelling of
    the same markup (attribute quotes, entities, CDATA, encoding) gives the same bytes; another prefix or
    another set of declarations in scope gives other bytes (the item is then compared on its attributes)."""
    return etree.tostring(element, encoding="utf-8", with_tail=False)


def item_key(element: etree._Element) -> tuple[str, str | None] | None:
    """(id text, item_group_id text or None) as `feed.item_fields` would read them (`g:` wins over the
    plain names, the last `g:` one wins), without reading the other attributes; None when one look at the
    key children cannot be sure (no `g:id` or more than one, an empty one, more than one
    `g:item_group_id` or an empty one, a plain item_group_id that could take over): the caller then reads
    the item with `feed.item_fields`. One C-level scan of the children (`iterchildren` with the key tags)."""
    children = list(element.iterchildren(*_KEY_TAGS))
    if len(children) == 2:  # the common case: one g:id, one g:item_group_id (either order)
        first, second = children
        if first.tag == _G_ID and second.tag == _G_GROUP:
            item_id, group = first.text, second.text
        elif first.tag == _G_GROUP and second.tag == _G_ID:
            item_id, group = second.text, first.text
        else:
            item_id = group = None
        if item_id is not None and group is not None:
            return item_id, group
    item_id = group = None
    plain_group = False
    for child in children:
        if child.tag == _G_ID:
            if item_id is not None or child.text is None:
                return None
            item_id = child.text
        elif child.tag == _G_GROUP:
            if group is not None or child.text is None:
                return None
            group = child.text
        else:
            plain_group = True
    if item_id is None or (plain_group and group is None):
        return None
    return item_id, group
