"""Units of TikTok orders not yet placed in VTEX, per seller SKU (PendingOrderUnits on ssxml_tik_tok_orders).

VTEX's availability does not yet count these orders, while TikTok already sold the units: sending VTEX's
number as is would offer them twice. The orders capability owns the table (repositories/orders.py);
this adapter only reads it.

Which orders: sync_state in NEW, HELD, CLAIMED, ERROR or PENDING_PAYMENT (TikTok holds stock for unpaid
orders too); PLACED_IN_VTEX / AUTHORIZED are counted by VTEX itself and CANCELLED released the units.
How: a Query per pending state on GSI by_sync_state (KEYS_ONLY) filtered on the client, then a batch
read of those orders - pending orders are few, while a client's partition holds its whole history.

The units of an order are read from, in this order of preference,
  - `sku_units`: a map {seller_sku: units}, which the orders capability writes when it claims the order
    for creation in VTEX (orders/placement.py), or
  - `line_items`: a list of TikTok line items, each with `seller_sku` and optionally `quantity`
    (TikTok's 202309 model has one line item per unit, so a missing quantity counts 1).
An order carrying neither (e.g. NEW / HELD before its first claim) contributes nothing (logged once per
call): known gap until the units are written when the order is first recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from tiktok_vtex.observability import logger
from tiktok_vtex.repositories.base import DynamoTable
from tiktok_vtex.repositories.orders import SyncState

PENDING_STATES = (SyncState.NEW, SyncState.HELD, SyncState.CLAIMED, SyncState.ERROR, SyncState.PENDING_PAYMENT)


def order_units(order: Mapping[str, Any]) -> dict[str, int] | None:
    """Units per seller SKU of one order item, or None when it carries no line information."""
    units: dict[str, int] = {}
    sku_units = order.get("sku_units")
    if isinstance(sku_units, Mapping):
        for sku, count in sku_units.items():
            try:
                units[str(sku)] = units.get(str(sku), 0) + max(0, int(count))
            except (TypeError, ValueError):
                continue
        return units
    line_items = order.get("line_items")
    if isinstance(line_items, list):
        for line in line_items:
            if not isinstance(line, Mapping) or not line.get("seller_sku"):
                continue
            if str(line.get("display_status") or "").upper() in {"CANCELLED", "CANCEL"}:
                continue
            try:
                count = max(0, int(line.get("quantity", 1)))
            except (TypeError, ValueError):
                count = 1
            sku = str(line["seller_sku"])
            units[sku] = units.get(sku, 0) + count
        return units
    return None


def sum_units(orders: Iterable[Mapping[str, Any]]) -> tuple[dict[str, int], int]:
    total: dict[str, int] = {}
    unknown = 0
    for order in orders:
        units = order_units(order)
        if units is None:
            unknown += 1
            continue
        for sku, count in units.items():
            total[sku] = total.get(sku, 0) + count
    return total, unknown


class OrdersPendingUnits:
    """PendingOrderUnits over ssxml_tik_tok_orders."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    def units_by_seller_sku(self, client_hash: str) -> dict[str, int]:
        keys: list[dict[str, Any]] = []
        for state in PENDING_STATES:
            keys.extend({"client_hash": item["client_hash"], "order_id": item["order_id"]}
                        for item in self._table.query(IndexName="by_sync_state",
                                                      KeyConditionExpression=Key("sync_state").eq(state.value),
                                                      FilterExpression=Attr("client_hash").eq(client_hash)))
        if not keys:
            return {}
        orders = [o for o in self._table.batch_get(keys) if o.get("sync_state") in {s.value for s in PENDING_STATES}]
        units, unknown = sum_units(orders)
        if unknown:
            logger.info("pending orders without line items are not subtracted",
                        extra={"client_hash": client_hash, "orders": unknown})
        return units
