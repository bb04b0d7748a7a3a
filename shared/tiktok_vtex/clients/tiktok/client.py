"""TikTokShopClient: every Partner API call the connector's flows need, composed of one mixin per TikTok
API group (``groups/``) over the shared core (``core.py``: signing, envelope, retries, limiter, token
refresh). Versions come from the one table in ``versions.py``.
"""

from __future__ import annotations

from .core import iter_items, iter_pages
from .groups.authorization import AuthorizationApi
from .groups.event import EventApi
from .groups.fulfillment import FulfillmentApi
from .groups.logistics import LogisticsApi
from .groups.order import OrderApi
from .groups.product import ProductApi
from .groups.return_refund import ReturnRefundApi


class TikTokShopClient(AuthorizationApi, ProductApi, OrderApi, FulfillmentApi, ReturnRefundApi, LogisticsApi, EventApi):
    """Client for one shop (``shop_cipher``) of one app. Thread-safe if its httpx client is."""


__all__ = ["TikTokShopClient", "iter_items", "iter_pages"]
