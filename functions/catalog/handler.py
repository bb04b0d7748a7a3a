"""{FunctionPrefix}PRODUTOS-lista-produtos (legacy dispatchGenerateProducts).

- invoke `{type: triggerPrepareProductList, client_hash, url?, feed?, warehouse_id?}`: the feed (inline
  `feed`, else the payload's url, else the client's tik_tok_shop_feed_link; s3:// or https://) is split by product group
  into the listing queue (one message per group) and the run is logged in TikTokLogProduct. A feed that
  cannot be read is logged (`listing_run_failed`) and answered 422, not retried (the same feed would fail
  again); an unusable client is logged and answered 409.
- invoke `{type: triggerSendProductSandbox, client_hash, url?, feed?}` (dispatchSendProductSandbox): the
  same listing in the integrator's test shop (CATALOG_TRIAL_CLIENT_HASH): pre-flight and creation report
  (`trial_product_*` in TikTokLogProduct) without touching the seller's shop or SKU table.
- SQS `{type: triggerListProductGroup, ...}` (the listing queue): one product group each: pre-flight,
  brand, images, create once (tiktok_vtex.catalog.listing). A malformed message, TikTok throttled or down
  after the client's retries, or a crash fail only that record (partial batch response): SQS redelivers
  it, the creation resumes safely, after 5 receives it is in the DLQ (alarmed).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from catalog.wiring import CatalogWiring, wiring
from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.catalog.feed import FeedError
from tiktok_vtex.catalog.grouping import ProductGroup
from tiktok_vtex.catalog.listing import list_group, split_feed
from tiktok_vtex.catalog.messages import (
    CatalogMessageError,
    ListProductGroup,
    PrepareProductList,
    SendProductSandbox,
    parse,
)
from tiktok_vtex.catalog.sources import open_feed
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.sync.outcomes import ClientUnavailable

processor = BatchProcessor(event_type=EventType.SQS)


def _unavailable(deps: CatalogWiring, error: ClientUnavailable, kind: str) -> dict[str, Any]:
    logger.warning("catalog listing skipped for client", extra={"client_hash": error.client_hash,
                                                                "reason": error.reason, "type": kind})
    deps.log.append(error.client_hash, "client_unavailable", error.client_hash, {"reason": error.reason, "type": kind})
    return {"statusCode": 409, "body": {"status": "client_unavailable", "reason": error.reason}}


def prepare(message: PrepareProductList | SendProductSandbox, deps: CatalogWiring,
            context: LambdaContext | None) -> dict[str, Any]:
    trial = deps.settings.catalog_trial_client_hash if isinstance(message, SendProductSandbox) else None
    if isinstance(message, SendProductSandbox) and not trial:
        return {"statusCode": 422, "body": {"status": "misconfigured",
                                            "reason": "no CATALOG_TRIAL_CLIENT_HASH (the integrator's test client)"}}
    try:
        link = deps.shop_link(message.client_hash)
        target = deps.shop_link(trial) if trial else link
    except ClientUnavailable as error:
        return _unavailable(deps, error, message.type)
    feed_link, legacy_warehouse = deps.feed_link(message.client_hash)
    source = message.feed or message.url or feed_link
    # The trial client's warehouse, like the seller's: its shop link, else its ssxml_client row (where
    # `tiktok-vtex client add` writes it).
    warehouse = ((target.tik_tok_shop_warehouse_id or deps.feed_link(trial)[1]) if trial else
                 message.warehouse_id or link.tik_tok_shop_warehouse_id or legacy_warehouse)
    if not source or not warehouse:
        missing = "feed url (payload url or tik_tok_shop_feed_link)" if not source else "TikTok warehouse id"
        deps.log.append(message.client_hash, "listing_run_failed", "config", {"reason": f"no {missing}"})
        return {"statusCode": 422, "body": {"status": "misconfigured", "reason": f"no {missing}"}}
    time_left = context.get_remaining_time_in_millis if context is not None else None
    try:
        with open_feed(source, deps.policy, s3=deps.s3() if source.startswith("s3://") else None) as stream:
            report = split_feed(message.client_hash, stream, QueuePublisher(deps.settings.product_list_queue_url),
                                deps.log, warehouse_id=warehouse, time_left_ms=time_left, trial_client_hash=trial)
    except FeedError as error:
        logger.warning("feed not readable", extra={"client_hash": message.client_hash, "reason": str(error)})
        metrics.add_metric(name="CatalogFeedUnreadable", unit=MetricUnit.Count, value=1)
        if not getattr(error, "logged", False):  # refused before reading (fetch): split_feed never saw it
            deps.log.append(message.client_hash, "listing_run_failed", "fetch", {"reason": str(error)[:500]})
        return {"statusCode": 422, "body": {"status": "feed_unreadable", "reason": str(error)}}
    metrics.add_metric(name="CatalogGroupsQueued", unit=MetricUnit.Count, value=report.messages)
    logger.info("feed split", extra={"client_hash": message.client_hash, **report.model_dump(
        include={"run_id", "items", "item_errors", "groups", "messages", "complete"})})
    return {"statusCode": 200, "body": report.model_dump()}


def handle_group(message: ListProductGroup, deps: CatalogWiring) -> dict[str, Any]:
    try:
        group = ProductGroup.from_message(message.group)
    except (ValidationError, ValueError, KeyError, TypeError):
        raise CatalogMessageError("group is not a product group") from None
    try:
        tiktok = deps.tiktok(message.trial_client_hash or message.client_hash)
        context = deps.group_context(message.client_hash, message.warehouse_id, tiktok, message.trial_client_hash)
        outcome = list_group(context, group, message.run_id)
    except ClientUnavailable as error:
        return _unavailable(deps, error, message.type)
    except (ClientDeauthorized, ClientNotAuthorized) as error:
        return _unavailable(deps, ClientUnavailable(message.client_hash, str(error)), message.type)
    metrics.add_metric(name=f"CatalogProducts{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)
    logger.info("product group listed", extra={"client_hash": message.client_hash, "group_key": group.key,
                                               "status": outcome.status,
                                               "reasons": sorted({p.rule for p in outcome.problems})})
    return {"status": outcome.status, "group_key": group.key}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    try:
        payload = json.loads(record.body)
        message = parse(payload, ListProductGroup)
        return handle_group(message, wiring())  # type: ignore[arg-type]
    except (ValueError, CatalogMessageError) as error:
        logger.error("malformed listing message", extra={"message_id": record.message_id, "error": str(error)[:300]})
        raise


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return route_event(event, context, processor=processor, record_handler=record_handler,
                       parse=lambda payload: parse(payload, PrepareProductList, SendProductSandbox),
                       invalid=CatalogMessageError,
                       invalid_log="invalid listing invoke",
                       invoke=lambda message: prepare(message, wiring(), context))  # type: ignore[arg-type]
