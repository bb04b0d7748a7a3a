"""In-memory TikTok and VTEX ports for the invoice and shipping logic. They hold what production writes
(uploaded files, shipped packages, VTEX tracking) and answer with TikTok's documented codes."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from local.fixtures.nfe import SELLER_CNPJ, NfeLine, build_nfe
from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokInternalError, TikTokNotFound
from tiktok_vtex.clients.tiktok.models import BatchResult, ItemError, ShippingDocument
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.orders.cpf import make_cpf

CLIENT = "c0ffee0000000000000000000000000000000001"
ORDER = "576600000000000101"
PACKAGE = "1153000000000000101"
BUYER = make_cpf("390533447")
LINES = [NfeLine("CAM-AZUL-M", 2, Decimal("49.90")), NfeLine("CAL-JEANS-40", 1, Decimal("129.00"))]
FREIGHT = Decimal("15.90")


def order_detail(order_id: str = ORDER, package_id: str = PACKAGE, total: str = "244.70") -> dict[str, Any]:
    lines = [{"id": f"{order_id}-{n}", "seller_sku": sku} for n, sku in
             enumerate(["CAM-AZUL-M", "CAM-AZUL-M", "CAL-JEANS-40"])]
    return {"id": order_id, "status": "AWAITING_SHIPMENT", "cpf": BUYER, "need_upload_invoice": "NEED_INVOICE",
            "payment": {"currency": "BRL", "total_amount": total}, "line_items": lines,
            "packages": [{"id": package_id}]}


def good_xml(**overrides: Any) -> bytes:
    spec: dict[str, Any] = {"recipient_cpf": BUYER, "lines": LINES, "freight": FREIGHT, "number": 777}
    return build_nfe(**(spec | overrides))


def fiscal_settings() -> ClientSettings:
    return ClientSettings.model_validate({"fiscal": {"cnpj": SELLER_CNPJ}})


class FakeTikTok:
    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {ORDER: order_detail()}
        self.packages: dict[str, dict[str, Any]] = {PACKAGE: {
            "package_id": PACKAGE, "orders": [{"id": ORDER}], "shipping_type": "TIKTOK", "package_status":
            "PROCESSING"}}
        self.uploads: list[dict[str, Any]] = []
        self.invoices: dict[str, str] = {}  # package -> status held by TikTok
        self.ship_calls: list[dict[str, Any]] = []
        self.fail_next: list[Exception] = []
        self.pickup = True
        self.drop_off = True

    def _maybe_fail(self) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)

    def get_order_details(self, order_ids: Any) -> list[dict[str, Any]]:
        return [self.orders[o] for o in order_ids if o in self.orders]

    def get_package(self, package_id: str) -> dict[str, Any]:
        if package_id not in self.packages:
            raise TikTokNotFound(21011001, "Package does not exist", None, 200)
        return dict(self.packages[package_id])

    def upload_invoice(self, package_id: str, order_ids: Any, xml_bytes: bytes) -> BatchResult:
        self._maybe_fail()
        base64.b64encode(xml_bytes)  # what the real client sends
        self.uploads.append({"package_id": package_id, "order_ids": list(order_ids), "xml": xml_bytes})
        if self.invoices.get(package_id) in ("SUCCESS", "PROCESSING"):
            return BatchResult(errors=[ItemError(code=10007014, message="Invoice already exists",
                                                 detail={"package_id": package_id})])
        self.invoices[package_id] = "PROCESSING"
        return BatchResult()

    # --- shipping
    def get_handover_time_slots(self, package_id: str) -> dict[str, Any]:
        return {"can_pickup": self.pickup, "can_drop_off": self.drop_off,
                "pickup_slots": [{"start_time": 1_800_000_000, "end_time": 1_800_032_400, "avaliable": True}]
                if self.pickup else []}

    def ship_package(self, package_id: str, **request: Any) -> dict[str, Any]:
        self._maybe_fail()
        package = self.packages[package_id]
        if package.get("_shipped"):
            raise TikTokApiError(21011040, "The package has already been shipped", None, 200)
        self.ship_calls.append({"package_id": package_id, **request})
        package["_shipped"] = True
        package["package_status"] = "FULFILLING"
        package["tracking_number"] = (request.get("self_shipment") or {}).get("tracking_number") or "BR123TT"
        package["shipping_provider_name"] = "Correios" if package["shipping_type"] == "TIKTOK" else "Jadlog"
        return {}

    def get_shipping_document(self, package_id: str, document_type: str = "SHIPPING_LABEL", *,
                              document_size: str | None = None, document_format: str | None = None
                              ) -> ShippingDocument:
        package = self.packages[package_id]
        if package["shipping_type"] != "TIKTOK":
            raise TikTokApiError(21008017, "Shipping documents are only available for TikTok shipping", None, 200)
        return ShippingDocument(doc_url=f"https://docs.example/{package_id}/{document_type}.pdf",
                                tracking_number=package.get("tracking_number"))

    def get_tracking(self, order_id: str) -> list[dict[str, Any]]:
        return [{"description": "Pacote coletado", "update_time_millis": 1_800_000_000_000},
                {"description": "Entregue ao comprador", "update_time_millis": 1_800_090_000_000}]


def transient() -> Exception:
    return TikTokInternalError(36009003, "Internal error", None, 500)


class FakeVtex:
    def __init__(self, *, invoice_number: str = "777", tracking: str | None = None,
                 courier: str | None = None) -> None:
        from tiktok_vtex.clients.vtex.models import OrderPackage

        self.package = OrderPackage(type="Output", invoiceNumber=invoice_number, trackingNumber=tracking,
                                    courier=courier)
        self.tracking_updates: list[tuple[str, str, dict[str, Any]]] = []
        self.events: list[dict[str, Any]] = []

    def get_order(self, vtex_order_id: str) -> Any:
        from tiktok_vtex.clients.vtex.models import PackageAttachment

        class _Order:
            packageAttachment = PackageAttachment(packages=[self.package])

        return _Order()

    def update_tracking(self, vtex_order_id: str, invoice_number: str, tracking: dict[str, Any]) -> None:
        self.tracking_updates.append((vtex_order_id, invoice_number, dict(tracking)))

    def send_tracking_events(self, vtex_order_id: str, invoice_number: str, **kwargs: Any) -> None:
        self.events.append({"order": vtex_order_id, "invoice": invoice_number, **kwargs})
