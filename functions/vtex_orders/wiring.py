"""Adapters of the VTEX orders functions: the orders wiring (TikTok and VTEX clients per client, the orders
table and log) plus the TikTok canceller, the seller-tracking sender and the invoice queue."""

from __future__ import annotations

from functools import cache

from orders.wiring import OrdersWiring

from tiktok_vtex.dispatch import QueuePublisher
from tiktok_vtex.settings import VtexOrdersSettings, get_settings, load_app_secrets
from tiktok_vtex.vtex_orders.seller_tracking import SellerTrackingSender
from tiktok_vtex.vtex_orders.sync import VtexOrderSync
from tiktok_vtex.vtex_orders.tiktok_cancel import TikTokCanceller


class VtexOrdersWiring(OrdersWiring):
    settings: VtexOrdersSettings

    def canceller(self) -> TikTokCanceller:
        return TikTokCanceller(orders=self.orders, tiktok=self.tiktok, log=self.order_log,
                               client_settings=self.client_settings)

    def tracking_sender(self) -> SellerTrackingSender:
        return SellerTrackingSender(orders=self.orders, tiktok=self.tiktok, client_settings=self.client_settings,
                                    log=self.order_log)

    def sync(self) -> VtexOrderSync:
        return VtexOrderSync(orders=self.orders, vtex=self.vtex, canceller=self.canceller(),
                             invoice_queue=QueuePublisher(self.settings.invoice_queue_url),
                             log=self.order_log)


@cache
def wiring() -> VtexOrdersWiring:
    settings = get_settings(VtexOrdersSettings)
    return VtexOrdersWiring(settings, load_app_secrets(settings))
