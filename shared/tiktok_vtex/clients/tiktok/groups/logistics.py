"""Logistics API: the shop's warehouses."""

from __future__ import annotations

from tiktok_vtex.clients.tiktok.core import ClientCore, Json


class LogisticsApi(ClientCore):
    def get_warehouses(self) -> list[Json]:
        return list(self._data("GET", "/logistics/{version}/warehouses").get("warehouses") or [])
