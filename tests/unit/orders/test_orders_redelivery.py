"""Issue 10 defect 1: a redelivered push re-emits its idempotent effect; the sweep feeds orders whose
effect may never have been sent. Defect 4: units are known from the first push / the sweep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from tests.unit.orders.conftest import OrdersWorld
from tests.unit.orders.fakes_orders import CLIENT, tiktok_order
from tiktok_vtex.inventory.pending import OrdersPendingUnits
from tiktok_vtex.orders.events import OrderEvents
from tiktok_vtex.orders.sweep import sweep
from tiktok_vtex.repositories.orders import SyncState

ORDER = "576600000000000010"


class QueueDown(RuntimeError):
    pass


class FailsOnce:
    """The orders queue refuses the first send (SQS outage, or the function dies right after the write)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failed = False

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        if not self.failed:
            self.failed = True
            raise QueueDown("SQS unavailable")
        return self.inner.send(messages)


def flaky_events(world: OrdersWorld) -> OrderEvents:
    return OrderEvents(world.orders, FailsOnce(world.queue), world.shipping)


def test_paid_push_redelivered_after_a_failed_send_creates_exactly_one_vtex_order(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER, update_time=200))
    events = flaky_events(world)
    with pytest.raises(QueueDown):
        events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000)  # status written, message lost
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.NEW  # type: ignore[union-attr]
    # the webhook queue redelivers the same push (twice): it is not "stale", it sends the message again
    assert events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000) == "create_requested"
    assert events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000) == "create_requested"
    assert world.drain() == ["placed_authorized", "already_authorized"]  # the placement claim absorbs repeats
    # once placed, a further repeat has nothing left to emit
    assert events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000) == "status_updated"
    assert world.drain() == []
    assert world.vtex.calls["place_order"] == 1 and len(world.vtex.orders) == 1


def test_cancel_push_redelivered_after_a_failed_send_cancels_exactly_once(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER, update_time=200))
    world.events().order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000)
    world.drain()
    events = flaky_events(world)
    with pytest.raises(QueueDown):
        events.order_status(CLIENT, ORDER, "CANCELLED", 300, 1000)
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.status == "CANCELLED" and record.sync_state == SyncState.AUTHORIZED
    assert events.order_status(CLIENT, ORDER, "CANCELLED", 300, 1000) == "cancel_requested"
    assert world.drain() == ["cancelled_in_vtex"]
    assert events.order_status(CLIENT, ORDER, "CANCELLED", 300, 1000) == "cancelled"  # settled: nothing sent
    assert world.queue.sent == []
    assert world.vtex.calls["cancel_order"] == 1
    assert world.vtex.orders[f"TTK-{ORDER}"]["status"] == "canceled"
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.CANCELLED  # type: ignore[union-attr]


def test_sweep_feeds_a_cancel_whose_message_was_lost_even_with_the_same_update_time(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    world.tiktok.add(tiktok_order(ORDER, update_time=now - 900))
    world.events().order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", now - 900, now)
    world.drain()
    with pytest.raises(QueueDown):
        flaky_events(world).order_status(CLIENT, ORDER, "CANCELLED", now - 600, now)
    world.tiktok.add(tiktok_order(ORDER, status="CANCELLED", update_time=now - 600))  # TikTok's truth
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue, clock=world.clock)
    assert report.fed == 1 and report.outcomes == {"cancel_requested": 1}
    assert world.drain() == ["cancelled_in_vtex"]
    assert world.vtex.orders[f"TTK-{ORDER}"]["status"] == "canceled"
    # settled: the next run feeds nothing
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue, clock=world.clock)
    assert report.fed == 0 and world.queue.sent == []


def test_sweep_feeds_a_paid_order_left_pending_by_a_crash_before_promotion(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    world.tiktok.add(tiktok_order(ORDER, update_time=now - 600))
    # the push stored the paid status, then the function died before promoting / sending
    world.orders.record_status(CLIENT, ORDER, status="AWAITING_SHIPMENT", update_time=now - 600, now=now,
                               initial_state=SyncState.PENDING_PAYMENT)
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue, clock=world.clock)
    assert report.outcomes == {"create_requested": 1}
    assert world.drain() == ["placed_authorized"]
    assert world.vtex.calls["place_order"] == 1


def test_unpaid_order_units_are_recorded_from_the_first_push_and_counted_by_the_stock_sync(
        world: OrdersWorld) -> None:
    pending = OrdersPendingUnits(world.orders.table.name, clock=world.clock)
    world.tiktok.add(tiktok_order(ORDER, status="UNPAID", update_time=100))
    assert world.events().order_status(CLIENT, ORDER, "UNPAID", 100, 1000) == "units_requested"
    assert world.drain() == ["units_recorded"]
    assert pending.units_by_seller_sku(CLIENT) == {"1001": 2, "1002": 1}
    # paid, placed: VTEX counts it now, we no longer do
    world.tiktok.add(tiktok_order(ORDER, update_time=200))
    world.events().order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000)
    assert world.drain() == ["placed_authorized"]
    assert pending.units_by_seller_sku(CLIENT) == {}


def test_held_order_units_count_before_creation(world: OrdersWorld) -> None:
    pending = OrdersPendingUnits(world.orders.table.name, clock=world.clock)
    world.settings.order_hold_minutes = 60
    world.tiktok.add(tiktok_order(ORDER, paid_time=int(world.clock.now) - 60))
    assert world.placer().create(CLIENT, ORDER) == "held"
    assert pending.units_by_seller_sku(CLIENT) == {"1001": 2, "1002": 1}


def test_sweep_records_units_from_the_search_result_without_reading_the_detail(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    pending = OrdersPendingUnits(world.orders.table.name, clock=world.clock)
    world.tiktok.add(tiktok_order(ORDER, status="UNPAID", update_time=now - 300, items=(("1002", "10.00"),) * 3))
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue, clock=world.clock)
    assert report.units_recorded == 1 and "get_order_details" not in world.tiktok.calls
    assert pending.units_by_seller_sku(CLIENT) == {"1002": 3}
    # a units reading older than the stored one never replaces it
    assert world.orders.set_units(CLIENT, ORDER, {"1002": 9}, update_time=now - 900) is False
    assert pending.units_by_seller_sku(CLIENT) == {"1002": 3}
