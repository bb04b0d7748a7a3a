"""VTEX Checkout / Fulfillment API: simulation and marketplace order placement, in cents (pydantic)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from tiktok_vtex.clients.vtex.models.base import VtexModel, optional_cents

# --- fulfillment simulation (cents) ---------------------------------------------------------------


class SimulationItemRequest(VtexModel):
    id: str
    quantity: int = Field(ge=1)
    seller: str = "1"

    @field_validator("id", mode="before")
    @classmethod
    def _str_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class SimulatedItem(VtexModel):
    id: str
    requestIndex: int | None = None
    quantity: int = 0
    seller: str | None = None
    price: int | None = None
    listPrice: int | None = None
    sellingPrice: int | None = None
    priceValidUntil: str | None = None
    availability: str | None = None

    check_cents = field_validator("price", "listPrice", "sellingPrice", mode="before")(optional_cents)


class Sla(VtexModel):
    id: str
    name: str | None = None
    deliveryChannel: str | None = "delivery"
    shippingEstimate: str | None = None
    lockTTL: str | None = None
    price: int = 0
    listPrice: int | None = None
    deliveryIds: list[dict[str, Any]] = Field(default_factory=list)

    check_cents = field_validator("price", "listPrice", mode="before")(optional_cents)


class SimulationLogisticsInfo(VtexModel):
    itemIndex: int
    stockBalance: int | None = None
    quantity: int | None = None
    shipsTo: list[str] = Field(default_factory=list)
    slas: list[Sla] = Field(default_factory=list)


class SimulationMessage(VtexModel):
    code: str | None = None
    text: str | None = None
    status: str | None = None


class SimulationResult(VtexModel):
    """A fulfillment simulation. VTEX answers HTTP 200 even when items are unavailable: read
    `unavailable_ids` / `is_fully_available`, not the status code."""

    items: list[SimulatedItem] = Field(default_factory=list)
    logisticsInfo: list[SimulationLogisticsInfo] = Field(default_factory=list)
    messages: list[SimulationMessage] = Field(default_factory=list)
    country: str | None = None
    postalCode: str | None = None
    requested: list[SimulationItemRequest] = Field(default_factory=list, exclude=True)
    """The request's items (set by the client) so unavailability can be computed per SKU."""

    @property
    def available_items(self) -> list[SimulatedItem]:
        return [item for item in self.items if (item.availability or "available") == "available"]

    @property
    def error_messages(self) -> list[SimulationMessage]:
        return [m for m in self.messages if (m.status or "error") == "error"]

    @property
    def unavailable_ids(self) -> list[str]:
        """Requested SKU ids missing from `items`, not `available`, or short of the requested quantity."""
        found = {item.requestIndex if item.requestIndex is not None else i: item
                 for i, item in enumerate(self.available_items)}
        by_id = {item.id: item for item in self.available_items}
        missing: list[str] = []
        for index, wanted in enumerate(self.requested):
            item = found.get(index) or by_id.get(wanted.id)
            if item is None or item.id != wanted.id or item.quantity < wanted.quantity:
                missing.append(wanted.id)
        if not self.requested:
            missing = [i.id for i in self.items if i not in self.available_items]
        return missing

    @property
    def is_fully_available(self) -> bool:
        return not self.unavailable_ids and not self.error_messages

    def logistics_for(self, item_index: int) -> SimulationLogisticsInfo | None:
        for info in self.logisticsInfo:
            if info.itemIndex == item_index:
                return info
        return None

    def slas_for(self, sku_id: str) -> list[Sla]:
        """SLAs offered for a SKU (empty without postal code or when unavailable)."""
        for index, item in enumerate(self.items):
            if item.id == str(sku_id):
                info = self.logistics_for(index)
                return info.slas if info else []
        return []

    def item(self, sku_id: str) -> SimulatedItem | None:
        return next((i for i in self.items if i.id == str(sku_id)), None)


# --- place order (cents) ---------------------------------------------------------------------------


class OrderItem(VtexModel):
    id: str
    quantity: int = Field(ge=1)
    seller: str = "1"
    price: int = Field(ge=0)
    """Unit price in cents."""
    commission: int | None = None
    freightCommission: int | None = None
    measurementUnit: str | None = None
    unitMultiplier: float | None = None
    isGift: bool | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _str_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ClientProfileData(VtexModel):
    email: str
    firstName: str
    lastName: str
    documentType: str = "cpf"
    document: str
    phone: str | None = None
    corporateName: str | None = None
    tradeName: str | None = None
    corporateDocument: str | None = None
    stateInscription: str | None = None
    corporatePhone: str | None = None
    isCorporate: bool = False
    userProfileId: str | None = None


class Address(VtexModel):
    addressType: str = "Residential"
    receiverName: str
    postalCode: str
    city: str
    state: str
    country: str = "BRA"
    street: str
    number: str
    neighborhood: str | None = None
    complement: str | None = None
    reference: str | None = None
    addressId: str | None = None
    geoCoordinates: list[float] = Field(default_factory=list)


class OrderLogisticsInfo(VtexModel):
    itemIndex: int = Field(ge=0)
    selectedSla: str
    price: int = Field(ge=0)
    """Freight of this item, in cents."""
    lockTTL: str | None = "8d"
    shippingEstimate: str | None = None
    deliveryWindow: dict[str, Any] | None = None
    selectedDeliveryChannel: str | None = "delivery"


class OrderShippingData(VtexModel):
    address: Address
    logisticsInfo: list[OrderLogisticsInfo]
    isFOB: bool | None = None


class MarketplaceOrder(VtexModel):
    """The body of `POST /api/fulfillment/pvt/orders` (sent as a one-element array)."""

    marketplaceOrderId: str
    marketplaceServicesEndpoint: str
    marketplacePaymentValue: int = Field(ge=0)
    """Total the marketplace pays (items + freight), in cents."""
    items: list[OrderItem] = Field(min_length=1)
    clientProfileData: ClientProfileData
    shippingData: OrderShippingData
    paymentData: None = None
    marketplaceOrderGroup: str | None = None
    isCreatedAsync: bool | None = None
    customData: dict[str, Any] | None = None
    openTextField: Any = None

    def expected_payment_value(self) -> int:
        items = sum(item.price * item.quantity for item in self.items)
        return items + sum(info.price for info in self.shippingData.logisticsInfo)

    def to_payload(self) -> dict[str, Any]:
        """JSON body with every field present (null when empty), as VTEX asks."""
        return self.model_dump(mode="json")


class PlacedOrder(VtexModel):
    """One order of the place-order reply (either documented response shape)."""

    orderId: str
    marketplaceOrderId: str | None = None
    followUpEmail: str | None = None
    status: str | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)
    clientProfileData: dict[str, Any] | None = None
    shippingData: dict[str, Any] | None = None
    customData: dict[str, Any] | None = None


class FulfillResult(VtexModel):
    orderId: str | None = None
    marketplaceOrderId: str | None = None
    receipt: str | None = None
    date: str | None = None
