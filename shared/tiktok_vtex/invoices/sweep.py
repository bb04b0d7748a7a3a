"""Invoices uploaded more than 30 minutes ago with no push 36 since (the legacy doc's alarm): found, logged
with what TikTok's order detail says now (`need_upload_invoice`, status), and counted in the
InvoiceStatusMissing metric (InvoiceStatusMissingAlarm). Reads orders placed in VTEX (GSI by_sync_state)
updated in the last `window_days`; stops before the Lambda timeout and says how far it got."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from boto3.dynamodb.conditions import Key

from tiktok_vtex.invoices.models import InvoiceState
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.orders import PLACED, OrderRepository

METRIC_MISSING = "InvoiceStatusMissing"
SILENT_STATES = frozenset({InvoiceState.UPLOADED.value})


@dataclass
class SweepReport:
    checked: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True


def _placed_keys(orders: OrderRepository, since: int) -> Iterator[dict[str, Any]]:
    for state in PLACED:
        yield from orders.table.query(IndexName="by_sync_state", KeyConditionExpression=(
            Key("sync_state").eq(state.value) & Key("updated_at").gte(since)))


def sweep_missing_push36(orders: OrderRepository, *, now: int, older_than_seconds: int = 1800,
                         window_days: int = 7, tiktok: Callable[[str], Any] | None = None,
                         time_left_ms: Callable[[], int] | None = None) -> SweepReport:
    report = SweepReport()
    keys = list(_placed_keys(orders, now - window_days * 86400))
    by_client: dict[str, list[str]] = {}
    for key in keys:
        by_client.setdefault(key["client_hash"], []).append(key["order_id"])
    for client_hash, order_ids in by_client.items():
        if time_left_ms is not None and time_left_ms() < 10_000:
            report.complete = False
            break
        for start in range(0, len(order_ids), 100):
            for record in orders.get_many(client_hash, order_ids[start:start + 100]).values():
                report.checked += 1
                extra = record.model_extra or {}
                uploaded_at = int(extra.get("invoice_uploaded_at") or 0)
                if extra.get("invoice_state") not in SILENT_STATES or not uploaded_at:
                    continue
                if now - uploaded_at < older_than_seconds:
                    continue
                report.missing.append({"client_hash": client_hash, "order_id": record.order_id,
                                       "package_id": extra.get("invoice_package_id"),
                                       "minutes": (now - uploaded_at) // 60,
                                       **_tiktok_view(tiktok, client_hash, record.order_id)})
    for item in report.missing:
        logger.warning("invoice without push 36", extra=item)
    if report.missing:
        metrics.add_metric(name=METRIC_MISSING, unit=MetricUnit.Count, value=len(report.missing))
    return report


def _tiktok_view(tiktok: Callable[[str], Any] | None, client_hash: str, order_id: str) -> dict[str, Any]:
    """What TikTok says now; a failure here never stops the report."""
    if tiktok is None:
        return {}
    try:
        details = tiktok(client_hash).get_order_details([order_id])
    except Exception as error:  # reporting only: any failure becomes a field of the report
        return {"tiktok_error": type(error).__name__}
    detail = next((d for d in details if str(d.get("id")) == order_id), {})
    return {"need_upload_invoice": detail.get("need_upload_invoice"), "tiktok_status": detail.get("status")}
