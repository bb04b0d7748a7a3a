"""{FunctionPrefix}VTEX-ORDERHOOK: `POST /vtex/orderhook/{client_hash}` (VTEX's orders hook).

Hot path only (VTEX waits 5 s): verify the client's header secret, answer the ping, validate, deduplicate
on (OrderId, State, LastChange), enqueue; see tiktok_vtex.vtex_orders.intake. The work runs in
VTEX-ORDERS-processor behind the queue.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex import aws
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository
from tiktok_vtex.settings import VtexOrderHookSettings, get_settings
from tiktok_vtex.vtex_orders.hook_secrets import HookSecretCache, HookSecretStore
from tiktok_vtex.vtex_orders.intake import HookIntake
from tiktok_vtex.webhooks.http import answer
from tiktok_vtex.webhooks.idempotency import PowertoolsOnce

app = APIGatewayHttpResolver()


@cache
def once() -> PowertoolsOnce:
    return PowertoolsOnce(get_settings().tables.idempotency, key_prefix="vtex-orderhook")


@cache
def intake() -> HookIntake:
    settings = get_settings(VtexOrderHookSettings)
    store = HookSecretStore(aws.client("secretsmanager"), settings.vtex_secret_prefix)
    ledger = WebhookEventRepository(settings.tables.webhook_events)
    return HookIntake(secrets=HookSecretCache(store.get), queue=QueuePublisher(settings.vtex_orders_queue_url),
                      once=once(), ledger=lambda: ledger)


@app.post("/vtex/orderhook/<client_hash>")
def vtex_orderhook(client_hash: str) -> Response:
    # Secrets Manager or AWS unavailable: 500 makes VTEX retry; the message names no secret.
    result = answer(app.current_event.raw_event, lambda body, headers: intake().handle(client_hash, body, headers),
                    failure_log="VTEX hook failed before intake")
    return Response(status_code=result.status_code, content_type=content_types.APPLICATION_JSON,
                    body=result.body())


@app.not_found
def not_found(_: Exception) -> Response:
    return Response(status_code=404, content_type=content_types.APPLICATION_JSON, body={"outcome": "not_found"})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    once().register_context(context)
    return app.resolve(event, context)
