"""Issue 17: products gone from the feed are deactivated in batches of at most 20 ids (TikTok's limit), each
product once, with its SKUs (the rows are marked by the consumer, never deleted)."""

from __future__ import annotations

from typing import Any

from tiktok_vtex.catalog_updates.messages import DEACTIVATE_BATCH, DEACTIVATE_PRODUCTS, DeactivateProducts
from tiktok_vtex.catalog_updates.run import UpdateQueues, UpdateReport, _queue_deactivations


class Collect:
    def __init__(self) -> None:
        self.sends: list[list[dict[str, Any]]] = []

    def send(self, messages: Any) -> int:
        self.sends.append(list(messages))
        return 1


def test_45_products_make_three_deactivation_messages_of_at_most_20() -> None:
    updates = Collect()
    queues = UpdateQueues(updates=updates, listing=Collect(), stock=Collect(), price=Collect())
    products = {f"P{n:03d}": [f"SKU-{n}-a", f"SKU-{n}-b"] for n in range(45)}
    report = UpdateReport(run_id="r1")
    _queue_deactivations("client", report, products, queues)
    messages = [m for send in updates.sends for m in send]
    assert DEACTIVATE_BATCH == 20 and [len(m["products"]) for m in messages] == [20, 20, 5]
    assert all(m["type"] == DEACTIVATE_PRODUCTS for m in messages)
    seen = [pid for m in messages for pid in DeactivateProducts.model_validate(m).products]
    assert sorted(seen) == sorted(products) and len(seen) == len(set(seen))
    assert report.deactivations == 45
