"""VTEX-ORDERHOOK through its real handler (template in moto): secret, ping, validation, dedupe, queue."""

from __future__ import annotations

from typing import Any

from tests.unit.vtexorders.conftest import CLIENT, HookWorld, delivery
from tiktok_vtex.vtex_orders.hook_secrets import HookSecret, HookSecretCache
from tiktok_vtex.vtex_orders.models import change_micros


def refusals(world: HookWorld) -> list[dict[str, Any]]:
    return [e for e in world.ledger.table.scan() if e["shop_id"] == "vtex-hook"]


def test_ping_with_the_secret_is_answered_200_and_queues_nothing(hook_world: HookWorld) -> None:
    assert hook_world.post({"hookConfig": "ping"}) == (200, {"outcome": "pong"})
    assert hook_world.messages() == []


def test_ping_without_the_secret_is_refused(hook_world: HookWorld) -> None:
    status, body = hook_world.post({"hookConfig": "ping"}, secret=None)
    assert (status, body["outcome"]) == (401, "unauthorized")


def test_a_delivery_is_queued_once_and_a_redelivery_is_a_duplicate(hook_world: HookWorld) -> None:
    assert hook_world.post(delivery()) == (200, {"outcome": "queued"})
    assert hook_world.post(delivery()) == (200, {"outcome": "duplicate"})
    messages = hook_world.messages()
    assert messages == [{"clientHash": CLIENT, "type": "vtexOrderHook", "vtexOrderId": "MKP-576600000000000001-01",
                         "state": "ready-for-handling", "lastState": "window-to-cancel",
                         "changedAt": change_micros("2026-12-01T13:00:00.123456Z"),
                         "receivedMs": messages[0]["receivedMs"]}]


def test_dedupe_is_on_order_state_and_last_change(hook_world: HookWorld) -> None:
    assert hook_world.post(delivery(state="handling"))[0] == 200
    assert hook_world.post(delivery(state="handling", last_change="2026-12-01T13:05:00Z"))[1]["outcome"] == "queued"
    assert hook_world.post(delivery(state="invoiced"))[1]["outcome"] == "queued"
    assert hook_world.post(delivery(order_id="MKP-576600000000000002-01", state="handling"))[1]["outcome"] == "queued"
    assert len(hook_world.messages()) == 4


def test_wrong_or_missing_secret_is_refused_recorded_and_queues_nothing(hook_world: HookWorld) -> None:
    assert hook_world.post(delivery(), secret="x" * 43)[0] == 401
    assert hook_world.post(delivery(), secret=None)[0] == 401
    assert hook_world.post(delivery(), secret=hook_world.secret.current + "x")[0] == 401
    assert hook_world.messages() == []
    recorded = refusals(hook_world)
    assert sorted(r["detail"] for r in recorded) == ["missing hook secret", "unknown client or wrong hook secret",
                                                      "unknown client or wrong hook secret"]
    assert all(r["outcome"] == "refused_401" and r["client_hash"] == CLIENT for r in recorded)
    assert all(hook_world.secret.current not in str(r) for r in recorded)


def test_another_clients_secret_or_an_unknown_client_is_refused(hook_world: HookWorld) -> None:
    other, _ = hook_world.store.ensure("another-client")
    try:
        assert hook_world.post(delivery(), secret=other.current)[0] == 401  # right secret, wrong client
        assert hook_world.post(delivery(), client_hash="never-configured")[0] == 401
        assert hook_world.post(delivery(), client_hash="bad hash!")[0] == 401
        assert hook_world.post(delivery(), client_hash="bad/../hash")[0] == 404  # no such route
    finally:
        from tests.unit.vtexorders.conftest import forget_secret

        forget_secret(hook_world.store, "another-client")
    assert hook_world.messages() == []


def test_invalid_bodies_are_400_with_the_field_named(hook_world: HookWorld) -> None:
    status, body = hook_world.post(delivery(State="Invoiced!"))
    assert status == 400 and "State" in body["message"]
    status, body = hook_world.post(delivery(LastChange="yesterday"))
    assert status == 400 and "LastChange" in body["message"]
    assert hook_world.post(b"{not json")[0] == 400
    assert hook_world.post(b"[]")[0] == 400
    assert hook_world.post(b"x" * 20_000)[0] == 400
    assert hook_world.messages() == []


