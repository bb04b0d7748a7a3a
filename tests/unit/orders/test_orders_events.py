"""Push effects on orders (no VTEX), statuses that never move backwards, the sweep and the order search."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.orders.conftest import OrdersWorld
from tests.unit.orders.fakes_orders import CLIENT, tiktok_order
from tiktok_vtex.orders.models import GetOrdersMessage
from tiktok_vtex.orders.sweep import requeue_stuck, search_orders, sweep
from tiktok_vtex.repositories.orders import SyncState

ORDER = "576600000000000002"
STATUSES = ["UNPAID", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"]


def test_legacy_rule_unpaid_is_recorded_not_created_then_paid_creates(world: OrdersWorld) -> None:
    events = world.events()
    world.tiktok.add(tiktok_order(ORDER, status="UNPAID", update_time=100))
    # not created while unpaid, but its units are requested at once (defect 4: the stock sync counts them)
    assert events.order_status(CLIENT, ORDER, "UNPAID", 100, 1000) == "units_requested"
    assert world.queue.sent == [{"type": "recordOrderUnits", "clientHash": CLIENT, "orderId": ORDER}]
    assert world.drain() == ["units_recorded"]
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.PENDING_PAYMENT  # type: ignore[union-attr]
    assert events.order_status(CLIENT, ORDER, "ON_HOLD", 150, 1000) == "status_updated"  # units known now
    assert world.queue.sent == []
    assert events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000) == "create_requested"
    assert world.queue.sent == [{"type": "triggerNewOrderInTTK", "clientHash": CLIENT, "orderId": ORDER}]
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.status == "AWAITING_SHIPMENT" and record.sync_state == SyncState.NEW


def test_unknown_paid_order_requests_creation_and_later_statuses_only_update(world: OrdersWorld) -> None:
    events = world.events()
    world.tiktok.add(tiktok_order(ORDER, update_time=200))
    assert events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000) == "create_requested"
    world.drain()
    assert events.order_status(CLIENT, ORDER, "IN_TRANSIT", 300, 1000) == "status_updated"
    assert world.queue.sent == []
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.status == "IN_TRANSIT" and record.sync_state == SyncState.AUTHORIZED


def test_older_status_never_overwrites_a_newer_one(world: OrdersWorld) -> None:
    events = world.events()
    events.order_status(CLIENT, ORDER, "IN_TRANSIT", 300, 1000)
    assert events.order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", 200, 1000) == "stale_status_ignored"
    # the same push again is not stale: it re-emits the effect of the stored state (defect 1)
    assert events.order_status(CLIENT, ORDER, "IN_TRANSIT", 300, 1000) == "create_requested"
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.status == "IN_TRANSIT" and record.tiktok_update_time == 300
    # same second: the later lifecycle status wins, in either delivery order
    assert events.order_status(CLIENT, ORDER, "CANCEL", 300, 1000) == "cancel_requested"
    assert events.order_status(CLIENT, ORDER, "DELIVERED", 300, 1000) == "stale_status_ignored"
    assert world.orders.get(CLIENT, ORDER).status == "CANCELLED"  # type: ignore[union-attr]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(list(enumerate(STATUSES))), order_id=st.integers(min_value=1, max_value=10**9))
def test_any_delivery_order_ends_with_the_newest_status(world: OrdersWorld, order: list[tuple[int, str]],
                                                        order_id: int) -> None:
    events = world.events()
    for rank, status in order:
        events.order_status(CLIENT, str(order_id), status, 1000 + rank, 2000)
    record = world.orders.get(CLIENT, str(order_id))
    assert record is not None
    assert record.status == STATUSES[-1] and record.tiktok_update_time == 1000 + len(STATUSES) - 1


def test_cancel_spellings_both_request_cancellation(world: OrdersWorld) -> None:
    events = world.events()
    for n, spelling in enumerate(("CANCEL", "CANCELLED")):
        events.order_status(CLIENT, f"{ORDER}{n}", "AWAITING_SHIPMENT", 100, 1000)
        world.queue.take()
        assert events.order_status(CLIENT, f"{ORDER}{n}", spelling, 200, 1000) == "cancel_requested"
        assert world.queue.take()[0]["type"] == "cancelOrderInVtex"
        assert world.orders.get(CLIENT, f"{ORDER}{n}").status == "CANCELLED"  # type: ignore[union-attr]
    # an order first seen cancelled is simply recorded
    assert events.order_status(CLIENT, "never-seen", "CANCEL", 50, 1000) == "cancelled"


def test_cancellation_return_reverse_package_invoice_and_vtex_pushes(world: OrdersWorld) -> None:
    events = world.events()
    # issue 15: a pending buyer request is answered per policy (orders function, vtex_orders.after_sales)
    assert events.cancellation(CLIENT, ORDER, cancel_status="CANCELLATION_REQUEST_PENDING", cancel_id="c1",
                               role="BUYER", now=1) == "answer_requested"
    assert world.queue.take() == [{"type": "answerBuyerCancellation", "clientHash": CLIENT, "orderId": ORDER,
                                   "cancelId": "c1"}]
    assert events.cancellation(CLIENT, ORDER, cancel_status="CANCELLATION_REQUEST_PENDING", cancel_id="c1",
                               role="SELLER", now=1) == "recorded"
    assert world.queue.sent == []
    assert events.cancellation(CLIENT, ORDER, cancel_status="CANCELLATION_REQUEST_COMPLETE", cancel_id="c1",
                               role="BUYER", now=2) == "cancel_requested"
    assert world.queue.take()[0] == {"type": "cancelOrderInVtex", "clientHash": CLIENT, "orderId": ORDER,
                                     "reason": "Cancelamento TikTok c1 (BUYER)"}
    assert events.return_status(CLIENT, ORDER, return_status="AWAITING_BUYER_SHIP", return_id="r1",
                                return_type="RETURN_AND_REFUND", role="BUYER", now=3) == "recorded"
    assert events.reverse(CLIENT, ORDER, {"order_id": ORDER, "reverse_order_status": 4}, now=4) == "recorded"
    assert events.packages_changed(CLIENT, [("p1", [ORDER]), ("p2", [ORDER]), ("p3", ["other"])], sc_type="SPLIT",
                                   now=5) == "packages_updated"
    assert events.vtex_order_created(CLIENT, ORDER, "1535000500227", "CREATED", 6) == "vtex_order_updated"
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None
    extra = record.model_extra or {}
    assert extra["cancellation"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert extra["return_request"]["return_status"] == "AWAITING_BUYER_SHIP"
    assert extra["reverse_event"]["reverse_order_status"] == 4
    assert record.package_ids == ["p1", "p2"] and extra["package_sc_type"] == "SPLIT"
    assert (record.vtex_order, record.vtex_status) == ("1535000500227", "CREATED")
    assert world.orders.get(CLIENT, "other").package_ids == ["p3"]  # type: ignore[union-attr]


def test_invoice_status_success_enqueues_shipping_and_invalid_records_reason(world: OrdersWorld) -> None:
    events = world.events()
    assert events.invoice_status(CLIENT, "pk1", [ORDER], status="SUCCESS", reason=None, now=1) == "shipping_requested"
    assert world.shipping.sent == [{"clientHash": CLIENT, "orderId": ORDER, "packageId": "pk1"}]
    assert events.invoice_status(CLIENT, "pk2", ["o2", "o3"], status="INVALID", reason="ACCESS_KEY_DUPLICATE",
                                 now=2) == "invoice_rejected"
    for order_id in ("o2", "o3"):
        record = world.orders.get(CLIENT, order_id)
        assert record is not None
        assert (record.invoice_status, record.invoice_reason) == ("INVALID", "ACCESS_KEY_DUPLICATE")
    assert events.invoice_status(CLIENT, "pk3", ["o4"], status="PROCESSING", reason=None, now=3) == "recorded"
    assert len(world.shipping.sent) == 1


def test_sweep_recovers_a_push_tiktok_gave_up_on(world: OrdersWorld) -> None:
    """(c) no push ever arrived for a paid order: the sweep finds it and it becomes one VTEX order."""
    now = int(world.clock.now)
    world.tiktok.add(tiktok_order(ORDER, update_time=now - 600))
    world.tiktok.add(tiktok_order("old-order", update_time=now - 7200))  # outside the window
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue, clock=world.clock)
    assert (report.seen, report.fed) == (1, 1)
    assert world.drain() == ["placed_authorized"]
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.AUTHORIZED  # type: ignore[union-attr]
    # the next run sees nothing new: no duplicate, no message
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue, clock=world.clock)
    assert (report.fed, report.requeued) == (0, 0)
    assert world.vtex.calls["place_order"] == 1


def test_sweep_feeds_stale_statuses_and_isolates_failing_clients(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    world.events().order_status(CLIENT, ORDER, "AWAITING_SHIPMENT", now - 900, now)
    world.queue.take()
    world.tiktok.add(tiktok_order(ORDER, status="IN_TRANSIT", update_time=now - 100))

    def tiktok_for(client_hash: str) -> object:
        if client_hash == "broken":
            raise RuntimeError("TikTok down for this shop")
        return world.tiktok

    report = sweep(["broken", CLIENT], tiktok_for, world.orders, world.events(), world.queue,  # type: ignore[arg-type]
                   clock=world.clock)
    assert report.failed_clients == ["broken"] and report.fed == 1
    assert world.orders.get(CLIENT, ORDER).status == "IN_TRANSIT"  # type: ignore[union-attr]


def test_requeue_stuck_orders(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    world.orders.set_attributes(CLIENT, "new-old", sync_state="NEW", updated_at=now - 600)
    world.orders.set_attributes(CLIENT, "new-fresh", sync_state="NEW", updated_at=now - 10)
    world.orders.set_attributes(CLIENT, "claimed-expired", sync_state="CLAIMED", updated_at=now - 600)
    world.orders.set_attributes(CLIENT, "held-due", sync_state="HELD", updated_at=now - 10, hold_until=now - 1)
    world.orders.set_attributes(CLIENT, "held-later", sync_state="HELD", updated_at=now - 10, hold_until=now + 99)
    world.orders.set_attributes(CLIENT, "placed-old", sync_state="PLACED_IN_VTEX", updated_at=now - 600)
    world.orders.set_attributes(CLIENT, "error-old", sync_state="ERROR", updated_at=now - 600)
    report = requeue_stuck(world.orders, world.queue, now=now)
    assert sorted(m["orderId"] for m in world.queue.sent) == ["claimed-expired", "held-due", "new-old",
                                                               "placed-old"]
    assert report.requeued == 4
    world.queue.take()
    requeue_stuck(world.orders, world.queue, now=now, replay_errors=True)
    assert "error-old" in {m["orderId"] for m in world.queue.sent}


def test_search_orders_paginates_and_reads_details(world: OrdersWorld) -> None:
    for n in range(7):
        world.tiktok.add(tiktok_order(f"o{n}", update_time=1000 + n))
    result = search_orders(world.tiktok, GetOrdersMessage.model_validate(
        {"type": "triggerGetOrder", "clientHash": CLIENT, "pageSize": 3}))
    assert (len(result["orders"]), result["pages"], result["total_count"]) == (7, 3, 7)
    assert [o["id"] for o in result["orders"]] == [f"o{n}" for n in range(7)]
    limited = search_orders(world.tiktok, GetOrdersMessage.model_validate(
        {"type": "triggerGetOrder", "clientHash": CLIENT, "pageSize": 3, "maxPages": 1}))
    assert len(limited["orders"]) == 3 and limited["next_page_token"] == "3"
    detail = search_orders(world.tiktok, GetOrdersMessage.model_validate(
        {"type": "triggerGetOrder", "clientHash": CLIENT, "orderIds": ["o2"]}))
    assert [o["id"] for o in detail["orders"]] == ["o2"]
    assert list(itertools.islice(world.tiktok.iter_orders({}, 2), 3))[-1]["id"] == "o2"
