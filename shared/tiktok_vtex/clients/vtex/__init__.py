"""VTEX client (catalog, logistics, pricing, fulfillment, OMS, orders hook) and money helpers."""

from tiktok_vtex.clients.vtex.client import (
    DEFAULT_HOOK_STATUSES,
    PRODUCTION_BASE_URL_TEMPLATE,
    PRODUCTION_PRICING_BASE_URL_TEMPLATE,
    VtexClient,
    parse_retry_after,
)
from tiktok_vtex.clients.vtex.credentials import VtexCredentials, load_vtex_credentials, parse_vtex_credentials
from tiktok_vtex.clients.vtex.errors import (
    VtexApiError,
    VtexAuthError,
    VtexBadRequest,
    VtexConflict,
    VtexCredentialsError,
    VtexDuplicateOrder,
    VtexError,
    VtexLocked,
    VtexNotFound,
    VtexPriceDivergence,
    VtexRateLimited,
    VtexServerError,
    VtexTransportError,
    VtexUnavailableItem,
)
from tiktok_vtex.clients.vtex.money import format_amount, from_cents, parse_decimal, to_cents

__all__ = [
    "DEFAULT_HOOK_STATUSES",
    "PRODUCTION_BASE_URL_TEMPLATE",
    "PRODUCTION_PRICING_BASE_URL_TEMPLATE",
    "VtexApiError",
    "VtexAuthError",
    "VtexBadRequest",
    "VtexClient",
    "VtexConflict",
    "VtexCredentials",
    "VtexCredentialsError",
    "VtexDuplicateOrder",
    "VtexError",
    "VtexLocked",
    "VtexNotFound",
    "VtexPriceDivergence",
    "VtexRateLimited",
    "VtexServerError",
    "VtexTransportError",
    "VtexUnavailableItem",
    "format_amount",
    "from_cents",
    "load_vtex_credentials",
    "parse_decimal",
    "parse_retry_after",
    "parse_vtex_credentials",
    "to_cents",
]
