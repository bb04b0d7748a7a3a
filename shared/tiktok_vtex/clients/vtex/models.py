"""Pydantic models of the VTEX payloads the connector reads and writes.

Field names are VTEX's own JSON names (camelCase in logistics, pricing, fulfillment and OMS; PascalCase
in the catalog), so a response validates as-is and a request dumps as-is. Extra fields are kept.
Money: `int` = cents (fulfillment, OMS); `Decimal` = currency units (pricing). SKU ids are `int` in the
catalog and `str` in orders and simulations, as in VTEX.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tiktok_vtex.clients.vtex.money import cents_from_json

UNLIMITED_QUANTITY = 1_000_000


class VtexModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _cents(value: Any) -> Any:
    return None if value is None else cents_from_json(value)


# --- logistics -------------------------------------------------------------------------------------


class InventoryBalance(VtexModel):
    """Stock of one SKU in one warehouse (the rows of every dock summed).

    From `GET /api/logistics/pvt/inventory/items/{skuId}/warehouses/{warehouseId}`; `docks` keeps the rows.
    """

    skuId: str
    warehouseId: str
    totalQuantity: int = 0
    reservedQuantity: int = 0
    availableQuantity: int = 0
    isUnlimited: bool = False
    docks: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def available(self) -> int:
        """Sellable units: UNLIMITED_QUANTITY when unlimited, never negative."""
        if self.isUnlimited:
            return UNLIMITED_QUANTITY
        return max(0, self.availableQuantity)


class WarehouseBalance(VtexModel):
    warehouseId: str
    warehouseName: str | None = None
    totalQuantity: int = 0
    reservedQuantity: int = 0
    hasUnlimitedQuantity: bool = False
    timeToRefill: str | None = None
    dateOfSupplyUtc: str | None = None
    leadTime: str | None = None

    @property
    def available(self) -> int:
        """total - reserved (this route has no availableQuantity), never negative."""
        if self.hasUnlimitedQuantity:
            return UNLIMITED_QUANTITY
        return max(0, self.totalQuantity - self.reservedQuantity)


class SkuInventory(VtexModel):
    """From `GET /api/logistics/pvt/inventory/skus/{skuId}`."""

    skuId: str
    balance: list[WarehouseBalance] = Field(default_factory=list)

    @field_validator("skuId", mode="before")
    @classmethod
    def _str_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    def available(self, warehouse_ids: list[str] | None = None) -> int:
        """Sellable units across the given warehouses (all when None)."""
        rows = [b for b in self.balance if warehouse_ids is None or b.warehouseId in warehouse_ids]
        return min(UNLIMITED_QUANTITY, sum(b.available for b in rows))


# --- catalog ---------------------------------------------------------------------------------------


class SkuImage(VtexModel):
    ImageUrl: str
    ImageName: str | None = None
    FileId: int | None = None


class SkuDimension(VtexModel):
    cubicweight: float | None = None
    height: float | None = None
    length: float | None = None
    weight: float | None = None
    width: float | None = None


class SkuAlternateIds(VtexModel):
    Ean: str | None = None
    RefId: str | None = None


class SkuContext(VtexModel):
    """From `GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}` (BrandId is a string here)."""

    Id: int
    ProductId: int
    NameComplete: str | None = None
    ProductName: str | None = None
    SkuName: str | None = None
    ProductDescription: str | None = None
    ProductRefId: str | None = None
    BrandId: str | None = None
    BrandName: str | None = None
    IsActive: bool = True
    IsProductActive: bool | None = None
    ProductIsVisible: bool | None = None
    SalesChannels: list[int] = Field(default_factory=list)
    ImageUrl: str | None = None
    Images: list[SkuImage] = Field(default_factory=list)
    Dimension: SkuDimension | None = None
    RealDimension: dict[str, Any] | None = None
    AlternateIds: SkuAlternateIds | None = None
    ManufacturerCode: str | None = None
    ProductCategoryIds: str | None = None
    ProductCategories: dict[str, str] = Field(default_factory=dict)
    SkuSpecifications: list[dict[str, Any]] = Field(default_factory=list)
    ProductSpecifications: list[dict[str, Any]] = Field(default_factory=list)
    MeasurementUnit: str | None = None
    UnitMultiplier: float | None = None

    @field_validator("BrandId", mode="before")
    @classmethod
    def _brand_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def ean(self) -> str | None:
        return self.AlternateIds.Ean if self.AlternateIds else None

    @property
    def image_urls(self) -> list[str]:
        """Full-size image URLs, main image first."""
        return [image.ImageUrl for image in self.Images]

    @property
    def category_id(self) -> int | None:
        parts = [p for p in (self.ProductCategoryIds or "").split("/") if p]
        return int(parts[-1]) if parts and parts[-1].isdigit() else None


class SkuFile(VtexModel):
    Id: int | None = None
    ArchiveId: int | None = None
    SkuId: int | None = None
    Name: str | None = None
    IsMain: bool = False
    Label: str | None = None
    Text: str | None = None
    Url: str | None = None
    Position: int | None = None


class Product(VtexModel):
    Id: int
    Name: str
    DepartmentId: int | None = None
    CategoryId: int | None = None
    BrandId: int | None = None
    LinkId: str | None = None
    RefId: str | None = None
    IsVisible: bool = True
    Description: str | None = None
    DescriptionShort: str | None = None
    IsActive: bool = True
    TaxCode: str | None = None
    KeyWords: str | None = None
    Title: str | None = None


class Brand(VtexModel):
    id: int
    name: str
    isActive: bool = True
    title: str | None = None
    imageUrl: str | None = None


class Category(VtexModel):
    id: int
    name: str
    hasChildren: bool = False
    url: str | None = None
    children: list[Category] = Field(default_factory=list)

    def walk(self) -> list[Category]:
        """This category and every descendant, depth first."""
        out: list[Category] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


# --- pricing (decimals) ----------------------------------------------------------------------------


class FixedPrice(VtexModel):
    tradePolicyId: str
    value: Decimal
    listPrice: Decimal | None = None
    minQuantity: int = 1
    dateRange: dict[str, Any] | None = None


class Price(VtexModel):
    """From `GET /pricing/prices/{itemId}`: decimals in currency units."""

    itemId: str
    listPrice: Decimal | None = None
    costPrice: Decimal | None = None
    markup: Decimal | None = None
    basePrice: Decimal | None = None
    fixedPrices: list[FixedPrice] = Field(default_factory=list)


class ComputedPrice(VtexModel):
    """From `GET /pricing/prices/{itemId}/computed/{priceTableId}`: decimals in currency units."""

    tradePolicyId: str
    listPrice: Decimal | None = None
    costPrice: Decimal | None = None
    sellingPrice: Decimal
    priceValidUntil: str | None = None


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

    check_cents = field_validator("price", "listPrice", "sellingPrice", mode="before")(_cents)


class Sla(VtexModel):
    id: str
    name: str | None = None
    deliveryChannel: str | None = "delivery"
    shippingEstimate: str | None = None
    lockTTL: str | None = None
    price: int = 0
    listPrice: int | None = None
    deliveryIds: list[dict[str, Any]] = Field(default_factory=list)

    check_cents = field_validator("price", "listPrice", mode="before")(_cents)


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

    check_cents = field_validator("invoiceValue", mode="before")(_cents)


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

    check_cents = field_validator("invoiceValue", mode="before")(_cents)


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

    check_cents = field_validator("price", "listPrice", "sellingPrice", mode="before")(_cents)


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

    check_cents = field_validator("value", mode="before")(_cents)

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


# --- orders hook -----------------------------------------------------------------------------------


class HookFilter(VtexModel):
    type: Literal["FromWorkflow", "FromOrders"] = "FromWorkflow"
    status: list[str] | None = None
    expression: str | None = None
    disableSingleFire: bool | None = None


class HookTarget(VtexModel):
    url: str
    headers: dict[str, str] = Field(default_factory=dict)


class OrdersHookConfig(VtexModel):
    filter: HookFilter | None = None
    hook: HookTarget


class OrderHookNotification(VtexModel):
    """What VTEX POSTs to the hook URL on a status change (the ping is `{"hookConfig": "ping"}`)."""

    Domain: str | None = None
    OrderId: str
    State: str
    LastState: str | None = None
    LastChange: str | None = None
    CurrentChange: str | None = None
    Origin: dict[str, Any] | None = None
