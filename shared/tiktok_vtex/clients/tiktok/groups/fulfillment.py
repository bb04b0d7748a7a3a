"""Fulfillment API: packages, shipping, documents, tracking, Brazilian invoice upload."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.tiktok.core import ClientCore, Json, clean, iter_items
from tiktok_vtex.clients.tiktok.models import BatchResult, Page, ShippingDocument

INVOICE_MAX_BYTES = 1024 * 1024


class FulfillmentApi(ClientCore):
    def search_packages(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/fulfillment/{version}/packages/search",
            "packages",
            page_size=page_size,
            page_token=page_token,
            body=clean(filters),
        )

    def iter_packages(self, filters: Mapping[str, Any] | None = None, page_size: int = 50) -> Iterator[Json]:
        return iter_items(lambda token: self.search_packages(filters, page_size, token))

    def get_package(self, package_id: str) -> Json:
        return self._data("GET", "/fulfillment/{version}/packages/{package_id}", path_params={"package_id": package_id})

    def ship_package(
        self,
        package_id: str,
        *,
        handover_method: str | None = None,
        pickup_slot: Mapping[str, int] | None = None,
        self_shipment: Mapping[str, str] | None = None,
    ) -> Json:
        body = clean(
            {
                "handover_method": handover_method,
                "pickup_slot": dict(pickup_slot) if pickup_slot else None,
                "self_shipment": dict(self_shipment) if self_shipment else None,
            }
        )
        return self._data(
            "POST",
            "/fulfillment/{version}/packages/{package_id}/ship",
            path_params={"package_id": package_id},
            body=body,
        )

    def update_shipping_info(self, package_id: str, *, tracking_number: str, shipping_provider_id: str) -> Json:
        """Seller shipping: the tracking number / carrier of a package already shipped."""
        return self._data(
            "POST",
            "/fulfillment/{version}/packages/{package_id}/shipping_info/update",
            path_params={"package_id": package_id},
            body={"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id},
        )

    def get_shipping_document(
        self,
        package_id: str,
        document_type: str = "SHIPPING_LABEL",
        *,
        document_size: str | None = None,
        document_format: str | None = None,
    ) -> ShippingDocument:
        data = self._data(
            "GET",
            "/fulfillment/{version}/packages/{package_id}/shipping_documents",
            path_params={"package_id": package_id},
            query={"document_type": document_type, "document_size": document_size, "document_format": document_format},
        )
        return ShippingDocument.model_validate(data)

    def get_handover_time_slots(self, package_id: str) -> Json:
        return self._data(
            "GET",
            "/fulfillment/{version}/packages/{package_id}/handover_time_slots",
            path_params={"package_id": package_id},
        )

    def get_tracking(self, order_id: str) -> list[Json]:
        data = self._data(
            "GET", "/fulfillment/{version}/orders/{order_id}/tracking", path_params={"order_id": order_id}
        )
        return list(data.get("tracking") or [])

    def upload_invoice(self, package_id: str, order_ids: Sequence[str], xml_bytes: bytes) -> BatchResult:
        """Upload an NF-e XML (Brazil only). ``errors`` carries e.g. 10007014 (already exists)."""
        if len(xml_bytes) > INVOICE_MAX_BYTES:
            raise ValueError("invoice file exceeds 1 MB")
        invoice = {
            "package_id": str(package_id),
            "order_ids": [str(o) for o in order_ids],
            "file_type": "XML",
            "file": base64.b64encode(xml_bytes).decode("ascii"),
        }
        return self._batch("POST", "/fulfillment/{version}/invoice/upload", body={"invoices": [invoice]})
