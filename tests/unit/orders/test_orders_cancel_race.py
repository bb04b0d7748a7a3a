"""Issue 10 defect 2: a cancel racing a placement. Whatever the moment the cancel lands, the order ends
CANCELLED, a VTEX order placed meanwhile is cancelled, and neither side raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.orders.conftest import OrdersWorld
from tests.unit.orders.fakes_orders import CLIENT, tiktok_order
from tiktok_vtex.repositories.orders import SyncState

ORDER = "576600000000000020"
VTEX_ID = f"TTK-{ORDER}"


def cancel_during(world: OrdersWorld, method: str, *, after: bool = False) -> list[str]:
    """Wraps a FakeVtex method so a cancel message is handled (by another worker) just before, or just
    after, that VTEX call; returns the cancel's outcomes."""
    original: Callable[..., Any] = getattr(world.vtex, method)
    outcomes: list[str] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not outcomes and not after:
            outcomes.append(world.placer().cancel(CLIENT, ORDER, "Pedido cancelado no TikTok Shop"))
        result = original(*args, **kwargs)
        if not outcomes and after:
            outcomes.append(world.placer().cancel(CLIENT, ORDER, "Pedido cancelado no TikTok Shop"))
        return result

    setattr(world.vtex, method, wrapped)
    return outcomes


def final(world: OrdersWorld) -> Any:
    record = world.orders.get(CLIENT, ORDER)
    assert record is not None
    return record


def test_a_cancel_before_the_claim_prevents_creation(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    assert world.placer().cancel(CLIENT, ORDER) == "cancelled_before_creation"
    assert world.placer().create(CLIENT, ORDER) == "cancelled"
    assert final(world).sync_state == SyncState.CANCELLED and "place_order" not in world.vtex.calls


def test_b_cancel_while_claimed_before_placing_is_handed_to_the_claim_holder(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    cancels = cancel_during(world, "simulate")
    assert world.placer().create(CLIENT, ORDER) == "cancelled_meanwhile"
    assert cancels == ["cancel_handed_to_placement"]
    assert final(world).sync_state == SyncState.CANCELLED
    assert "place_order" not in world.vtex.calls and world.vtex.orders == {}


def test_b2_cancel_while_vtex_accepts_the_order_cancels_what_was_placed(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    cancels = cancel_during(world, "place_order", after=True)  # VTEX placed it; our mark_placed comes next
    assert world.placer().create(CLIENT, ORDER) == "cancelled_meanwhile"
    assert cancels == ["cancel_handed_to_placement"]
    record = final(world)
    assert (record.sync_state, record.vtex_order) == (SyncState.CANCELLED, VTEX_ID)
    assert world.vtex.orders[VTEX_ID]["status"] == "canceled"
    assert "authorize_dispatch" not in world.vtex.calls


def test_c_cancel_between_place_and_fulfill(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    cancels = cancel_during(world, "authorize_dispatch")  # VTEX refuses the fulfill of a cancelled order
    assert world.placer().create(CLIENT, ORDER) == "cancelled_meanwhile"
    assert cancels == ["cancelled_in_vtex"]
    assert final(world).sync_state == SyncState.CANCELLED
    assert world.vtex.orders[VTEX_ID]["status"] == "canceled" and world.vtex.calls["place_order"] == 1


def test_d_cancel_after_vtex_authorized_before_our_state_write(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    cancels = cancel_during(world, "authorize_dispatch", after=True)  # mark_authorized finds CANCELLED
    assert world.placer().create(CLIENT, ORDER) == "cancelled_meanwhile"
    assert cancels == ["cancelled_in_vtex"]
    assert final(world).sync_state == SyncState.CANCELLED
    assert world.vtex.orders[VTEX_ID]["status"] == "canceled"


def test_d2_cancel_after_authorization(world: OrdersWorld) -> None:
    world.tiktok.add(tiktok_order(ORDER))
    assert world.placer().create(CLIENT, ORDER) == "placed_authorized"
    assert world.placer().cancel(CLIENT, ORDER) == "cancelled_in_vtex"
    assert world.placer().cancel(CLIENT, ORDER) == "already_cancelled"
    assert final(world).sync_state == SyncState.CANCELLED and world.vtex.calls["cancel_order"] == 1


@pytest.mark.parametrize("status", ["UNPAID", "AWAITING_SHIPMENT"])  # parked as PENDING_PAYMENT / HELD
def test_cancel_while_claimed_wins_over_a_release_to_waiting(world: OrdersWorld, status: str) -> None:
    """The claim holder would park the order (unpaid / hold window): the handed-over cancel wins instead."""
    world.settings.order_hold_minutes = 60
    world.tiktok.add(tiktok_order(ORDER, status=status, paid_time=int(world.clock.now)))
    original = world.orders.release
    cancels: list[str] = []

    def release(*args: Any, **kwargs: Any) -> Any:
        if not cancels:
            cancels.append(world.placer().cancel(CLIENT, ORDER))
        return original(*args, **kwargs)

    world.orders.release = release  # type: ignore[method-assign]
    assert world.placer().create(CLIENT, ORDER) == "cancelled_meanwhile"
    assert cancels == ["cancel_handed_to_placement"]
    assert final(world).sync_state == SyncState.CANCELLED


def test_cancel_after_a_crashed_placement_cancels_the_order_it_left_in_vtex(world: OrdersWorld) -> None:
    class Crash(BaseException):
        pass

    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.fail_after_place = Crash()
    with pytest.raises(Crash):
        world.placer().create(CLIENT, ORDER)  # placed in VTEX, died before recording it
    # a cancel while the dead worker's lease is live is handed over; the retry after the lease honours it
    assert world.placer().cancel(CLIENT, ORDER) == "cancel_handed_to_placement"
    world.clock.advance(300)
    assert world.placer().create(CLIENT, ORDER) == "cancelled_meanwhile"
    assert world.vtex.orders[VTEX_ID]["status"] == "canceled"
    assert final(world).sync_state == SyncState.CANCELLED and world.vtex.calls["place_order"] == 1


def test_cancel_after_a_crashed_placement_and_an_expired_lease_looks_vtex_up(world: OrdersWorld) -> None:
    class Crash(BaseException):
        pass

    world.tiktok.add(tiktok_order(ORDER))
    world.vtex.fail_after_place = Crash()
    with pytest.raises(Crash):
        world.placer().create(CLIENT, ORDER)
    world.clock.advance(300)  # nobody holds a live claim: the cancel itself finds and cancels the VTEX order
    assert world.placer().cancel(CLIENT, ORDER) == "cancelled_in_vtex"
    assert world.vtex.orders[VTEX_ID]["status"] == "canceled"
    assert world.placer().create(CLIENT, ORDER) == "cancelled"
