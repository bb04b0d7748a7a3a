"""Issue 19: the reconciliation sweep at scale goes by a cursor per client (`orders_swept_until`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.orders.conftest import OrdersWorld
from tests.unit.orders.fakes_orders import CLIENT, FakeTikTok, ModuleMoto, tiktok_order
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.orders.sweep import sweep
from tiktok_vtex.repositories.clients import ClientRepository

NEVER = "1111111111111111111111111111111111111111"
OLD = "2222222222222222222222222222222222222222"
RECENT = "3333333333333333333333333333333333333333"


@pytest.fixture
def links(module_moto: ModuleMoto) -> ClientRepository:
    module_moto.clear("ClientTikTokTable")
    ids = module_moto.stack.physical_ids
    repository = ClientRepository(ids["ClientTable"], ids["ClientTikTokTable"])
    for client_hash in (CLIENT, NEVER, OLD, RECENT):
        repository.put_shop_link(ShopLink(client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED))
    return repository


class Shops:
    """One FakeTikTok per client, recording which client was read in which order."""

    def __init__(self) -> None:
        self.shops: dict[str, FakeTikTok] = {}
        self.visits: list[str] = []

    def __call__(self, client_hash: str) -> FakeTikTok:
        self.visits.append(client_hash)
        return self.shops.setdefault(client_hash, FakeTikTok())


def run(world: OrdersWorld, links: ClientRepository, shops: Shops, clients: list[str], **kwargs: Any) -> Any:
    return sweep(clients, shops, world.orders, world.events(), world.queue, clock=world.clock, cursor=links,
                 **kwargs)


def test_least_recently_swept_first_and_a_recent_client_is_not_read_again(
        world: OrdersWorld, links: ClientRepository) -> None:
    now = int(world.clock.now)
    links.advance_orders_swept_until(OLD, now - 3 * 3600)
    links.advance_orders_swept_until(RECENT, now - 120)  # swept 2 minutes ago (a manual run, say)
    links.advance_orders_swept_until(CLIENT, now - 900)
    shops = Shops()
    report = run(world, links, shops, [RECENT, CLIENT, OLD, NEVER])
    assert shops.visits == [NEVER, OLD, CLIENT]  # RECENT is within the minimum interval
    assert report.not_due == 1 and report.clients == 3
    positions = links.orders_swept_until([CLIENT, NEVER, OLD, RECENT])
    assert positions == {CLIENT: now, NEVER: now, OLD: now, RECENT: now - 120}


def test_a_client_not_reached_for_hours_is_searched_from_its_cursor_not_a_fixed_window(
        world: OrdersWorld, links: ClientRepository) -> None:
    now = int(world.clock.now)
    links.advance_orders_swept_until(OLD, now - 5 * 3600)  # the budget did not reach it for five hours
    shops = Shops()
    missed = shops(OLD).add(tiktok_order("576600000000000101", update_time=now - 4 * 3600))
    shops.visits.clear()
    # A fixed 35-minute window (what every run did before the cursor) never sees this order again:
    fixed = sweep([OLD], shops, world.orders, world.events(), world.queue, clock=world.clock)
    assert fixed.fed == 0
    report = run(world, links, shops, [OLD])
    assert report.fed == 1 and world.orders.get(OLD, missed["id"]) is not None
    assert links.orders_swept_until([OLD]) == {OLD: now}


def test_a_client_stopped_by_the_time_budget_resumes_from_the_last_order_reached(
        world: OrdersWorld, links: ClientRepository) -> None:
    now = int(world.clock.now)
    links.advance_orders_swept_until(CLIENT, now - 3600)
    shops = Shops()
    shop = shops(CLIENT)
    ids = [f"57660000000000020{n}" for n in range(5)]
    for n, order_id in enumerate(ids):
        shop.add(tiktok_order(order_id, update_time=now - 3000 + n * 100))
    budget = iter([60_000, 60_000, 10_000] + [60_000] * 50)  # start; after order 1; low after order 2
    first = run(world, links, shops, [CLIENT], remaining_ms=lambda: next(budget))
    assert first.partial_clients == [CLIENT] and first.fed == 2
    assert links.orders_swept_until([CLIENT]) == {CLIENT: now - 3000 + 100}  # the second order's update_time
    assert [world.orders.get(CLIENT, i) is None for i in ids] == [False, False, True, True, True]
    world.clock.now += 900
    second = run(world, links, shops, [CLIENT])
    # from the position minus the overlap: the first two are read again (and, still awaiting creation, their
    # idempotent effect re-emitted), the three the budget cut off are recorded now
    assert second.seen == 5 and all(world.orders.get(CLIENT, i) is not None for i in ids)
    assert links.orders_swept_until([CLIENT]) == {CLIENT: now + 900}


def test_a_failed_client_keeps_its_position(world: OrdersWorld, links: ClientRepository) -> None:
    now = int(world.clock.now)
    links.advance_orders_swept_until(CLIENT, now - 3600)

    def broken(_client_hash: str) -> Any:
        raise RuntimeError("TikTok down")

    report = sweep([CLIENT], broken, world.orders, world.events(), world.queue, clock=world.clock, cursor=links)
    assert report.failed_clients == [CLIENT]
    assert links.orders_swept_until([CLIENT]) == {CLIENT: now - 3600}


def test_the_cursor_only_moves_forward_and_never_creates_a_link(links: ClientRepository) -> None:
    assert links.advance_orders_swept_until(CLIENT, 2_000) is True
    assert links.advance_orders_swept_until(CLIENT, 1_000) is False  # an older, slower run
    assert links.orders_swept_until([CLIENT]) == {CLIENT: 2_000}
    gone = "9999999999999999999999999999999999999999"
    assert links.advance_orders_swept_until(gone, 3_000) is False
    assert links.get_shop_link(gone) is None
