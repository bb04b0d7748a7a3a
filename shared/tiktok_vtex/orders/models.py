"""What the orders logic reads and receives: TikTok order detail (validated) and its queue messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

UNPAID_STATUSES = frozenset({"UNPAID", "ON_HOLD"})
CANCELLED_STATUSES = frozenset({"CANCEL", "CANCELLED"})
# Status order for display/diagnostics only: the authority on recency is TikTok's update_time.
ORDER_STATUSES = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION",
                  "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED")


def normalize_status(status: str) -> str:
    """The push says CANCEL, the API says CANCELLED: one spelling inside the connector."""
    status = status.strip().upper()
    return "CANCELLED" if status in CANCELLED_STATUSES else status


def is_paid(status: str) -> bool:
    status = normalize_status(status)
    return status not in UNPAID_STATUSES and status != "CANCELLED"


def _str(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Str = Annotated[str, BeforeValidator(_str)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class DistrictInfo(_Model):
    address_level_name: str | None = None
    address_name: str | None = None
    address_level: str | None = None


class RecipientAddress(_Model):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    full_address: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    address_line4: str | None = None
    address_detail: str | None = None
    postal_code: str | None = None
    region_code: str | None = None
    district_info: list[DistrictInfo] = Field(default_factory=list)

    def level(self, *names: str) -> str | None:
        """The district_info entry whose level name (or level code) matches one of `names`."""
        wanted = {n.lower() for n in names}
        for info in self.district_info:
            for label in (info.address_level_name, info.address_level):
                if label and label.lower() in wanted and info.address_name:
                    return info.address_name
        return None


class Payment(_Model):
    currency: str | None = None
    sub_total: Str | None = None
    shipping_fee: Str | None = None
    seller_discount: Str | None = None
    platform_discount: Str | None = None
    total_amount: Str | None = None
    original_shipping_fee: Str | None = None


class LineItem(_Model):
    id: Str
    sku_id: Str | None = None
    product_id: Str | None = None
    product_name: str | None = None
    seller_sku: str | None = None
    sale_price: Str | None = None
    original_price: Str | None = None
    display_status: str | None = None
    package_id: Str | None = None
    is_gift: bool = False


class PackageRef(_Model):
    id: Str


class TikTokOrder(_Model):
    """Order detail (GET /order/{version}/orders, version in clients/tiktok/versions.py). Amounts are
    decimal strings; `need_upload_invoice` (a string enum) is read raw by the invoice sweep."""

    id: Str
    status: str
    create_time: int | None = None
    update_time: int = 0
    paid_time: int | None = None
    user_id: Str | None = None
    buyer_email: str | None = None
    buyer_message: str | None = None
    cpf: str | None = Field(default=None, validation_alias=AliasChoices("cpf", "CPF", "buyer_cpf"))
    cpf_name: str | None = Field(default=None, validation_alias=AliasChoices("cpf_name", "CPF_name"))
    is_on_hold_order: bool = False
    payment: Payment = Field(default_factory=Payment)
    recipient_address: RecipientAddress | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    packages: list[PackageRef] = Field(default_factory=list)
    warehouse_id: Str | None = None

    @property
    def normalized_status(self) -> str:
        return normalize_status(self.status)

    @property
    def package_ids(self) -> list[str]:
        ids = [p.id for p in self.packages]
        ids.extend(li.package_id for li in self.line_items if li.package_id and li.package_id not in ids)
        return ids


# VTEX statuses of an order that is cancelled (or being cancelled) in VTEX.
CANCELLED_VTEX_STATUSES = frozenset({"cancel", "canceled", "cancellation-requested"})


def order_units(order: TikTokOrder) -> dict[str, int]:
    """Units per seller SKU of an order (TikTok's 202309 model: one line item per unit), cancelled lines
    excluded: what the stock sync subtracts while the order is not in VTEX yet."""
    units: dict[str, int] = {}
    for line in order.line_items:
        if line.seller_sku and (line.display_status or "").upper() not in ("CANCELLED", "CANCEL"):
            units[line.seller_sku] = units.get(line.seller_sku, 0) + 1
    return units


# --- messages of the orders queue / direct invokes ----------------------------------------------------


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    client_hash: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
                             validation_alias=AliasChoices("clientHash", "client_hash"))


class NewOrderMessage(_Message):
    """Legacy `triggerNewOrderInTTK`: create the TikTok order in VTEX (exactly once)."""

    type: Literal["triggerNewOrderInTTK"]
    order_id: Str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("orderId", "order_id"))


class CancelOrderMessage(_Message):
    """Internal: the TikTok order was cancelled; cancel its VTEX copy while VTEX allows it."""

    type: Literal["cancelOrderInVtex"]
    order_id: Str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("orderId", "order_id"))
    reason: str | None = None


class AddressUpdateMessage(_Message):
    """Internal: the buyer changed the recipient address (push 3)."""

    type: Literal["refreshOrderAddress"]
    order_id: Str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("orderId", "order_id"))


class RecordUnitsMessage(_Message):
    """Internal: an order we cannot create yet (unpaid): read its detail and record its units per seller SKU,
    so the stock sync subtracts them from the first push on."""

    type: Literal["recordOrderUnits"]
    order_id: Str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("orderId", "order_id"))


class GetOrdersMessage(_Message):
    """Legacy `triggerGetOrder` (BUSCA-PEDIDOS-TESTE): search the shop's orders."""

    type: Literal["triggerGetOrder"]
    order_status: str | None = Field(default=None, validation_alias=AliasChoices("orderStatus", "order_status"))
    create_time_ge: int | None = Field(default=None, validation_alias=AliasChoices("createTimeGe", "create_time_ge"))
    create_time_lt: int | None = Field(default=None, validation_alias=AliasChoices("createTimeLt", "create_time_lt"))
    update_time_ge: int | None = Field(default=None, validation_alias=AliasChoices("updateTimeGe", "update_time_ge"))
    update_time_lt: int | None = Field(default=None, validation_alias=AliasChoices("updateTimeLt", "update_time_lt"))
    order_ids: list[str] = Field(default_factory=list, validation_alias=AliasChoices("orderIds", "order_ids"))
    page_size: int = Field(default=50, ge=1, le=100, validation_alias=AliasChoices("pageSize", "page_size"))
    max_pages: int = Field(default=10, ge=1, le=100, validation_alias=AliasChoices("maxPages", "max_pages"))


class ReconcileMessage(BaseModel):
    """Schedule input of the sweep (EventBridge sends its own event; every field is optional)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    client_hash: str | None = Field(default=None, validation_alias=AliasChoices("clientHash", "client_hash"))
    window_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60,
                                       validation_alias=AliasChoices("windowMinutes", "window_minutes"))
    replay_errors: bool = Field(default=False, validation_alias=AliasChoices("replayErrors", "replay_errors"))


OrderMessage = NewOrderMessage | CancelOrderMessage | AddressUpdateMessage | RecordUnitsMessage
