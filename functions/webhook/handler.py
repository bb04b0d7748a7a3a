"""{FunctionPrefix}WEBHOOK: `POST /tiktok/webhook` (TikTok pushes and our internal type 99).

Hot path only (TikTok waits 3 s): verify, parse, deduplicate, find the client, enqueue; see
tiktok_vtex.webhooks.intake. Secrets, the idempotency layer and the shop cache live for the warm container.
"""

from __future__ import annotations

import base64
import binascii
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository
from tiktok_vtex.settings import fetch_json_secret, get_settings, load_app_secrets
from tiktok_vtex.webhooks.idempotency import PowertoolsOnce
from tiktok_vtex.webhooks.intake import CachedShopDirectory, IntakeResult, WebhookIntake
from tiktok_vtex.webhooks.secrets import RotatingSecrets, WebhookSecrets

app = APIGatewayHttpResolver()


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
    settings = get_settings()
    clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)

    def lookup(shop_id: str) -> str | None:
        link = clients.find_shop_link_by_shop_id(shop_id)
        return link.client_hash if link else None

    return WebhookIntake(secrets=secrets(), directory=CachedShopDirectory(lookup),
                         queue=QueuePublisher(settings.require("WEBHOOK_QUEUE_URL")), once=once(), ledger=ledger)


class UnreadableBody(ValueError):
    """The event's body cannot be turned back into the bytes that were sent."""


def raw_body(event: dict[str, Any]) -> bytes:
    """The body exactly as TikTok sent it (API Gateway may base64-encode it): the HMAC covers these bytes."""
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            return base64.b64decode(body, validate=True)
        return body.encode("utf-8")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise UnreadableBody("the request body is not readable") from None


@app.post("/tiktok/webhook")
def tiktok_webhook() -> Response:
    try:
        body = raw_body(app.current_event.raw_event)
    except UnreadableBody as error:
        result = IntakeResult(400, "malformed", str(error))
    else:
        result = intake().handle(body, dict(app.current_event.headers or {}))
    return Response(status_code=result.status_code, content_type=content_types.APPLICATION_JSON,
                    body=result.body())


@app.exception_handler(Exception)
def unexpected(error: Exception) -> Response:
    # Secrets or AWS unavailable: 500 makes TikTok retry; the message names no secret.
    logger.exception("webhook failed before intake", extra={"error_type": type(error).__name__})
    return Response(status_code=500, content_type=content_types.APPLICATION_JSON,
                    body={"outcome": "failed", "message": "temporary failure; retry later"})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    once().register_context(context)
    return app.resolve(event, context)
