from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tiktok_vtex.clients.tiktok.errors import TikTokPriceLocked
from tiktok_vtex.clients.tiktok.models import BatchResult, ItemError
from tiktok_vtex.clients.vtex.errors import VtexNotFound
from tiktok_vtex.clients.vtex.models import ComputedPrice
from tiktok_vtex.inventory.memory import MemoryChangeLog, MemoryQueue, MemoryStateStore
from tiktok_vtex.inventory.rules import WarehouseRoute
from tiktok_vtex.inventory.sync import ClientSyncContext
from tiktok_vtex.models.client import PriceRules
from tiktok_vtex.pricing.models import UpdatePrice
from tiktok_vtex.pricing.sync import PriceSync
from tiktok_vtex.repositories.products import SellerSku

CLIENT = "c1"


class Vtex:
    def __init__(self) -> None:
        self.prices: dict[str, tuple[str, str | None]] = {}
        self.calls: list[tuple[str, str | None]] = []

    def get_computed_price(self, sku_id: Any, trade_policy: str | None = None) -> ComputedPrice:
        self.calls.append((str(sku_id), trade_policy))
        if str(sku_id) not in self.prices:
            raise VtexNotFound(404, None, "no price")
        selling, listed = self.prices[str(sku_id)]
        return ComputedPrice(tradePolicyId=trade_policy or "1", sellingPrice=Decimal(selling),
                             listPrice=Decimal(listed) if listed else None)


class TikTok:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self.locked: set[str] = set()
        self.item_errors: list[dict[str, Any]] = []
        self.prices: dict[str, str] = {}

    def update_prices(self, product_id: str, skus: list[dict[str, Any]]) -> BatchResult:
        self.calls.append((product_id, skus))
        if product_id in self.locked:
            raise TikTokPriceLocked(12052038, "product in promotion", "r", 200)
        errors = [ItemError.model_validate(e) for e in self.item_errors]
        self.item_errors = []
        failed = {e.id_of("sku_id") for e in errors}
        for sku in skus:
            if sku["id"] not in failed:
                self.prices[sku["id"]] = sku["price"]["amount"]
        return BatchResult(errors=errors)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


@pytest.fixture
def env() -> dict[str, Any]:
    rows = [SellerSku(client_hash=CLIENT, seller_sku=s, tik_tok_product_id=p, tik_tok_sku_id="T" + s)
            for p, s in [("P0", "1"), ("P0", "2"), ("P1", "3")]]
    vtex = Vtex()
    vtex.prices = {"1": ("100.00", "120.00"), "2": ("50.00", None), "3": ("10.00", None)}
    clock = Clock()
    state = MemoryStateStore(rows)
    sync = PriceSync(state, MemoryChangeLog(), MemoryChangeLog(), clock=clock, max_concurrency=2)
    ctx = ClientSyncContext(CLIENT, (WarehouseRoute("1_1", "W"),),
                            price_rules=PriceRules(markup_percent=Decimal(10), rounding="0.90"), trade_policy="7")
    return {"vtex": vtex, "tiktok": TikTok(), "state": state, "sync": sync, "ctx": ctx, "clock": clock}


def run(env: dict[str, Any], skus: list[str] | None = None, *, force: bool = False) -> list[Any]:
    queue = MemoryQueue()
    fetch = env["sync"].fetch_and_dispatch(env["ctx"], skus or ["1", "2", "3"], env["vtex"], queue, force=force)
    return [fetch, *[env["sync"].update(env["ctx"], UpdatePrice.model_validate(m), env["tiktok"])
                     for m in queue.drain()]]


def test_prices_use_the_trade_policy_rules_and_one_call_per_product(env: dict[str, Any]) -> None:
    run(env)
    assert {s for s, _ in env["vtex"].calls} == {"1", "2", "3"} and {t for _, t in env["vtex"].calls} == {"7"}
    assert sorted(p for p, _ in env["tiktok"].calls) == ["P0", "P1"]
    assert env["tiktok"].prices == {"T1": "110.90", "T2": "55.90", "T3": "11.90"}
    assert env["tiktok"].calls[0][1][0]["price"] == {"amount": "110.90", "currency": "BRL"}
    assert env["state"].get(CLIENT, "1").price_sent == {"amount": "110.90", "currency": "BRL"}
    entry = env["sync"].log.of_kind("price_update")[0]
    assert entry["list_price"] == "132.90"
    assert len(env["sync"].product_log.of_kind("price_product_update")) == 2


def test_unchanged_prices_are_not_sent_again(env: dict[str, Any]) -> None:
    run(env)
    env["tiktok"].calls.clear()
    fetch, *updates = run(env)
    assert env["tiktok"].calls == [] and updates == [] and fetch.unchanged == 3
    env["vtex"].prices["3"] = ("20.00", None)
    run(env)
    assert [(p, [s["id"] for s in skus]) for p, skus in env["tiktok"].calls] == [("P1", ["T3"])]


def test_stale_price_reading_is_dropped(env: dict[str, Any]) -> None:
    sync, ctx, tiktok = env["sync"], env["ctx"], env["tiktok"]
    base = {"type": "triggerUpdatePriceBySellerSku", "clientHash": CLIENT, "sellerSku": "1"}
    assert sync.update(ctx, UpdatePrice.model_validate({**base, "price": "30.00", "readAtMs": 2000}), tiktok).sent == 1
    report = sync.update(ctx, UpdatePrice.model_validate({**base, "price": "25.00", "readAtMs": 1000}), tiktok)
    assert report.stale == 1 and tiktok.prices["T1"] == "30.00"


