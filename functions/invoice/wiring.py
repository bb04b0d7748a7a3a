"""Adapters of INVOICE and SHIPPING-PACKAGE, built once per warm container from settings and secrets."""

from __future__ import annotations

from functools import cache

import httpx

from tiktok_vtex.auth.shop_access import open_shop_client
from tiktok_vtex.clients.tiktok import TikTokShopClient
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.credentials import load_vtex_credentials
from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.invoices.delayed import DelayedQueue
from tiktok_vtex.invoices.outcomes import InvoiceOutcomes
from tiktok_vtex.invoices.upload import InvoiceUploader
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.settings import AppSecrets, Settings, fetch_json_secret, get_settings, load_app_secrets
from tiktok_vtex.shipping.dispatch import PackageShipper
from tiktok_vtex.shipping.storage import S3DocumentStore

SHIPPING_LEASE_SECONDS = 300  # > the SHIPPING-PACKAGE timeout (120 s); < the queue visibility (720 s)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class FiscalWiring:
    def __init__(self, settings: Settings, secrets: AppSecrets) -> None:
        self.settings = settings
        self.secrets = secrets
        tables = settings.tables
        self.clients = ClientRepository(tables.client, tables.client_tiktok)
        self.orders = OrderRepository(tables.orders)
        self.order_log = LogRepository(tables.log_order)
        self._vtex: dict[str, VtexClient] = {}
        self._http: httpx.Client | None = None

    def tiktok(self, client_hash: str) -> TikTokShopClient:
        # Not cached across invocations: open_shop_client re-checks the link (a deauthorized client stops).
        return open_shop_client(client_hash, settings=self.settings, secrets=self.secrets, clients=self.clients)

    def vtex(self, client_hash: str) -> VtexClient:
        if client_hash not in self._vtex:
            credentials = load_vtex_credentials(client_hash, fetch_json_secret, self.settings.vtex_secret_prefix)
            self._vtex[client_hash] = VtexClient(
                credentials, base_url_template=self.settings.vtex_base_url_template,
                pricing_base_url_template=self.settings.vtex_pricing_base_url_template)
        return self._vtex[client_hash]

    def client_settings(self, client_hash: str) -> ClientSettings:
        link = self.clients.get_shop_link(client_hash)
        return link.connector_settings if link else ClientSettings()

    def store(self) -> S3DocumentStore:
        return S3DocumentStore(self.settings.require("DOCUMENTS_BUCKET"), kms_key_id=self.settings.token_kms_key_id)

    def download(self, url: str) -> bytes:
        """A TikTok document URL (valid 24 h). Only https (http for loopback sandboxes), bounded size."""
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("document URL must be https")
        with self.http().stream("GET", url) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise ValueError("document larger than 10 MB")
        return body

    def http(self) -> httpx.Client:
        """One pooled client per container (document downloads, invoiceUrl fetches); timeouts per call."""
        if self._http is None:
            self._http = httpx.Client(timeout=20, follow_redirects=True)
        return self._http

    def invoice_queue(self) -> QueuePublisher:
        return QueuePublisher(self.settings.require("INVOICE_QUEUE_URL"))

    def uploader(self) -> InvoiceUploader:
        return InvoiceUploader(orders=self.orders, tiktok=self.tiktok, client_settings=self.client_settings,
                               store=self.store(), log=self.order_log)

    def outcomes(self) -> InvoiceOutcomes:
        return InvoiceOutcomes(orders=self.orders,
                               shipping_queue=QueuePublisher(self.settings.require("SHIPPING_QUEUE_URL")),
                               reupload_queue=DelayedQueue(self.settings.require("INVOICE_QUEUE_URL")),
                               log=self.order_log,
                               max_reuploads=int(self.settings.extra.get("INVOICE_MAX_REUPLOADS") or 5))

    def shipper(self) -> PackageShipper:
        return PackageShipper(orders=self.orders, tiktok=self.tiktok, vtex=self.vtex,
                              client_settings=self.client_settings, store=self.store(), download=self.download,
                              log=self.order_log, lease_seconds=SHIPPING_LEASE_SECONDS)


@cache
def wiring() -> FiscalWiring:
    settings = get_settings()
    return FiscalWiring(settings, load_app_secrets(settings))
