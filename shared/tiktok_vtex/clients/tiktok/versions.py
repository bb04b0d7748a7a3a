"""The one table of TikTok Partner API versions: endpoint -> version, at the latest version
`../shared/reference/tiktok-shop-api.md` documents (sections 1, 5, 10) where the sandbox serves that
version's shape. TikTok releases a version a month and keeps the prior one only a few months, so a
version lives here and nowhere else: every path of the client is written with a ``{version}``
placeholder and resolved through :func:`versioned` (an endpoint missing from the table cannot be called).

Key: ``(METHOD, "/group/{version}/resource/{param}")``. Moving an endpoint to a newer version is one
line here (and the sandbox serving it: ``local/tiktok_sandbox/api/``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

VERSION_PLACEHOLDER = "{version}"

_TABLE: dict[tuple[str, str], str] = {
    # authorization
    ("GET", "/authorization/{version}/shops"): "202309",
    # product: products
    ("POST", "/product/{version}/products"): "202309",
    ("GET", "/product/{version}/products/{product_id}"): "202309",
    ("POST", "/product/{version}/products/search"): "202502",  # adds the sku_ids filter
    ("PUT", "/product/{version}/products/{product_id}"): "202509",
    ("POST", "/product/{version}/products/{product_id}/partial_edit"): "202509",
    ("POST", "/product/{version}/products/activate"): "202309",
    ("POST", "/product/{version}/products/deactivate"): "202309",
    ("DELETE", "/product/{version}/products"): "202309",
    # product: stock and prices
    ("POST", "/product/{version}/products/{product_id}/inventory/update"): "202309",
    ("POST", "/product/{version}/products/{product_id}/prices/update"): "202309",
    ("POST", "/product/{version}/inventory/search"): "202309",
    # product: reference data
    ("GET", "/product/{version}/brands"): "202309",
    ("POST", "/product/{version}/brands"): "202309",
    ("GET", "/product/{version}/categories"): "202309",
    ("GET", "/product/{version}/categories/{category_id}/rules"): "202309",
    ("GET", "/product/{version}/categories/{category_id}/attributes"): "202309",
    ("POST", "/product/{version}/categories/recommend"): "202309",
    ("POST", "/product/{version}/images/upload"): "202309",
    # order
    ("POST", "/order/{version}/orders/search"): "202309",
    ("GET", "/order/{version}/orders"): "202507",
    # fulfillment
    ("POST", "/fulfillment/{version}/packages/search"): "202309",
    ("GET", "/fulfillment/{version}/packages/{package_id}"): "202309",
    ("POST", "/fulfillment/{version}/packages/{package_id}/ship"): "202309",
    ("POST", "/fulfillment/{version}/packages/{package_id}/shipping_info/update"): "202309",
    ("GET", "/fulfillment/{version}/packages/{package_id}/shipping_documents"): "202309",
    ("GET", "/fulfillment/{version}/packages/{package_id}/handover_time_slots"): "202309",
    ("GET", "/fulfillment/{version}/orders/{order_id}/tracking"): "202309",
    ("POST", "/fulfillment/{version}/invoice/upload"): "202502",  # Brazil only; no 202309 version
    # return_refund
    ("POST", "/return_refund/{version}/cancellations/search"): "202309",
    ("POST", "/return_refund/{version}/cancellations"): "202309",
    ("POST", "/return_refund/{version}/cancellations/{cancel_id}/approve"): "202309",
    ("POST", "/return_refund/{version}/cancellations/{cancel_id}/reject"): "202309",
    ("POST", "/return_refund/{version}/returns/search"): "202309",
    ("POST", "/return_refund/{version}/returns/{return_id}/approve"): "202309",
    ("POST", "/return_refund/{version}/returns/{return_id}/reject"): "202309",
    # logistics
    ("GET", "/logistics/{version}/warehouses"): "202309",
    ("GET", "/logistics/{version}/delivery_options/{delivery_option_id}/shipping_providers"): "202309",
    # event
    ("GET", "/event/{version}/webhooks"): "202309",
    ("PUT", "/event/{version}/webhooks"): "202309",
    ("DELETE", "/event/{version}/webhooks"): "202309",
}

API_VERSIONS: Mapping[tuple[str, str], str] = MappingProxyType(_TABLE)


class UnknownEndpoint(KeyError):
    """A path template the version table does not name (a programming error, never retried)."""


def versioned(method: str, template: str) -> str:
    """``("GET", "/order/{version}/orders")`` -> ``"/order/202507/orders"`` (other placeholders kept)."""
    try:
        version = API_VERSIONS[(method.upper(), template)]
    except KeyError:
        raise UnknownEndpoint(f"{method} {template} is not in the TikTok API version table") from None
    return template.replace(VERSION_PLACEHOLDER, version, 1)
