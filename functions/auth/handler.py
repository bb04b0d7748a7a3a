"""{FunctionPrefix}GERENCIADOR-AUTH-CODES: auth codes -> tokens -> shop links, and token renewal.

Triggers: schedule rate(1 hour) (no action: both jobs), invoke {"action": "processAuthCodes" |
"renewTokens"}, and the OAuth callback's async invoke {"action": "processAuthCodes", "auth_code": ...}
(only that code, so the seller is linked within seconds instead of the next hourly run).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import httpx
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiktok_vtex.auth.codes import AuthCodeProcessor
from tiktok_vtex.auth.renewal import (
    DEFAULT_REFRESH_ALERT_DAYS,
    DEFAULT_RENEWAL_SPREAD,
    DEFAULT_RENEWAL_WINDOW_DAYS,
    renew_tokens,
)
from tiktok_vtex.auth.shop_access import token_provider_for
from tiktok_vtex.auth.tokens import TokenCipher
from tiktok_vtex.clients.tiktok import StaticAccessToken, TikTokAuthClient, TikTokShopClient
from tiktok_vtex.clients.tiktok.models import AuthorizedShop
from tiktok_vtex.clients.tiktok.transport import default_http
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.auth_codes import AuthCodeRepository
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.tokens import TokenRepository
from tiktok_vtex.settings import AppSecrets, Settings, get_settings, load_app_secrets

PROCESS = "processAuthCodes"
RENEW = "renewTokens"


class ManagerEvent(BaseModel):
    """Invoke payload (legacy `action` values); schedule events carry no action and run both jobs."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["processAuthCodes", "renewTokens"] | None = None
    auth_code: str | None = Field(default=None, min_length=1, max_length=512)


class Wiring:
    """Adapters built once per cold start (settings, secrets, HTTP client, repositories, cipher)."""

    def __init__(self, settings: Settings, secrets: AppSecrets, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.secrets = secrets
        self.http = http or default_http()
        self.codes = AuthCodeRepository(settings.tables.auth_token, settings.tables.auth_token_logs)
        self.tokens = TokenRepository(settings.tables.token)
        self.clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)
        self.cipher = TokenCipher(settings.token_kms_key_id)
        self.auth_client = TikTokAuthClient(secrets.app_key, secrets.app_secret.get_secret_value(),
                                            settings.tiktok_auth_base_url, http=self.http)

    def list_shops(self, access_token: str) -> list[AuthorizedShop]:
        client = TikTokShopClient(app_key=self.secrets.app_key, app_secret=self.secrets.app_secret.get_secret_value(),
                                  base_url=self.settings.tiktok_api_base_url, shop_cipher=None,
                                  tokens=StaticAccessToken(access_token), http=self.http)
        return client.get_authorized_shops()

    def processor(self) -> AuthCodeProcessor:
        return AuthCodeProcessor(codes=self.codes, tokens=self.tokens, clients=self.clients,
                                 auth_client=self.auth_client, list_shops=self.list_shops, cipher=self.cipher)

    def renew(self, should_stop: Callable[[], bool] = lambda: False) -> dict[str, Any]:
        extra = self.settings.extra
        summary = renew_tokens(
            should_stop=should_stop,
            tokens=self.tokens, clients=self.clients,
            provider_for=lambda client_hash: token_provider_for(
                client_hash, settings=self.settings, secrets=self.secrets, token_repository=self.tokens,
                cipher=self.cipher, auth_client=self.auth_client),
            window_days=float(extra.get("TOKEN_RENEWAL_WINDOW_DAYS") or DEFAULT_RENEWAL_WINDOW_DAYS),
            refresh_alert_days=float(extra.get("REFRESH_TOKEN_ALERT_DAYS") or DEFAULT_REFRESH_ALERT_DAYS),
            spread=float(extra.get("TOKEN_RENEWAL_SPREAD") or DEFAULT_RENEWAL_SPREAD),
        )
        return {**summary.as_dict(), "failures": summary.failures}


@cache
def wiring() -> Wiring:
    settings = get_settings()
    return Wiring(settings, load_app_secrets(settings))


# Stop starting new work when less than this is left: a run that times out records nothing.
SAFETY_MARGIN_MS = 20_000


def run(event: dict[str, Any], deps: Wiring, remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    def should_stop() -> bool:
        return remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS

    try:
        parsed = ManagerEvent.model_validate(event or {})
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
        logger.error("invalid GERENCIADOR-AUTH-CODES event", extra={"fields": fields})
        return {"statusCode": 400, "body": {"message": f"invalid event: {', '.join(fields)}",
                                            "accepted_actions": [PROCESS, RENEW]}}
    result: dict[str, Any] = {}
    if parsed.action in (None, PROCESS):
        only = [parsed.auth_code] if parsed.auth_code else None
        summary = deps.processor().process_pending(only=only, should_stop=should_stop)
        result[PROCESS] = {**summary.as_dict(), "results": [
            {"status": r.status, "reason": r.reason, "linked_clients": r.linked_clients} for r in summary.results]}
    if parsed.action in (None, RENEW):
        result[RENEW] = deps.renew(should_stop)
    logger.info("GERENCIADOR-AUTH-CODES done", extra={"action": parsed.action or "both", "result": result})
    return {"statusCode": 200, "body": {"message": "Success", **result}}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return run(event, wiring(), remaining if callable(remaining) else None)
