"""Issue 10 defect 5: a quick change and change-back in VTEX (35 -> 45 queued -> 35) must leave TikTok
at the VTEX value, whether the 45 is still queued or already on its way to TikTok."""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_vtex.inventory.memory import MemoryQueue
from tiktok_vtex.inventory.models import UpdateInventory
from tiktok_vtex.inventory.sync import NoPendingOrders

CLIENT = "c0ffee"
SKU, TIKTOK_SKU = "880400", "T880400"


def fetch(env: dict[str, Any], quantity: int) -> list[dict[str, Any]]:
    """VTEX now holds `quantity`; the fetch step reads it and returns the update messages it queued."""
    env["vtex"].stock[(SKU, "1_1")] = quantity
    queue = MemoryQueue()
    env["sync"].fetch_and_dispatch(env["ctx"], [SKU], env["vtex"], NoPendingOrders(), queue)
    return queue.drain()


def update(env: dict[str, Any], message: dict[str, Any], tiktok: Any = None) -> Any:
    return env["sync"].update(env["ctx"], UpdateInventory.model_validate(message), tiktok or env["tiktok"])


@pytest.mark.parametrize("order", ["queued order", "reversed"])
def test_change_and_change_back_while_the_first_update_is_queued(env: dict[str, Any], order: str) -> None:
    [first] = fetch(env, 35)
    update(env, first)
    assert env["tiktok"].inventory[TIKTOK_SKU] == {"TW1": 35}

    to_45 = fetch(env, 45)  # queued, not processed yet
    back_to_35 = fetch(env, 35)  # read again before the 45 message is processed
    assert len(to_45) == 1 and len(back_to_35) == 1, "the change back must be queued, not dropped as unchanged"
    messages = to_45 + back_to_35 if order == "queued order" else back_to_35 + to_45
    for message in messages:
        update(env, message)

    assert env["tiktok"].inventory[TIKTOK_SKU] == {"TW1": 35}
    row = env["state"].get(CLIENT, SKU)
    assert row.stock_sent == {"TW1": 35}
    # settled: the next run is diff-only again
    assert fetch(env, 35) == []


def test_change_back_while_the_first_update_is_in_flight_to_tiktok(env: dict[str, Any], kit: Any) -> None:
    [first] = fetch(env, 35)
    update(env, first)
    [to_45] = fetch(env, 45)
    plain = env["tiktok"]

    class SlowTikTok(kit.FakeTikTok):
        raced = False

        def update_inventory(self, product_id: str, skus: list[dict[str, Any]]) -> Any:
            if not self.raced:  # while the 45 is on its way, VTEX goes back to 35 and that update is processed
                self.raced = True
                [back_to_35] = fetch(env, 35)
                update(env, back_to_35, plain)
            return plain.update_inventory(product_id, skus)

    update(env, to_45, SlowTikTok())
    assert plain.inventory[TIKTOK_SKU] == {"TW1": 35}  # the late 45 was followed by a repair
    assert env["state"].get(CLIENT, SKU).stock_sent == {"TW1": 35}
    assert [e["ok"] for e in env["log"].of_kind("stock_repair")] == [True]
