"""Typed settings: the environment is read once per cold start into these models.

Secrets (TikTok app secret, internal webhook secret, OAuth state secret, VTEX app tokens) never live in
environment variables; they are read from Secrets Manager through Powertools Parameters (cached) and
registered with the log redactor as soon as they are loaded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from tiktok_vtex.observability import register_secret


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names it (never its value)."""


class TableNames(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    client: str = Field(alias="CLIENT_TABLE")
    client_tiktok: str = Field(alias="CLIENT_TIKTOK_TABLE")
    orders: str = Field(alias="ORDERS_TABLE")
    products_seller_sku: str = Field(alias="PRODUCTS_SELLER_SKU_TABLE")
    auth_token: str = Field(alias="AUTH_TOKEN_TABLE")
    auth_token_logs: str = Field(alias="AUTH_TOKEN_LOGS_TABLE")
    token: str = Field(alias="TOKEN_TABLE")
    brands: str = Field(alias="BRANDS_TABLE")
    log_product: str = Field(alias="LOG_PRODUCT_TABLE")
    log_price: str = Field(alias="LOG_PRICE_TABLE")
    log_stock: str = Field(alias="LOG_STOCK_TABLE")
    log_order: str = Field(alias="LOG_ORDER_TABLE")
    log_price_product: str = Field(alias="LOG_PRICE_PRODUCT_TABLE")
    taxonomy: str = Field(alias="TAXONOMY_TABLE")
    idempotency: str = Field(alias="IDEMPOTENCY_TABLE")
    webhook_events: str = Field(alias="WEBHOOK_EVENTS_TABLE")


class Settings(BaseModel):
    """Configuration shared by every function (template.yaml Globals)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    environment: str = Field(alias="ENVIRONMENT")
    function_prefix: str = Field(alias="FUNCTION_PREFIX")
    app_secret_name: str = Field(alias="APP_SECRET_NAME")
    vtex_secret_prefix: str = Field(alias="VTEX_SECRET_PREFIX")
    tiktok_api_base_url: str = Field(alias="TIKTOK_API_BASE_URL")
    tiktok_auth_base_url: str = Field(alias="TIKTOK_AUTH_BASE_URL")
    vtex_base_url_template: str = Field(alias="VTEX_BASE_URL_TEMPLATE")
    vtex_pricing_base_url_template: str = Field(alias="VTEX_PRICING_BASE_URL_TEMPLATE")
    public_base_url: str = Field(default="", alias="PUBLIC_BASE_URL")
    token_kms_key_id: str = Field(alias="TOKEN_KMS_KEY_ID")
    # This container's share of TikTok's 50 QPS per API per shop (50 / the function's maximum concurrency).
    tiktok_qps_per_container: float = Field(default=50.0, gt=0, le=50, alias="TIKTOK_QPS_PER_CONTAINER")
    tables: TableNames
    # Function-specific variables (queue URLs, tuning knobs) stay available by name.
    extra: Mapping[str, str] = Field(default_factory=dict)

    def function_name(self, legacy_name: str) -> str:
        """Physical name of a fleet function from its legacy suffix, e.g. 'PEDIDOS-novo-pedido-TTK'."""
        return f"{self.function_prefix}{legacy_name}"

    def require(self, name: str) -> str:
        """A function-specific variable (for example a queue URL) that must be set."""
        value = self.extra.get(name, "")
        if not value:
            raise SettingsError(f"missing environment variable {name}")
        return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    try:
        return Settings.model_validate({**env, "tables": TableNames.model_validate(env), "extra": env})
    except ValidationError as error:
        missing = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
        raise SettingsError(f"missing or invalid settings: {', '.join(missing)}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once (warm invocations reuse them)."""
    return load_settings()


class AppSecrets(BaseModel):
    """The stack's TikTok app secret document (template resource TikTokAppSecretStore)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    app_key: str
    app_secret: SecretStr
    service_id: str = ""
    internal_webhook_secret: SecretStr
    oauth_state_secret: SecretStr


SecretFetcher = Callable[[str], Mapping[str, Any]]


def fetch_json_secret(name: str, max_age: int = 300) -> Mapping[str, Any]:
    """Reads a JSON secret through Powertools Parameters (cached for `max_age` seconds)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(name, transform="json", max_age=max_age)
    if not isinstance(value, Mapping):
        raise SettingsError(f"secret {name} is not a JSON object")
    return value


def load_app_secrets(settings: Settings, fetch: SecretFetcher = fetch_json_secret) -> AppSecrets:
    try:
        secrets = AppSecrets.model_validate(fetch(settings.app_secret_name))
    except ValidationError as error:
        fields = sorted({str(e["loc"][0]) for e in error.errors()})
        raise SettingsError(f"secret {settings.app_secret_name} lacks {', '.join(fields)}") from None
    for secret in (secrets.app_secret, secrets.internal_webhook_secret, secrets.oauth_state_secret):
        register_secret(secret.get_secret_value())
    register_secret(secrets.app_key)
    return secrets
