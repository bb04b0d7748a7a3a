"""{FunctionPrefix}VTEX-MARKETPLACE: VTEX's callbacks to the `marketplaceServicesEndpoint` of our orders
(`/vtex/marketplace/{client_hash}/pvt|pub/orders/{marketplaceOrderId}/invoice[/{invoiceNumber}[/tracking]]`,
`.../cancel`). The `{client_hash}` segment is `<client_hash>.<token>` (tiktok_vtex.vtex_orders.callback_auth);
a token that does not verify is 401 (metric always, a capped sample in the webhook ledger under shop
"vtex-marketplace"). Logic: tiktok_vtex.vtex_orders.callbacks.
"""

from __future__ import annotations

import json
import re
import time
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository
from tiktok_vtex.vtex_orders.callback_auth import verified_client
from tiktok_vtex.vtex_orders.callbacks import ORDER_ID, CallbackResult, MarketplaceCallbacks, error
from tiktok_vtex.webhooks.http import UnreadableBody, raw_body
from tiktok_vtex.webhooks.refusals import RefusalSampler, record_refusal
from vtex_orders.wiring import wiring

app = APIGatewayHttpResolver()
MAX_BODY_BYTES = 240 * 1024  # an embedded NF-e must still fit one queue message
LEDGER_PARTITION = "vtex-marketplace"
SCOPES = ("pvt", "pub")
_ORDER_ID = re.compile(ORDER_ID)


@cache
def sampler() -> RefusalSampler:
    return RefusalSampler()


@cache
def callbacks() -> MarketplaceCallbacks:
    deps = wiring()
    return MarketplaceCallbacks(orders=deps.orders, canceller=deps.canceller(), log=deps.order_log,
                                invoice_queue=QueuePublisher(deps.settings.invoice_queue_url),
                                tracking=deps.tracking_sender())


def refuse(status: int, reason: str, raw: bytes) -> CallbackResult:
    record_refusal(sampler(), lambda: WebhookEventRepository(wiring().settings.tables.webhook_events),
                   source="VtexCallback", label="VTEX callback", noun="VTEX callback", partition=LEDGER_PARTITION,
                   status=status, reason=reason, raw_body=raw, received_ms=int(time.time() * 1000), log_extra={},
                   keep_bytes=0)  # no body kept: a callback may carry an NF-e
    return error(status, reason)


def handle(segment: str, scope: str, order_id: str, action: Any, invoice_number: str | None = None) -> Response:
    result = _handle(segment, scope, order_id, action, invoice_number)
    return Response(status_code=result.status_code, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(result.body))


def _handle(segment: str, scope: str, order_id: str, action: Any, invoice_number: str | None) -> CallbackResult:  # noqa: PLR0911
    try:
        raw = raw_body(app.current_event.raw_event)
    except UnreadableBody as problem:
        return error(400, str(problem))
    if scope not in SCOPES:
        return error(404, "no such route")
    client_hash = verified_client(segment, wiring().secrets.internal_webhook_secret.get_secret_value())
    if client_hash is None:
        return refuse(401, "missing or invalid callback token", raw)
    if not _ORDER_ID.match(order_id) or (invoice_number is not None and not _ORDER_ID.match(invoice_number)):
        return error(400, "invalid order id or invoice number")
    if len(raw) > MAX_BODY_BYTES:
        return error(413, "body too large")
    try:
        document = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error(400, "body is not valid JSON")
    try:
        result = callbacks().handle(client_hash, order_id, action, document, invoice_number)
    except TikTokApiError as problem:  # only retryable ones reach here: VTEX retries a 503
        logger.warning("TikTok unavailable during a VTEX callback",
                       extra={"client_hash": client_hash, "order_id": order_id, "code": problem.code})
        return error(503, "TikTok is unavailable; retry later")
    logger.info("VTEX callback handled", extra={"client_hash": client_hash, "order_id": order_id,
                                                "action": action, "status": result.status_code})
    return result


@app.post("/vtex/marketplace/<segment>/<scope>/orders/<order_id>/invoice")
def invoice(segment: str, scope: str, order_id: str) -> Response:
    return handle(segment, scope, order_id, "invoice")


@app.post("/vtex/marketplace/<segment>/<scope>/orders/<order_id>/invoice/<invoice_number>")
def invoice_update(segment: str, scope: str, order_id: str, invoice_number: str) -> Response:
    return handle(segment, scope, order_id, "invoice_update", invoice_number)


@app.post("/vtex/marketplace/<segment>/<scope>/orders/<order_id>/invoice/<invoice_number>/tracking")
def tracking(segment: str, scope: str, order_id: str, invoice_number: str) -> Response:
    return handle(segment, scope, order_id, "tracking", invoice_number)


@app.post("/vtex/marketplace/<segment>/<scope>/orders/<order_id>/cancel")
def cancel(segment: str, scope: str, order_id: str) -> Response:
    return handle(segment, scope, order_id, "cancel")


@app.not_found
def not_found(_: Exception) -> Response:
    return Response(status_code=404, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps({"error": {"message": "no such route"}}))


@app.exception_handler(Exception)
def unexpected(problem: Exception) -> Response:
    # AWS or VTEX credentials unavailable: 500 makes VTEX retry; the message names no secret.
    logger.exception("VTEX callback failed", extra={"error_type": type(problem).__name__})
    return Response(status_code=500, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps({"error": {"message": "temporary failure; retry later"}}))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
