"""ssxml_tik_tok_orders: one item per TikTok order, with the state of its copy in VTEX.

Legacy attributes keep their meaning: client_hash, order_id (TikTok order id), status (TikTok order
status), vtex_status, vtex_order (VTEX order id), created_at, updated_at (unix seconds).

Added attributes:
- sync_state: where the VTEX copy stands (see SyncState); GSI by_sync_state (sync_state, updated_at) for
  the sweep, GSI by_client_sync_state (client_hash, sync_state; projects sku_units and updated_at) for the
  stock sync's pending units of one client. Both index the attribute every transition already writes, so
  no derived attribute can drift.
- tiktok_update_time: TikTok's update_time of the status we hold; a status with an older or equal
  update_time never overwrites it (statuses never move backwards).
- claim_token / lease_until / attempts: the claim of the worker creating the order (exactly once).
- error_reason / error_code: why the order is in ERROR (kept for replay).
- hold_until: end of the per-client hold window before creation.
- sku_units / units_update_time: {seller_sku: units} read from the order (detail or search) as soon as
  we know the order, and the TikTok update_time they were read at (never replaced by an older reading);
  the stock sync subtracts the units of orders not yet in VTEX;
- cancel_requested / cancel_note: a cancellation arrived (unix seconds, reason). While a placement holds
  the claim, cancel only sets this flag; the claim holder honours it (never places, or cancels what it
  placed), and no later write of the claim holder (mark_placed, mark_error, release) ignores it.
- package_ids, invoice_status, invoice_reason, cancellation, return_request, address_update: what the
  other pushes told us.

Every transition is a conditional write, so concurrent workers and late pushes cannot undo each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable, set_or_remove
from tiktok_vtex.repositories.lease import Lease


class SyncState(StrEnum):
    """State of the VTEX copy of a TikTok order.

    NEW -> (HELD) -> CLAIMED -> PLACED_IN_VTEX -> AUTHORIZED, with ERROR reachable from CLAIMED and
    CANCELLED reachable from every state. PENDING_PAYMENT: known order, not yet paid (UNPAID/ON_HOLD).
    """

    PENDING_PAYMENT = "PENDING_PAYMENT"
    NEW = "NEW"
    HELD = "HELD"
    CLAIMED = "CLAIMED"
    PLACED_IN_VTEX = "PLACED_IN_VTEX"
    AUTHORIZED = "AUTHORIZED"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"


STATUS_RANK = {status: rank for rank, status in enumerate((
    "UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED",
    "COMPLETED", "CANCELLED"), start=1)}
# A worker may take the order from these states (CLAIMED only once its lease expired).
CLAIMABLE = (SyncState.NEW, SyncState.HELD, SyncState.ERROR, SyncState.PENDING_PAYMENT)
# The VTEX order exists (or existed) in these states.
PLACED = (SyncState.PLACED_IN_VTEX, SyncState.AUTHORIZED)


class OrderRecord(BaseModel):
    model_config = ConfigDict(extra="allow")

    client_hash: str
    order_id: str
    status: str | None = None
    vtex_status: str | None = None
    vtex_order: str | None = None
    created_at: int | None = None
    updated_at: int | None = None
    sync_state: SyncState | None = None
    tiktok_update_time: int | None = None
    claim_token: str | None = None
    lease_until: int | None = None
    attempts: int = 0
    error_reason: str | None = None
    error_code: str | None = None
    hold_until: int | None = None
    package_ids: list[str] = Field(default_factory=list)
    invoice_status: str | None = None
    invoice_reason: str | None = None
    cancel_requested: int | None = None
    cancel_note: str | None = None

    @property
    def is_placed(self) -> bool:
        return self.sync_state in PLACED or bool(self.vtex_order)


class OrderRepository:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)
        self._claim = Lease(self._table, owner="claim_token", until="lease_until")

    @property
    def table(self) -> DynamoTable:
        return self._table

    @staticmethod
    def _key(client_hash: str, order_id: str) -> dict[str, str]:
        return {"client_hash": client_hash, "order_id": order_id}

    def get(self, client_hash: str, order_id: str, *, consistent: bool = True) -> OrderRecord | None:
        item = self._table.get(self._key(client_hash, order_id), consistent=consistent)
        return OrderRecord.model_validate(item) if item else None

    # --- TikTok status (monotonic) ------------------------------------------------------------
    def record_status(self, client_hash: str, order_id: str, *, status: str, update_time: int, now: int,
                      initial_state: SyncState) -> OrderRecord | None:
        """Stores a TikTok status unless we already hold a newer one (update_time; same second: lifecycle rank).

        Creates the item when absent (sync_state `initial_state`); an existing sync_state is kept.
        Returns the new record; the stored record, unchanged, when it already holds this very status (a
        redelivered push: its caller re-emits the idempotent effect of the stored state); None when the
        status was stale and nothing changed.
        """
        # Same second: the later lifecycle status wins (CANCELLED, terminal, above all).
        rank = STATUS_RANK.get(status, 0)
        try:
            item = self._table.update_fields(
                self._key(client_hash, order_id),
                {"status": status, "tiktok_update_time": update_time, "status_rank": rank, "updated_at": now},
                set_if_absent={"created_at": now, "sync_state": initial_state.value},
                values={":t": update_time, ":r": rank},
                condition="attribute_not_exists(tiktok_update_time) OR tiktok_update_time < :t "
                          "OR (tiktok_update_time = :t AND (attribute_not_exists(status_rank) OR status_rank < :r))",
            )
        except ConditionFailed:
            stored = self.get(client_hash, order_id)
            if stored is not None and stored.tiktok_update_time == update_time and stored.status == status:
                return stored
            return None
        return OrderRecord.model_validate(item)

    def set_units(self, client_hash: str, order_id: str, units: Mapping[str, int], *, update_time: int) -> bool:
        """Records the units per seller SKU of the order as read at TikTok `update_time` (an older reading
        never replaces a newer one). False when a newer reading is already stored."""
        try:
            self._table.update_fields(
                self._key(client_hash, order_id), {"sku_units": dict(units), "units_update_time": update_time},
                values={":t": update_time},
                condition="attribute_not_exists(units_update_time) OR units_update_time <= :t")
        except ConditionFailed:
            return False
        return True

    def promote_pending(self, client_hash: str, order_id: str, *, now: int) -> bool:
        """PENDING_PAYMENT -> NEW once the order is paid (only one writer wins)."""
        return self._transition(client_hash, order_id, {SyncState.PENDING_PAYMENT}, SyncState.NEW, now=now)

    # --- creation claim (the lease in repositories/lease.py) ------------------------------------
    def claim(self, client_hash: str, order_id: str, *, token: str, now: int, lease_seconds: int) -> OrderRecord:
        """Takes the order for creation in VTEX. Raises ConditionFailed if another worker holds a live
        claim or the order is already placed / cancelled. Creates the item if it does not exist."""
        names = {"#s": "sync_state"}
        values: dict[str, Any] = {":claimed": SyncState.CLAIMED.value}
        allowed = []
        for i, state in enumerate(CLAIMABLE):
            values[f":c{i}"] = state.value
            allowed.append(f"#s = :c{i}")
        # The lease is free (none, or expired) and the order is claimable, or CLAIMED by a crashed holder.
        item = self._claim.acquire(
            self._key(client_hash, order_id), owner=token, now=now, duration=lease_seconds,
            condition=f"attribute_not_exists(#s) OR {' OR '.join(allowed)} OR #s = :claimed",
            names=names, values=values, set_={"sync_state": SyncState.CLAIMED.value, "updated_at": now},
            set_if_absent={"created_at": now}, increment={"attempts": 1}, return_values="ALL_NEW")
        if item is None:
            raise ConditionFailed(f"order {order_id} is not claimable")
        return OrderRecord.model_validate(item)

    def mark_placed(self, client_hash: str, order_id: str, *, token: str, vtex_order: str, vtex_status: str | None,
                    now: int) -> OrderRecord:
        """CLAIMED (by us) -> PLACED_IN_VTEX with the VTEX order id. Refused (ConditionFailed) when a cancel
        was requested meanwhile: the claim holder then cancels what it placed. The claim stays until the
        order is authorized."""
        item = self._claim.complete(
            self._key(client_hash, order_id), owner=token, end=False,
            set_={"sync_state": SyncState.PLACED_IN_VTEX.value, "vtex_order": vtex_order,
                  "vtex_status": vtex_status or "created", "updated_at": now},
            remove=["error_reason", "error_code"],
            condition="sync_state = :claimed AND attribute_not_exists(cancel_requested)",
            values={":claimed": SyncState.CLAIMED.value},
        )
        return OrderRecord.model_validate(item)

    def mark_authorized(self, client_hash: str, order_id: str, *, now: int,
                        vtex_status: str | None = None) -> OrderRecord:
        """PLACED_IN_VTEX -> AUTHORIZED (idempotent: an AUTHORIZED order stays AUTHORIZED)."""
        item = self._table.update_fields(
            self._key(client_hash, order_id),
            {"sync_state": SyncState.AUTHORIZED.value, "vtex_status": vtex_status or "authorize-fulfillment",
             "updated_at": now},
            remove=["claim_token", "lease_until"],
            values={":auth": SyncState.AUTHORIZED.value, ":placed": SyncState.PLACED_IN_VTEX.value},
            condition="sync_state = :placed OR sync_state = :auth",
        )
        return OrderRecord.model_validate(item)

    def mark_error(self, client_hash: str, order_id: str, *, token: str, reason: str, code: str,
                   now: int) -> OrderRecord:
        """CLAIMED (by us) -> ERROR with the reason; the order stays claimable for a replay. Refused when a
        cancel was requested meanwhile (the order must end CANCELLED, not replayable)."""
        item = self._claim.complete(
            self._key(client_hash, order_id), owner=token,
            set_={"sync_state": SyncState.ERROR.value, "error_reason": reason[:1000], "error_code": code,
                  "updated_at": now},
            condition="sync_state = :claimed AND attribute_not_exists(cancel_requested)",
            values={":claimed": SyncState.CLAIMED.value},
        )
        return OrderRecord.model_validate(item)

    def release(self, client_hash: str, order_id: str, *, token: str, state: SyncState, now: int,
                **attributes: Any) -> OrderRecord:
        """Gives a claim back (to HELD, NEW...) with extra attributes, if we still hold it.

        To HELD / PENDING_PAYMENT it is refused when a cancel was requested meanwhile (the claim holder
        honours the cancel instead); to NEW (a transient failure) it is not: the next claim honours it."""
        condition = "sync_state = :claimed"
        if state not in (SyncState.NEW, SyncState.CANCELLED):
            condition += " AND attribute_not_exists(cancel_requested)"
        item = self._claim.complete(
            self._key(client_hash, order_id), owner=token,
            set_={"sync_state": state.value, "updated_at": now, **attributes},
            condition=condition, values={":claimed": SyncState.CLAIMED.value},
        )
        return OrderRecord.model_validate(item)

    def mark_cancelled(self, client_hash: str, order_id: str, *, now: int, vtex_status: str | None = None,
                       reason: str | None = None, vtex_order: str | None = None) -> OrderRecord:
        """-> CANCELLED (unconditional: the VTEX side is settled by the caller), the claim removed."""
        item = self._table.update_fields(
            self._key(client_hash, order_id),
            {"sync_state": SyncState.CANCELLED.value, "updated_at": now, "vtex_status": vtex_status or None,
             "cancel_note": (reason and reason[:1000]) or None, "vtex_order": vtex_order or None},
            remove=["claim_token", "lease_until"])
        return OrderRecord.model_validate(item)

    def cancel_unclaimed(self, client_hash: str, order_id: str, *, now: int, reason: str) -> OrderRecord:
        """-> CANCELLED when no VTEX order is stored and no placement holds a live claim (creates the item if
        absent). Raises ConditionFailed otherwise: then `request_cancel` hands the cancel to the claim holder."""
        item = self._table.update_fields(
            self._key(client_hash, order_id),
            {"sync_state": SyncState.CANCELLED.value, "cancel_requested": now, "cancel_note": reason[:1000],
             "updated_at": now},
            set_if_absent={"created_at": now}, remove=["claim_token", "lease_until"],
            values={":now": now, ":claimed": SyncState.CLAIMED.value},
            condition="attribute_not_exists(vtex_order) AND (attribute_not_exists(sync_state) "
                      "OR sync_state <> :claimed OR lease_until < :now)")
        return OrderRecord.model_validate(item)

    def request_cancel(self, client_hash: str, order_id: str, *, now: int, reason: str) -> OrderRecord:
        """Flags a cancel for the placement holding a live claim (no VTEX order stored yet). Raises
        ConditionFailed when the claim is gone or the order was placed meanwhile: the caller re-reads."""
        item = self._table.update_fields(
            self._key(client_hash, order_id), {"cancel_requested": now, "cancel_note": reason[:1000]},
            values={":now": now, ":claimed": SyncState.CLAIMED.value},
            condition="sync_state = :claimed AND lease_until >= :now AND attribute_not_exists(vtex_order)")
        return OrderRecord.model_validate(item)

    def _transition(self, client_hash: str, order_id: str, sources: set[SyncState], target: SyncState, *,
                    now: int) -> bool:
        values = {f":s{i}": state.value for i, state in enumerate(sorted(sources))}
        try:
            self._table.update_fields(self._key(client_hash, order_id),
                                      {"sync_state": target.value, "updated_at": now}, values=values,
                                      condition=" OR ".join(f"sync_state = {v}" for v in values))
        except ConditionFailed:
            return False
        return True

    # --- other facts ------------------------------------------------------------------------------
    def set_attributes(self, client_hash: str, order_id: str, *, condition: str | None = None,
                       condition_values: Mapping[str, Any] | None = None, **attributes: Any) -> OrderRecord:
        """Sets attributes (creating the item if absent); a None value removes the attribute.
        `updated_at` is set by the caller when wanted."""
        set_, remove = set_or_remove(attributes)
        item = self._table.update_fields(self._key(client_hash, order_id), set_, remove=remove,
                                         condition=condition, values=condition_values)
        return OrderRecord.model_validate(item)

    def update_existing(self, client_hash: str, order_id: str, **attributes: Any) -> OrderRecord | None:
        """Sets attributes only on an existing order; None when the order is unknown."""
        try:
            return self.set_attributes(client_hash, order_id, condition="attribute_exists(order_id)",
                                       **attributes)
        except ConditionFailed:
            return None

    def iter_by_sync_state(self, state: SyncState, *, updated_before: int | None = None) -> Iterator[dict[str, Any]]:
        """Keys (client_hash, order_id, sync_state, updated_at) of orders in a state (GSI by_sync_state)."""
        condition = Key("sync_state").eq(state.value)
        if updated_before is not None:
            condition = condition & Key("updated_at").lt(updated_before)
        yield from self._table.query(IndexName="by_sync_state", KeyConditionExpression=condition)

    def get_many(self, client_hash: str, order_ids: list[str]) -> dict[str, OrderRecord]:
        items = self._table.batch_get([self._key(client_hash, o) for o in order_ids])
        return {i["order_id"]: OrderRecord.model_validate(i) for i in items}
