"""The hourly sync check: every active client's last stock / price / catalog run against its expected period
(the rule of the status report, `status.sync_state`), summed per sync into metrics the late-sync alarms
watch (template.yaml: StockSyncLateAlarm, PriceSyncLateAlarm, CatalogSyncLateAlarm).

Per sync, one EMF document with dimensions service and sync: `SyncsLate` (active clients whose sync is late)
and `SyncOldestSeconds` (the largest lag; a required sync never seen counts as its whole look-back window).
The client is never a dimension: the late clients are on the log line. Missing data is breaching in the
alarms, so a check that stops running alarms too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tiktok_vtex.observability import emit_document, logger
from tiktok_vtex.operations.status import SYNCS, Thresholds, sync_state
from tiktok_vtex.repositories.logs import LogRepository

RESERVE_MS = 10_000  # left for the metrics and the log line when the run must stop early


@dataclass
class SyncLagReport:
    checked: int = 0
    left: int = 0  # clients not reached before the reserve (the next hourly run reads them)
    late: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in SYNCS})
    oldest_seconds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SYNCS, 0))

    def as_log(self) -> dict[str, Any]:
        return {"checked": self.checked, "left": self.left, "late": self.late, "oldest_seconds": self.oldest_seconds}


def check_sync_lag(logs: Mapping[str, LogRepository], clients: Iterable[str], *, now: int,
                   thresholds: Thresholds | None = None,
                   remaining_ms: Callable[[], int] | None = None) -> SyncLagReport:
    thresholds = thresholds or Thresholds()
    report = SyncLagReport()
    pending = list(clients)
    for position, client_hash in enumerate(pending):
        if remaining_ms is not None and remaining_ms() < RESERVE_MS:
            report.left = len(pending) - position
            break
        for name, sync in sync_state(logs, client_hash, now=now, thresholds=thresholds).items():
            lag = sync["lag_seconds"] if sync["lag_seconds"] is not None else sync["window_days"] * 86400
            if sync["late"]:
                report.late[name].append(client_hash)
                report.oldest_seconds[name] = max(report.oldest_seconds[name], lag)
            elif sync["lag_seconds"] is not None:
                report.oldest_seconds[name] = max(report.oldest_seconds[name], lag)
        report.checked += 1
    return report


def publish(report: SyncLagReport) -> None:
    for name in SYNCS:
        emit_document([("SyncsLate", "Count", len(report.late[name])),
                       ("SyncOldestSeconds", "Seconds", report.oldest_seconds[name])], sync=name)
    if any(report.late.values()) or report.left:
        logger.warning("syncs late", extra=report.as_log())
    else:
        logger.info("syncs on time", extra=report.as_log())
