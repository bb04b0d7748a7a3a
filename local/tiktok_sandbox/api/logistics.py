"""Logistics API: the shop's warehouses."""

from __future__ import annotations

import copy
from typing import Any

from local.tiktok_sandbox.gate import NONE, Ctx, Endpoint


def get_warehouses(ctx: Ctx) -> dict[str, Any]:
    return {"warehouses": copy.deepcopy(ctx.shop["warehouses"])}  # type: ignore[index]


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/logistics/202309/warehouses", get_warehouses, body=NONE),
]
