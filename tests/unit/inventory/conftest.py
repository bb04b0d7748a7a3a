"""In-memory fakes of the ports the stock sync takes (VTEX inventory, TikTok inventory update)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.clients.tiktok.models import BatchResult, ItemError
from tiktok_vtex.clients.vtex.errors import VtexNotFound, VtexRateLimited
from tiktok_vtex.clients.vtex.models import InventoryBalance
from tiktok_vtex.inventory.memory import MemoryChangeLog, MemoryQueue, MemoryStateStore
from tiktok_vtex.inventory.rules import WarehouseRoute
from tiktok_vtex.inventory.sync import ClientSyncContext, StockSync
from tiktok_vtex.repositories.products import SellerSku

CLIENT = "c0ffee"


class FakeVtex:
    def __init__(self) -> None:
        self.stock: dict[tuple[str, str], int] = {}
        self.unlimited: set[tuple[str, str]] = set()
        self.throttle: dict[str, int] = {}  # sku -> number of 429s still to answer
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def get_inventory(self, sku_id: Any, warehouse_id: str | None = None) -> InventoryBalance:
        key = (str(sku_id), str(warehouse_id))
        with self._lock:
            self.calls.append(key)
            if self.throttle.get(key[0], 0) > 0:
                self.throttle[key[0]] -= 1
                raise VtexRateLimited(429, None, "Too Many Requests", retry_after=1.0)
        if key not in self.stock:
            raise VtexNotFound(404, None, "sku not found")
        return InventoryBalance(skuId=key[0], warehouseId=key[1], availableQuantity=self.stock[key],
                                isUnlimited=key in self.unlimited)


class FakeTikTok:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self.item_errors: list[dict[str, Any]] = []  # consumed by the next call
        self.raise_next: list[Exception] = []
        self.inventory: dict[str, dict[str, int]] = {}
        self.prices: dict[str, str] = {}

    def _result(self, skus: list[dict[str, Any]]) -> BatchResult:
        errors = [ItemError.model_validate(e) for e in self.item_errors]
        self.item_errors = []
        return BatchResult(code=12052990 if errors and len(errors) == len(skus) else 0,
                           errors=errors, request_id="req-1")

    def _call(self, product_id: str, skus: list[dict[str, Any]], accept: Any) -> BatchResult:
        """One TikTok batch call: records it, raises what was queued, applies the SKUs not in error."""
        self.calls.append((product_id, skus))
        if self.raise_next:
            raise self.raise_next.pop(0)
        result = self._result(skus)
        failed = result.failed_ids("sku_id")
        for sku in skus:
            if sku["id"] not in failed:
                accept(sku)
        return result

    def update_inventory(self, product_id: str, skus: list[dict[str, Any]]) -> BatchResult:
        return self._call(product_id, skus, lambda sku: self.inventory.__setitem__(
            sku["id"], {w["warehouse_id"]: w["quantity"] for w in sku["inventory"]}))

    def update_prices(self, product_id: str, skus: list[dict[str, Any]]) -> BatchResult:
        return self._call(product_id, skus, lambda sku: self.prices.__setitem__(sku["id"], sku["price"]["amount"]))


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 0.001  # every reading is a little later than the previous one
        return self.now


def make_rows(products: int = 2, skus_per_product: int = 2) -> list[SellerSku]:
    rows = []
    for p in range(products):
        for s in range(skus_per_product):
            sku = str(880400 + p * 10 + s)
            rows.append(SellerSku(client_hash=CLIENT, seller_sku=sku, tik_tok_product_id=f"P{p}",
                                  tik_tok_sku_id=f"T{sku}"))
    return rows


@pytest.fixture
def env() -> dict[str, Any]:
    rows = make_rows()
    state = MemoryStateStore(rows)
    log = MemoryChangeLog()
    clock = Clock()
    vtex = FakeVtex()
    for row in rows:
        vtex.stock[(row.seller_sku, "1_1")] = 10
    ctx = ClientSyncContext(CLIENT, (WarehouseRoute("1_1", "TW1"),))
    sync = StockSync(state, log, clock=clock, max_concurrency=4, fetch_batch_size=3)
    return {"rows": rows, "state": state, "log": log, "clock": clock, "vtex": vtex, "tiktok": FakeTikTok(),
            "ctx": ctx, "sync": sync, "fetch_queue": MemoryQueue(), "update_queue": MemoryQueue()}


def tiktok_error(cls: type[TikTokApiError], code: int) -> TikTokApiError:
    return cls(code, "boom", "req", 500)


@pytest.fixture
def kit() -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(FakeVtex=FakeVtex, FakeTikTok=FakeTikTok, Clock=Clock, make_rows=make_rows,
                           tiktok_error=tiktok_error, CLIENT=CLIENT)
