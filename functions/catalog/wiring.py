"""Adapters of the catalog functions (PRODUTOS-lista-produtos, BRANDS-VTEX, BRANDS-TTK), built once per
warm container; per-client contexts are built per invocation (a deauthorized client stops at once)."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from tiktok_vtex import aws
from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.auth.shop_access import ensure_client_active
from tiktok_vtex.catalog.brands import BrandLookup
from tiktok_vtex.catalog.categories import CategoryCatalog, CategoryResolver
from tiktok_vtex.catalog.creation import PRICE_BATCH, STOCK_BATCH, ProductCreator
from tiktok_vtex.catalog.images import ImageUploader
from tiktok_vtex.catalog.listing import GroupContext, now_utc
from tiktok_vtex.catalog.mapping import MappingContext
from tiktok_vtex.catalog.sources import FetchPolicy
from tiktok_vtex.clients.tiktok import TikTokShopClient
from tiktok_vtex.models.client import ShopLink
from tiktok_vtex.repositories.brands import BrandRepository
from tiktok_vtex.repositories.images import ImageRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.taxonomy import TaxonomyRepository
from tiktok_vtex.settings import CatalogSettings, get_settings
from tiktok_vtex.sync.outcomes import ClientUnavailable
from tiktok_vtex.sync_functions.wiring import SyncWiring

BRANDS_TTK_FUNCTION = "BRANDS-TTK"


class CatalogWiring:
    def __init__(self, settings: CatalogSettings) -> None:
        self.settings = settings
        self.sync = SyncWiring(settings)
        tables = settings.tables
        self.taxonomy = TaxonomyRepository(tables.taxonomy)
        self.brands = BrandRepository(tables.brands)
        self.images = ImageRepository(settings.images_table)
        self.log = LogRepository(tables.log_product)
        self.policy = FetchPolicy(allow_loopback=settings.feed_allow_loopback, max_bytes=settings.feed_max_bytes)

    def shop_link(self, client_hash: str) -> ShopLink:
        try:
            return ensure_client_active(self.sync.clients.get_shop_link(client_hash), client_hash)
        except ClientDeauthorized as error:
            raise ClientUnavailable(client_hash, f"deauthorized ({error.reason or 'no reason given'})") from None
        except ClientNotAuthorized as error:
            raise ClientUnavailable(client_hash, f"not authorized ({error.detail})") from None

    def feed_link(self, client_hash: str) -> tuple[str | None, str | None]:
        """(the client's feed link, its legacy TikTok warehouse id) from ssxml_client."""
        client = self.sync.clients.get_client(client_hash)
        return (client.tik_tok_shop_feed_link, client.tik_tok_shop_warehouse_id) if client else (None, None)

    def tiktok(self, client_hash: str) -> TikTokShopClient:
        return self.sync.tiktok(client_hash)

    def s3(self) -> Any:
        return aws.client("s3")

    def group_context(self, client_hash: str, warehouse_id: str, tiktok: TikTokShopClient,
                      trial_client_hash: str | None = None) -> GroupContext:
        """The seller's rules and taxonomy; the shop (categories, brands, images, products) is the trial
        client's for dispatchSendProductSandbox, else the seller's."""
        link = self.shop_link(client_hash)
        shop = self.shop_link(trial_client_hash) if trial_client_hash else link
        rules = link.connector_settings.catalog
        catalog = CategoryCatalog(tiktok, shop.shop_id or client_hash)
        creator = ProductCreator(
            client_hash, tiktok, self.sync.products,
            [(STOCK_BATCH, self.sync.queue("SQS_BUSCA_ESTOQUE")), (PRICE_BATCH, self.sync.queue("SQS_BUSCA_PRECO"))],
            warehouse_id=warehouse_id, list_without_brand=rules.list_without_brand, trial=bool(trial_client_hash))
        return GroupContext(
            client_hash=client_hash, catalog=catalog,
            resolver=CategoryResolver(client_hash, self.taxonomy, catalog, tiktok),
            mapping=MappingContext(now=now_utc(time.time), rules=rules),
            brands=BrandLookup(trial_client_hash or client_hash, self.brands,
                               list_without_brand=rules.list_without_brand),
            images=ImageUploader(shop.shop_id or client_hash, tiktok, self.images, policy=self.policy),
            creator=creator, log=self.log, trial=bool(trial_client_hash))


@cache
def wiring() -> CatalogWiring:
    return CatalogWiring(get_settings(CatalogSettings))
