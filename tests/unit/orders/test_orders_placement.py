"""Exactly-once creation: claim / state machine, resume after a crash, FMT009, refusals kept for replay."""

from __future__ import annotations

import threading

import pytest

from tests.unit.orders.conftest import OrdersWorld
from tests.unit.orders.fakes_orders import CLIENT, tiktok_order
from tiktok_vtex.clients.vtex.errors import VtexServerError
from tiktok_vtex.repositories.orders import SyncState

ORDER = "576600000000000001"


def test_paid_order_is_placed_once_aggregated_and_authorized(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    assert world.placer().create(CLIENT, ORDER) == "placed_authorized"
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None
    assert record.sync_state == SyncState.AUTHORIZED
    assert record.vtex_order == f"TTK-{ORDER}"
    assert (record.model_extra or {})["sku_units"] == {"1001": 2, "1002": 1}  # read by the stock sync
    assert world.vtex.orders[f"TTK-{ORDER}"]["status"] == "ready-for-handling"
    placed = world.vtex.placed[0]
    assert [(i.id, i.quantity, i.price) for i in placed.items] == [("1001", 2, 4990), ("1002", 1, 1000)]
    assert placed.marketplacePaymentValue == 2 * 4990 + 1000 + 1235
    assert sum(li.price for li in placed.shippingData.logisticsInfo) == 1235
    assert {li.selectedSla for li in placed.shippingData.logisticsInfo} == {"Normal"}  # cheapest delivery SLA
    assert placed.clientProfileData.document == tiktok_order()["cpf"]
    assert placed.marketplaceServicesEndpoint.endswith(f"/vtex/marketplace/{CLIENT}")
    address = placed.shippingData.address
    assert (address.street, address.number, address.complement, address.neighborhood, address.state) == (
        "Rua das Flores", "123", "Apto 45", "Pinheiros", "SP")
    # a second delivery changes nothing
    assert world.placer().create(CLIENT, ORDER) == "already_authorized"
    assert world.vtex.calls["place_order"] == 1


def test_five_concurrent_deliveries_place_one_order(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def deliver() -> None:
        barrier.wait()
        outcomes.append(world.placer().create(CLIENT, ORDER))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert world.vtex.calls["place_order"] == 1
    assert len(world.vtex.orders) == 1
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.AUTHORIZED  # type: ignore[union-attr]
    assert sum(o.endswith("authorized") for o in outcomes) >= 1


class Crash(BaseException):
    """The process dies (Lambda timeout / OOM): no except-block of ours runs."""


def test_crash_between_vtex_placement_and_state_write_resumes_without_duplicate(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.fail_after_place = Crash()
    with pytest.raises(Crash):
        world.placer().create(CLIENT, ORDER)
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.sync_state == SyncState.CLAIMED  # the claim outlives the crash
    # the redelivery comes while the lease is live: nothing happens, the message is dropped safely
    assert world.placer().create(CLIENT, ORDER) == "in_progress"
    world.clock.advance(181)  # the lease expired: the retry resumes, looks VTEX up first and links
    assert world.placer().create(CLIENT, ORDER) == "linked_authorized"
    assert world.vtex.calls["place_order"] == 1
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.AUTHORIZED  # type: ignore[union-attr]


def test_lost_reply_then_fmt009_links_the_existing_order(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.fail_after_place = VtexServerError(502, None, "bad gateway")  # VTEX placed it, we got a 502
    with pytest.raises(VtexServerError):
        world.placer().create(CLIENT, ORDER)
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.sync_state == SyncState.NEW and record.attempts == 1
    # even a first-attempt-looking retry must not duplicate: simulate a record that lost its attempts
    world.orders.set_attributes(CLIENT, ORDER, attempts=0)
    assert world.placer().create(CLIENT, ORDER) == "linked_duplicate_authorized"
    assert len(world.vtex.placed) == 1


def test_crash_after_placed_state_only_authorizes(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    placer = world.placer()
    original = world.vtex.authorize_dispatch

    def dies(*args: object) -> object:
        raise Crash()

    world.vtex.authorize_dispatch = dies  # type: ignore[method-assign]
    with pytest.raises(Crash):
        placer.create(CLIENT, ORDER)
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.PLACED_IN_VTEX  # type: ignore[union-attr]
    world.vtex.authorize_dispatch = original  # type: ignore[method-assign]
    assert world.placer().create(CLIENT, ORDER) == "authorized"
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.AUTHORIZED  # type: ignore[union-attr]
    assert world.vtex.calls["place_order"] == 1


def test_authorize_twice_is_harmless(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    world.placer().create(CLIENT, ORDER)
    world.orders.set_attributes(CLIENT, ORDER, sync_state=SyncState.PLACED_IN_VTEX.value)  # authorization lost
    assert world.placer().create(CLIENT, ORDER) == "authorized"
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.AUTHORIZED  # type: ignore[union-attr]


@pytest.mark.parametrize(("order", "stock", "code"), [
    (tiktok_order(ORDER, items=(("9999", "10.00"),)), None, "UNKNOWN_SKU"),
    (tiktok_order(ORDER), {"1001": 1, "1002": 10}, "NO_STOCK"),
    (tiktok_order(ORDER, cpf="52998224724"), None, "INVALID_CPF"),
    (tiktok_order(ORDER, postal_code="123"), None, "NO_ADDRESS"),
])
def test_refusals_go_to_error_with_reason_and_stay_replayable(world: OrdersWorld, order: dict, stock: dict | None,
                                                               code: str) -> None:
    world.tiktok.add(order)
    if stock is not None:
        world.vtex.stock = stock
    assert world.placer().create(CLIENT, ORDER) == f"error:{code}"
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.sync_state == SyncState.ERROR
    assert record.error_code == code and record.error_reason
    assert "place_order" not in world.vtex.calls
    assert any(e["kind"] == "error" for e in world.log.entries(CLIENT))
    # replay after the cause is fixed
    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.stock = {"1001": 10, "1002": 10}
    assert world.placer().create(CLIENT, ORDER) == "placed_authorized"


def test_no_sla_is_an_error(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.slas = [{"id": "Retirada", "deliveryChannel": "pickup-in-point", "price": 0}]
    assert world.placer().create(CLIENT, ORDER) == "error:NO_SLA"


def test_unpaid_and_cancelled_orders_are_not_placed(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER, status="UNPAID"))
    assert world.placer().create(CLIENT, ORDER) == "awaiting_payment"
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.PENDING_PAYMENT  # type: ignore[union-attr]
    world.tiktok.add(tiktok_order(ORDER, status="CANCELLED", update_time=1_700_000_050))
    assert world.placer().create(CLIENT, ORDER) == "cancelled"
    assert "place_order" not in world.vtex.calls


def test_hold_window_delays_creation(world: OrdersWorld) -> None:
    world.settings.order_hold_minutes = 60
    world.tiktok.add(tiktok_order(ORDER, paid_time=int(world.clock.now) - 600))
    assert world.placer().create(CLIENT, ORDER) == "held"
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None and record.sync_state == SyncState.HELD
    assert record.hold_until == int(world.clock.now) - 600 + 3600
    world.clock.advance(3000)
    assert world.placer().create(CLIENT, ORDER) == "placed_authorized"


def test_transient_failure_releases_the_claim_for_the_retry(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))

    def down(*_args: object, **_kwargs: object) -> object:
        raise VtexServerError(503, None, "unavailable")

    world.vtex.simulate = down  # type: ignore[method-assign]
    with pytest.raises(VtexServerError):
        world.placer().create(CLIENT, ORDER)
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.NEW  # type: ignore[union-attr]


def test_cancel_before_and_after_placement(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    placer = world.placer()
    assert placer.cancel(CLIENT, "other-order") == "cancelled_before_creation"
    assert placer.create(CLIENT, "other-order") == "cancelled"  # never created afterwards
    placer.create(CLIENT, ORDER)
    assert placer.cancel(CLIENT, ORDER) == "cancelled_in_vtex"
    assert world.vtex.orders[f"TTK-{ORDER}"]["status"] == "canceled"
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.CANCELLED  # type: ignore[union-attr]


def test_cancel_of_an_invoiced_order_is_blocked_and_alerted(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    world.placer().create(CLIENT, ORDER)
    world.vtex.orders[f"TTK-{ORDER}"]["status"] = "invoiced"
    assert world.placer().cancel(CLIENT, ORDER) == "cancel_blocked_invoiced"
    assert "cancel_order" not in world.vtex.calls
    assert world.orders.get(CLIENT, ORDER).model_extra["cancel_blocked"]  # type: ignore[union-attr,index]


def test_address_refresh_before_and_after_placement(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    placer = world.placer()
    assert placer.refresh_address(CLIENT, ORDER) == "address_used_at_creation"
    placer.create(CLIENT, ORDER)
    assert placer.refresh_address(CLIENT, ORDER) == "address_recorded_not_applied"
    extra = world.orders.get(CLIENT, ORDER).model_extra  # type: ignore[union-attr]
    assert extra["address_update"]["applied"] is False


def test_fmt009_with_the_existing_order_not_yet_readable_is_retried_not_failed(world: OrdersWorld) -> None:
    from tiktok_vtex.clients.vtex.errors import VtexDuplicateOrder, VtexNotFound

    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.orders[f"TTK-{ORDER}"] = {"status": "waiting-ffmt-authorization", "marketplaceOrderId": ORDER}
    original = world.vtex.get_order

    def not_indexed_yet(_vtex_order_id: str) -> object:
        raise VtexNotFound(404, None, "not indexed yet")

    world.vtex.get_order = not_indexed_yet  # type: ignore[method-assign,assignment]
    with pytest.raises(VtexDuplicateOrder):
        world.placer().create(CLIENT, ORDER)
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.NEW  # type: ignore[union-attr]
    world.vtex.get_order = original  # type: ignore[method-assign]
    assert world.placer().create(CLIENT, ORDER) == "linked_authorized"
    assert "place_order" in world.vtex.calls and world.vtex.placed == []
