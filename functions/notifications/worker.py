"""{FunctionPrefix}VTEX-notificacao-sync: VtexNotificationQueue (batches gathered over `RealtimeWindowSeconds`)
-> the stock and price fetch steps for the SKUs VTEX said changed -> SQS_ATUALIZA_ESTOQUE / SQS_ATUALIZA_PRECO
(the existing TikTok update functions: one call per product, per-shop rate limit, promotion lock).

A batch is merged per client and SKU (tiktok_vtex.notifications.coalesce). Failures: a malformed record
fails alone (batchItemFailures -> DLQ after 5 receives, reason logged); an unusable client is logged and its
records acknowledged (the nightly run covers it once fixed); a transient VTEX or queue failure fails every
record of that client, so SQS redelivers them (diff-only makes the repeat cheap).

A direct invoke `{"type": "setupVtexAffiliate", "clientHash": ..., "apply": true}` creates or updates the client's
VTEX affiliate (the invoke form of `tiktok-vtex vtex-affiliate`).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexCredentialsError
from tiktok_vtex.notifications.affiliate import AffiliateSetupError, setup_client_affiliate
from tiktok_vtex.notifications.coalesce import DEFAULT_STALE_MARGIN_MS, RealtimeSync, merge
from tiktok_vtex.notifications.models import QueuedChange
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.parsing import MessageParser
from tiktok_vtex.settings import VtexNotificationSyncSettings, get_settings
from tiktok_vtex.sync.outcomes import ClientUnavailable
from tiktok_vtex.sync_functions.wiring import SyncWiring, wiring


class InvalidNotificationMessage(ValueError):
    pass


# Queue bodies and the invoke payload go through Powertools Parser (tiktok_vtex.parsing); the batch is
# coalesced per client, so its records are parsed one by one rather than by a BatchProcessor.
CHANGES: MessageParser[QueuedChange] = MessageParser("vtex notification", QueuedChange, InvalidNotificationMessage)


@cache
def realtime() -> RealtimeSync:
    deps = wiring()
    margin = get_settings(VtexNotificationSyncSettings).realtime_stale_margin_ms
    margin = DEFAULT_STALE_MARGIN_MS if margin is None else margin
    return RealtimeSync(deps.products, deps.stock(), deps.prices(), stale_margin_ms=margin)


def handle_batch(records: list[dict[str, Any]], deps: SyncWiring, sync: RealtimeSync) -> dict[str, Any]:
    failed: list[str] = []
    by_message: dict[str, list[str]] = {}  # client hash -> message ids
    changes: list[QueuedChange] = []
    for record in records:
        try:
            change = CHANGES.parse_record(record)
        except InvalidNotificationMessage as error:
            logger.error("malformed vtex notification message", extra={"message_id": record.get("messageId"),
                                                                      "error": str(error)[:300]})
            failed.append(record["messageId"])
            continue
        changes.append(change)
        by_message.setdefault(change.client_hash, []).append(record["messageId"])
    metrics.add_metric(name="VtexNotificationsCoalesced", unit=MetricUnit.Count, value=len(changes))
    for client_hash, skus in merge(changes).items():
        try:
            ctx = deps.context(client_hash)
            report = sync.run(ctx, skus, vtex_stock=deps.vtex(client_hash), vtex_prices=deps.vtex(client_hash),
                              pending=deps.pending, stock_updates=deps.queue("SQS_ATUALIZA_ESTOQUE"),
                              price_updates=deps.queue("SQS_ATUALIZA_PRECO"))
        except (ClientUnavailable, ClientDeauthorized, ClientNotAuthorized) as error:
            logger.warning("vtex notifications skipped for client", extra={"client_hash": client_hash,
                                                                          "reason": str(error)[:300]})
            metrics.add_metric(name="VtexNotificationClientUnavailable", unit=MetricUnit.Count, value=1)
            continue
        except Exception as error:  # VTEX, DynamoDB or SQS down: this client's records come back
            logger.exception("vtex notification sync failed", extra={"client_hash": client_hash,
                                                                     "error_type": type(error).__name__})
            failed.extend(by_message[client_hash])
            continue
        metrics.add_metric(name="VtexNotificationUnknownSku", unit=MetricUnit.Count, value=report.unknown)
        metrics.add_metric(name="VtexNotificationStale", unit=MetricUnit.Count, value=report.stale)
        logger.info("vtex notifications synced", extra=report.as_dict())
        if report.retryable:
            failed.extend(by_message[client_hash])
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


class SetupAffiliate(BaseModel):
    """`{"type": "setupVtexAffiliate", "clientHash", "apply"?, "followUpEmail"?, "name"?, "publicBaseUrl"?}`"""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["setupVtexAffiliate"]
    client_hash: str = Field(alias="clientHash", pattern=r"^[A-Za-z0-9_-]{1,128}$")
    apply: bool = False
    follow_up_email: str | None = Field(default=None, alias="followUpEmail", max_length=200)
    name: str | None = Field(default=None, max_length=100)
    public_base_url: str | None = Field(default=None, alias="publicBaseUrl", max_length=500)


SETUP: MessageParser[SetupAffiliate] = MessageParser("setupVtexAffiliate", SetupAffiliate, AffiliateSetupError)


def setup(payload: dict[str, Any], deps: SyncWiring) -> dict[str, Any]:
    """The invoke form of `tiktok-vtex vtex-affiliate` (same logic): shows, or with `apply` writes, the affiliate."""
    try:
        request = SETUP.parse(payload)
        result = setup_client_affiliate(
            deps.vtex_clients, request.client_hash, secret=deps.secrets.internal_webhook_secret.get_secret_value(),
            public_base_url=request.public_base_url or deps.settings.public_base_url, apply=request.apply,
            name=request.name, follow_up_email=request.follow_up_email)
    except (AffiliateSetupError, VtexCredentialsError, VtexApiError) as error:
        text = str(error)[:500]
        logger.warning("vtex affiliate setup refused", extra={"error": text})
        return {"statusCode": 400, "body": {"status": "error", "message": text}}
    logger.info("vtex affiliate setup", extra={"client_hash": request.client_hash, "action": result.action,
                                               "changes": list(result.changes)})
    return {"statusCode": 200, "body": {"status": "ok", **result.as_dict()}}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("type") == "setupVtexAffiliate":
        return setup(event, wiring())
    return handle_batch(list(event.get("Records") or []), wiring(), realtime())
