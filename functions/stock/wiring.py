"""Adapters of the stock and price functions, built once per warm container from settings and secrets.

Shared by functions/stock and functions/prices (same client resolution, VTEX client, TikTok client).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import httpx
from pydantic import ValidationError

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.auth.shop_access import ensure_client_active, open_shop_client
from tiktok_vtex.clients.tiktok import TikTokShopClient
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.credentials import VtexCredentials, load_vtex_credentials
from tiktok_vtex.clients.vtex.errors import VtexCredentialsError
from tiktok_vtex.dispatch import AsyncInvoker, QueuePublisher
from tiktok_vtex.inventory.base import ClientUnavailable, RetryAfterGate
from tiktok_vtex.inventory.pending import OrdersPendingUnits
from tiktok_vtex.inventory.rules import WarehouseConfigError, resolve_routes
from tiktok_vtex.inventory.sync import ClientSyncContext, StockSync
from tiktok_vtex.pricing.sync import PriceSync
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository
from tiktok_vtex.settings import AppSecrets, Settings, fetch_json_secret, get_settings, load_app_secrets

STOCK_UPDATE_FUNCTION = "ESTOQUE-TTK-atualiza-estoque-sku"
PRICE_UPDATE_FUNCTION = "PRECO-TTK-atualiza-preco-sku"
VTEX_CONCURRENCY = 16  # VTEX reads in flight per invocation (the VTEX client's own bound too)


class SyncWiring:
    def __init__(self, settings: Settings, secrets_loader: Callable[[Settings], AppSecrets] = load_app_secrets,
                 get_secret: Callable[[str], Any] = fetch_json_secret) -> None:
        self.settings = settings
        self._secrets_loader = secrets_loader
        self._secrets: AppSecrets | None = None
        self._get_secret = get_secret
        tables = settings.tables
        self.clients = ClientRepository(tables.client, tables.client_tiktok)
        self.products = ProductRepository(tables.products_seller_sku)
        self.stock_log = LogRepository(tables.log_stock)
        self.price_log = LogRepository(tables.log_price)
        self.price_product_log = LogRepository(tables.log_price_product)
        self.pending = OrdersPendingUnits(tables.orders)
        # One 429 pause shared by every VTEX read of this container (all workers honour Retry-After).
        self.gate = RetryAfterGate()
        self._vtex: dict[str, VtexClient] = {}
        self._credentials: dict[str, VtexCredentials] = {}

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
        if client_hash not in self._credentials:
            self._credentials[client_hash] = load_vtex_credentials(client_hash, self._get_secret,
                                                                   self.settings.vtex_secret_prefix)
        return self._credentials[client_hash]

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
        if client_hash not in self._vtex:
            http = httpx.Client(
                timeout=httpx.Timeout(10.0, connect=5.0),
                limits=httpx.Limits(max_connections=VTEX_CONCURRENCY, max_keepalive_connections=VTEX_CONCURRENCY),
                event_hooks={"request": [self.gate.before_request], "response": [self.gate.on_response]},
            )
            self._vtex[client_hash] = VtexClient(
                self.credentials(client_hash), base_url_template=self.settings.vtex_base_url_template,
                pricing_base_url_template=self.settings.vtex_pricing_base_url_template, http=http,
                max_concurrency=VTEX_CONCURRENCY)
        return self._vtex[client_hash]

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
        return QueuePublisher(self.settings.require(variable))

    def invoker(self, legacy_name: str) -> AsyncInvoker:
        return AsyncInvoker(self.settings.function_name(legacy_name))


@cache
def wiring() -> SyncWiring:
    return SyncWiring(get_settings())


def describe_validation(error: ValidationError) -> str:
    fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
    return ", ".join(fields) or "body"
