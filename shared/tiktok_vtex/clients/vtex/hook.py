"""VTEX orders hook (feed v3): read, configure and delete the hook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.vtex.errors import VtexNotFound
from tiktok_vtex.clients.vtex.models import OrdersHookConfig
from tiktok_vtex.clients.vtex.transport import DEFAULT_HOOK_STATUSES, VtexTransport


class OrdersHookApi(VtexTransport):
    """VTEX orders hook (feed v3) calls of VtexClient (transport in transport.py)."""

    def get_orders_hook(self) -> OrdersHookConfig | None:
        """The hook configured for this app key, or None."""
        try:
            data = self._get("/api/orders/hook/config")
        except VtexNotFound:
            return None
        return OrdersHookConfig.model_validate(data) if data else None

    def set_orders_hook(self, url: str, filter_statuses: Sequence[str] | None = DEFAULT_HOOK_STATUSES,
                        headers: Mapping[str, str] | None = None) -> OrdersHookConfig:
        """Configure the orders hook (our `/vtex/orderhook`). VTEX pings the URL first: anything but 200
        there makes this call fail with VtexBadRequest. `filter_statuses=None` subscribes to every change."""
        body: dict[str, Any] = {"hook": {"url": url, "headers": dict(headers or {})}}
        if filter_statuses is not None:
            body["filter"] = {"type": "FromWorkflow", "status": list(filter_statuses)}
        path = "/api/orders/hook/config"
        data = self._json(self._request("POST", path, body=body), "POST", path)
        return OrdersHookConfig.model_validate(data if isinstance(data, dict) and data.get("hook") else body)

    def delete_orders_hook(self) -> None:
        try:
            self._request("DELETE", "/api/orders/hook/config")
        except VtexNotFound:
            return