def test_a_rotated_secret_is_picked_up_and_the_previous_one_still_works(hook_world: HookWorld) -> None:
    assert hook_world.post(delivery())[0] == 200  # the old value is cached now
    rotated = hook_world.store.rotate(CLIENT)
    assert hook_world.post(delivery(state="handling"), secret=rotated.current)[1]["outcome"] == "queued"
    assert hook_world.post(delivery(state="invoiced"), secret=hook_world.secret.current)[0] == 200  # grace
    assert len(hook_world.messages()) == 3


def test_previous_value_expires_after_its_grace() -> None:
    secret = HookSecret(current="c" * 20, previous="p" * 20, previous_until=100)
    assert secret.accepts("c" * 20, 150) and secret.accepts("p" * 20, 99)
    assert not secret.accepts("p" * 20, 100) and not secret.accepts("", 0) and not secret.accepts(None, 0)


def test_the_cache_reads_once_and_bounds_reads_for_unknown_clients() -> None:
    reads: list[str] = []
    now = [0.0]

    def load(client_hash: str) -> HookSecret:
        reads.append(client_hash)
        if client_hash != "known":
            from tiktok_vtex.vtex_orders.hook_secrets import HookSecretMissing

            raise HookSecretMissing(client_hash)
        return HookSecret(current="k" * 20)

    cache = HookSecretCache(load, cold_reads_per_minute=3, clock=lambda: now[0])
    assert cache.get("known") == cache.get("known") == HookSecret(current="k" * 20)
    assert reads == ["known"]
    for n in range(10):
        assert cache.get(f"unknown-{n}") is None
    assert len(reads) == 3  # 1 known + 2 unknown before the per-minute budget ran out
    assert cache.refresh_after_failure("known") is None  # same value: nothing new to try
    assert cache.refresh_after_failure("known") is None and len(reads) == 4  # second one within the interval


def test_a_refused_delivery_before_configuration_does_not_block_the_first_ping(hook_world: HookWorld) -> None:
    from tests.unit.vtexorders.conftest import forget_secret

    forget_secret(hook_world.store, "new-client")
    try:
        assert hook_world.post({"hookConfig": "ping"}, secret="guess-" * 8, client_hash="new-client")[0] == 401
        created, _ = hook_world.store.ensure("new-client")  # ORDERHOOK-MANAGEMENT, then VTEX pings at once
        assert hook_world.post({"hookConfig": "ping"}, secret=created.current, client_hash="new-client")[0] == 200
    finally:
        forget_secret(hook_world.store, "new-client")


def test_a_forged_delivery_does_not_use_up_the_re_read_a_rotation_needs() -> None:
    """Found from outside (issue 12 samples): one refused delivery took the client's only early re-read of the
    minute, so a rotation right after it made VTEX's ping fail (401) and ORDERHOOK-MANAGEMENT answer 502."""
    stored = [HookSecret(current="a" * 20)]
    reads: list[int] = []
    now = [0.0]

    def load(_client_hash: str) -> HookSecret:
        reads.append(1)
        return stored[0]

    cache = HookSecretCache(load, early_reads=3, clock=lambda: now[0])
    assert cache.get("c") == HookSecret(current="a" * 20) and len(reads) == 1
    assert cache.refresh_after_failure("c", "forged-" * 4) is None and len(reads) == 2  # nothing new
    for _ in range(20):  # the same forged value again and again: no read at all
        assert cache.refresh_after_failure("c", "forged-" * 4) is None
    assert len(reads) == 2
    now[0] = 10.0
    stored[0] = HookSecret(current="b" * 20, previous="a" * 20, previous_until=4000)  # ORDERHOOK-MANAGEMENT rotates
    assert cache.refresh_after_failure("c", "b" * 20) == stored[0]  # VTEX's ping with the new value
    assert len(reads) == 3
    for n in range(5):  # distinct forged values: bounded by early_reads per interval
        cache.refresh_after_failure("c", f"guess-{n}-" * 3)
    assert len(reads) == 4
    now[0] = 80.0  # a new interval
    cache.refresh_after_failure("c", "guess-again-" * 2)
    assert len(reads) == 5
