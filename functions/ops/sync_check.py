"""{FunctionPrefix}OPS-sync-check: the hourly late-sync check (schedule).

Every active client's last stock / price sync and catalog run against its expected period (SYNC_LAG_HOURS,
CATALOG_FEED_MAX_AGE_HOURS), published as SyncsLate / SyncOldestSeconds per sync for the late-sync alarms
(tiktok_vtex.operations.sync_lag). Reads only: the client links and the three log tables.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.observability import logger, tracer
from tiktok_vtex.operations.status import Thresholds
from tiktok_vtex.operations.sync_lag import check_sync_lag, publish
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.settings import SyncCheckSettings, get_settings


# No @metrics.log_metrics: the check's metrics carry the `sync` dimension and are written by publish() as their
# own EMF documents; the decorator would only warn about an empty set.
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings(SyncCheckSettings)
    tables = settings.tables
    logs = {"TikTokLogStock": LogRepository(tables.log_stock), "TikTokLogPrice": LogRepository(tables.log_price),
            "TikTokLogProduct": LogRepository(tables.log_product)}
    thresholds = Thresholds(sync_lag_seconds=int(settings.sync_lag_hours * 3600),
                            catalog_lag_seconds=int(settings.catalog_feed_max_age_hours * 3600))
    clients = ClientRepository(tables.client, tables.client_tiktok).iter_client_hashes(ShopLinkStatus.TOKEN_GENERATED)
    report = check_sync_lag(logs, clients, now=int(time.time()), thresholds=thresholds,
                            remaining_ms=context.get_remaining_time_in_millis)
    publish(report)
    return {"statusCode": 200, "body": report.as_log()}
