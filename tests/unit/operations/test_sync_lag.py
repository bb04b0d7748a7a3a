"""The hourly late-sync check (OPS-sync-check): every active client's stock / price sync and catalog run
against its expected period, published per sync as SyncsLate / SyncOldestSeconds for the late-sync alarms;
the status report applies the same rule (catalog included)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.unit.orders.fakes_orders import LambdaContextStub
from tiktok_vtex.commands.common import StackConfig
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.operations.status import Thresholds, sync_state
from tiktok_vtex.operations.sync_lag import RESERVE_MS, check_sync_lag
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository

HOUR = 3600


def _link(config: StackConfig, client: str, status: ShopLinkStatus = ShopLinkStatus.TOKEN_GENERATED) -> None:
    ClientRepository(config.client_table, config.client_tiktok_table).put_shop_link(ShopLink(
        client_hash=client, status=status, tik_tok_shop_store_id=f"shop-{client}"))


def _log(config: StackConfig, table: str, client: str, kind: str, age_seconds: int, now: int) -> None:
    LogRepository(config.log_tables[table], clock=lambda: now - age_seconds).append(client, kind, "880408", {})


def _documents(out: str) -> dict[str, dict[str, Any]]:
    """sync -> its EMF document (SyncsLate, SyncOldestSeconds)."""
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"SyncsLate"' in line]
    found = {}
    for doc in docs:
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert sorted(directive["Dimensions"][0]) == ["service", "sync"]
        assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"SyncsLate": "Count",
                                                                        "SyncOldestSeconds": "Seconds"}
        found[doc["sync"]] = {k: v[0] if isinstance(v, list) else v for k, v in doc.items()
                              if k in ("SyncsLate", "SyncOldestSeconds")}
    return found


def test_the_hourly_check_publishes_late_syncs_per_sync(config: StackConfig, function_env: Any,
                                                         capsys: pytest.CaptureFixture[str],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    env = function_env("SyncCheckFunction")
    assert (env["SYNC_LAG_HOURS"], env["CATALOG_FEED_MAX_AGE_HOURS"]) == ("26", "48")
    from ops import sync_check

    now = int(time.time())
    # late: stock 30 h ago (nightly missed), catalog compared 3 days ago; price fresh
    _link(config, "c-late")
    _log(config, "TikTokLogStock", "c-late", "stock_update", 30 * HOUR, now)
    _log(config, "TikTokLogPrice", "c-late", "price_update", HOUR, now)
    _log(config, "TikTokLogProduct", "c-late", "update_run", 72 * HOUR, now)
    # on time: synced last night, catalog listed yesterday
    _link(config, "c-ok")
    _log(config, "TikTokLogStock", "c-ok", "stock_update", 2 * HOUR, now)
    _log(config, "TikTokLogStock", "c-ok", "stock_update_failed", 60, now)  # a failure is not a sync
    _log(config, "TikTokLogPrice", "c-ok", "price_update", 2 * HOUR, now)
    _log(config, "TikTokLogProduct", "c-ok", "listing_run", 20 * HOUR, now)
    # no catalog run at all: this client does not use the catalog flow (not late); price never synced (late)
    _link(config, "c-nocat")
    _log(config, "TikTokLogStock", "c-nocat", "stock_update", HOUR, now)
    # deauthorized: its flows stopped on purpose, not checked
    _link(config, "c-gone", ShopLinkStatus.DEAUTHORIZED)
    capsys.readouterr()

    result = sync_check.lambda_handler({"source": "aws.events"}, LambdaContextStub())

    body = result["body"]
    assert body["checked"] == 3 and body["left"] == 0
    assert body["late"] == {"stock": ["c-late"], "price": ["c-nocat"], "catalog": ["c-late"]}
    out = capsys.readouterr().out
    docs = _documents(out)
    assert docs["stock"]["SyncsLate"] == 1 and docs["stock"]["SyncOldestSeconds"] == pytest.approx(30 * HOUR, abs=5)
    assert docs["price"]["SyncsLate"] == 1
    assert docs["price"]["SyncOldestSeconds"] == Thresholds().log_window_days * 86400  # never seen: the window
    assert docs["catalog"]["SyncsLate"] == 1
    assert docs["catalog"]["SyncOldestSeconds"] == pytest.approx(72 * HOUR, abs=5)
    (record,) = [r for r in caplog.records if r.getMessage() == "syncs late"]  # the operator's list of clients
    assert record.late == body["late"] and "c-gone" not in json.dumps(record.late)


def test_all_on_time_publishes_zeros(config: StackConfig, function_env: Any,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Zeros are published (not nothing): the alarms treat missing data as a check that stopped."""
    function_env("SyncCheckFunction")
    from ops import sync_check

    now = int(time.time())
    _link(config, "c-ok")
    _log(config, "TikTokLogStock", "c-ok", "stock_update", HOUR, now)
    _log(config, "TikTokLogPrice", "c-ok", "price_update", HOUR, now)
    capsys.readouterr()
    sync_check.lambda_handler({}, LambdaContextStub())
    docs = _documents(capsys.readouterr().out)
    assert {name: d["SyncsLate"] for name, d in docs.items()} == {"stock": 0, "price": 0, "catalog": 0}


def test_the_check_stops_before_its_timeout(config: StackConfig) -> None:
    logs = {name: LogRepository(table) for name, table in config.log_tables.items()}
    budget = iter([RESERVE_MS + 1, RESERVE_MS - 1])
    report = check_sync_lag(logs, ["a", "b", "c"], now=int(time.time()), remaining_ms=lambda: next(budget))
    assert (report.checked, report.left) == (1, 2)


def test_the_catalog_rule(config: StackConfig) -> None:
    logs = {name: LogRepository(table) for name, table in config.log_tables.items()}
    now = int(time.time())
    _log(config, "TikTokLogProduct", "c1", "update_run", 47 * HOUR, now)
    assert sync_state(logs, "c1", now=now)["catalog"]["late"] is False
    assert sync_state(logs, "c1", now=now + 2 * HOUR)["catalog"]["late"] is True  # 49 h > 48 h
    tight = Thresholds(catalog_lag_seconds=24 * HOUR)
    assert sync_state(logs, "c1", now=now, thresholds=tight)["catalog"]["late"] is True
    _log(config, "TikTokLogProduct", "c1", "listing_run_failed", 60, now)  # a failed run does not count
    assert sync_state(logs, "c1", now=now + 2 * HOUR)["catalog"]["lag_seconds"] == pytest.approx(49 * HOUR, abs=5)
