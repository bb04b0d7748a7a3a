"""Adapters of the orders functions, built once per warm container from settings and secrets."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx

from tiktok_vtex.auth.shop_access import open_shop_client
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.tiktok import TikTokShopClient
from tiktok_vtex.clients.vtex.cache import VtexClientCache
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.orders.events import OrderEvents
from tiktok_vtex.orders.placement import OrderPlacer
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.repositories.products import ProductRepository
from tiktok_vtex.settings import AppSecrets, Settings, get_settings, load_app_secrets
from tiktok_vtex.vtex_orders.after_sales import post_full_return
from tiktok_vtex.vtex_orders.callback_auth import services_endpoint as callback_endpoint

# --- time arithmetic of PEDIDOS-novo-pedido-TTK (tests/unit/orders/test_orders_template.py checks it
# against template.yaml: BatchSize x MESSAGE_WORST_SECONDS < Timeout < LEASE_SECONDS, VisibilityTimeout).
# One remote call at its worst: retries stop once the next attempt would start past the budget, so the
# last attempt starts within RETRY.total_budget and lasts at most one attempt (connect + read timeouts).
RETRY = RetryPolicy(max_attempts=3, total_budget=4.0)
VTEX_TIMEOUT_SECONDS = 5.0  # VtexClient: read 5 s, connect min(5, 5) s
TIKTOK_TIMEOUT = httpx.Timeout(connect=3.0, read=7.0, write=7.0, pool=2.0)
ATTEMPT_WORST_SECONDS = max(2 * VTEX_TIMEOUT_SECONDS, (TIKTOK_TIMEOUT.connect or 0) + (TIKTOK_TIMEOUT.read or 0))
CALL_WORST_SECONDS = RETRY.total_budget + ATTEMPT_WORST_SECONDS
# The most remote calls one message can make (create, the costliest): TikTok token refresh + order detail
# (2); VTEX (10): look-up of a possibly placed order on a retry (2 get_order), simulate, place, FMT009 look-up
# (2 get_order), fulfill, status read after a refused fulfill (1), and a cancel handed over meanwhile
# (get_order + cancel) = 12. Secrets Manager / DynamoDB calls take milliseconds and are left out.
MAX_CALLS_PER_MESSAGE = 12
MESSAGE_WORST_SECONDS = MAX_CALLS_PER_MESSAGE * CALL_WORST_SECONDS
LEASE_SECONDS = 240  # > the orders function timeout (a live worker never loses its claim); < visibility


def services_endpoint(settings: Settings, client_hash: str, secrets: AppSecrets) -> str:
    """VTEX posts invoice / tracking / cancel callbacks here (VTEX-MARKETPLACE); the URL carries the client's
    callback token (tiktok_vtex.vtex_orders.callback_auth)."""
    return callback_endpoint(settings.public_base_url, secrets.internal_webhook_secret.get_secret_value(),
                             client_hash)


class _NoShipping:
    """The orders functions only feed order statuses through OrderEvents; push 36 is routed by
    WEBHOOK-processor, which owns the shipping queue."""

    def send(self, messages: Any) -> int:
        raise RuntimeError("the orders functions do not send to the shipping queue")


class OrdersWiring:
    def __init__(self, settings: Settings, secrets: AppSecrets) -> None:
        self.settings = settings
        self.secrets = secrets
        tables = settings.tables
        self.clients = ClientRepository(tables.client, tables.client_tiktok)
        self.orders = OrderRepository(tables.orders)
        self.products = ProductRepository(tables.products_seller_sku)
        self.order_log = LogRepository(tables.log_order)
        # Rotated VTEX keys are picked up (max-age secret cache, re-read on 401) and each VTEX account has
        # its own 429 gate: one throttled store never pauses another's orders.
        self.vtex_clients = VtexClientCache(
            secret_prefix=settings.vtex_secret_prefix, base_url_template=settings.vtex_base_url_template,
            pricing_base_url_template=settings.vtex_pricing_base_url_template, timeout=VTEX_TIMEOUT_SECONDS,
            retry=RETRY)
        self._tiktok: dict[str, TikTokShopClient] = {}
        self._tiktok_http: httpx.Client | None = None

    def tiktok(self, client_hash: str) -> TikTokShopClient:
        # Not cached across invocations: open_shop_client re-checks the link (a deauthorized client stops).
        # Shorter timeouts and retry budget than the defaults: a message must fit the function's timeout.
        if self._tiktok_http is None or self._tiktok_http.is_closed:
            self._tiktok_http = httpx.Client(timeout=TIKTOK_TIMEOUT, follow_redirects=False)
        return open_shop_client(client_hash, settings=self.settings, secrets=self.secrets, clients=self.clients,
                                http=self._tiktok_http, retry=RETRY)

    def vtex(self, client_hash: str) -> VtexClient:
        return self.vtex_clients.client(client_hash)

    def client_settings(self, client_hash: str) -> ClientSettings:
        link = self.clients.get_shop_link(client_hash)
        return link.connector_settings if link else ClientSettings()

    def placer(self) -> OrderPlacer:
        return OrderPlacer(orders=self.orders, skus=self.products, tiktok=self.tiktok, vtex=self.vtex,
                           client_settings=self.client_settings,
                           services_endpoint=lambda h: services_endpoint(self.settings, h, self.secrets),
                           log=self.order_log, lease_seconds=LEASE_SECONDS, full_return=post_full_return)

    def events(self) -> OrderEvents:
        queue = QueuePublisher(self.settings.require("ORDERS_QUEUE_URL"))
        return OrderEvents(self.orders, queue, _NoShipping())


@cache
def wiring() -> OrdersWiring:
    settings = get_settings()
    return OrdersWiring(settings, load_app_secrets(settings))

