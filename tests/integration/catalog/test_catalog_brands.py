"""BRANDS-VTEX / BRANDS-TTK against the TikTok sandbox: case-insensitive matching, creation, the 50 a
day limit with carry-over (never retried in a loop), duplicates (12052205) resolved by lookup, names
TikTok refuses, transient failures left for the next run; the listing side's brand lookup."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tiktok_vtex.catalog.brands import BrandLookup, BrandSync, import_vtex_brands
from tiktok_vtex.repositories.brands import BrandRepository

CLIENT = "b" * 40
DAY0 = 1_764_547_200.0  # 2025-12-01T00:00Z


class Clock:
    def __init__(self, at: float = DAY0 + 3600) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def repo(tables: dict[str, str]) -> BrandRepository:
    return BrandRepository(tables["BrandsTable"])


def vtex(*names: str, inactive: tuple[str, ...] = ()) -> list[Any]:
    return [SimpleNamespace(id=2000 + n, name=name, isActive=name not in inactive) for n, name in enumerate(names)]


def brand_calls(tt: Any) -> dict[str, int]:
    calls = tt.get("/sandbox/calls")["calls"]
    return {k: v for k, v in calls.items() if "brands" in k}


def test_vtex_import_dedupes_case_insensitively_and_keeps_tiktok_ids(repo: BrandRepository) -> None:
    assert import_vtex_brands(CLIENT, vtex("Nike", "NIKE ", "Adidas", "Velha", inactive=("Velha",)), repo) == {
        "added": 2, "kept": 0, "skipped": 2}
    repo.link(CLIENT, "Nike", "77", how="created", at=1)
    assert import_vtex_brands(CLIENT, vtex("Nike"), repo)["kept"] == 1
    assert repo.get(CLIENT, "Nike").tik_tok_brand_id == "77"
    assert sorted(r.brand_name for r in repo.pending(CLIENT)) == ["Adidas"]


def test_match_existing_then_create_then_a_rerun_does_nothing(tt: Any, repo: BrandRepository) -> None:
    client = tt.client()
    existing = client.create_brand("Sol de Minas")
    import_vtex_brands(CLIENT, vtex("  SOL DE MINAS ", "Marca Nova"), repo)
    report = BrandSync(CLIENT, client, repo, clock=Clock()).run()
    assert report.matched == ["SOL DE MINAS"] and report.created == ["Marca Nova"]
    assert repo.get(CLIENT, "SOL DE MINAS").tik_tok_brand_id == existing
    created = repo.get(CLIENT, "Marca Nova")
    assert created.sync_status == "created" and created.tik_tok_brand_id in tt.sb.brands
    tt.admin.delete("/sandbox/calls")
    again = BrandSync(CLIENT, client, repo, clock=Clock()).run()
    assert again.created == again.matched == [] and brand_calls(tt) == {}


def test_daily_limit_defers_the_rest_to_the_next_day_without_looping(tt: Any, repo: BrandRepository) -> None:
    client = tt.client()
    import_vtex_brands(CLIENT, vtex(*(f"Marca {n:02d}" for n in range(55))), repo)
    clock = Clock()
    first = BrandSync(CLIENT, client, repo, clock=clock).run()
    assert (len(first.created), len(first.deferred)) == (50, 5)
    deferred = repo.get(CLIENT, first.deferred[0])
    assert (deferred.sync_status, deferred.retry_day) == ("deferred", "2025-12-02")
    # the same day again: nothing is created (the budget is counted from the table) and TikTok is not asked
    tt.admin.delete("/sandbox/calls")
    second = BrandSync(CLIENT, client, repo, clock=clock).run()
    assert second.created == [] and len(second.deferred) == 5
    assert brand_calls(tt).get("POST /product/202309/brands", 0) == 0
    # the next day (TikTok's business day too): the rest are created
    tt.post("/sandbox/clock", {"advance_seconds": 86400})
    clock.at += 86400
    third = BrandSync(CLIENT, client, repo, clock=clock).run()
    assert len(third.created) == 5 and list(repo.pending(CLIENT)) == []


def test_tiktoks_own_limit_answer_stops_creating_at_once(tt: Any, repo: BrandRepository) -> None:
    """Brands created elsewhere today (another tool, the legacy fleet) used TikTok's budget: its 12052206
    stops the run; the rest is deferred, not tried one by one."""
    client = tt.client()
    for n in range(48):
        client.create_brand(f"Outra {n:02d}")
    import_vtex_brands(CLIENT, vtex(*(f"Marca {n}" for n in range(6))), repo)
    tt.admin.delete("/sandbox/calls")
    report = BrandSync(CLIENT, client, repo, clock=Clock()).run()
    assert len(report.created) == 2 and len(report.deferred) == 4
    assert brand_calls(tt)["POST /product/202309/brands"] == 3  # two created, one refused with the limit


class HidesFirstLookup:
    """TikTok's brand search misses the brand once (a race with another writer): the create answers
    12052205 and the second lookup resolves it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.hidden = False

    def iter_brands(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        if not self.hidden:
            self.hidden = True
            return iter(())
        return self.inner.iter_brands(**kwargs)

    def create_brand(self, name: str) -> str:
        return self.inner.create_brand(name)


def test_duplicate_name_is_resolved_by_lookup(tt: Any, repo: BrandRepository) -> None:
    client = tt.client()
    existing = client.create_brand("Pedra Azul")
    import_vtex_brands(CLIENT, vtex("pedra azul"), repo)
    report = BrandSync(CLIENT, HidesFirstLookup(client), repo, clock=Clock()).run()
    assert report.matched == ["pedra azul"] and repo.get(CLIENT, "pedra azul").tik_tok_brand_id == existing


def test_names_tiktok_refuses_are_reported_and_not_retried(tt: Any, repo: BrandRepository) -> None:
    client = tt.client()
    import_vtex_brands(CLIENT, vtex("X", "Uma Marca Com Um Nome Comprido Demais"), repo)
    report = BrandSync(CLIENT, client, repo, clock=Clock()).run()
    assert set(report.refused) == {"X", "Uma Marca Com Um Nome Comprido Demais"}
    tt.admin.delete("/sandbox/calls")
    assert BrandSync(CLIENT, client, repo, clock=Clock()).run().refused == {}
    assert brand_calls(tt) == {}


def test_transient_failures_are_left_for_the_next_run(tt: Any, repo: BrandRepository) -> None:
    client = tt.client()
    import_vtex_brands(CLIENT, vtex("Mar Aberto"), repo)
    tt.post("/sandbox/faults", {"endpoint": "POST /product/202309/brands", "error_rate_5xx": 1.0})
    report = BrandSync(CLIENT, client, repo, clock=Clock()).run()
    assert list(report.failed) == ["Mar Aberto"] and repo.get(CLIENT, "Mar Aberto").sync_status == "failed"
    tt.admin.delete("/sandbox/faults")
    assert BrandSync(CLIENT, client, repo, clock=Clock()).run().created == ["Mar Aberto"]


def test_time_budget_leaves_the_rest_for_the_next_run(tt: Any, repo: BrandRepository) -> None:
    client = tt.client()
    import_vtex_brands(CLIENT, vtex("Alfa", "Beta", "Gama"), repo)
    budget = iter([60_000, 60_000, 1_000])
    report = BrandSync(CLIENT, client, repo, clock=Clock(), time_left_ms=lambda: next(budget)).run()
    assert len(report.created) == 2 and report.left_for_next_run == 1


def test_listing_lookup(tt: Any, repo: BrandRepository) -> None:
    import_vtex_brands(CLIENT, vtex("Ipê Amarelo", "Pendente"), repo)
    repo.link(CLIENT, "Ipê Amarelo", "555", how="created", at=1)
    lookup = BrandLookup(CLIENT, repo)
    assert lookup.resolve("IPÊ AMARELO") == ("555", [], [])
    brand_id, problems, warnings = lookup.resolve("pendente")
    assert brand_id is None and problems == [] and warnings[0].rule == "brand_unavailable"
    strict = BrandLookup(CLIENT, repo, list_without_brand=False)
    assert strict.resolve("Nenhuma")[1][0].rule == "brand_unavailable"
