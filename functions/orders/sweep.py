"""{FunctionPrefix}PEDIDOS-reconciliacao: the reconciliation sweep (schedule, every 15 minutes by default).

Every active client: TikTok orders updated since its last sweep (a cursor on its shop link, minus an
overlap) that are missing or stale in ssxml_tik_tok_orders go through the push path, least recently swept
client first; orders stuck in our own states are re-queued.
Invoke `{"clientHash": ..., "windowMinutes": ...}` to sweep one client over a longer window (recovery), and
`{"replayErrors": true}` to re-queue every order in ERROR once its cause is fixed (replay).
Stuck orders are re-queued first; clients are then reconciled while the invocation's remaining time stays
above a reserve (clients left over are reported, metric SweepClientsLeft, and served by the next run).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from orders.wiring import LEASE_SECONDS, wiring
from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.orders.models import ReconcileMessage
from tiktok_vtex.orders.sweep import DEFAULT_MIN_INTERVAL_SECONDS, DEFAULT_WINDOW_MINUTES, sweep
from tiktok_vtex.parsing import field_names


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = parse(event=event if isinstance(event, dict) else {}, model=ReconcileMessage)
    except ValidationError as error:
        return {"statusCode": 400, "body": {"message": f"invalid event: {field_names(error)}"}}
    deps = wiring()
    window = request.window_minutes or int(deps.settings.extra.get("SWEEP_WINDOW_MINUTES") or DEFAULT_WINDOW_MINUTES)
    clients = [request.client_hash] if request.client_hash else list(
        deps.clients.iter_client_hashes(ShopLinkStatus.TOKEN_GENERATED))
    events = deps.events()
    # The scheduled run goes by each client's cursor; an invoke naming a client or a window is a recovery
    # over exactly that span and leaves the cursors alone.
    scheduled = request.client_hash is None and request.window_minutes is None
    min_interval = int(deps.settings.extra.get("SWEEP_MIN_INTERVAL_MINUTES") or DEFAULT_MIN_INTERVAL_SECONDS // 60)
    report = sweep(clients, deps.tiktok, deps.orders, events, events.orders_queue, window_minutes=window,
                   lease_seconds=LEASE_SECONDS, replay_errors=request.replay_errors,
                   remaining_ms=context.get_remaining_time_in_millis, cursor=deps.clients if scheduled else None,
                   min_interval_seconds=min_interval * 60)
    metrics.add_metric(name="SweepOrdersRecovered", unit=MetricUnit.Count, value=report.fed)
    left = len(report.left_clients) + len(report.partial_clients)
    if left:
        metrics.add_metric(name="SweepClientsLeft", unit=MetricUnit.Count, value=left)
    if report.failed_clients:
        metrics.add_metric(name="SweepClientFailed", unit=MetricUnit.Count, value=len(report.failed_clients))
    logger.info("reconciliation sweep done", extra=asdict(report))
    return {"statusCode": 200, "body": {"message": "Success", **asdict(report)}}
