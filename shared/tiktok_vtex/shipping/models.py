"""SHIPPING-PACKAGE messages (legacy payload `{clientHash, orderId, packageId}`, the push 36 SUCCESS message
and `dispatchPackage`'s invoke) and the per-client shipping preferences."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_ID = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


class ShippingState(StrEnum):
    """`shipping_state` on ssxml_tik_tok_orders."""

    CLAIMED = "CLAIMED"  # a worker is shipping it (lease in shipping_lease_until)
    SHIPPED = "SHIPPED"  # TikTok shipped the package; documents / VTEX tracking may still be due
    DONE = "DONE"  # documents stored and tracking sent to VTEX
    FAILED = "FAILED"  # refused (reason in shipping_error); a new message may try again


class DispatchPackageMessage(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)
    type: Literal["dispatchPackage"] = "dispatchPackage"
    client_hash: _ID = Field(alias="clientHash")
    order_id: _ID = Field(alias="orderId")
    package_id: _ID = Field(alias="packageId")


class ShippingSettings(BaseModel):
    """`connector_settings.shipping` of the client's shop link."""

    model_config = ConfigDict(extra="allow")

    handover_method: Literal["PICKUP", "DROP_OFF"] | None = Field(
        default=None, description="TikTok shipping: preferred handover; None = PICKUP when offered")
    provider_ids: dict[str, str] = Field(default_factory=dict,
                                         description="seller shipping: VTEX courier name -> TikTok provider id")
    default_provider_id: str | None = Field(default=None, description="seller shipping: when the courier is unmapped")
    tracking_url_template: str | None = Field(default=None, description="e.g. https://rastreio.example/{tracking}")
    document_types: list[Literal["SHIPPING_LABEL", "INVOICE_LABEL", "PACKING_SLIP"]] = Field(
        default_factory=lambda: ["SHIPPING_LABEL", "INVOICE_LABEL"])
