"""What VTEX sends us about orders (hook deliveries) and the messages of the VTEX orders queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

CLIENT_HASH = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_VTEX_ORDER_ID = r"^[A-Za-z0-9_-]{1,64}$"
_STATE = r"^[a-z][a-z-]{0,63}$"

# The statuses we act on (hook filter of ORDERHOOK-MANAGEMENT) and what each does.
INVOICED_STATES = frozenset({"invoiced"})
CANCELLED_STATES = frozenset({"cancel", "canceled"})
RECORDED_STATES = ("ready-for-handling", "start-handling", "handling", "window-to-cancel", "invoice",
                   "cancellation-requested")
HOOK_STATUSES = (*RECORDED_STATES, "invoiced", "cancel", "canceled")

# Seller-flow order of VTEX statuses (vtex-api.md 5.11): a status never replaces a later one. cancel /
# canceled rank last: an invoiced order may still be cancelled (after an Input invoice), never the reverse.
VTEX_STATUS_RANK = {status: rank for rank, status in enumerate((
    "created", "order-accepted", "waiting-ffmt-authorization", "authorize-fulfillment", "window-to-cancel",
    "ready-for-handling", "start-handling", "handling", "invoice", "invoiced", "cancellation-requested",
    "cancel", "canceled"), start=1)}


def change_micros(value: str | None) -> int | None:
    """VTEX's change timestamps (ISO 8601, often 7 fractional digits and a Z) as integer microseconds."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        # more than 6 fractional digits on an older parser: cut them to 6
        match = re.match(r"^(.*\.\d{6})\d+(.*)$", text)
        if not match:
            return None
        try:
            parsed = datetime.fromisoformat(match.group(1) + match.group(2))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1_000_000)


class HookNotification(BaseModel):
    """A hook delivery: `{Domain, OrderId, State, LastState, LastChange, CurrentChange, Origin}`."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    Domain: str | None = Field(default=None, max_length=32)
    OrderId: str = Field(pattern=_VTEX_ORDER_ID)
    State: str = Field(pattern=_STATE)
    LastState: str | None = Field(default=None, max_length=64)
    LastChange: str = Field(min_length=1, max_length=40)
    CurrentChange: str | None = Field(default=None, max_length=40)
    Origin: dict[str, Any] | None = None

    @field_validator("LastChange", "CurrentChange")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is not None and change_micros(value) is None:
            raise ValueError("must be an ISO 8601 timestamp")
        return value

    @property
    def changed_at(self) -> int:
        """When this state was reached: CurrentChange, else LastChange (the guide's example has only that)."""
        return change_micros(self.CurrentChange) or change_micros(self.LastChange) or 0

    @property
    def dedup_key(self) -> str:
        return f"{self.OrderId}|{self.State}|{self.LastChange}"


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    client_hash: str = Field(pattern=CLIENT_HASH.pattern, validation_alias=AliasChoices("clientHash", "client_hash"),
                             serialization_alias="clientHash")


class VtexHookMessage(_Message):
    """A verified, deduplicated hook delivery handed to VTEX-ORDERS-processor."""

    type: Literal["vtexOrderHook"] = "vtexOrderHook"
    vtex_order_id: str = Field(pattern=_VTEX_ORDER_ID, validation_alias=AliasChoices("vtexOrderId", "vtex_order_id"),
                               serialization_alias="vtexOrderId")
    state: str = Field(pattern=_STATE)
    last_state: str | None = Field(default=None, validation_alias=AliasChoices("lastState", "last_state"),
                                   serialization_alias="lastState")
    changed_at: int = Field(ge=0, validation_alias=AliasChoices("changedAt", "changed_at"),
                            serialization_alias="changedAt")
    received_ms: int = Field(ge=0, validation_alias=AliasChoices("receivedMs", "received_ms"),
                             serialization_alias="receivedMs")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


VtexOrdersMessage = VtexHookMessage
