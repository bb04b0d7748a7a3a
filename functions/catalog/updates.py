"""{FunctionPrefix}PRODUTOS-compara-xml (legacy dispatchUpdateProducts): only what changed in the feed.

- invoke `{clientHash, oldXml?, newXml?}` (tiktok_vtex.catalog_updates.messages): the new feed (newXml, else
  the client's tik_tok_shop_feed_link) compared with oldXml or, without it, the state of the last accepted
  run; price / stock changes go to their flows, new products to the listing queue, product edits and
  deactivations to the update queue (tiktok_vtex.catalog_updates.run). A feed that cannot be read is
  logged (`update_run_failed`) and answered 422, not retried; an unusable client 409.
- SQS `triggerUpdateProductGroup` / `triggerDeactivateProducts` (the update queue): one partial edit or one
  deactivation batch each (tiktok_vtex.catalog_updates.edit). Failures fail only their record (partial
  batch response); after 5 receives the message is in the DLQ (alarmed).
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from catalog.wiring import CatalogWiring
from tiktok_vtex.catalog.feed import FeedError
from tiktok_vtex.catalog.messages import CatalogMessageError, parse
from tiktok_vtex.catalog.sources import open_feed
from tiktok_vtex.catalog_updates.edit import deactivate, restore, update_group
from tiktok_vtex.catalog_updates.messages import (
    COMPARE_FEEDS,
    CompareFeeds,
    DeactivateProducts,
    RestoreItems,
    UpdateProductGroup,
)
from tiktok_vtex.catalog_updates.run import UpdateQueues, compare_feeds
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.feed_state import FeedStateRepository
from tiktok_vtex.settings import CatalogUpdateSettings, get_settings
from tiktok_vtex.sync.outcomes import ClientUnavailable

processor = BatchProcessor(event_type=EventType.SQS)


class UpdateWiring(CatalogWiring):
    settings: CatalogUpdateSettings

    def __init__(self, settings: CatalogUpdateSettings) -> None:
        super().__init__(settings)
        self.state = FeedStateRepository(settings.feed_state_table)

    def queues(self) -> UpdateQueues:
        return UpdateQueues(updates=QueuePublisher(self.settings.product_update_queue_url),
                            listing=QueuePublisher(self.settings.product_list_queue_url),
                            stock=self.sync.queue("SQS_BUSCA_ESTOQUE"), price=self.sync.queue("SQS_BUSCA_PRECO"))


@cache
def wiring() -> UpdateWiring:
    return UpdateWiring(get_settings(CatalogUpdateSettings))


def _refused(deps: UpdateWiring, client_hash: str, status: int, kind: str, reason: str) -> dict[str, Any]:
    logger.warning("feed comparison not run", extra={"client_hash": client_hash, "status": kind, "reason": reason})
    deps.log.append(client_hash, "update_run_failed", kind, {"reason": reason[:500]})
    return {"statusCode": status, "body": {"status": kind, "reason": reason}}


def compare(message: CompareFeeds, deps: UpdateWiring) -> dict[str, Any]:
    try:
        link = deps.shop_link(message.client_hash)
    except ClientUnavailable as error:
        return _refused(deps, message.client_hash, 409, "client_unavailable", error.reason)
    feed_link, legacy_warehouse = deps.feed_link(message.client_hash)
    new_source = message.new_xml or feed_link
    warehouse = message.warehouse_id or link.tik_tok_shop_warehouse_id or legacy_warehouse
    if not new_source or not warehouse:
        missing = "new feed (newXml or tik_tok_shop_feed_link)" if not new_source else "TikTok warehouse id"
        return _refused(deps, message.client_hash, 422, "misconfigured", f"no {missing}")
    try:
        with ExitStack() as stack:
            def opened(source: str) -> Any:
                s3 = deps.s3() if source.startswith("s3://") else None
                return stack.enter_context(open_feed(source, deps.policy, s3=s3))

            old = opened(message.old_xml) if message.old_xml else None
            report = compare_feeds(message.client_hash, opened(new_source), old_feed=old, warehouse_id=warehouse,
                                   state=deps.state, skus=deps.sync.products, queues=deps.queues(), log=deps.log,
                                   clock=time.time)
    except FeedError as error:
        metrics.add_metric(name="CatalogFeedUnreadable", unit=MetricUnit.Count, value=1)
        return _refused(deps, message.client_hash, 422, "feed_unreadable", str(error))
    for name, value in (("CatalogItemsChanged", report.counts.get("changed", 0)),
                        ("CatalogProductEditsQueued", report.product_edits),
                        ("CatalogDeactivationsQueued", report.deactivations),
                        ("CatalogEditsUnderReview", len(report.under_review)),
                        ("CatalogEditsSendingToAudit", report.audit_edits)):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("feeds compared", extra={"client_hash": message.client_hash, "run_id": report.run_id,
                                         **report.as_log()})
    return {"statusCode": 200, "body": {"run_id": report.run_id, **report.as_log()}}


def handle_record(payload: Any, deps: UpdateWiring) -> dict[str, Any]:
    message = parse(payload, UpdateProductGroup, DeactivateProducts, RestoreItems)
    tiktok = deps.tiktok(message.client_hash)  # type: ignore[attr-defined]
    if isinstance(message, DeactivateProducts):
        context = deps.group_context(message.client_hash, "-", tiktok)
        return deactivate(context, message, api=tiktok, skus=deps.sync.products, state=deps.state)
    if isinstance(message, RestoreItems):
        context = deps.group_context(message.client_hash, "-", tiktok)
        return restore(context, message, api=tiktok, skus=deps.sync.products, state=deps.state, clock=time.time)
    assert isinstance(message, UpdateProductGroup)
    context = deps.group_context(message.client_hash, message.warehouse_id, tiktok)
    outcome = update_group(context, message, api=tiktok, skus=deps.sync.products, state=deps.state, clock=time.time)
    metrics.add_metric(name=f"CatalogProductUpdate{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)
    if outcome.under_review is not None:
        metrics.add_metric(name="CatalogProductUpdateUnderReview", unit=MetricUnit.Count, value=1)
    return {"status": outcome.status, "product_id": outcome.product_id, "under_review": outcome.under_review}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    try:
        return handle_record(json.loads(record.body), wiring())
    except (ValueError, CatalogMessageError) as error:
        logger.error("malformed catalog update message", extra={"message_id": record.message_id,
                                                                "error": str(error)[:300]})
        raise
    except ClientUnavailable as error:  # the client cannot be served: recorded, not retried
        logger.warning("catalog update skipped for client", extra={"client_hash": error.client_hash,
                                                                   "reason": error.reason})
        return {"status": "client_unavailable"}


def _parse_invoke(payload: Any) -> CompareFeeds:
    if isinstance(payload, dict) and "type" not in payload:  # the legacy payload carries no type
        payload = {**payload, "type": COMPARE_FEEDS}
    return parse(payload, CompareFeeds)  # type: ignore[return-value]


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return route_event(event, context, processor=processor, record_handler=record_handler, parse=_parse_invoke,
                       invalid=CatalogMessageError, invalid_log="invalid feed comparison invoke",
                       invoke=lambda message: compare(message, wiring()))
