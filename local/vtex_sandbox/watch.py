"""The store changes VTEX notifies affiliates about (notifications.py sends them).

Every change of stock (PUT /sandbox/inventory, the logistics API, an order's reservation, a cancellation,
an invoice), of price (pricing API, PUT /sandbox/prices) and of an SKU (PUT /sandbox/skus/<id>, see
affiliates.py) notifies: stock rows only change through `_row`, prices only through the `prices` mapping,
so both are watched there and no area has to remember to call anything.
"""

from __future__ import annotations

from typing import Any

from .notifications import AffiliateNotifier
from .records import PriceRecord, StockRow
from .store import StoreCore


class _WatchedPrices(dict[int, PriceRecord]):
    """The store's prices: a write or a removal is a price change VTEX notifies."""

    def __init__(self, store: NotifyingArea) -> None:
        super().__init__()
        self._store = store

    def __setitem__(self, key: int, value: PriceRecord) -> None:
        super().__setitem__(key, value)
        self._store.sku_changed(key, price=True)

    def pop(self, key: int, *default: Any) -> Any:
        found = key in self
        value = super().pop(key, *default)
        if found:
            self._store.sku_changed(key, price=True)
        return value


class NotifyingArea(StoreCore):
    """Tells the affiliate notifier about every stock, price and SKU change (none while seeding)."""

    notifier: AffiliateNotifier | None = None
    _quiet = False

    def reset(self) -> None:
        super().reset()
        self.prices = _WatchedPrices(self)
        if self.notifier is not None:
            self.notifier.clear()

    def seed(self, catalog: Any) -> dict[str, int]:
        with self.lock:
            self._quiet = True
            try:
                return super().seed(catalog)
            finally:
                self._quiet = False

    def _row(self, sku_id: int, warehouse: str) -> StockRow:
        # Called by every area right before it changes a stock row (set, reserve, release, consume, return).
        row = super()._row(sku_id, warehouse)
        self.sku_changed(sku_id, stock=True)
        return row

    def sku_changed(self, sku_id: int, *, stock: bool = False, price: bool = False, sku: bool = False,
                    removed: bool = False) -> None:
        if self._quiet or self.notifier is None:
            return
        record = self.skus.get(int(sku_id))
        if record is None:
            return
        self.notifier.changed(record.id, record.product_id, is_active=record.is_active, stock=stock, price=price,
                              sku=sku, removed=removed)
