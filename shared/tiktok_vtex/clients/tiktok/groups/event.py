"""Event API: the shop's webhook addresses."""

from __future__ import annotations

from tiktok_vtex.clients.tiktok.core import ClientCore, Json


class EventApi(ClientCore):
    def get_webhooks(self) -> list[Json]:
        return list(self._data("GET", "/event/{version}/webhooks").get("webhooks") or [])

    def update_webhook(self, event_type: str, address: str) -> None:
        self._data("PUT", "/event/{version}/webhooks", body={"address": address, "event_type": event_type})

    def delete_webhook(self, event_type: str) -> None:
        self._data("DELETE", "/event/{version}/webhooks", body={"event_type": event_type})
