"""The Partner API endpoints the connector uses, with TikTok's validation rules, one module per API group
as TikTok groups them: authorization, product (products, stock and prices, reference data), order,
fulfillment, return_refund, logistics, event.

Handlers run under the sandbox lock after the gate (../gate.py) accepted the request (sign, timestamp,
app_key, token, shop_cipher, content type, rate limit). They raise ApiFail for business errors.
"""

from __future__ import annotations

from local.tiktok_sandbox.gate import Endpoint

from . import (
    authorization,
    event,
    fulfillment,
    logistics,
    order,
    product,
    product_catalog,
    product_stock,
    return_refund,
)
from .authorization import register_token_routes

ENDPOINTS: list[Endpoint] = [
    *authorization.ENDPOINTS,
    *product.ENDPOINTS,
    *product_stock.ENDPOINTS,
    *product_catalog.ENDPOINTS,
    *order.ENDPOINTS,
    *fulfillment.ENDPOINTS,
    *return_refund.ENDPOINTS,
    *logistics.ENDPOINTS,
    *event.ENDPOINTS,
]

__all__ = ["ENDPOINTS", "register_token_routes"]
