"""Logistics API: the shop's warehouses and the shipping providers of a delivery option."""

from __future__ import annotations

from tiktok_vtex.clients.tiktok.core import ClientCore, Json


class LogisticsApi(ClientCore):
    def get_warehouses(self) -> list[Json]:
        return list(self._data("GET", "/logistics/{version}/warehouses").get("warehouses") or [])


    def get_shipping_providers(self, delivery_option_id: str) -> list[Json]:
        return list(self._data("GET", "/logistics/{version}/delivery_options/{delivery_option_id}/shipping_providers",
                               path_params={"delivery_option_id": delivery_option_id}).get("shipping_providers") or [])
