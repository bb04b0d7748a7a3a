"""Units of TikTok orders not yet placed in VTEX, per seller SKU (PendingOrderUnits on ssxml_tik_tok_orders).

VTEX's availability does not yet count these orders, while TikTok already sold the units: sending VTEX's
number as is would offer them twice. The orders capability owns the table (repositories/orders.py);
this adapter only reads it.

Which orders: sync_state in NEW, HELD, CLAIMED, ERROR or PENDING_PAYMENT (TikTok holds stock for unpaid
orders too); PLACED_IN_VTEX / AUTHORIZED are counted by VTEX itself and CANCELLED released the units.
ERROR orders not touched for `error_max_age_days` (default 7) no longer count: an order that could not be
created for a week is an operator's case, not stock to hold forever.
How: one Query per pending state on GSI by_client_sync_state (client_hash, sync_state), which projects
`sku_units` and `updated_at`: only this client's pending orders are read, whatever the table's history
or the other clients' volume.

The units of an order are `sku_units`, a map {seller_sku: units} that the orders capability writes as soon
as it knows the order: on the first push of an unpaid order (recordOrderUnits), when a placement reads
the detail, and in the reconciliation sweep (from the search result). An order without it yet (the few
seconds before its first message is handled) contributes nothing; the count is logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from tiktok_vtex.observability import logger
from tiktok_vtex.repositories.base import DynamoTable
from tiktok_vtex.repositories.orders import SyncState

PENDING_STATES = (SyncState.NEW, SyncState.HELD, SyncState.CLAIMED, SyncState.ERROR, SyncState.PENDING_PAYMENT)
INDEX = "by_client_sync_state"
DEFAULT_ERROR_MAX_AGE_DAYS = 7


def order_units(order: Mapping[str, Any]) -> dict[str, int] | None:
    """Units per seller SKU of one order item, or None when its units are not recorded yet."""
    sku_units = order.get("sku_units")
    if not isinstance(sku_units, Mapping):
        return None
    units: dict[str, int] = {}
    for sku, count in sku_units.items():
        try:
            units[str(sku)] = units.get(str(sku), 0) + max(0, int(count))
        except (TypeError, ValueError):
            continue
    return units


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

    def __init__(self, table_name: str, resource: Any | None = None, *,
                 error_max_age_days: int = DEFAULT_ERROR_MAX_AGE_DAYS,
                 clock: Callable[[], float] = time.time) -> None:
        self._table = DynamoTable(table_name, resource)
        self._error_max_age = error_max_age_days * 86_400
        self._clock = clock

    def pending_orders(self, client_hash: str) -> list[dict[str, Any]]:
        """This client's orders not yet in VTEX (keys, sync_state, sku_units, updated_at)."""
        found: list[dict[str, Any]] = []
        for state in PENDING_STATES:
            query: dict[str, Any] = {
                "IndexName": INDEX,
                "KeyConditionExpression": Key("client_hash").eq(client_hash) & Key("sync_state").eq(state.value)}
            if state == SyncState.ERROR:
                query["FilterExpression"] = Attr("updated_at").gte(int(self._clock()) - self._error_max_age)
            found.extend(self._table.query(**query))
        return found

    def units_by_seller_sku(self, client_hash: str) -> dict[str, int]:
        units, unknown = sum_units(self.pending_orders(client_hash))
        if unknown:
            logger.info("pending orders without recorded units are not subtracted yet",
                        extra={"client_hash": client_hash, "orders": unknown})
        return units
