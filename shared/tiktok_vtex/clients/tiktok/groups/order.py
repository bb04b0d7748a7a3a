"""Order API: order search and detail."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tiktok_vtex.clients.tiktok.core import ClientCore, Json, clean, iter_items
from tiktok_vtex.clients.tiktok.models import Page

MAX_ORDER_IDS_PER_CALL = 50


class OrderApi(ClientCore):
    def search_orders(
        self,
        filters: Mapping[str, Any] | None = None,
        page_size: int = 50,
        page_token: str | None = None,
        *,
        sort_field: str | None = None,
        sort_order: str | None = None,
    ) -> Page:
        return self._page(
            "POST",
            "/order/{version}/orders/search",
            "orders",
            page_size=page_size,
            page_token=page_token,
            body=clean(filters),
            query={"sort_field": sort_field, "sort_order": sort_order},
        )

    def iter_orders(
        self,
        filters: Mapping[str, Any] | None = None,
        page_size: int = 100,
        *,
        sort_field: str | None = None,
        sort_order: str | None = None,
    ) -> Iterator[Json]:
        return iter_items(
            lambda token: self.search_orders(filters, page_size, token, sort_field=sort_field, sort_order=sort_order)
        )

    def get_order_details(self, order_ids: Iterable[str]) -> list[Json]:
        """Order detail, at most 50 ids a call (chunked here)."""
        ids = [str(o) for o in order_ids]
        orders: list[Json] = []
        for i in range(0, len(ids), MAX_ORDER_IDS_PER_CALL):
            chunk = ids[i : i + MAX_ORDER_IDS_PER_CALL]
            orders.extend(self._data("GET", "/order/{version}/orders", query={"ids": chunk}).get("orders") or [])
        return orders
