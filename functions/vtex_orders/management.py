"""{FunctionPrefix}ORDERHOOK-MANAGEMENT (`dispatchGenerateOrderHook`): configure, show, replace, rotate or
remove one client's VTEX orders hook. Direct invoke only: `{"clientHash": "...", "action": "configure"}`.
Logic: tiktok_vtex.vtex_orders.hook_config.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from tiktok_vtex import aws
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.credentials import load_vtex_credentials
from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexCredentialsError
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.settings import fetch_json_secret, get_settings
from tiktok_vtex.vtex_orders.hook_config import HookConfigMessage, HookConfigurator
from tiktok_vtex.vtex_orders.hook_secrets import HookSecretStore
from tiktok_vtex.vtex_orders.intake import describe


def vtex(client_hash: str) -> VtexClient:
    # Only the VTEX client: this function imports nothing of the TikTok side (a light cold start).
    settings = get_settings()
    credentials = load_vtex_credentials(client_hash, fetch_json_secret, settings.vtex_secret_prefix)
    return VtexClient(credentials, base_url_template=settings.vtex_base_url_template,
                      pricing_base_url_template=settings.vtex_pricing_base_url_template, timeout=10.0)


def configurator() -> HookConfigurator:
    settings = get_settings()
    return HookConfigurator(secrets=HookSecretStore(aws.client("secretsmanager"), settings.vtex_secret_prefix),
                            vtex=vtex, public_base_url=settings.public_base_url)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        message = HookConfigMessage.model_validate(event)
    except ValidationError as error:
        logger.warning("invalid ORDERHOOK-MANAGEMENT invoke", extra={"fields": describe(error)})
        return {"statusCode": 400, "body": {"message": f"invalid payload: {describe(error)}"}}
    try:
        body = configurator().run(message)
    except (VtexCredentialsError, ValueError) as error:
        # configuration problems (no VTEX credentials, no public URL): nothing to retry
        logger.error("orders hook not configured", extra={"client_hash": message.client_hash, "reason": str(error)})
        return {"statusCode": 400, "body": {"message": str(error)}}
    except VtexApiError as error:
        if error.retryable or error.status is None:
            raise  # an async invoke is retried, then goes to AsyncFailureQueue
        logger.error("VTEX refused the orders hook configuration",
                     extra={"client_hash": message.client_hash, "status": error.status, "reason": str(error)})
        return {"statusCode": 502, "body": {"message": f"VTEX refused the hook configuration: {error}"}}
    return {"statusCode": 200, "body": {"message": "Success", **body}}
