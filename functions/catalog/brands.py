"""{FunctionPrefix}BRANDS-VTEX (`triggerGenerateBrands`, dispatchGenerateBrands) and
{FunctionPrefix}BRANDS-TTK (`triggerPrepareBrandData`, invoke or SQS): see tiktok_vtex.catalog.brands.

BRANDS-VTEX copies the client's VTEX brand list into ssxml_tik_tok_brands and then (unless `chain` is
false) invokes BRANDS-TTK for that client. BRANDS-TTK matches or creates the pending brands within
TikTok's daily limit; what is left (limit, time) is reported and waits for the next run. An unusable
client is logged and answered 409; VTEX/TikTok failures after the clients' retries raise, so Lambda's
async retries (then the async failure queue) or SQS (then the DLQ) take over.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from catalog.wiring import BRANDS_TTK_FUNCTION, CatalogWiring, wiring
from tiktok_vtex.catalog.brands import BrandSync, import_vtex_brands
from tiktok_vtex.catalog.messages import (
    CatalogMessageError,
    GenerateBrands,
    PrepareBrandData,
    PrepareBrandDataAllClients,
    parse,
)
from tiktok_vtex.dispatch import AsyncInvoker
from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.sync.outcomes import ClientUnavailable

processor = BatchProcessor(event_type=EventType.SQS)


def _unavailable(deps: CatalogWiring, error: ClientUnavailable, kind: str) -> dict[str, Any]:
    logger.warning("brand sync skipped for client", extra={"client_hash": error.client_hash, "reason": error.reason})
    deps.log.append(error.client_hash, "client_unavailable", error.client_hash, {"reason": error.reason, "type": kind})
    return {"statusCode": 409, "body": {"status": "client_unavailable", "reason": error.reason}}


def generate(message: GenerateBrands, deps: CatalogWiring) -> dict[str, Any]:
    try:
        deps.shop_link(message.client_hash)
    except ClientUnavailable as error:
        return _unavailable(deps, error, message.type)
    counts = import_vtex_brands(message.client_hash, deps.sync.vtex(message.client_hash).list_brands(), deps.brands)
    deps.log.append(message.client_hash, "brands_imported", message.client_hash, counts)
    chained = False
    if message.chain and any(True for _ in deps.brands.pending(message.client_hash)):
        AsyncInvoker(deps.settings.function_name(BRANDS_TTK_FUNCTION)).send(
            [{"type": "triggerPrepareBrandData", "clientHash": message.client_hash}])
        chained = True
    logger.info("VTEX brands imported", extra={"client_hash": message.client_hash, **counts, "chained": chained})
    return {"statusCode": 200, "body": {**counts, "chained": chained}}


def prepare(message: PrepareBrandData, deps: CatalogWiring, context: LambdaContext | None) -> dict[str, Any]:
    try:
        deps.shop_link(message.client_hash)
        tiktok = deps.tiktok(message.client_hash)
    except ClientUnavailable as error:
        return _unavailable(deps, error, message.type)
    time_left = context.get_remaining_time_in_millis if context is not None else None
    report = BrandSync(message.client_hash, tiktok, deps.brands, clock=time.time, time_left_ms=time_left).run()
    summary = {"created": len(report.created), "matched": len(report.matched), "deferred": len(report.deferred),
               "refused": len(report.refused), "failed": len(report.failed),
               "left_for_next_run": report.left_for_next_run, "creations_today": report.creations_today}
    deps.log.append(message.client_hash, "brands_synced", message.client_hash,
                    {**summary, "refused_names": report.refused, "failed_names": report.failed,
                     "deferred_names": report.deferred[:100]})
    logger.info("brands synced", extra={"client_hash": message.client_hash, "brands": summary})
    return {"statusCode": 200, "body": summary}


def all_clients(deps: CatalogWiring, context: LambdaContext | None) -> dict[str, Any]:
    """Daily: every active client with brands still pending (deferred by the limit, failed, new)."""
    outcomes: dict[str, Any] = {}
    for client_hash in deps.sync.clients.iter_client_hashes():
        if context is not None and context.get_remaining_time_in_millis() < 15_000:
            outcomes["left_for_next_run"] = True
            break
        if not any(True for _ in deps.brands.pending(client_hash)):
            continue
        try:
            outcomes[client_hash] = prepare(PrepareBrandData(type="triggerPrepareBrandData", clientHash=client_hash),
                                            deps, context)["body"]
        except Exception as error:  # one client's failure never stops the others (logged, retried tomorrow)
            logger.exception("brand sync failed for client", extra={"client_hash": client_hash})
            outcomes[client_hash] = {"status": "failed", "error": type(error).__name__}
    return {"statusCode": 200, "body": outcomes}


def _dispatch(message: Any, deps: CatalogWiring, context: LambdaContext | None) -> dict[str, Any]:
    if isinstance(message, PrepareBrandDataAllClients):
        return all_clients(deps, context)
    return prepare(message, deps, context)


def _record(record: SQSRecord) -> dict[str, Any]:
    try:
        message = parse(json.loads(record.body), PrepareBrandData)
    except (ValueError, CatalogMessageError) as error:
        logger.error("malformed brand message", extra={"message_id": record.message_id, "error": str(error)[:300]})
        raise
    return prepare(message, wiring(), None)  # type: ignore[arg-type]


def _vtex_invoke(payload: Any) -> Any:
    # The backend's dispatchGenerateBrands sends {type: triggerPrepareBrandData, clientHash} to BRANDS-VTEX
    # (legacy-system.md, "Invocação via PHP"): for this function it means "copy the VTEX brands, then chain".
    if isinstance(payload, dict) and payload.get("type") == "triggerPrepareBrandData":
        payload = {**payload, "type": "triggerGenerateBrands"}
    return parse(payload, GenerateBrands)


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context
def vtex_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return route_event(event, context, processor=processor, record_handler=_record,
                       parse=_vtex_invoke, invalid=CatalogMessageError,
                       invalid_log="invalid BRANDS-VTEX invoke",
                       invoke=lambda message: generate(message, wiring()))  # type: ignore[arg-type]


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context
def tiktok_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return route_event(event, context, processor=processor, record_handler=_record,
                       parse=lambda payload: parse(payload, PrepareBrandData, PrepareBrandDataAllClients),
                       invalid=CatalogMessageError, invalid_log="invalid BRANDS-TTK invoke",
                       scheduled=lambda: all_clients(wiring(), context),
                       invoke=lambda message: _dispatch(message, wiring(), context))
