"""{FunctionPrefix}WEBHOOK: `POST /tiktok/webhook` (TikTok pushes and our internal type 99).

Hot path only (TikTok waits 3 s): verify, parse, deduplicate, find the client, enqueue; see
tiktok_vtex.webhooks.intake. Secrets, the idempotency layer and the shop cache live for the warm container.

No Powertools event resolver here: the function serves one route, which API Gateway (and the local
runtime, from template.yaml) already routes, and `aws_lambda_powertools.event_handler` loads every resolver
(AppSync with asyncio, Bedrock, the event data classes) at import: ~0.25x `import boto3` of a cold start
whose budget is 2x (issue 11). tiktok_vtex.webhooks.http turns the event into the intake's call and its
answer into the HTTP API response; the VTEX hook, which has a path parameter, keeps the resolver.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository
from tiktok_vtex.settings import WebhookIngressSettings, fetch_json_secret, get_settings, load_app_secrets
from tiktok_vtex.webhooks.http import answer, http_response
from tiktok_vtex.webhooks.idempotency import PowertoolsOnce
from tiktok_vtex.webhooks.intake import CachedShopDirectory, WebhookIntake
from tiktok_vtex.webhooks.secrets import RotatingSecrets, WebhookSecrets


def read_secrets() -> WebhookSecrets:
    # max_age=0: RotatingSecrets decides when to read (every 5 minutes, or after a signature failure at
    # most once a minute); Powertools' own cache would hand back the old value.
    loaded = load_app_secrets(get_settings(), fetch=partial(fetch_json_secret, max_age=0))
    return WebhookSecrets(app_key=loaded.app_key, app_secret=loaded.app_secret.get_secret_value(),
                          internal_secret=loaded.internal_webhook_secret.get_secret_value())


@cache
def secrets() -> RotatingSecrets:
    return RotatingSecrets(read_secrets)


@cache
def once() -> PowertoolsOnce:
    return PowertoolsOnce(get_settings().tables.idempotency)


@cache
def ledger() -> WebhookEventRepository:
    return WebhookEventRepository(get_settings().tables.webhook_events)


@cache
def intake() -> WebhookIntake:
    settings = get_settings(WebhookIngressSettings)
    clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)

    def lookup(shop_id: str) -> str | None:
        link = clients.find_shop_link_by_shop_id(shop_id)
        return link.client_hash if link else None

    return WebhookIntake(secrets=secrets(), directory=CachedShopDirectory(lookup),
                         queue=QueuePublisher(settings.webhook_queue_url), once=once(), ledger=ledger)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    once().register_context(context)
    # Secrets or AWS unavailable: 500 makes TikTok retry; the message names no secret.
    return http_response(answer(event, lambda body, headers: intake().handle(body, headers),
                                failure_log="webhook failed before intake"))
