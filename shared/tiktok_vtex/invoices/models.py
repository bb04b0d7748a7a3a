"""Messages of INVOICE (legacy payload included) and the invoice state kept on the order record."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class InvoiceState(StrEnum):
    """`invoice_state` on ssxml_tik_tok_orders (push 36's raw status stays in `invoice_status`)."""

    REFUSED = "REFUSED"  # our validation (or TikTok's upload answer) refused it; nothing pending
    UPLOADING = "UPLOADING"  # claimed for upload with this access key (a crash leaves it re-claimable)
    UPLOADED = "UPLOADED"  # TikTok took the file; push 36 pending
    PROCESSING = "PROCESSING"  # push 36 PROCESSING
    RETRY_SCHEDULED = "RETRY_SCHEDULED"  # push 36 said SEFAZ has not got it yet: re-upload later
    ACCEPTED = "ACCEPTED"  # push 36 SUCCESS: shipping requested
    REJECTED = "REJECTED"  # push 36 INVALID / FAILED for good (reason recorded, alarm)


_LEGACY = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)
_ID = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


class UploadInvoiceMessage(BaseModel):
    """Legacy payload `{clientHash, packageId?, orderId, invoiceXml}` (invoke or queue)."""

    model_config = _LEGACY
    type: Literal["uploadInvoice"] = "uploadInvoice"
    client_hash: _ID = Field(alias="clientHash")
    order_id: _ID = Field(alias="orderId")
    package_id: _ID | None = Field(default=None, alias="packageId")
    invoice_xml: str = Field(alias="invoiceXml", min_length=1)
    source: str = "legacy"

    @field_validator("package_id", mode="before")
    @classmethod
    def _empty_package(cls, value: Any) -> Any:
        return value or None


class ReuploadInvoiceMessage(BaseModel):
    """Ours: re-upload the stored XML after a SEFAZ delay (push 36 NOT_FOUND and the like)."""

    model_config = _LEGACY
    type: Literal["reuploadInvoice"]
    client_hash: _ID = Field(alias="clientHash")
    order_id: _ID = Field(alias="orderId")
    package_id: _ID = Field(alias="packageId")
    access_key: str = Field(alias="accessKey", pattern=r"^\d{44}$")
    attempt: int = Field(ge=1, le=100)


class VtexInvoiceMessage(BaseModel):
    """Ours: VTEX's marketplace invoice callback (or an invoiced order's package) forwarded here:
    `{type: vtexInvoice, clientHash, orderId (TikTok = marketplaceOrderId), invoice: {embeddedInvoice, ...}}`."""

    model_config = _LEGACY
    type: Literal["vtexInvoice"]
    client_hash: _ID = Field(alias="clientHash")
    order_id: _ID = Field(alias="orderId")
    package_id: _ID | None = Field(default=None, alias="packageId")
    invoice: dict[str, Any]


class VtexOrderInvoicedMessage(BaseModel):
    """Ours: a VTEX order became invoiced (VTEX hook / type 99 / operator): INVOICE reads it and queues one
    VtexInvoiceMessage per Output package carrying an NF-e (embeddedInvoice or invoiceUrl)."""

    model_config = _LEGACY
    type: Literal["vtexOrderInvoiced"]
    client_hash: _ID = Field(alias="clientHash")
    order_id: _ID = Field(alias="orderId")  # TikTok order id (VTEX marketplaceOrderId)
    vtex_order_id: _ID | None = Field(default=None, alias="vtexOrderId")  # default: the order record's vtex_order


class InvoiceStatusMessage(BaseModel):
    """Ours: a push 36 handed to INVOICE (alternative to calling InvoiceOutcomes in the webhook processor)."""

    model_config = _LEGACY
    type: Literal["invoiceStatus"]
    client_hash: _ID = Field(alias="clientHash")
    package_id: _ID = Field(alias="packageId")
    order_ids: list[_ID] = Field(alias="orderIds", min_length=1, max_length=50)
    invoice_status: str = Field(alias="invoiceStatus", min_length=1, max_length=32)
    invalid_reason: str | None = Field(default=None, alias="invalidReason", max_length=200)
    received_at: int = Field(alias="receivedAt", ge=0)


class SweepInvoicesMessage(BaseModel):
    model_config = _LEGACY
    type: Literal["sweepInvoices"]
    older_than_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60, alias="olderThanMinutes")


InvoiceMessage = Annotated[
    UploadInvoiceMessage | ReuploadInvoiceMessage | VtexInvoiceMessage | VtexOrderInvoicedMessage
    | InvoiceStatusMessage | SweepInvoicesMessage,
    Field(discriminator="type"),
]
