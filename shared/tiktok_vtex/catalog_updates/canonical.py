"""Canonical field values of a feed item, and their digests.

Two spellings of the same value must compare equal, or every feed refresh turns into product edits (and
edits send a product back to TikTok's audit): whitespace is collapsed, text is NFC-normalised, numbers
lose their formatting (Decimal("1299.9") and Decimal("1299.90") are one value; the reader has parsed
every price spelling into a number already), dates are UTC ISO
strings, and the additional images are a set (their order carries no meaning; the main image stays first
through `image_link`). Empty values are absent, so "" and a missing field are the same.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

# Fields whose order does not matter (set semantics).
UNORDERED_FIELDS = frozenset({"additional_image_links", "additional_image_link"})
# Bookkeeping of the reader, not content.
IGNORED_FIELDS = frozenset({"position", "warnings"})

Canonical = str | list[Any] | dict[str, Any]


def _number(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    normalized = value.normalize()
    text = format(normalized, "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _text(value: str) -> str | None:
    collapsed = " ".join(unicodedata.normalize("NFC", value).split())
    return collapsed or None


def canonical_value(value: Any, *, unordered: bool = False) -> Canonical | None:  # noqa: PLR0911 (one per type)
    """The canonical form of one value (None = absent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return _number(Decimal(value))
    if isinstance(value, float):
        return _number(Decimal(repr(value)))
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        # Text stays text: the reader already parsed prices and measures into numbers, and a GTIN's leading
        # zeros are part of it.
        return _text(value)
    if isinstance(value, Mapping):
        items = {str(k): canonical_value(v) for k, v in value.items()}
        kept = {k: v for k, v in sorted(items.items()) if v is not None}
        return kept or None
    if isinstance(value, Iterable):
        values = [v for v in (canonical_value(v) for v in value) if v is not None]
        if unordered:
            values = sorted(values, key=lambda v: json.dumps(v, sort_keys=True))
        return values or None
    if hasattr(value, "model_dump"):  # a pydantic model (Money and the like)
        return canonical_value(value.model_dump(mode="python"))
    return _text(str(value))


def canonical_fields(item: Mapping[str, Any]) -> dict[str, Canonical]:
    """Every content field of an item in canonical form; absent and empty fields are left out."""
    fields: dict[str, Canonical] = {}
    for name, value in item.items():
        if name in IGNORED_FIELDS:
            continue
        canonical = canonical_value(value, unordered=name in UNORDERED_FIELDS)
        if canonical is not None:
            fields[name] = canonical
    return fields


def field_digest(value: Canonical) -> str:
    """A short, stable digest of one canonical value (16 hex digits: 64 bits, per item and field)."""
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.blake2b(encoded, digest_size=8).hexdigest()


def field_digests(fields: Mapping[str, Canonical]) -> dict[str, str]:
    return {name: field_digest(value) for name, value in sorted(fields.items())}


def item_digest(digests: Mapping[str, str]) -> str:
    """One digest of every field digest: equal items have equal digests, whatever the field order."""
    encoded = "|".join(f"{name}={digest}" for name, digest in sorted(digests.items())).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
