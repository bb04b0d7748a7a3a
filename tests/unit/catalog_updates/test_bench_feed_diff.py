"""Issue 17's benchmark: the demo-size change's TikTok writes next to a full re-upload, and the diff finding
exactly the planted changes of a generated feed pair (small size: the figures themselves are the bench's)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_feed_diff import demo_calls, mutate
from benchmarks.bench_feed_parse import generate
from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog_updates.diff import FeedDiff, Route, digest_items


def test_the_demo_change_makes_two_partial_edits_one_deactivation_and_no_full_edit() -> None:
    calls = demo_calls()
    assert calls == {"partial_edits": 2, "deactivate_calls": 1, "full_edits": 0, "price_flow_skus": 1,
                     "stock_flow_skus": 0, "full_reupload_edits": 7, "full_reupload_skus": 34}


def test_the_diff_finds_exactly_the_planted_changes(tmp_path: Path) -> None:
    old, new = tmp_path / "old.xml", tmp_path / "new.xml"
    generate(old, 1_500)
    planted = mutate(old, new)
    with old.open("rb") as stream:
        differ = FeedDiff(digest_items(raw for _, raw in FeedReader(stream).raw_items()))
    with new.open("rb") as stream:
        changes = list(differ.compare(raw for _, raw in FeedReader(stream).raw_items()))
    counts = differ.summary.counts
    assert {k: counts[k] for k in ("removed", "changed", "added")} == {
        k: planted[k] for k in ("removed", "changed", "added")}
    assert sum(c.routes == {Route.PRICE} for c in changes) == planted["price_only"]
    assert sum(c.routes == {Route.STOCK} for c in changes) == planted["stock_only"]
