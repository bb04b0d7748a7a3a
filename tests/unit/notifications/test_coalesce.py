"""The near-real-time trigger over the stock and price syncs (issue 16): coalescing per product, unknown
SKUs, removal from the affiliate, stale notifications, and the TikTok update the result drives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tiktok_vtex.clients.vtex.models import ComputedPrice
from tiktok_vtex.inventory.memory import MemoryChangeLog, MemoryQueue, MemoryStateStore
from tiktok_vtex.inventory.models import UpdateInventory
from tiktok_vtex.inventory.rules import WarehouseRoute
from tiktok_vtex.inventory.sync import ClientSyncContext, NoPendingOrders, StockSync
from tiktok_vtex.notifications.coalesce import RealtimeSync, merge
from tiktok_vtex.notifications.models import QueuedChange
from tiktok_vtex.pricing.sync import PriceSync
from tiktok_vtex.repositories.products import SellerSku

CLIENT = "c0ffee"
T0 = 1_800_000_000_000  # ms


class Clock:
    def __init__(self) -> None:
        self.now = T0 / 1000 + 60  # our readings happen a minute after the changes below

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


class Vtex:
    def __init__(self, rows: list[SellerSku]) -> None:
        self.stock = {r.seller_sku: 7 for r in rows}
        self.price = {r.seller_sku: "50.00" for r in rows}
        self.stock_calls: list[str] = []
        self.price_calls: list[str] = []

    def get_inventory(self, sku_id: Any, warehouse_id: str | None = None) -> Any:
        from tiktok_vtex.clients.vtex.models import InventoryBalance

        self.stock_calls.append(str(sku_id))
        return InventoryBalance(skuId=str(sku_id), warehouseId=str(warehouse_id),
                                availableQuantity=self.stock[str(sku_id)])

    def get_computed_price(self, sku_id: Any, trade_policy: str | None = None) -> ComputedPrice:
        self.price_calls.append(str(sku_id))
        return ComputedPrice(tradePolicyId="1", sellingPrice=Decimal(self.price[str(sku_id)]))


def rows(products: int = 2, skus: int = 5) -> list[SellerSku]:
    return [SellerSku(client_hash=CLIENT, seller_sku=str(880400 + p * 10 + s), tik_tok_product_id=f"P{p}",
                      tik_tok_sku_id=f"T{880400 + p * 10 + s}") for p in range(products) for s in range(skus)]


def change(sku_id: str, at: int = T0, **flags: Any) -> QueuedChange:
    return QueuedChange(clientHash=CLIENT, skuId=sku_id, modifiedMs=at, receivedMs=at + 100, **flags)


class World:
    def __init__(self) -> None:
        self.rows = rows()
        self.state = MemoryStateStore(self.rows)
        self.clock = Clock()
        self.vtex = Vtex(self.rows)
        self.ctx = ClientSyncContext(CLIENT, (WarehouseRoute("1_1", "TW1"),))
        self.stock = StockSync(self.state, MemoryChangeLog(), clock=self.clock)
        self.prices = PriceSync(self.state, MemoryChangeLog(), MemoryChangeLog(), clock=self.clock)
        self.sync = RealtimeSync(self.state, self.stock, self.prices, clock=self.clock)
        self.stock_updates, self.price_updates = MemoryQueue(), MemoryQueue()

    def run(self, changes: list[QueuedChange]) -> Any:
        [(_client, merged)] = merge(changes).items()
        return self.sync.run(self.ctx, merged, vtex_stock=self.vtex, vtex_prices=self.vtex, pending=NoPendingOrders(),
                             stock_updates=self.stock_updates, price_updates=self.price_updates)


def test_a_burst_for_one_product_makes_one_read_per_sku_and_one_message_per_channel() -> None:
    world = World()
    product = [r.seller_sku for r in world.rows if r.tik_tok_product_id == "P0"]
    burst = [change(sku, T0 + n, stock=True, price=n % 2 == 0) for n in range(50) for sku in [product[n % 5]]]
    report = world.run(burst)
    assert sorted(world.vtex.stock_calls) == sorted(product)  # 50 notifications, 5 SKUs: 5 reads
    assert sorted(world.vtex.price_calls) == sorted(product)
    [stock_message] = world.stock_updates.messages
    [price_message] = world.price_updates.messages
    assert stock_message["productId"] == "P0" and len(stock_message["skus"]) == 5
    assert price_message["productId"] == "P0" and len(price_message["skus"]) == 5
    assert report.notified_skus == 5 and report.unknown == 0


def test_unknown_and_unlinked_skus_are_dropped_without_a_vtex_read() -> None:
    world = World()
    world.state.put(SellerSku(client_hash=CLIENT, seller_sku="990001"))  # not on TikTok yet
    report = world.run([change("123456", stock=True), change("990001", stock=True, price=True)])
    assert report.unknown == 2 and world.vtex.stock_calls == [] and world.vtex.price_calls == []
    assert world.stock_updates.messages == [] and world.price_updates.messages == []


def test_a_notification_older_than_the_reading_applied_is_stale() -> None:
    world = World()
    sku = world.rows[0].seller_sku
    world.state._update(CLIENT, sku, stock_read_at_ms=T0 + 30_000, stock_sent={"TW1": 7},
                        price_read_at_ms=T0 - 60_000)
    report = world.run([change(sku, T0, stock=True, price=True)])
    assert world.vtex.stock_calls == [] and report.stale == 1  # read 30 s after the change: already has it
    assert world.vtex.price_calls == [sku]  # that reading was before the change: read again


def test_within_the_clock_margin_a_notification_is_not_stale() -> None:
    world = World()
    sku = world.rows[0].seller_sku
    world.state._update(CLIENT, sku, stock_read_at_ms=T0 + 1_000)  # 1 s after: VTEX's clock may be behind ours
    world.run([change(sku, T0, stock=True)])
    assert world.vtex.stock_calls == [sku]


def test_removed_from_affiliate_or_inactive_sends_zero_without_reading_vtex() -> None:
    world = World()
    removed, inactive = world.rows[0].seller_sku, world.rows[1].seller_sku
    world.run([change(removed, removed=True), change(inactive, isActive=False, sku=True)])
    assert world.vtex.stock_calls == []
    [message] = world.stock_updates.messages
    assert {s["sellerSku"]: s["inventory"] for s in message["skus"]} == {
        removed: [{"warehouseIdTTK": "TW1", "quantity": 0}], inactive: [{"warehouseIdTTK": "TW1", "quantity": 0}]}
    assert world.state.get(CLIENT, removed).vtex_unavailable is True
    assert world.state.get(CLIENT, inactive).catalog_modified_at_ms == T0  # recorded for the catalog flow
    # the nightly run (same fetch step) keeps them at 0 instead of reading VTEX's stock back
    world.stock.fetch_and_dispatch(world.ctx, [removed], world.vtex, NoPendingOrders(), MemoryQueue(), force=True)
    assert world.vtex.stock_calls == []


def test_the_newest_notification_decides_availability() -> None:
    world = World()
    sku = world.rows[0].seller_sku
    world.run([change(sku, T0 + 10, isActive=True, stock=True), change(sku, T0, removed=True)])  # out of order
    assert world.state.get(CLIENT, sku).vtex_unavailable is not True and world.vtex.stock_calls == [sku]
    world.run([change(sku, T0 + 20, removed=True)])
    world.run([change(sku, T0 + 5, isActive=True, stock=True)])  # late and older: ignored
    assert world.state.get(CLIENT, sku).vtex_unavailable is True
    world.run([change(sku, T0 + 30, isActive=True, stock=True)])  # offered again: read from VTEX
    assert world.state.get(CLIENT, sku).vtex_unavailable is False and world.vtex.stock_calls == [sku, sku]


def test_the_update_step_sends_one_tiktok_call_per_product_with_the_zero() -> None:
    world = World()
    world.run([change(r.seller_sku, stock=True) for r in world.rows[:5]] + [change(world.rows[5].seller_sku,
                                                                                      removed=True)])
    calls: list[tuple[str, list[dict[str, Any]]]] = []

    class TikTok:
        def update_inventory(self, product_id: str, skus: list[dict[str, Any]]) -> Any:
            from tiktok_vtex.clients.tiktok.models import BatchResult

            calls.append((product_id, skus))
            return BatchResult()

    for message in world.stock_updates.drain():
        world.stock.update(world.ctx, UpdateInventory.model_validate(message), TikTok())
    assert sorted(p for p, _ in calls) == ["P0", "P1"]
    p1 = dict(calls)["P1"]
    assert p1 == [{"id": world.rows[5].tik_tok_sku_id, "inventory": [{"warehouse_id": "TW1", "quantity": 0}]}]
    assert world.state.get(CLIENT, world.rows[0].seller_sku).stock_sent == {"TW1": 7}


def test_an_older_payload_naming_no_change_reads_both() -> None:
    world = World()
    sku = world.rows[0].seller_sku
    world.run([change(sku)])
    assert world.vtex.stock_calls == [sku] and world.vtex.price_calls == [sku]


def test_a_flood_of_10000_notifications_is_coalesced() -> None:
    world = World()
    world.rows = rows(products=20, skus=5)
    world.state = MemoryStateStore(world.rows)
    world.vtex = Vtex(world.rows)
    world.stock = StockSync(world.state, MemoryChangeLog(), clock=world.clock)
    world.sync = RealtimeSync(world.state, world.stock, world.prices, clock=world.clock)
    flood = [change(world.rows[n % 100].seller_sku, T0 + n, stock=True) for n in range(10_000)]
    flood += [change(str(990000 + n), T0, stock=True) for n in range(500)]  # SKUs we do not list
    report = world.run(flood)
    assert len(world.vtex.stock_calls) == 100 and report.unknown == 500
    assert len(world.stock_updates.messages) == 20  # one per product


def test_a_sku_gone_from_the_feed_keeps_stock_zero_in_the_nightly_run() -> None:
    """Issue 17: a variant the catalog updates marked `removed_from_feed` is not given its VTEX stock back."""
    world = World()
    gone = world.rows[0].seller_sku
    world.state._update(CLIENT, gone, removed_from_feed=True)
    queue = MemoryQueue()
    world.stock.fetch_and_dispatch(world.ctx, [gone], world.vtex, NoPendingOrders(), queue, force=True)
    assert world.vtex.stock_calls == []
    [message] = queue.messages
    assert [s["inventory"] for s in message["skus"]] == [[{"warehouseIdTTK": "TW1", "quantity": 0}]]
