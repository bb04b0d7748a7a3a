"""VTEX OMS API: orders, cancel, start handling, invoice, tracking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.vtex.models import Invoice, OmsReceipt, TrackingUpdate, VtexOrder
from tiktok_vtex.clients.vtex.transport import VtexTransport, path_segment


class OmsApi(VtexTransport):
    """VTEX OMS API calls of VtexClient (transport in transport.py)."""

    def get_order(self, vtex_order_id: str) -> VtexOrder:
        return VtexOrder.model_validate(self._get(f"/api/oms/pvt/orders/{path_segment(vtex_order_id)}"))

    def cancel_order(self, vtex_order_id: str, reason: str | None = None) -> OmsReceipt:
        path = f"/api/oms/pvt/orders/{path_segment(vtex_order_id)}/cancel"
        response = self._request("POST", path, body={"reason": reason})
        return OmsReceipt.model_validate(self._json(response, "POST", path) or {"orderId": vtex_order_id})

    def start_handling(self, vtex_order_id: str) -> None:
        """ready-for-handling -> handling. VtexConflict (409 OMS003) from any other status."""
        self._request("POST", f"/api/oms/pvt/orders/{path_segment(vtex_order_id)}/start-handling")

    def send_invoice(self, vtex_order_id: str, invoice: Invoice | Mapping[str, Any]) -> OmsReceipt:
        """Invoice notification (cents). The order moves to invoiced; the NF-e XML may go in embeddedInvoice."""
        model = invoice if isinstance(invoice, Invoice) else Invoice.model_validate(invoice)
        path = f"/api/oms/pvt/orders/{path_segment(vtex_order_id)}/invoice"
        response = self._request("POST", path, body=model.model_dump(mode="json"))
        return OmsReceipt.model_validate(self._json(response, "POST", path) or {"orderId": vtex_order_id})

    def update_tracking(self, vtex_order_id: str, invoice_number: str,
                        tracking: TrackingUpdate | Mapping[str, Any]) -> OmsReceipt:
        model = tracking if isinstance(tracking, TrackingUpdate) else TrackingUpdate.model_validate(tracking)
        path = f"/api/oms/pvt/orders/{path_segment(vtex_order_id)}/invoice/{path_segment(invoice_number)}"
        response = self._request("PATCH", path, body=model.model_dump(mode="json"))
        return OmsReceipt.model_validate(self._json(response, "PATCH", path) or {"orderId": vtex_order_id})

    def send_tracking_events(self, vtex_order_id: str, invoice_number: str, *, is_delivered: bool,
                             events: Sequence[Mapping[str, Any]] = (),
                             delivered_date: str | None = None) -> OmsReceipt:
        path = f"/api/oms/pvt/orders/{path_segment(vtex_order_id)}/invoice/{path_segment(invoice_number)}/tracking"
        body = {"isDelivered": is_delivered, "deliveredDate": delivered_date, "events": [dict(e) for e in events]}
        response = self._request("PUT", path, body=body)
        return OmsReceipt.model_validate(self._json(response, "PUT", path) or {"orderId": vtex_order_id})
