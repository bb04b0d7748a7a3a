"""VTEX Pricing API (decimals): base and computed prices."""

from __future__ import annotations

from tiktok_vtex.clients.vtex.errors import VtexNotFound
from tiktok_vtex.clients.vtex.models import ComputedPrice, Price
from tiktok_vtex.clients.vtex.transport import VtexTransport, path_segment


class PricingApi(VtexTransport):
    """VTEX Pricing API (decimals) calls of VtexClient (transport in transport.py)."""

    def get_price(self, sku_id: int | str) -> Price:
        """Base, list and cost prices (decimals). VtexNotFound when the SKU has no price."""
        data = self._get(f"/pricing/prices/{path_segment(sku_id)}", pricing=True)
        if not data:
            raise VtexNotFound(404, None, f"no price for SKU {sku_id}", method="GET", path="/pricing/prices")
        return Price.model_validate(data)

    def get_computed_price(self, sku_id: int | str, trade_policy: str | None = None, *,
                           quantity: int | None = None) -> ComputedPrice:
        """The selling price of a SKU in a trade policy (default: the client's sales channel)."""
        policy = trade_policy or self.credentials.sales_channel
        data = self._get(f"/pricing/prices/{path_segment(sku_id)}/computed/{path_segment(policy)}", pricing=True,
                         params={"quantity": quantity})
        if not data:
            raise VtexNotFound(404, None, f"no computed price for SKU {sku_id}", method="GET",
                               path="/pricing/prices/computed")
        data.setdefault("tradePolicyId", policy)
        return ComputedPrice.model_validate(data)
