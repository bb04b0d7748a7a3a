"""Logistics API: the shop's warehouses and the shipping providers of a delivery option."""

from __future__ import annotations

import copy
from typing import Any

from local.tiktok_sandbox import errors as E
from local.tiktok_sandbox.gate import NONE, Ctx, Endpoint

from .fulfillment import PROVIDERS

# The delivery options the sandbox's orders carry (orders.create_order) and the carriers each offers.
DELIVERY_OPTIONS = {"7129736187384498900": tuple(PROVIDERS)}


def get_warehouses(ctx: Ctx) -> dict[str, Any]:
    return {"warehouses": copy.deepcopy(ctx.shop["warehouses"])}  # type: ignore[index]


def get_shipping_providers(ctx: Ctx) -> dict[str, Any]:
    option = ctx.path["delivery_option_id"]
    if option not in DELIVERY_OPTIONS:
        raise E.ApiFail(E.DELIVERY_OPTION_NOT_FOUND, f"Delivery option {option} does not exist")
    return {"shipping_providers": [{"id": p, "name": PROVIDERS[p]} for p in DELIVERY_OPTIONS[option]]}


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/logistics/202309/warehouses", get_warehouses, body=NONE),
    Endpoint("GET", "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers",
             get_shipping_providers, body=NONE),
]
