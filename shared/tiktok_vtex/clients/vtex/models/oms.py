"""VTEX OMS API: orders, invoices, tracking, packages (cents) (pydantic; conventions in models/__init__)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from tiktok_vtex.clients.vtex.models.base import VtexModel, optional_cents

# --- OMS (cents) -----------------------------------------------------------------------------------


class InvoiceItem(VtexModel):
    id: str
    price: int = Field(ge=0)
    """Unit price in cents."""
    quantity: int = Field(ge=1)
    description: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _str_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class Invoice(VtexModel):
    """Body of `POST /api/oms/pvt/orders/{orderId}/invoice` (invoice notification)."""

    type: Literal["Output", "Input"] = "Output"
    issuanceDate: str
    invoiceNumber: str
    invoiceValue: int = Field(ge=0)
    """Cents."""
    invoiceKey: str | None = None
    invoiceUrl: str | None = None
    embeddedInvoice: str | None = None
    courier: str | None = None
    trackingNumber: str | None = None
    trackingUrl: str | None = None
    dispatchedDate: str | None = None
    items: list[InvoiceItem] = Field(default_factory=list)

    check_cents = field_validator("invoiceValue", mode="before")(optional_cents)


class TrackingUpdate(VtexModel):
    """Body of `PATCH /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}`."""

    trackingNumber: str
    trackingUrl: str | None = None
    dispatchedDate: str | None = None
    courier: str | None = None


class OmsReceipt(VtexModel):
    date: str | None = None
    orderId: str | None = None
    receipt: str | None = None


class OrderPackage(VtexModel):
    type: str | None = None
    invoiceNumber: str | None = None
    invoiceValue: int | None = None
    invoiceUrl: str | None = None
    invoiceKey: str | None = None
    issuanceDate: str | None = None
    embeddedInvoice: str | None = None
    courier: str | None = None
    trackingNumber: str | None = None
    trackingUrl: str | None = None
    dispatchedDate: str | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)
    courierStatus: dict[str, Any] | None = None

    check_cents = field_validator("invoiceValue", mode="before")(optional_cents)


class PackageAttachment(VtexModel):
    packages: list[OrderPackage] = Field(default_factory=list)


class VtexOrderItem(VtexModel):
    id: str
    productId: str | None = None
    name: str | None = None
    quantity: int = 0
    seller: str | None = None
    sellerSku: str | None = None
    ean: str | None = None
    refId: str | None = None
    price: int | None = None
    listPrice: int | None = None
    sellingPrice: int | None = None
    imageUrl: str | None = None

    check_cents = field_validator("price", "listPrice", "sellingPrice", mode="before")(optional_cents)


class VtexOrder(VtexModel):
    """From `GET /api/oms/pvt/orders/{orderId}`."""

    orderId: str
    sequence: str | None = None
    marketplaceOrderId: str | None = None
    marketplaceServicesEndpoint: str | None = None
    sellerOrderId: str | None = None
    origin: str | None = None
    affiliateId: str | None = None
    salesChannel: str | None = None
    status: str
    statusDescription: str | None = None
    value: int | None = None
    creationDate: str | None = None
    lastChange: str | None = None
    authorizedDate: str | None = None
    invoicedDate: str | None = None
    isCompleted: bool | None = None
    allowCancellation: bool | None = None
    cancelReason: str | None = None
    items: list[VtexOrderItem] = Field(default_factory=list)
    totals: list[dict[str, Any]] = Field(default_factory=list)
    clientProfileData: dict[str, Any] | None = None
    shippingData: dict[str, Any] | None = None
    paymentData: dict[str, Any] | None = None
    packageAttachment: PackageAttachment = Field(default_factory=PackageAttachment)

    check_cents = field_validator("value", mode="before")(optional_cents)

    @property
    def packages(self) -> list[OrderPackage]:
        return self.packageAttachment.packages

    def invoice(self, invoice_number: str | None = None) -> OrderPackage | None:
        """The invoice package with that number, or the latest Output invoice."""
        packages = self.packages
        if invoice_number is not None:
            return next((p for p in packages if p.invoiceNumber == invoice_number), None)
        outputs = [p for p in packages if (p.type or "Output") == "Output"]
        return outputs[-1] if outputs else None
