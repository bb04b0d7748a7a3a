"""Issue 10 defects 6 and 7: pending units keyed by client; time budgets of the sweep and the orders function."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.orders.conftest import OrdersWorld
from tests.unit.orders.fakes_orders import CLIENT, tiktok_order
from tiktok_vtex.inventory.pending import OrdersPendingUnits
from tiktok_vtex.orders.sweep import sweep

OTHER = "0000000000000000000000000000000000000000"


def test_pending_units_read_only_this_clients_live_pending_orders(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    day = 86_400
    rows = [(CLIENT, "new", "NEW", now, 1), (CLIENT, "unpaid", "PENDING_PAYMENT", now, 2),
            (CLIENT, "error-recent", "ERROR", now - 6 * day, 4), (CLIENT, "error-old", "ERROR", now - 8 * day, 8),
            (CLIENT, "cancelled", "CANCELLED", now, 16), (CLIENT, "placed", "AUTHORIZED", now, 32)]
    rows += [(OTHER, f"o{n}", "NEW", now, 64) for n in range(40)]  # another, busier client
    for client, order_id, state, updated_at, units in rows:
        world.orders.set_attributes(client, order_id, sync_state=state, updated_at=updated_at,
                                    sku_units={"1001": units})
    pending = OrdersPendingUnits(world.orders.table.name, clock=world.clock)
    scanned: list[int] = []
    boto_table = pending._table._table  # count what DynamoDB reads, not only what it returns
    original = boto_table.query

    def counting(**kwargs: Any) -> Any:
        response = original(**kwargs)
        scanned.append(response["ScannedCount"])
        return response

    boto_table.query = counting
    assert pending.units_by_seller_sku(CLIENT) == {"1001": 1 + 2 + 4}  # old ERROR, CANCELLED, placed excluded
    assert sum(scanned) <= 4  # new, unpaid and the two ERROR orders: no other client's order is read


def test_sweep_requeues_stuck_orders_first_and_leaves_clients_when_time_runs_out(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    world.orders.set_attributes(CLIENT, "stuck", sync_state="NEW", updated_at=now - 600)
    world.tiktok.add(tiktok_order("576600000000000030", update_time=now - 60))
    remaining = iter([20_000] * 100)  # below the 30 s reserve from the start
    report = sweep([CLIENT, OTHER], lambda _h: world.tiktok, world.orders, world.events(), world.queue,
                   clock=world.clock, remaining_ms=lambda: next(remaining))
    assert report.requeued == 1 and [m["orderId"] for m in world.queue.sent] == ["stuck"]
    assert report.clients == 0 and sorted(report.left_clients) == sorted([CLIENT, OTHER])
    assert "search_orders" not in world.tiktok.calls


def test_sweep_stops_mid_client_and_reports_it(world: OrdersWorld) -> None:
    now = int(world.clock.now)
    for n in range(5):
        world.tiktok.add(tiktok_order(f"57660000000000004{n}", update_time=now - 60 + n))
    budget = iter([60_000, 60_000, 10_000] + [10_000] * 20)  # start; after order 1; low after order 2
    report = sweep([CLIENT], lambda _h: world.tiktok, world.orders, world.events(), world.queue,
                   clock=world.clock, remaining_ms=lambda: next(budget))
    assert report.partial_clients == [CLIENT] and report.fed == 2 and report.seen == 2


def test_sweep_rotates_the_first_client_between_runs(world: OrdersWorld) -> None:
    seen: list[str] = []

    def tiktok_for(client_hash: str) -> Any:
        seen.append(client_hash)
        return world.tiktok

    clients = ["a", "b", "c"]
    for _ in range(3):
        sweep(clients, tiktok_for, world.orders, world.events(), world.queue, clock=world.clock)
        world.clock.advance(900)
    assert {seen[0], seen[3], seen[6]} == set(clients)


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def test_orders_function_batch_fits_its_timeout_lease_and_visibility(template: dict[str, Any]) -> None:
    from orders import wiring

    function = props(template, "OrdersFunction")
    event = function["Events"]["Orders"]["Properties"]
    assert event["Queue"] == {"Fn::GetAtt": ["OrdersQueue", "Arn"]}
    batch, timeout = event["BatchSize"], function["Timeout"]
    visibility = props(template, "OrdersQueue")["VisibilityTimeout"]
    per_call = wiring.RETRY.total_budget + wiring.ATTEMPT_WORST_SECONDS
    assert wiring.MAX_CALLS_PER_MESSAGE * per_call == wiring.MESSAGE_WORST_SECONDS
    assert batch * wiring.MESSAGE_WORST_SECONDS < timeout < wiring.LEASE_SECONDS < visibility
    assert visibility >= 6 * timeout  # AWS guidance for SQS event sources
    # the clients really get those numbers
    assert wiring.RETRY.max_attempts >= 2 and wiring.TIKTOK_TIMEOUT.read + wiring.TIKTOK_TIMEOUT.connect <= (
        wiring.ATTEMPT_WORST_SECONDS)


def test_sweep_reserve_covers_one_worst_tiktok_call(template: dict[str, Any]) -> None:
    from orders import wiring

    from tiktok_vtex.orders.sweep import DEFAULT_RESERVE_MS

    assert DEFAULT_RESERVE_MS / 1000 > wiring.CALL_WORST_SECONDS
    assert props(template, "OrdersSweepFunction")["Timeout"] * 1000 > 2 * DEFAULT_RESERVE_MS


def test_orders_function_errors_are_alarmed(template: dict[str, Any]) -> None:
    alarms = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = [a for a in alarms if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == "Errors"
               and a["Dimensions"][0]["Value"] == {"Ref": "OrdersFunction"}]
    assert watched and watched[0]["AlarmActions"] == [{"Ref": "AlertsTopic"}]


@pytest.mark.parametrize("index", ["by_sync_state", "by_client_sync_state"])
def test_orders_table_keeps_both_indexes(template: dict[str, Any], index: str) -> None:
    names = [i["IndexName"] for i in props(template, "OrdersTable")["GlobalSecondaryIndexes"]]
    assert index in names
