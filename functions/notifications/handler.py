"""{FunctionPrefix}VTEX-notificacao: `POST /vtex/notification/{client_hash}/{token}/{proxy+}` (VTEX posts
affiliate notifications to `{searchURIEndpoint}/api/notification/`).

Hot path only: token, body, account and affiliate checked, one message to VtexNotificationQueue; see
tiktok_vtex.notifications.intake. The sync behind the queue is functions/notifications/worker.py.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.clients.vtex.cache import VtexClientCache
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.notifications.intake import IntakeResult, NotificationIntake
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.settings import VtexNotificationIntakeSettings, get_settings, load_app_secrets
from tiktok_vtex.webhooks.http import UnreadableBody, raw_body


@cache
def intake() -> NotificationIntake:
    settings = get_settings(VtexNotificationIntakeSettings)
    # Secrets come through Powertools Parameters (cached 5 minutes): a warm container reads neither per request.
    credentials = VtexClientCache(secret_prefix=settings.vtex_secret_prefix,
                                  base_url_template=settings.vtex_base_url_template,
                                  pricing_base_url_template=settings.vtex_pricing_base_url_template)

    def secret() -> str:  # Powertools' 5-minute cache: a rotated secret is picked up without a cold start
        return load_app_secrets(settings).internal_webhook_secret.get_secret_value()

    def account_of(client_hash: str) -> tuple[str, str]:
        found = credentials.credentials(client_hash)
        return found.account, found.affiliate_id

    return NotificationIntake(
        secret=secret, account_of=account_of, queue=QueuePublisher(settings.vtex_notification_queue_url))


def _response(result: IntakeResult) -> dict[str, Any]:
    return {"statusCode": result.status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(result.body)}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    params = event.get("pathParameters") or {}
    try:
        body = raw_body(event)
    except UnreadableBody as error:
        return _response(IntakeResult(400, {"message": str(error)}, "unreadable"))
    try:
        result = intake().handle(str(params.get("client_hash") or ""), str(params.get("token") or ""),
                                 str(params.get("proxy") or ""), body)
    except Exception as error:
        # Secrets, SQS or DynamoDB unavailable: 500 makes VTEX retry; the message names no secret.
        logger.exception("vtex notification intake failed", extra={"error_type": type(error).__name__})
        return _response(IntakeResult(500, {"message": "temporary failure; retry later"}, "failed"))
    return _response(result)
