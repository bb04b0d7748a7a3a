"""Brands: BRANDS-VTEX copies the VTEX brand list into ssxml_tik_tok_brands; BRANDS-TTK gives every
brand without `tik_tok_brand_id` one, by matching or creating it on TikTok.

Matching is case-insensitive and whitespace-trimmed ("NIKE ", "Nike" and "nike" are one brand), against
the brands TikTok shows the seller (its own and platform brands, looked up by name prefix). A platform
brand that is not AUTHORIZED is linked but marked so (listing with it may be refused; the listing then
goes without brand when the client allows it). A brand not found is created, at most
`DAILY_CREATIONS` (50) per seller per UTC day: the creations we made today are counted from the table,
and TikTok's own limit answer (12052206) stops creating at once. Brands over the limit are `deferred`
to the next day (reported, never retried in a loop). A duplicate-name answer (12052205) is resolved by
looking the name up again. A name TikTok cannot take (not 2-30 characters) is `refused` with the reason.
The run checks the time left and leaves the rest for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokConflict, TikTokError
from tiktok_vtex.repositories.brands import BrandRepository, BrandRow

from .mapping import Problem, fold

DAILY_CREATIONS = 50
DAILY_LIMIT_CODE = 12052206
NAME_MIN, NAME_MAX = 2, 30


class BrandApi(Protocol):
    def iter_brands(self, *, brand_name: str | None = None, page_size: int = 100) -> Iterator[dict[str, Any]]: ...
    def create_brand(self, name: str) -> str: ...


class BrandRunReport(BaseModel):
    created: list[str] = Field(default_factory=list)
    matched: list[str] = Field(default_factory=list)
    deferred: list[str] = Field(default_factory=list)
    refused: dict[str, str] = Field(default_factory=dict)
    failed: dict[str, str] = Field(default_factory=dict)
    left_for_next_run: int = 0
    creations_today: int = 0


def utc_day(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")


def import_vtex_brands(client_hash: str, brands: Iterable[Any], repo: BrandRepository, *,
                       clock: Callable[[], float] = time.time) -> dict[str, int]:
    """BRANDS-VTEX: every active VTEX brand into the table (existing rows keep their TikTok id)."""
    added = kept = skipped = 0
    seen: set[str] = set()
    for brand in brands:
        name = " ".join(str(brand.name).split())
        if not getattr(brand, "isActive", True) or not name or fold(name) in seen:
            skipped += 1
            continue
        seen.add(fold(name))
        if repo.add_from_vtex(client_hash, name, str(brand.id), at=int(clock())):
            added += 1
        else:
            kept += 1
    return {"added": added, "kept": kept, "skipped": skipped}


class BrandSync:
    """BRANDS-TTK for one client (module doc)."""

    def __init__(self, client_hash: str, api: BrandApi, repo: BrandRepository, *,
                 clock: Callable[[], float] = time.time, time_left_ms: Callable[[], int] | None = None,
                 reserve_ms: int = 5_000) -> None:
        self._client = client_hash
        self._api = api
        self._repo = repo
        self._clock = clock
        self._time_left = time_left_ms
        self._reserve = reserve_ms

    def _find(self, name: str) -> dict[str, Any] | None:
        wanted = fold(name)
        for brand in self._api.iter_brands(brand_name=name.strip()):
            if fold(str(brand.get("name", ""))) == wanted and brand.get("brand_status", "AVAILABLE") == "AVAILABLE":
                return brand
        return None

    def run(self) -> BrandRunReport:
        report = BrandRunReport()
        now = self._clock()
        today = utc_day(now)
        tomorrow = utc_day(now + 86400)
        rows = list(self._repo.all(self._client))
        report.creations_today = sum(1 for r in rows if r.created_day == today and r.sync_status == "created")
        limit_hit = report.creations_today >= DAILY_CREATIONS
        pending = [r for r in rows if not r.linked and r.sync_status != "refused"]
        for index, row in enumerate(pending):
            if self._time_left is not None and self._time_left() < self._reserve:
                report.left_for_next_run = len(pending) - index
                break
            limit_hit = self._one(row, report, today, tomorrow, limit_hit)
        return report

    def _one(  # noqa: PLR0911 - one outcome per TikTok answer
        self, row: BrandRow, report: BrandRunReport, today: str, tomorrow: str, limit_hit: bool
    ) -> bool:
        name, at = row.brand_name, int(self._clock())
        clean = " ".join(name.split())
        try:
            found = self._find(clean)
            if found is not None:
                self._repo.link(self._client, name, str(found["id"]), how="matched", at=at,
                                authorized_status=found.get("authorized_status"))
                report.matched.append(name)
                return limit_hit
            if not NAME_MIN <= len(clean) <= NAME_MAX:
                reason = f"TikTok brand names have {NAME_MIN}-{NAME_MAX} characters ({len(clean)} here)"
                self._repo.mark(self._client, name, "refused", reason, at=at)
                report.refused[name] = reason
                return limit_hit
            if limit_hit:
                self._defer(name, report, tomorrow, at)
                return True
            try:
                brand_id = self._api.create_brand(clean)
            except TikTokConflict:
                found = self._find(clean)  # 12052205: it exists after all (another spelling, a race)
                if found is None:
                    raise
                self._repo.link(self._client, name, str(found["id"]), how="matched", at=at,
                                authorized_status=found.get("authorized_status"))
                report.matched.append(name)
                return limit_hit
            self._repo.link(self._client, name, brand_id, how="created", at=at, created_day=today)
            report.created.append(name)
            report.creations_today += 1
            return report.creations_today >= DAILY_CREATIONS
        except TikTokApiError as error:
            if error.code == DAILY_LIMIT_CODE:
                self._defer(name, report, tomorrow, at)
                return True
            reason = f"TikTok {error.code}: {error.message}"
            status = "refused" if not error.retryable else "failed"
            self._repo.mark(self._client, name, status, reason, at=at)
            (report.refused if status == "refused" else report.failed)[name] = reason
        except TikTokError as error:  # transport: left pending, the next run tries again
            reason = f"{type(error).__name__}: {error}"
            self._repo.mark(self._client, name, "failed", reason, at=at)
            report.failed[name] = reason
        return limit_hit

    def _defer(self, name: str, report: BrandRunReport, tomorrow: str, at: int) -> None:
        self._repo.mark(self._client, name, "deferred",
                        f"TikTok's limit of {DAILY_CREATIONS} brand creations a day was reached; "
                        f"carried over to {tomorrow}", at=at, retry_day=tomorrow)
        report.deferred.append(name)


class BrandLookup:
    """Listing side: the TikTok brand id of a feed brand (from the table), or why there is none."""

    def __init__(self, client_hash: str, repo: BrandRepository, *, list_without_brand: bool = True) -> None:
        self._rows = {fold(r.brand_name): r for r in repo.all(client_hash)}
        self._without = list_without_brand

    def resolve(self, name: str | None) -> tuple[str | None, list[Problem], list[Problem]]:
        """(brand id or None, problems, warnings)."""
        if not name:
            return None, [], []
        row = self._rows.get(fold(name))
        if row is not None and row.linked:
            warnings = []
            if row.sync_status == "matched" and row.authorized_status not in (None, "AUTHORIZED"):
                warnings.append(Problem(rule="brand_not_authorized", field="brand",
                                        message=f"brand {name!r} is a TikTok brand the shop is not authorized for"))
            return row.tik_tok_brand_id, [], warnings
        why = (f"brand {name!r} has no TikTok id yet ({row.sync_status or 'pending'}"
               f"{': ' + row.sync_reason if row and row.sync_reason else ''})" if row else
               f"brand {name!r} is not in ssxml_tik_tok_brands (run BRANDS-VTEX / BRANDS-TTK)")
        problem = Problem(rule="brand_unavailable", field="brand", message=why)
        if self._without:
            return None, [], [problem.model_copy(update={"message": why + "; listed without brand"})]
        return None, [problem], []