def test_promotion_is_recorded_and_skipped_not_retried(env: dict[str, Any]) -> None:
    env["tiktok"].locked.add("P0")
    _fetch, *updates = run(env)
    assert all(f.retryable is False for u in updates for f in u.failures)
    assert sum(u.skipped for u in updates) == 2 and sum(len(u.failures) for u in updates) == 0
    row = env["state"].get(CLIENT, "1")
    assert row.price_locked_code == 12052038 and row.price_locked_until > env["clock"].now
    assert len(env["sync"].log.of_kind("price_locked_promotion")) == 2
    # next run: the locked product is not even read nor sent; the other one is unchanged
    env["tiktok"].calls.clear()
    env["vtex"].calls.clear()
    fetch, *updates = run(env)
    assert env["tiktok"].calls == [] and fetch.skipped == 2 and {s for s, _ in env["vtex"].calls} == {"3"}
    # after the retry window it is tried again, and succeeds once the promotion ended
    env["clock"].now += 25 * 3600
    env["tiktok"].locked.clear()
    run(env)
    assert env["tiktok"].prices["T1"] == "110.90"
    assert env["state"].get(CLIENT, "1").price_locked_until == 0


def test_item_level_promotion_code_and_other_errors(env: dict[str, Any]) -> None:
    env["tiktok"].item_errors = [{"code": 12019045, "message": "promo", "detail": {"sku_id": "T1"}},
                                 {"code": 12052230, "message": "bad", "detail": {"sku_id": "T2"}}]
    _fetch, *updates = run(env, ["1", "2"])
    [update] = updates
    assert update.skipped == 1 and [(f.seller_sku, f.retryable) for f in update.failures] == [("2", False)]
    assert env["state"].get(CLIENT, "2").price_error["code"] == "TIKTOK_12052230"


def test_sku_without_vtex_price_fails_alone(env: dict[str, Any]) -> None:
    del env["vtex"].prices["2"]
    fetch, *updates = run(env)
    assert [(f.seller_sku, f.code) for f in fetch.failures] == [("2", "VTEX_NOT_FOUND")]
    assert sum(u.sent for u in updates) == 2


def test_legacy_single_price_message_needs_a_positive_price() -> None:
    with pytest.raises(ValueError):
        UpdatePrice.model_validate({"type": "triggerUpdatePriceBySellerSku", "clientHash": CLIENT,
                                    "sellerSku": "1", "price": "-1"})


def test_an_older_price_landing_after_a_newer_one_is_repaired(env: dict[str, Any]) -> None:
    sync, ctx = env["sync"], env["ctx"]
    base = {"type": "triggerUpdatePriceBySellerSku", "clientHash": CLIENT, "sellerSku": "1"}
    older = UpdatePrice.model_validate({**base, "price": "30.00", "readAtMs": 1000})
    newer = UpdatePrice.model_validate({**base, "price": "35.00", "readAtMs": 2000})
    plain = env["tiktok"]

    class Racing(TikTok):
        raced = False

        def update_prices(self, product_id: str, skus: list[dict[str, Any]]) -> BatchResult:
            if not self.raced:
                self.raced = True
                sync.update(ctx, newer, plain)
            return plain.update_prices(product_id, skus)

    sync.update(ctx, older, Racing())
    assert [s[0]["price"]["amount"] for _, s in plain.calls] == ["35.00", "30.00", "35.00"]
    assert plain.prices["T1"] == "35.00"
    assert [e["ok"] for e in sync.log.of_kind("price_repair")] == [True]


# Issue 10 defect 5 for prices: VTEX 35.00 -> 45.00 (queued) -> 35.00 leaves TikTok at 35.00.
def fetch_sku_3(env: dict[str, Any], price: str) -> list[dict[str, Any]]:
    env["vtex"].prices["3"] = (price, None)
    queue = MemoryQueue()
    env["sync"].fetch_and_dispatch(env["ctx"], ["3"], env["vtex"], queue)
    return queue.drain()


@pytest.mark.parametrize("order", ["queued order", "reversed"])
def test_price_change_and_change_back_while_the_first_update_is_queued(env: dict[str, Any], order: str) -> None:
    env["ctx"] = ClientSyncContext(CLIENT, env["ctx"].routes, price_rules=PriceRules(), trade_policy="7")  # no markup
    sync, ctx, tiktok = env["sync"], env["ctx"], env["tiktok"]
    [first] = fetch_sku_3(env, "35.00")
    sync.update(ctx, UpdatePrice.model_validate(first), tiktok)
    assert tiktok.prices["T3"] == "35.00"

    to_45 = fetch_sku_3(env, "45.00")
    back_to_35 = fetch_sku_3(env, "35.00")
    assert len(to_45) == 1 and len(back_to_35) == 1
    for message in (to_45 + back_to_35 if order == "queued order" else back_to_35 + to_45):
        sync.update(ctx, UpdatePrice.model_validate(message), tiktok)

    assert tiktok.prices["T3"] == "35.00"
    assert env["state"].get(CLIENT, "3").price_sent == {"amount": "35.00", "currency": "BRL"}
    assert fetch_sku_3(env, "35.00") == []
