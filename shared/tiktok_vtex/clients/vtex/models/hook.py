"""VTEX orders hook (feed v3 hook configuration and its notifications) (pydantic; conventions in models/__init__)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tiktok_vtex.clients.vtex.models.base import VtexModel

# --- orders hook -----------------------------------------------------------------------------------


class HookFilter(VtexModel):
    type: Literal["FromWorkflow", "FromOrders"] = "FromWorkflow"
    status: list[str] | None = None
    expression: str | None = None
    disableSingleFire: bool | None = None


class HookTarget(VtexModel):
    url: str
    headers: dict[str, str] = Field(default_factory=dict)


class OrdersHookConfig(VtexModel):
    filter: HookFilter | None = None
    hook: HookTarget


class OrderHookNotification(VtexModel):
    """What VTEX POSTs to the hook URL on a status change (the ping is `{"hookConfig": "ping"}`)."""

    Domain: str | None = None
    OrderId: str
    State: str
    LastState: str | None = None
    LastChange: str | None = None
    CurrentChange: str | None = None
    Origin: dict[str, Any] | None = None
