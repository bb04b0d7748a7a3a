"""Typed settings: the environment is read once per cold start into pydantic models.

`Settings` holds what every function shares (template.yaml Globals); each function whose environment
adds variables has its own subclass (`FUNCTION_SETTINGS`, keyed by the function's legacy name), and
`get_settings()` validates the running function's model at cold start (Lambda names the function in
AWS_LAMBDA_FUNCTION_NAME), so a missing queue URL fails the first invocation with a SettingsError
naming the variable, never its value.

Secrets (TikTok app secret, internal webhook secret, OAuth state secret, VTEX app tokens) never live in
environment variables; they are read from Secrets Manager through Powertools Parameters (cached) and
registered with the log redactor as soon as they are loaded.

Why plain pydantic and not pydantic-settings (issue 11, cold start): the models are validated from the
environment mapping with `model_validate` (what aws-lambda-env-modeler, the Powertools cookbook's choice,
does: its whole implementation is `model.model_validate(os.environ)`), with the same aliases, case-sensitive
names, frozen models and error naming. pydantic-settings cost ~30 ms at import (about 0.3x `import boto3`,
measured with benchmarks/bench_cold_start.py) for sources this package turned off (dotenv, secrets
directory, CLI), and that import alone kept the webhook above its 2x cold-start budget. Models are built
on first use (`defer_build`): a function builds its own settings model, not the other functions'.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from tiktok_vtex.observability import register_secret


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names it (never its value)."""


