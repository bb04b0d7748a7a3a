"""VTEX Checkout / Fulfillment API: simulation, seller order placement, dispatch authorization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexDuplicateOrder, VtexNotFound, VtexUnavailableItem
from tiktok_vtex.clients.vtex.models import (
    FulfillResult,
    MarketplaceOrder,
    PlacedOrder,
    SimulationItemRequest,
    SimulationResult,
)
from tiktok_vtex.clients.vtex.transport import VtexTransport, path_segment


class CheckoutApi(VtexTransport):
    """VTEX Checkout / Fulfillment API calls of VtexClient (transport in transport.py)."""

    def simulate(
        self,
        items: Sequence[SimulationItemRequest | Mapping[str, Any]],
        postal_code: str | None = None,
        country: str | None = "BRA",
        *,
        raise_on_unavailable: bool = False,
    ) -> SimulationResult:
        """Fulfillment simulation. Unavailable items come back with HTTP 200: they are listed in
        `result.unavailable_ids` (and raised as VtexUnavailableItem when `raise_on_unavailable`)."""
        requested = [i if isinstance(i, SimulationItemRequest) else SimulationItemRequest.model_validate(
            {"seller": self.credentials.seller_id, **i}) for i in items]
        if not requested:
            raise ValueError("simulate needs at least one item")
        body: dict[str, Any] = {"items": [r.model_dump(mode="json") for r in requested]}
        if postal_code:
            body["postalCode"] = postal_code
            body["country"] = country or "BRA"
        path = "/api/fulfillment/pvt/orderForms/simulation"
        data = self._json(self._request("POST", path, params=self._fulfillment_params(), body=body), "POST", path)
        result = SimulationResult.model_validate(data or {})
        result.requested = requested
        if raise_on_unavailable and (result.unavailable_ids or result.error_messages):
            first = (result.error_messages or result.messages or [None])[0]
            raise VtexUnavailableItem(
                200, (first.code if first else None) or "ORD027",
                (first.text if first else None) or "items not available", items=result.unavailable_ids,
                method="POST", path=path)
        return result

    def place_order(self, order: MarketplaceOrder | Mapping[str, Any]) -> PlacedOrder:
        """Create the seller order (sent as a one-element array; both documented reply shapes accepted).

        Raises VtexDuplicateOrder (FMT009) when this marketplaceOrderId exists for the affiliate;
        `error.after_retry` is True when an earlier attempt of this same call failed in transit, i.e. the
        existing order is probably ours.
        """
        model = order if isinstance(order, MarketplaceOrder) else MarketplaceOrder.model_validate(order)
        path = "/api/fulfillment/pvt/orders"
        failures: list[VtexApiError] = []
        try:
            response = self._request("POST", path, params=self._fulfillment_params(), body=[model.to_payload()],
                                     on_retry_error=failures)
        except VtexDuplicateOrder as error:
            error.after_retry = bool(failures)
            error.marketplace_order_id = model.marketplaceOrderId
            raise
        data = self._json(response, "POST", path)
        return _placed_order(data, model.marketplaceOrderId, response.status_code, path)

    def authorize_dispatch(self, vtex_order_id: str, marketplace_order_id: str) -> FulfillResult:
        """Tell VTEX the marketplace got paid: the seller order leaves waiting-ffmt-authorization."""
        path = f"/api/fulfillment/pvt/orders/{path_segment(vtex_order_id)}/fulfill"
        response = self._request("POST", path, params=self._fulfillment_params(),
                                 body={"marketplaceOrderId": marketplace_order_id})
        data = self._json(response, "POST", path)
        if isinstance(data, list):
            data = data[0] if data else {}
        return FulfillResult.model_validate(data or {"orderId": vtex_order_id})


    # --- affiliate (catalog-change notifications, issue 16) -------------------------------------------

    def get_affiliate(self, affiliate_id: str) -> dict[str, Any] | None:
        """The affiliate's configuration (`searchURIEndpoint`, ...), or None when it does not exist."""
        try:
            data = self._get(f"/api/fulfillment/pvt/affiliates/{path_segment(affiliate_id)}")
        except VtexNotFound:
            return None
        return data if isinstance(data, dict) else None

    def put_affiliate(self, affiliate_id: str, affiliate: Mapping[str, Any]) -> None:
        """Creates or replaces the affiliate (VTEX answers 204); safe to repeat with the same body."""
        self._request("PUT", f"/api/fulfillment/pvt/affiliates/{path_segment(affiliate_id)}", body=dict(affiliate))

def _placed_order(data: Any, marketplace_order_id: str, status: int, path: str) -> PlacedOrder:
    """Read either reply shape: an array of orders, or an object `{orderId, ..., orderData?}`."""
    candidate: Any = None
    if isinstance(data, list):
        matching = [o for o in data if isinstance(o, dict) and o.get("marketplaceOrderId") == marketplace_order_id]
        candidate = (matching or [o for o in data if isinstance(o, dict)] or [None])[0]
    elif isinstance(data, dict):
        inner = data.get("orderData")
        if isinstance(inner, list):
            inner = inner[0] if inner else None
        candidate = {**inner, **{k: v for k, v in data.items() if k != "orderData" and v is not None}} \
            if isinstance(inner, dict) else data
        if isinstance(candidate.get("orders"), list) and candidate["orders"] and not candidate.get("orderId"):
            candidate = {**candidate["orders"][0], **{k: v for k, v in candidate.items() if k != "orders"}}
    if not isinstance(candidate, dict) or not candidate.get("orderId"):
        raise VtexApiError(status, "NO_ORDER_ID", "place-order reply has no orderId", method="POST", path=path)
    candidate.setdefault("marketplaceOrderId", marketplace_order_id)
    return PlacedOrder.model_validate(candidate)
