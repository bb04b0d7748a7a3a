"""VTEX response schemas for what the connector reads, as `../shared/reference/vtex-api.md` documents them
(sections 2, 4, 5.3-5.5, 5.8, 7): strict types (money in integer cents in checkout, fulfillment and OMS,
decimals in pricing; SKU ids as strings in simulations and orders) and `extra="forbid"`. Unlike TikTok,
VTEX sends `null` for a field without a value (section 7), so nullable fields are `X | None` without a
default: the field must be present. Fields the reference does not list but VTEX sends (and the sandbox
too) are noted in docs/reference-additions.md.

Size: over 450 lines on purpose: one schema per documented response, in one file so the reference maps to one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, RootModel

Cents = int


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ---------------------------------------------------------------------------------------------- logistics


class Balance(Strict):
    warehouseId: str
    warehouseName: str
    totalQuantity: int
    reservedQuantity: int
    hasUnlimitedQuantity: bool
    timeToRefill: str | None
    dateOfSupplyUtc: str | None
    leadTime: str


class SkuInventory(Strict):
    """GET /api/logistics/pvt/inventory/skus/{skuId} (no availableQuantity on this route)."""

    skuId: str
    balance: list[Balance]


class InventoryItem(Strict):
    skuId: str
    warehouseId: str
    dockId: str
    totalQuantity: int
    reservedQuantity: int
    availableQuantity: int
    isUnlimited: bool
    salesChannel: list[str]
    deliveryChannels: list[str]
    timeToRefill: str | None
    dateOfSupplyUtc: str | None
    supplyLotId: str | None
    keepSellingAfterExpiration: bool
    transfer: str | None


class InventoryItems(RootModel[list[InventoryItem]]):
    """GET /api/logistics/pvt/inventory/items/{skuId}/warehouses/{warehouseId}: an array (one row per dock)."""


# ------------------------------------------------------------------------------------------------ pricing


class FixedPrice(Strict):
    tradePolicyId: str
    value: float
    listPrice: float | None
    minQuantity: int
    dateRange: dict[str, str] | None = None


class Price(Strict):
    itemId: str
    listPrice: float | None
    costPrice: float | None
    markup: float | None
    basePrice: float | None
    fixedPrices: list[FixedPrice]


class ComputedPrice(Strict):
    tradePolicyId: str
    listPrice: float | None
    costPrice: float | None
    sellingPrice: float
    priceValidUntil: str


# --------------------------------------------------------------------------------------------- simulation


class SellingPriceRow(Strict):
    value: Cents
    quantity: int


class PriceDefinition(Strict):
    calculatedSellingPrice: Cents
    total: Cents
    sellingPrices: list[SellingPriceRow]


class SimulationItem(Strict):
    id: str
    requestIndex: int
    quantity: int
    seller: str
    sellerChain: list[str]
    merchantName: str | None
    tax: Cents
    priceValidUntil: str
    price: Cents
    listPrice: Cents
    sellingPrice: Cents
    rewardValue: Cents
    offerings: list[dict[str, object]]
    priceTags: list[dict[str, object]]
    measurementUnit: str
    unitMultiplier: float
    availability: str
    priceDefinition: PriceDefinition


class DeliveryId(Strict):
    courierId: str
    courierName: str
    warehouseId: str
    dockId: str
    quantity: int
    kitItemDetails: list[dict[str, object]]


class Sla(Strict):
    id: str
    name: str
    deliveryChannel: Literal["delivery", "pickup-in-point"]
    deliveryIds: list[DeliveryId]
    shippingEstimate: str
    lockTTL: str
    price: Cents
    listPrice: Cents
    tax: Cents
    pickupStoreInfo: dict[str, object] | None
    pickupPointId: str | None
    transitTime: str
    availableDeliveryWindows: list[dict[str, object]]


class DeliveryChannel(Strict):
    id: str
    stockBalance: int


class SimulationLogistics(Strict):
    itemIndex: int
    stockBalance: int
    quantity: int
    shipsTo: list[str]
    slas: list[Sla]
    deliveryChannels: list[DeliveryChannel]


class MessageFields(Strict):
    ItemIndex: str
    SkuName: str | None


class Message(Strict):
    code: str
    text: str
    status: str
    fields: MessageFields | None = None


class Total(Strict):
    id: Literal["Items", "Discounts", "Shipping", "Tax"]
    name: str
    value: Cents


class Simulation(Strict):
    """POST /api/fulfillment/pvt/orderForms/simulation (checkout fields of OAS-CHK + the fulfillment
    route's stockBalance). An unavailable item is left out of `items` and reported in `messages`."""

    items: list[SimulationItem]
    logisticsInfo: list[SimulationLogistics]
    messages: list[Message]
    totals: list[Total]
    pickupPoints: list[dict[str, object]]
    postalCode: str | None
    country: str | None
    allowMultipleDeliveries: bool


# ------------------------------------------------------------------------------------- place / fulfill


class ClientProfile(Strict):
    email: str
    firstName: str
    lastName: str
    documentType: str
    document: str
    phone: str | None
    corporateName: str | None
    tradeName: str | None
    corporateDocument: str | None
    stateInscription: str | None
    corporatePhone: str | None
    isCorporate: bool
    userProfileId: str | None


class Address(Strict):
    addressId: str
    addressType: str
    receiverName: str
    postalCode: str
    city: str
    state: str
    country: str
    street: str
    number: str
    neighborhood: str | None
    complement: str | None
    reference: str | None
    geoCoordinates: list[float]


class PlacedItem(Strict):
    id: str
    quantity: int
    seller: str
    price: Cents
    commission: Cents | None
    freightCommission: Cents | None
    priceTable: str | None
    measurementUnit: str
    unitMultiplier: float
    isGift: bool | None


class PlacedDeliveryId(Strict):
    warehouseId: str
    dockId: str


class PlacedLogistics(Strict):
    itemIndex: int
    selectedSla: str
    selectedDeliveryChannel: str
    price: Cents
    lockTTL: str
    shippingEstimate: str
    deliveryWindow: dict[str, object] | None
    addressId: str
    deliveryIds: list[PlacedDeliveryId]


class PlacedShipping(Strict):
    isFOB: bool
    address: Address
    selectedAddresses: list[Address]
    logisticsInfo: list[PlacedLogistics]
    trackingHints: list[dict[str, object]] | None


class PlacedOrder(Strict):
    marketplaceOrderId: str
    orderId: str
    followUpEmail: str
    paymentData: None
    customData: dict[str, object] | None
    items: list[PlacedItem]
    clientProfileData: ClientProfile
    shippingData: PlacedShipping


class PlacedOrders(RootModel[list[PlacedOrder]]):
    """POST /api/fulfillment/pvt/orders answers an array of the placed orders (no orderGroup)."""


class FulfillLogistics(Strict):
    itemIndex: int
    selectedSla: str
    selectedDeliveryChannel: str
    shippingEstimateDate: str | None


class FulfillShipping(Strict):
    logisticsInfo: list[FulfillLogistics]


class FulfillItem(Strict):
    id: str


class Fulfilled(Strict):
    """POST /api/fulfillment/pvt/orders/{orderId}/fulfill."""

    orderId: str
    marketplaceOrderId: str
    receipt: str
    date: str
    items: list[FulfillItem]
    shippingData: FulfillShipping


# --------------------------------------------------------------------------------------------------- OMS


class OmsReceipt(Strict):
    date: str
    orderId: str
    receipt: str


class OmsItem(Strict):
    uniqueId: str
    id: str
    productId: str
    ean: str | None
    refId: str | None
    name: str
    quantity: int
    seller: str
    sellerSku: str
    price: Cents
    listPrice: Cents
    sellingPrice: Cents
    costPrice: Cents | None
    tax: Cents
    commission: Cents | None
    freightCommission: Cents | None
    priceTable: str | None
    measurementUnit: str
    unitMultiplier: float
    imageUrl: str | None
    detailUrl: str | None
    priceTags: list[dict[str, object]]
    isGift: bool
    lockId: str | None
    offerings: list[dict[str, object]]
    attachments: list[dict[str, object]]
    bundleItems: list[dict[str, object]]
    components: list[dict[str, object]]


class OmsSla(Strict):
    id: str
    name: str
    price: Cents
    shippingEstimate: str


class OmsDeliveryId(Strict):
    courierId: str
    courierName: str
    warehouseId: str
    dockId: str
    quantity: int
    kitItemDetails: list[dict[str, object]]


class PickupStoreInfo(Strict):
    isPickupStore: bool


class OmsLogistics(Strict):
    itemIndex: int
    selectedSla: str
    selectedDeliveryChannel: str
    deliveryCompany: str
    shippingEstimate: str
    shippingEstimateDate: str | None
    lockTTL: str
    price: Cents
    listPrice: Cents
    sellingPrice: Cents
    slas: list[OmsSla]
    deliveryIds: list[OmsDeliveryId]
    pickupStoreInfo: PickupStoreInfo
    deliveryWindow: dict[str, object] | None
    addressId: str
    shipsTo: list[str]


class OmsShipping(Strict):
    id: str
    isFOB: bool
    address: Address
    selectedAddresses: list[Address]
    logisticsInfo: list[OmsLogistics]
    trackingHints: list[dict[str, object]] | None


class CourierStatus(Strict):
    status: str | None
    finished: bool
    deliveredDate: str | None
    data: list[dict[str, object]]


class PackageItem(Strict):
    itemIndex: int
    quantity: int
    price: Cents
    description: str | None
    unitMultiplier: float


class Package(Strict):
    type: Literal["Output", "Input"]
    invoiceNumber: str
    invoiceValue: Cents
    invoiceUrl: str | None
    invoiceKey: str | None
    issuanceDate: str
    embeddedInvoice: str | None
    courier: str | None
    trackingNumber: str | None
    trackingUrl: str | None
    dispatchedDate: str | None  # not in the reference's list; VTEX sends it (tracking)
    receipt: str  # not in the reference's list: the receipt the invoice notification answered
    items: list[PackageItem]
    courierStatus: CourierStatus | None
    cfop: str | None
    volumes: int | None
    restitutions: dict[str, object]
    EnableInferItems: bool | None


class PackageAttachment(Strict):
    packages: list[Package]


class Seller(Strict):
    id: str
    name: str
    logo: str
    fulfillmentEndpoint: str | None


class Marketplace(Strict):
    baseURL: str
    name: str
    isCertified: bool | None


class CancellationRequest(Strict):
    id: str
    reason: str | None
    cancellationRequestDate: str
    requestedByUser: bool
    deniedBySeller: bool
    deniedBySellerReason: str | None
    cancellationRequestDenyDate: str | None


class CancellationData(Strict):
    RequestedByUser: bool
    RequestedBySystem: bool
    RequestedBySellerNotification: bool
    RequestedByPaymentNotification: bool
    Reason: str
    CancellationDate: str


class OmsTotal(Strict):
    id: str
    name: str
    value: Cents


class OmsOrder(Strict):
    """GET /api/oms/pvt/orders/{orderId}."""

    orderId: str
    sequence: str
    marketplaceOrderId: str
    marketplaceServicesEndpoint: str
    sellerOrderId: str
    origin: Literal["Marketplace", "Fulfillment", "Chain"]
    affiliateId: str
    salesChannel: str
    merchantName: str | None
    status: str
    statusDescription: str
    workflowIsInError: bool
    value: Cents
    creationDate: str
    lastChange: str
    orderGroup: str | None
    followUpEmail: str
    hostname: str
    isCompleted: bool
    isCheckedIn: bool
    allowCancellation: bool
    allowEdition: bool
    authorizedDate: str | None
    invoicedDate: str | None
    cancelReason: str | None
    cancellationData: CancellationData | None
    cancellationRequests: list[CancellationRequest] | None
    totals: list[OmsTotal]
    sellers: list[Seller]
    items: list[OmsItem]
    clientProfileData: ClientProfile
    shippingData: OmsShipping
    paymentData: dict[str, object] | None
    packageAttachment: PackageAttachment
    invoiceData: dict[str, object] | None
    customData: dict[str, object] | None
    openTextField: dict[str, object] | None
    marketingData: dict[str, object] | None
    changesAttachment: dict[str, object] | None
    marketplace: Marketplace


SCHEMAS: dict[str, type[BaseModel]] = {
    "simulation": Simulation,
    "place_order": PlacedOrders,
    "fulfill": Fulfilled,
    "oms_order": OmsOrder,
    "oms_receipt": OmsReceipt,
    "inventory_sku": SkuInventory,
    "inventory_item": InventoryItems,
    "price": Price,
    "computed_price": ComputedPrice,
}