class _EnvironmentSettings(BaseModel):
    """Base of every settings model: validated from an environment mapping (names matched case-sensitively,
    as template.yaml spells them), frozen, unknown variables ignored."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)


class TableNames(_EnvironmentSettings):
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


class Settings(_EnvironmentSettings):
    """Configuration shared by every function (template.yaml Globals)."""

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
    # Every variable of the environment, by name: for function-specific knobs read through require().
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


# --- one model per function whose environment differs from Globals (template.yaml Environment) --------
class WebhookIngressSettings(Settings):
    webhook_queue_url: str = Field(alias="WEBHOOK_QUEUE_URL", min_length=1)


class WebhookProcessorSettings(Settings):
    orders_queue_url: str = Field(alias="ORDERS_QUEUE_URL", min_length=1)
    shipping_queue_url: str = Field(alias="SHIPPING_QUEUE_URL", min_length=1)
    invoice_queue_url: str = Field(alias="INVOICE_QUEUE_URL", min_length=1)  # push 36: delayed re-uploads
    invoice_max_reuploads: int = Field(default=5, ge=0, le=20, alias="INVOICE_MAX_REUPLOADS")


class InvoiceSettings(Settings):
    invoice_queue_url: str = Field(alias="INVOICE_QUEUE_URL", min_length=1)
    shipping_queue_url: str = Field(alias="SHIPPING_QUEUE_URL", min_length=1)
    documents_bucket: str = Field(alias="DOCUMENTS_BUCKET", min_length=1)
    invoice_max_reuploads: int = Field(default=5, ge=0, le=20, alias="INVOICE_MAX_REUPLOADS")


class ShippingPackageSettings(Settings):
    documents_bucket: str = Field(alias="DOCUMENTS_BUCKET", min_length=1)


class OrdersSettings(Settings):
    orders_queue_url: str = Field(alias="ORDERS_QUEUE_URL", min_length=1)


class OrdersSweepSettings(OrdersSettings):
    sweep_window_minutes: int | None = Field(default=None, gt=0, alias="SWEEP_WINDOW_MINUTES")
    sweep_min_interval_minutes: int | None = Field(default=None, ge=0, alias="SWEEP_MIN_INTERVAL_MINUTES")


# TikTok access tokens live 7 days (tiktok-shop-api.md 2: access_token_expire_in, D:auth): a renewal window
# as long as that refreshes every token on every run.
TIKTOK_ACCESS_TOKEN_LIFE_DAYS = 7


class AuthManagerSettings(Settings):
    token_renewal_window_days: float | None = Field(default=None, gt=0, lt=TIKTOK_ACCESS_TOKEN_LIFE_DAYS,
                                                    alias="TOKEN_RENEWAL_WINDOW_DAYS")
    token_renewal_spread: float | None = Field(default=None, ge=0, le=0.9, alias="TOKEN_RENEWAL_SPREAD")
    refresh_token_alert_days: float | None = Field(default=None, gt=0, alias="REFRESH_TOKEN_ALERT_DAYS")


class StockFetchSettings(Settings):
    sqs_busca_estoque: str = Field(alias="SQS_BUSCA_ESTOQUE", min_length=1)
    sqs_atualiza_estoque: str = Field(alias="SQS_ATUALIZA_ESTOQUE", min_length=1)
    stock_fetch_batch_size: int | None = Field(default=None, gt=0, alias="STOCK_FETCH_BATCH_SIZE")


class PriceFetchSettings(Settings):
    sqs_busca_preco: str = Field(alias="SQS_BUSCA_PRECO", min_length=1)
    sqs_atualiza_preco: str = Field(alias="SQS_ATUALIZA_PRECO", min_length=1)
    price_fetch_batch_size: int | None = Field(default=None, gt=0, alias="PRICE_FETCH_BATCH_SIZE")


class CatalogSettings(Settings):
    """PRODUTOS-lista-produtos, BRANDS-VTEX, BRANDS-TTK (issue 14)."""

    product_list_queue_url: str = Field(alias="PRODUCT_LIST_QUEUE_URL", min_length=1)
    images_table: str = Field(alias="IMAGES_TABLE", min_length=1)
    sqs_busca_estoque: str = Field(alias="SQS_BUSCA_ESTOQUE", min_length=1)
    sqs_busca_preco: str = Field(alias="SQS_BUSCA_PRECO", min_length=1)
    # SSRF guard of feed and image fetches: loopback hosts only on the local stack (Environment=local).
    feed_allow_loopback: bool = Field(default=False, alias="FEED_ALLOW_LOOPBACK")
    feed_max_bytes: int = Field(default=256 * 1024 * 1024, gt=0, alias="FEED_MAX_BYTES")
    feed_bucket: str = Field(default="", alias="FEED_BUCKET")
    # dispatchSendProductSandbox: the integrator's own test client (its TikTok test shop); empty = refused.
    catalog_trial_client_hash: str = Field(default="", alias="CATALOG_TRIAL_CLIENT_HASH")


class CatalogUpdateSettings(CatalogSettings):
    """PRODUTOS-compara-xml (issue 17)."""

    feed_state_table: str = Field(alias="FEED_STATE_TABLE", min_length=1)
    product_update_queue_url: str = Field(alias="PRODUCT_UPDATE_QUEUE_URL", min_length=1)


class ProductImagesSettings(CatalogSettings):
    """VTEX-PRODUTO-ADDITIONAL-IMAGES-XML (issue 17)."""

    product_images_queue_url: str = Field(alias="PRODUCT_IMAGES_QUEUE_URL", min_length=1)


# --- VTEX affiliate notifications (issue 16) ---
class VtexNotificationIntakeSettings(Settings):
    vtex_notification_queue_url: str = Field(alias="VTEX_NOTIFICATION_QUEUE_URL", min_length=1)


class VtexNotificationSyncSettings(Settings):
    sqs_atualiza_estoque: str = Field(alias="SQS_ATUALIZA_ESTOQUE", min_length=1)
    sqs_atualiza_preco: str = Field(alias="SQS_ATUALIZA_PRECO", min_length=1)
    realtime_stale_margin_ms: int | None = Field(default=None, ge=0, alias="REALTIME_STALE_MARGIN_MS")


class SyncCheckSettings(Settings):
    """OPS-sync-check (issue 18): when a stock / price sync or a catalog run is late."""

    sync_lag_hours: float = Field(default=26, gt=0, alias="SYNC_LAG_HOURS")
    catalog_feed_max_age_hours: float = Field(default=48, gt=0, alias="CATALOG_FEED_MAX_AGE_HOURS")


# --- VTEX orders hook, its processor and the marketplace callbacks (issue 15) ---
class VtexOrderHookSettings(Settings):
    vtex_orders_queue_url: str = Field(alias="VTEX_ORDERS_QUEUE_URL", min_length=1)


class VtexOrdersSettings(Settings):
    invoice_queue_url: str = Field(alias="INVOICE_QUEUE_URL", min_length=1)


# Legacy function name (FunctionName without FUNCTION_PREFIX) -> its settings model. A function not
# listed reads the shared Settings. tests/unit/platform/test_settings.py checks every function of
# template.yaml validates against its model.
FUNCTION_SETTINGS: dict[str, type[Settings]] = {
    "WEBHOOK": WebhookIngressSettings,
    "WEBHOOK-processor": WebhookProcessorSettings,
    "PEDIDOS-novo-pedido-TTK": OrdersSettings,
    "PEDIDOS-reconciliacao": OrdersSweepSettings,
    "GERENCIADOR-AUTH-CODES": AuthManagerSettings,
    "ESTOQUE-VTEX-busca-estoque-sku": StockFetchSettings,
    "ESTOQUE-VTEX-atualizacao-estoque": StockFetchSettings,
    "PRECO-VTEX-monta-lista-sku": PriceFetchSettings,
    "PRODUTOS-lista-produtos": CatalogSettings,
    "BRANDS-VTEX": CatalogSettings,
    "BRANDS-TTK": CatalogSettings,
    "PRODUTOS-compara-xml": CatalogUpdateSettings,
    "VTEX-PRODUTO-ADDITIONAL-IMAGES-XML": ProductImagesSettings,
    "INVOICE": InvoiceSettings,
    "SHIPPING-PACKAGE": ShippingPackageSettings,
    "VTEX-notificacao": VtexNotificationIntakeSettings,
    "VTEX-notificacao-sync": VtexNotificationSyncSettings,
    "OPS-sync-check": SyncCheckSettings,
    "VTEX-ORDERHOOK": VtexOrderHookSettings,
    "VTEX-ORDERS-processor": VtexOrdersSettings,
    "VTEX-MARKETPLACE": VtexOrdersSettings,
}

S = TypeVar("S", bound=Settings)


def settings_model_for(env: Mapping[str, str]) -> type[Settings]:
    """The settings model of the function running with this environment (Settings if none is specific)."""
    name, prefix = env.get("AWS_LAMBDA_FUNCTION_NAME", ""), env.get("FUNCTION_PREFIX", "")
    if prefix and name.startswith(prefix):
        return FUNCTION_SETTINGS.get(name[len(prefix):], Settings)
    return Settings


def _names(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


def load_settings(env: Mapping[str, str] | None = None, model: type[S] | None = None) -> S:
    """Validates the environment (os.environ by default) into `model` (by default the running function's)."""
    env = dict(os.environ if env is None else env)
    chosen: Any = model or settings_model_for(env)
    missing: set[str] = set()
    tables: TableNames | None = None
    try:
        tables = TableNames.model_validate(env)
    except ValidationError as error:
        missing |= _names(error)
    try:
        # `tables` is validated above; a placeholder keeps the other errors visible in one message.
        return_value = chosen.model_validate({**env, "tables": tables or _PLACEHOLDER_TABLES, "extra": env})
    except ValidationError as error:
        missing |= _names(error)
    if missing or tables is None:
        raise SettingsError(f"missing or invalid settings: {', '.join(sorted(missing))}")
    return return_value


_PLACEHOLDER_TABLES = TableNames.model_construct()


@cache
def _cached_settings(model: type[Settings] | None) -> Settings:
    return load_settings(model=model)


def get_settings(model: type[S] | None = None) -> S:
    """Settings of this process, read once (warm invocations reuse them). Without `model`, the running
    function's own model (FUNCTION_SETTINGS), so its specific variables are checked at cold start too."""
    return _cached_settings(model)  # type: ignore[return-value]


# Callers (and the test fixtures) reset the cache with get_settings.cache_clear(), as with lru_cache.
get_settings.cache_clear = _cached_settings.cache_clear  # type: ignore[attr-defined]


def _not_blank(value: Any, field: str) -> Any:
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(raw, str) and not raw.strip():
        # A blank secret would make HMAC verification accept forgeries signed with the empty key.
        raise ValueError(f"{field} is empty")
    return value


class AppSecrets(BaseModel):
    """The stack's TikTok app secret document (template resource TikTokAppSecretStore)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    app_key: str
    app_secret: SecretStr
    service_id: str = ""
    internal_webhook_secret: SecretStr
    oauth_state_secret: SecretStr

    @field_validator("app_key", "app_secret", "internal_webhook_secret", "oauth_state_secret")
    @classmethod
    def _refuse_blank(cls, value: Any, info: Any) -> Any:
        return _not_blank(value, info.field_name)


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
        problems = sorted({f"{e['loc'][0]} (empty)" if "is empty" in e["msg"] else str(e["loc"][0])
                           for e in error.errors()})
        raise SettingsError(f"secret {settings.app_secret_name} lacks {', '.join(problems)}") from None
    for secret in (secrets.app_secret, secrets.internal_webhook_secret, secrets.oauth_state_secret):
        register_secret(secret.get_secret_value(), pinned=True)
    register_secret(secrets.app_key, pinned=True)
    return secrets
