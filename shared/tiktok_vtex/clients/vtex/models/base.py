"""The base every VTEX model shares: extra fields kept, names or aliases accepted; cents parsing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from tiktok_vtex.clients.vtex.money import cents_from_json

UNLIMITED_QUANTITY = 1_000_000


class VtexModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def optional_cents(value: Any) -> Any:
    return None if value is None else cents_from_json(value)
