"""Adapters of the stock and price functions, built once per warm container from settings and secrets.

Shared by functions/stock and functions/prices (same client resolution, VTEX client, TikTok client).
VTEX credentials are re-read through a max-age cache and on a 401, and each VTEX account has its own
429 gate (clients/vtex/cache.py): one store's throttling or key rotation never affects another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.auth.shop_access import ensure_client_active, open_shop_client
from tiktok_vtex.clients.tiktok import TikTokShopClient, TokenBucketLimiter
from tiktok_vtex.clients.vtex.cache import SecretReader, VtexClientCache
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.credentials import VtexCredentials, fetch_vtex_secret
from tiktok_vtex.clients.vtex.errors import VtexCredentialsError
from tiktok_vtex.clients.vtex.throttle import RetryAfterGates
from tiktok_vtex.dispatch import AsyncInvoker, QueuePublisher, message_group_of
from tiktok_vtex.inventory.pending import OrdersPendingUnits
from tiktok_vtex.inventory.rules import WarehouseConfigError, resolve_routes
from tiktok_vtex.inventory.sync import StockSync
from tiktok_vtex.pricing.sync import PriceSync
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository
from tiktok_vtex.settings import AppSecrets, Settings, get_settings, load_app_secrets
from tiktok_vtex.sync.context import ClientSyncContext
from tiktok_vtex.sync.outcomes import ClientUnavailable

STOCK_UPDATE_FUNCTION = "ESTOQUE-TTK-atualiza-estoque-sku"
PRICE_UPDATE_FUNCTION = "PRECO-TTK-atualiza-preco-sku"
VTEX_CONCURRENCY = 16  # VTEX reads in flight per invocation (the VTEX client's own bound too)
# The fetch queues (FIFO, MessageGroupId = client, issue 19): a message there asks "read these SKUs now", so
# its deduplication id is unique per send (QueuePublisher `per_send`), and the nightly continuation, which names
# no client, has a group of its own (one continuation in flight at a time).
FETCH_QUEUES = frozenset({"SQS_BUSCA_ESTOQUE", "SQS_BUSCA_PRECO"})
NIGHTLY_TYPES = frozenset({"triggerPrepareStockAllClients", "triggerPrepareListPriceAllClients"})
NIGHTLY_GROUP = "nightly"


def fetch_message_group(message: Mapping[str, Any]) -> str:
    """The message group on a fetch queue: the client; the nightly run (its continuation) its own group."""
    if message.get("type") in NIGHTLY_TYPES and not any(message.get(f) for f in ("clientHash", "client_hash")):
        return NIGHTLY_GROUP
    return message_group_of(message)


def vtex_read_limiter(settings: Settings) -> TokenBucketLimiter | None:
    """The per-account VTEX read bucket of the fetch functions (template.yaml VTEX_READS_PER_SECOND and
    VTEX_READS_BURST); None where unset (the 429 gate alone). A refused value is a deploy error: raised."""
    rate = settings.extra.get("VTEX_READS_PER_SECOND")
    if not rate:
        return None
    try:
        per_second = float(rate)
        burst = float(settings.extra.get("VTEX_READS_BURST") or per_second)
        return TokenBucketLimiter(per_second, burst=burst)
    except ValueError as error:
        raise ValueError(f"VTEX_READS_PER_SECOND / VTEX_READS_BURST refused: {error}") from None


class SyncWiring:
    def __init__(self, settings: Settings, secrets_loader: Callable[[Settings], AppSecrets] = load_app_secrets,
                 get_secret: SecretReader = fetch_vtex_secret) -> None:
        self.settings = settings
        self._secrets_loader = secrets_loader
        self._secrets: AppSecrets | None = None
        tables = settings.tables
        self.clients = ClientRepository(tables.client, tables.client_tiktok)
        self.products = ProductRepository(tables.products_seller_sku)
        self.stock_log = LogRepository(tables.log_stock)
        self.price_log = LogRepository(tables.log_price)
        self.price_product_log = LogRepository(tables.log_price_product)
        self.pending = OrdersPendingUnits(tables.orders)
        self.vtex_clients = VtexClientCache(
            get_secret, secret_prefix=settings.vtex_secret_prefix, base_url_template=settings.vtex_base_url_template,
            pricing_base_url_template=settings.vtex_pricing_base_url_template, max_concurrency=VTEX_CONCURRENCY,
            gates=RetryAfterGates(reads=vtex_read_limiter(settings)))
        # One 429 pause per VTEX account, shared by every worker calling that account (`throttled` sums them),
        # and the account's read bucket where the function sets VTEX_READS_PER_SECOND (settled after each batch).
        self.gate = self.vtex_clients.gates

    @property
    def secrets(self) -> AppSecrets:
        if self._secrets is None:
            self._secrets = self._secrets_loader(self.settings)
        return self._secrets

    # --- logic -----------------------------------------------------------------------------------
    def stock(self) -> StockSync:
        return StockSync(self.products, self.stock_log, max_concurrency=VTEX_CONCURRENCY,
                         fetch_batch_size=int(self.settings.extra.get("STOCK_FETCH_BATCH_SIZE") or 50))

    def prices(self) -> PriceSync:
        return PriceSync(self.products, self.price_log, self.price_product_log, max_concurrency=VTEX_CONCURRENCY,
                         fetch_batch_size=int(self.settings.extra.get("PRICE_FETCH_BATCH_SIZE") or 50))

    # --- per client ----------------------------------------------------------------------------
    def credentials(self, client_hash: str) -> VtexCredentials:
        return self.vtex_clients.credentials(client_hash)

    def context(self, client_hash: str) -> ClientSyncContext:
        """The client's sync context; ClientUnavailable when it cannot be served (never retried)."""
        try:
            link = ensure_client_active(self.clients.get_shop_link(client_hash), client_hash)
            credentials = self.credentials(client_hash)
            legacy_warehouse = link.tik_tok_shop_warehouse_id
            if not legacy_warehouse:
                client = self.clients.get_client(client_hash)
                legacy_warehouse = client.tik_tok_shop_warehouse_id if client else None
            routes = resolve_routes(credentials.warehouse_ids, settings_map=link.connector_settings.warehouse_map,
                                    credentials_map=credentials.warehouse_map,
                                    legacy_tiktok_warehouse_id=legacy_warehouse)
        except ClientDeauthorized as error:
            raise ClientUnavailable(client_hash, f"deauthorized ({error.reason or 'no reason given'})") from None
        except ClientNotAuthorized as error:
            raise ClientUnavailable(client_hash, f"not authorized ({error.detail})") from None
        except (VtexCredentialsError, WarehouseConfigError, ValidationError) as error:
            raise ClientUnavailable(client_hash, f"misconfigured: {str(error)[:300]}") from None
        return ClientSyncContext(client_hash, tuple(routes), link.connector_settings.stock,
                                 link.connector_settings.price, trade_policy=credentials.sales_channel)

    def vtex(self, client_hash: str) -> VtexClient:
        return self.vtex_clients.client(client_hash)

    def tiktok(self, client_hash: str) -> TikTokShopClient:
        # Not cached: open_shop_client re-checks the link, so a client deauthorized meanwhile stops.
        try:
            return open_shop_client(client_hash, settings=self.settings, secrets=self.secrets, clients=self.clients)
        except ClientDeauthorized as error:
            raise ClientUnavailable(client_hash, f"deauthorized ({error.reason or 'no reason given'})") from None
        except ClientNotAuthorized as error:
            raise ClientUnavailable(client_hash, f"not authorized ({error.detail})") from None

    # --- dispatch ------------------------------------------------------------------------------
    def queue(self, variable: str) -> QueuePublisher:
        if variable in FETCH_QUEUES:
            return QueuePublisher(self.settings.require(variable), group_of=fetch_message_group,
                                  deduplication="per_send")
        return QueuePublisher(self.settings.require(variable))

    def invoker(self, legacy_name: str) -> AsyncInvoker:
        return AsyncInvoker(self.settings.function_name(legacy_name))


@cache
def wiring() -> SyncWiring:
    return SyncWiring(get_settings())

