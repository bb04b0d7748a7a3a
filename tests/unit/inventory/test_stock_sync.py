from __future__ import annotations

from typing import Any

import pytest

from tiktok_vtex.clients.tiktok.errors import TikTokInternalError, TikTokNotFound
from tiktok_vtex.inventory.memory import MemoryQueue
from tiktok_vtex.inventory.models import UpdateInventory
from tiktok_vtex.inventory.sync import NoPendingOrders

CLIENT = "c0ffee"


class Pending:
    def __init__(self, units: dict[str, int]) -> None:
        self.units = units

    def units_by_seller_sku(self, client_hash: str) -> dict[str, int]:
        return self.units


def run_full(env: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
    """prepare -> fetch (every batch) -> update (every message), as the queues would."""
    sync = env["sync"]
    fetch_queue, update_queue = MemoryQueue(), MemoryQueue()
    sync.prepare_stock(CLIENT, fetch_queue, force=force)
    fetch_reports = []
    for message in fetch_queue.drain():
        fetch_reports.append(sync.fetch_and_dispatch(env["ctx"], message["sku"], env["vtex"], NoPendingOrders(),
                                                     update_queue, force=message["force"]))
    update_reports = [sync.update(env["ctx"], UpdateInventory.model_validate(m), env["tiktok"])
                      for m in update_queue.drain()]
    return {"fetch": fetch_reports, "update": update_reports, "fetch_calls": fetch_queue.calls,
            "update_calls": update_queue.calls}


def test_prepare_stock_batches_whole_products_with_send_message_batch(env: dict[str, Any]) -> None:
    queue = MemoryQueue()
    report = env["sync"].prepare_stock(CLIENT, queue)
    # 2 products x 2 SKUs, batch size 3: a product is never split across messages
    assert [m["sku"] for m in queue.messages] == [["880400", "880401"], ["880410", "880411"]]
    assert all(m["type"] == "triggerPepareSkuStockBatch" and m["clientHash"] == CLIENT for m in queue.messages)
    assert report.messages == 2 and queue.calls == 1


def test_first_sync_sends_one_call_per_product_with_every_changed_sku(env: dict[str, Any]) -> None:
    result = run_full(env)
    tiktok = env["tiktok"]
    assert sorted(p for p, _ in tiktok.calls) == ["P0", "P1"]
    assert all(len(skus) == 2 for _, skus in tiktok.calls)
    assert tiktok.inventory["T880400"] == {"TW1": 10}
    row = env["state"].get(CLIENT, "880400")
    assert row.stock_sent == {"TW1": 10} and row.stock_read_at_ms is not None
    assert len(env["log"].of_kind("stock_update")) == 4
    assert sum(r.sent for r in result["update"]) == 4


def test_unchanged_rerun_makes_no_tiktok_call_and_no_update_message(env: dict[str, Any]) -> None:
    run_full(env)
    env["tiktok"].calls.clear()
    result = run_full(env)
    assert env["tiktok"].calls == []
    assert result["update_calls"] == 0
    assert sum(r.unchanged for r in result["fetch"]) == 4


def test_only_the_changed_product_is_sent_on_resync_and_force_resends_all(env: dict[str, Any]) -> None:
    run_full(env)
    env["tiktok"].calls.clear()
    env["vtex"].stock[("880411", "1_1")] = 3
    run_full(env)
    assert [(p, [s["id"] for s in skus]) for p, skus in env["tiktok"].calls] == [("P1", ["T880411"])]
    env["tiktok"].calls.clear()
    run_full(env, force=True)
    assert len(env["tiktok"].calls) == 2


def test_stale_reading_never_overwrites_a_newer_one(env: dict[str, Any]) -> None:
    sync, ctx, tiktok = env["sync"], env["ctx"], env["tiktok"]
    newer = UpdateInventory.model_validate({"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT,
                                            "sellerSku": "880400", "quantity": 5, "warehouseIdTTK": "TW1",
                                            "readAtMs": 2_000})
    older = newer.model_copy(update={"quantity": 9, "read_at_ms": 1_000})
    assert sync.update(ctx, newer, tiktok).sent == 1
    report = sync.update(ctx, older, tiktok)
    assert report.stale == 1 and report.sent == 0
    assert len(tiktok.calls) == 1 and tiktok.inventory["T880400"] == {"TW1": 5}
    assert env["state"].get(CLIENT, "880400").stock_sent == {"TW1": 5}


def test_an_older_reading_in_flight_yields_to_a_newer_claim(env: dict[str, Any]) -> None:
    state = env["state"]
    assert state.claim_sync(CLIENT, "880400", "stock", {"TW1": 1}, 2_000)
    assert not state.claim_sync(CLIENT, "880400", "stock", {"TW1": 2}, 1_000)
    assert state.claim_sync(CLIENT, "880400", "stock", {"TW1": 1}, 2_000)  # a retry of the same reading
    assert state.record_sync_sent(CLIENT, "880400", "stock", {"TW1": 1}, 2_000, 1)
    assert not state.record_sync_sent(CLIENT, "880400", "stock", {"TW1": 7}, 1_500, 2)


def test_legacy_single_sku_message_is_accepted(env: dict[str, Any]) -> None:
    message = UpdateInventory.model_validate({"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT,
                                              "sellerSku": "880401", "quantity": -4, "warehouseIdTTK": "TW1"})
    report = env["sync"].update(env["ctx"], message, env["tiktok"])
    assert report.sent == 1
    assert env["tiktok"].calls == [("P0", [{"id": "T880401", "inventory": [{"warehouse_id": "TW1", "quantity": 0}]}])]


def test_partial_failure_is_recorded_per_sku_and_the_rest_is_stored(env: dict[str, Any]) -> None:
    env["tiktok"].item_errors = [{"code": 12052230, "message": "sku frozen", "detail": {"sku_id": "T880401"}}]
    result = run_full(env)
    reports = result["update"]
    failures = [f for r in reports for f in r.failures]
    assert [(f.seller_sku, f.code, f.retryable) for f in failures] == [("880401", "TIKTOK_12052230", False)]
    assert env["state"].get(CLIENT, "880400").stock_sent == {"TW1": 10}
    failed = env["state"].get(CLIENT, "880401")
    assert failed.stock_sent is None and failed.stock_error["code"] == "TIKTOK_12052230"
    assert [e["subject"] for e in env["log"].of_kind("stock_update_failed")] == ["880401"]
    # never lost: the next run sends it again (it is still "changed")
    env["tiktok"].calls.clear()
    run_full(env)
    assert [[s["id"] for s in skus] for _, skus in env["tiktok"].calls] == [["T880401"]]


def test_retryable_item_error_is_retried_once_at_once_with_only_that_sku(env: dict[str, Any]) -> None:
    env["tiktok"].item_errors = [{"code": 36009003, "message": "internal", "detail": {"sku_id": "T880401"}}]
    message = UpdateInventory.model_validate({
        "type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT, "productId": "P0",
        "skus": [{"sellerSku": s, "inventory": [{"warehouseIdTTK": "TW1", "quantity": 4}], "readAtMs": 10}
                 for s in ("880400", "880401")]})
    report = env["sync"].update(env["ctx"], message, env["tiktok"])
    assert [[s["id"] for s in skus] for _, skus in env["tiktok"].calls] == [["T880400", "T880401"], ["T880401"]]
    assert report.sent == 2 and report.failures == []


def test_transient_tiktok_failure_is_retryable_and_permanent_one_is_recorded(env: dict[str, Any], kit: Any) -> None:
    tiktok = env["tiktok"]
    message = UpdateInventory.model_validate({"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT,
                                              "sellerSku": "880400", "quantity": 2, "warehouseIdTTK": "TW1",
                                              "readAtMs": 10})
    tiktok.raise_next = [kit.tiktok_error(TikTokInternalError, 36009003)]
    report = env["sync"].update(env["ctx"], message, tiktok)
    assert [f.retryable for f in report.failures] == [True]
    # the redelivered message (same reading) may claim again and succeeds
    assert env["sync"].update(env["ctx"], message, tiktok).sent == 1
    message2 = message.model_copy(update={"read_at_ms": 20, "quantity": 3})
    tiktok.raise_next = [kit.tiktok_error(TikTokNotFound, 12052032)]
    report = env["sync"].update(env["ctx"], message2, tiktok)
    assert [(f.code, f.retryable) for f in report.failures] == [("TIKTOK_12052032", False)]


def test_sku_missing_in_vtex_fails_alone(env: dict[str, Any]) -> None:
    del env["vtex"].stock[("880400", "1_1")]
    queue = MemoryQueue()
    report = env["sync"].fetch_and_dispatch(env["ctx"], ["880400", "880401", "999"], env["vtex"],
                                            NoPendingOrders(), queue)
    assert {(f.seller_sku, f.code) for f in report.failures} == {("880400", "VTEX_NOT_FOUND"),
                                                                  ("999", "SKU_NOT_LINKED")}
    assert [[s["sellerSku"] for s in m["skus"]] for m in queue.messages] == [["880401"]]
    assert env["state"].get(CLIENT, "880400").stock_error["code"] == "VTEX_NOT_FOUND"


def test_vtex_429_after_client_retries_is_a_retryable_failure_of_that_sku(env: dict[str, Any]) -> None:
    env["vtex"].throttle["880400"] = 1
    queue = MemoryQueue()
    report = env["sync"].fetch_and_dispatch(env["ctx"], ["880400", "880401"], env["vtex"], NoPendingOrders(), queue)
    assert [(f.seller_sku, f.retryable) for f in report.retryable_failures] == [("880400", True)]
    assert len(queue.messages) == 1  # the good SKU still went out


def test_pending_orders_are_subtracted(env: dict[str, Any]) -> None:
    queue = MemoryQueue()
    env["sync"].fetch_and_dispatch(env["ctx"], ["880400"], env["vtex"], Pending({"880400": 4}), queue)
    assert queue.messages[0]["skus"][0]["inventory"] == [{"warehouseIdTTK": "TW1", "quantity": 6}]


def test_count_report_per_warehouse(env: dict[str, Any]) -> None:
    env["vtex"].stock[("880400", "1_1")] = 0
    env["vtex"].stock[("880401", "1_1")] = -3
    env["vtex"].unlimited.add(("880410", "1_1"))
    report = env["sync"].count(env["ctx"], env["vtex"], NoPendingOrders())
    wh = report["vtexWarehouses"]["1_1"]
    assert (wh["skus"], wh["units"], wh["zeroStock"], wh["unlimited"]) == (4, 10, 2, 1)
    assert wh["zeroStockSkus"] == ["880400", "880401"]
    assert report["tiktokWarehouses"]["TW1"]["zeroStock"] == 2
    assert env["log"].of_kind("stock_count")[0]["skus"] == 4


@pytest.mark.parametrize("payload", [
    {"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT},
    {"type": "triggerUpdateInventoryBySellerSku", "clientHash": "bad hash!", "sellerSku": "1", "quantity": 1},
    {"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT, "skus": [{"sellerSku": "1",
                                                                                  "inventory": []}]},
])
def test_malformed_update_messages_are_rejected(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        UpdateInventory.model_validate(payload)


def test_an_older_send_that_lands_after_a_newer_one_is_repaired(env: dict[str, Any], kit: Any) -> None:
    """Older reading claims first, the newer one claims, sends and stores while the older call is in flight;
    the older value reaches TikTok last. The sync notices (its store is refused) and resends the newest."""
    sync, ctx = env["sync"], env["ctx"]
    base = {"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT, "sellerSku": "880400",
            "warehouseIdTTK": "TW1"}
    older = UpdateInventory.model_validate({**base, "quantity": 3, "readAtMs": 1_000})
    newer = UpdateInventory.model_validate({**base, "quantity": 8, "readAtMs": 2_000})

    class RacingTikTok(kit.FakeTikTok):
        raced = False

        def update_inventory(self, product_id: str, skus: list[dict[str, Any]]) -> Any:
            if not self.raced:
                self.raced = True
                assert sync.update(ctx, newer, plain).sent == 1  # the newer one overtakes ours
            return plain.update_inventory(product_id, skus)

    plain = kit.FakeTikTok()
    report = sync.update(ctx, older, RacingTikTok())
    assert [s[0]["inventory"][0]["quantity"] for _, s in plain.calls] == [8, 3, 8]  # newer, older (late), repair
    assert plain.inventory["T880400"] == {"TW1": 8}
    assert env["state"].get(CLIENT, "880400").stock_sent == {"TW1": 8}
    assert report.tiktok_calls == 2
    assert [e["ok"] for e in env["log"].of_kind("stock_repair")] == [True]


def test_a_failed_repair_forgets_the_sent_value_so_the_next_run_resends(env: dict[str, Any], kit: Any) -> None:
    sync, ctx = env["sync"], env["ctx"]
    base = {"type": "triggerUpdateInventoryBySellerSku", "clientHash": CLIENT, "sellerSku": "880400",
            "warehouseIdTTK": "TW1"}
    older = UpdateInventory.model_validate({**base, "quantity": 3, "readAtMs": 1_000})
    newer = UpdateInventory.model_validate({**base, "quantity": 8, "readAtMs": 2_000})
    plain = kit.FakeTikTok()

    class RacingTikTok(kit.FakeTikTok):
        calls_seen = 0

        def update_inventory(self, product_id: str, skus: list[dict[str, Any]]) -> Any:
            self.calls_seen += 1
            if self.calls_seen == 1:
                sync.update(ctx, newer, plain)
                return plain.update_inventory(product_id, skus)
            raise kit.tiktok_error(TikTokInternalError, 36009003)

    sync.update(ctx, older, RacingTikTok())
    row = env["state"].get(CLIENT, "880400")
    assert row.stock_sent == {} and row.stock_error["code"] == "REPAIR_FAILED"
