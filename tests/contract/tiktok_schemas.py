"""TikTok Shop Partner API response schemas, as `../shared/reference/tiktok-shop-api.md` documents them
(sections 3, 4.4, 5, 7, 8): one pydantic model per response `data`, strict types (ids and amounts are
strings, times are ints, flags are bools, enums their documented strings) and `extra="forbid"`, so a
field TikTok does not send, a null where TikTok leaves a field out, or a wrong type fails. Fields a
response may leave out are optional (a default), never nullable. Where the reference is silent on a
type, the choice is listed in docs/reference-additions.md.

`SCHEMAS` maps each endpoint of the client's version table (and the two token endpoints) to its model.

Size: over 450 lines on purpose: one schema per documented response, in one file so the reference maps to one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Id = str  # TikTok ids are decimal strings (64-bit numbers do not survive JSON numbers in JavaScript)
Amount = str  # amounts are decimal strings ("149.90")
Unix = int  # seconds


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Empty(Strict):
    """`data: {}` (writes that answer nothing, e.g. update price, ship package)."""


# ------------------------------------------------------------------------------------------- envelope


class Envelope(Strict):
    code: int
    message: str
    request_id: str
    data: dict | list | None = None  # validated separately against the endpoint's model


# ---------------------------------------------------------------------------------------- authorization


class TokenData(Strict):
    access_token: str
    access_token_expire_in: Unix
    refresh_token: str
    refresh_token_expire_in: Unix
    open_id: str
    seller_name: str
    seller_base_region: str
    user_type: Literal[0, 1, 3]
    granted_scopes: list[str]


class Shop(Strict):
    id: Id
    name: str
    region: str
    seller_type: Literal["CROSS_BORDER", "LOCAL"]
    cipher: str
    code: str


class AuthorizedShops(Strict):
    shops: list[Shop]


# ---------------------------------------------------------------------------------------------- product

ProductStatus = Literal[
    "DRAFT", "PENDING", "FAILED", "ACTIVATE", "SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "FREEZE", "DELETED"
]


class ItemErrorDetail(Strict):
    product_id: Id | None = None
    sku_id: Id | None = None
    package_id: Id | None = None
    order_ids: list[Id] | None = None
    extra_errors: list[dict[str, str | int]] | None = None


class ItemError(Strict):
    code: int
    message: str
    detail: ItemErrorDetail


class BatchErrors(Strict):
    """Partial failures of batch writes: `errors` only when some item failed."""

    errors: list[ItemError] = Field(default_factory=list)


class SalesAttributeRef(Strict):
    id: Id
    value_id: Id


class SkuSummary(Strict):
    id: Id
    seller_sku: str
    external_sku_id: str
    sales_attributes: list[SalesAttributeRef]


class CreatedProduct(Strict):
    product_id: Id
    skus: list[SkuSummary]
    warnings: list[dict[str, str]]


class Audit(Strict):
    status: str


class EditedProduct(Strict):
    product_id: Id
    skus: list[SkuSummary]
    warnings: list[dict[str, str]]
    audit: Audit


class PartiallyEditedProduct(Strict):
    product_id: Id
    skus: list[SkuSummary]


class CategoryChain(Strict):
    id: Id
    parent_id: Id
    local_name: str
    is_leaf: bool


class Brand(Strict):
    id: Id
    name: str


class Image(Strict):
    uri: str
    urls: list[str]
    width: int
    height: int


class Measure(Strict):
    value: str
    unit: str


class Dimensions(Strict):
    length: str
    width: str
    height: str
    unit: str


class AttributeValue(Strict):
    id: Id | None = None
    name: str | None = None


class ProductAttribute(Strict):
    id: Id
    name: str | None = None
    values: list[AttributeValue]


class SkuPrice(Strict):
    sale_price: Amount
    currency: str
    tax_exclusive_price: Amount


class Money(Strict):
    amount: Amount
    currency: str


class Inventory(Strict):
    warehouse_id: Id
    quantity: int


class SalesAttribute(Strict):
    id: Id
    name: str
    value_id: Id
    value_name: str


class IdentifierCode(Strict):
    code: str
    type: Literal["GTIN", "EAN", "UPC", "ISBN", "JAN"]


class ProductSku(Strict):
    id: Id
    seller_sku: str
    external_sku_id: str
    price: SkuPrice
    inventory: list[Inventory]
    sales_attributes: list[SalesAttribute]
    identifier_code: IdentifierCode | None = None
    list_price: Money | None = None


class Product(Strict):
    id: Id
    status: ProductStatus
    title: str
    description: str
    category_chains: list[CategoryChain]
    brand: Brand | None = None
    main_images: list[Image]
    skus: list[ProductSku]
    package_weight: Measure
    package_dimensions: Dimensions | None = None
    product_attributes: list[ProductAttribute]
    external_product_id: str | None = None
    is_cod_allowed: bool
    create_time: Unix
    update_time: Unix
    audit: Audit


class SearchSku(Strict):
    id: Id
    seller_sku: str
    price: SkuPrice
    inventory: list[Inventory]


class SearchProduct(Strict):
    id: Id
    title: str
    status: ProductStatus
    sales_regions: list[str]
    skus: list[SearchSku]
    create_time: Unix
    update_time: Unix


class ProductPage(Strict):
    products: list[SearchProduct]
    total_count: int
    next_page_token: str


class WarehouseInventory(Strict):
    warehouse_id: Id
    available_quantity: int
    committed_quantity: int


class InventorySku(Strict):
    id: Id
    seller_sku: str
    total_available_quantity: int
    total_committed_quantity: int
    warehouse_inventory: list[WarehouseInventory]


class InventoryRow(Strict):
    product_id: Id
    skus: list[InventorySku]


class InventorySearch(Strict):
    inventory: list[InventoryRow]


class BrandRow(Strict):
    id: Id
    name: str
    authorized_status: Literal["AUTHORIZED", "UNAUTHORIEZD"]  # sic, as TikTok spells it
    is_t1_brand: bool
    brand_status: Literal["AVAILABLE", "UNAVAILABLE"]


class BrandPage(Strict):
    brands: list[BrandRow]
    total_count: int
    next_page_token: str


class CreatedBrand(Strict):
    id: Id


class Category(Strict):
    id: Id
    parent_id: Id
    local_name: str
    is_leaf: bool
    permission_statuses: list[Literal["AVAILABLE", "INVITE_ONLY", "NON_MAIN_CATEGORY", "PROHIBITED"]]


class Categories(Strict):
    categories: list[Category]


class Required(Strict):
    is_required: bool


class Supported(Strict):
    is_supported: bool


class SizeChartRule(Strict):
    is_supported: bool
    is_required: bool


class CategoryRules(Strict):
    product_certifications: list[dict[str, str | bool]]
    size_chart: SizeChartRule
    cod: Supported
    package_dimension: Required
    epr: Required
    responsible_person: Required
    manufacturer: Required
    allowed_special_product_types: list[str]


class AttributeValueRow(Strict):
    id: Id
    name: str


class Attribute(Strict):
    id: Id
    name: str
    type: Literal["SALES_PROPERTY", "PRODUCT_PROPERTY"]
    is_requried: bool  # sic
    is_customizable: bool
    is_multiple_selection: bool
    value_data_format: str | None = None  # sales properties only
    values: list[AttributeValueRow]


class Attributes(Strict):
    attributes: list[Attribute]


class RecommendedCategory(Strict):
    id: Id
    name: str
    level: int
    is_leaf: bool


class Recommendation(Strict):
    leaf_category_id: Id
    categories: list[RecommendedCategory]


class UploadedImage(Strict):
    uri: str
    url: str
    width: int
    height: int
    use_case: Literal["MAIN_IMAGE", "ATTRIBUTE_IMAGE", "DESCRIPTION_IMAGE", "CERTIFICATION_IMAGE", "SIZE_CHART_IMAGE"]


# ------------------------------------------------------------------------------------------------ order

OrderStatus = Literal[
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
]
LineStatus = Literal[
    "UNPAID", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED"
]


class DistrictInfo(Strict):
    address_level_name: str
    address_name: str
    address_level: str


class RecipientAddress(Strict):
    name: str
    phone_number: str
    full_address: str
    address_line1: str
    address_line2: str
    address_line3: str
    address_line4: str
    postal_code: str
    region_code: str
    district_info: list[DistrictInfo]


class Payment(Strict):
    currency: str
    sub_total: Amount
    shipping_fee: Amount
    seller_discount: Amount
    platform_discount: Amount
    total_amount: Amount
    original_total_product_price: Amount
    original_shipping_fee: Amount
    tax: Amount


class LineItem(Strict):
    id: Id
    sku_id: Id
    product_id: Id
    product_name: str
    sku_name: str
    seller_sku: str
    sku_image: str
    sale_price: Amount
    original_price: Amount
    seller_discount: Amount
    platform_discount: Amount
    currency: str
    display_status: LineStatus
    package_id: Id | None = None  # absent until the line is in a package
    package_status: Literal["TO_FULFILL", "PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED"]
    tracking_number: str
    shipping_provider_id: str
    shipping_provider_name: str
    cancel_reason: str
    cancel_user: str
    rts_time: Unix
    is_gift: bool


class PackageRef(Strict):
    id: Id


class Order(Strict):
    id: Id
    status: OrderStatus
    create_time: Unix
    update_time: Unix
    paid_time: Unix
    user_id: Id
    buyer_email: str
    buyer_message: str
    seller_note: str
    cpf: str
    cancel_reason: str
    cancellation_initiator: str
    cancel_time: Unix
    is_buyer_request_cancel: bool
    request_cancel_time: Unix
    shipping_type: Literal["TIKTOK", "SELLER"]
    shipping_provider: str
    shipping_provider_id: str
    tracking_number: str
    delivery_option_id: Id
    delivery_option_name: str
    delivery_type: Literal["HOME_DELIVERY", "COLLECTION_POINT"]
    fulfillment_type: str
    warehouse_id: Id
    rts_sla_time: Unix
    tts_sla_time: Unix
    rts_time: Unix
    shipping_due_time: Unix
    collection_due_time: Unix
    delivery_due_time: Unix
    is_cod: bool
    is_sample_order: bool
    is_on_hold_order: bool
    is_replacement_order: bool
    is_exchange_order: bool
    split_or_combine_tag: str
    need_upload_invoice: Literal["UNKNOWN", "NEED_INVOICE", "NO_NEED", "INVOICE_UPLOADED", "INVOICE_PROCESSING"]
    order_type: str
    packages: list[PackageRef]
    payment: Payment
    recipient_address: RecipientAddress | None = None  # absent while UNPAID / ON_HOLD
    line_items: list[LineItem]


class OrderPage(Strict):
    orders: list[Order]
    total_count: int
    next_page_token: str


class OrderDetail(Strict):
    orders: list[Order]


# ------------------------------------------------------------------------------------------ fulfillment

PackageStatus = Literal["PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED"]


class SearchPackage(Strict):
    id: Id
    orders: list[PackageRef]
    status: PackageStatus
    tracking_number: str
    shipping_provider_id: str
    shipping_provider_name: str
    order_line_item_ids: list[Id]
    create_time: Unix
    update_time: Unix


class PackagePage(Strict):
    packages: list[SearchPackage]
    total_count: int
    next_page_token: str


class Slot(Strict):
    start_time: Unix
    end_time: Unix


class Address(Strict):
    region: str
    state: str
    city: str
    postal_code: str
    full_address: str


class Weight(Strict):
    value: str
    unit: Literal["GRAM", "POUND"]


class PackageDimension(Strict):
    length: str
    width: str
    height: str
    unit: Literal["CM", "INCH"]


class Package(Strict):
    package_id: Id
    package_status: PackageStatus
    orders: list[PackageRef]
    order_line_item_ids: list[Id]
    shipping_type: Literal["TIKTOK", "SELLER"]
    handover_method: Literal["PICKUP", "DROP_OFF"] | None = None  # absent until shipped (TikTok shipping)
    pickup_slot: Slot | None = None
    tracking_number: str
    shipping_provider_id: str
    shipping_provider_name: str
    delivery_option_id: Id
    delivery_option_name: str
    split_and_combine_tag: str | None = None
    recipient_address: RecipientAddress
    sender_address: Address
    weight: Weight
    dimension: PackageDimension
    create_time: Unix
    update_time: Unix


class PickupSlot(Strict):
    start_time: Unix
    end_time: Unix
    avaliable: bool  # sic


class HandoverSlots(Strict):
    can_pickup: bool
    can_drop_off: bool
    can_van_collection: bool
    drop_off_point_url: str
    pickup_slots: list[PickupSlot]


class ShippingDocument(Strict):
    doc_url: str
    tracking_number: str


class TrackingEvent(Strict):
    description: str
    update_time_millis: int


class Tracking(Strict):
    tracking: list[TrackingEvent]


# ---------------------------------------------------------------------------------------- return_refund


class RefundAmount(Strict):
    currency: str
    refund_total: Amount


class AfterSaleLine(Strict):
    order_line_item_id: Id
    sku_id: Id
    seller_sku: str
    product_name: str


class Cancellation(Strict):
    cancel_id: Id
    order_id: Id
    cancel_type: Literal["CANCEL", "BUYER_CANCEL"]
    cancel_status: Literal[
        "CANCELLATION_REQUEST_PENDING",
        "CANCELLATION_REQUEST_SUCCESS",
        "CANCELLATION_REQUEST_CANCEL",
        "CANCELLATION_REQUEST_COMPLETE",
    ]
    role: str
    cancel_reason: str
    cancel_reason_text: str
    reject_reason: str | None = None
    refund_amount: RefundAmount
    cancel_line_items: list[AfterSaleLine]
    seller_next_action_response: list[dict[str, str]] | None = None
    create_time: Unix
    update_time: Unix


class CancellationPage(Strict):
    cancellations: list[Cancellation]
    total_count: int
    next_page_token: str


class SellerCancel(Strict):
    cancel_id: Id
    cancel_status: Literal["CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"]


ReturnStatus = Literal[
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "AWAITING_BUYER_RESPONSE",
    "REPLACEMENT_REQUEST_PENDING",
    "REPLACEMENT_REQUEST_REJECT",
    "REPLACEMENT_REQUEST_REFUND_SUCCESS",
    "REPLACEMENT_REQUEST_CANCEL",
    "REPLACEMENT_REQUEST_COMPLETE",
]


class ReturnOrder(Strict):
    return_id: Id
    order_id: Id
    return_type: Literal["REFUND", "RETURN_AND_REFUND", "REPLACEMENT"]
    return_status: ReturnStatus
    role: str
    return_reason: str
    return_reason_text: str
    reject_reason: str | None = None
    return_tracking_number: str
    refund_amount: RefundAmount
    return_line_items: list[AfterSaleLine]
    create_time: Unix
    update_time: Unix


class ReturnPage(Strict):
    return_orders: list[ReturnOrder]
    total_count: int
    next_page_token: str


# ------------------------------------------------------------------------------------ logistics & event


class Warehouse(Strict):
    id: Id
    name: str
    effect_status: Literal["ENABLED", "DISABLED"]
    type: Literal["SALES_WAREHOUSE", "RETURN_WAREHOUSE"]
    sub_type: str
    is_default: bool
    address: Address


class Warehouses(Strict):
    warehouses: list[Warehouse]


class ShippingProvider(Strict):
    id: str
    name: str


class ShippingProviders(Strict):
    shipping_providers: list[ShippingProvider]


class Webhook(Strict):
    event_type: str
    address: str
    create_time: Unix
    update_time: Unix


class Webhooks(Strict):
    webhooks: list[Webhook]
    total_count: int


V = "{version}"
SCHEMAS: dict[tuple[str, str], type[Strict]] = {
    ("GET", "/api/v2/token/get"): TokenData,
    ("GET", "/api/v2/token/refresh"): TokenData,
    ("GET", f"/authorization/{V}/shops"): AuthorizedShops,
    ("POST", f"/product/{V}/products"): CreatedProduct,
    ("GET", f"/product/{V}/products/{{product_id}}"): Product,
    ("POST", f"/product/{V}/products/search"): ProductPage,
    ("PUT", f"/product/{V}/products/{{product_id}}"): EditedProduct,
    ("POST", f"/product/{V}/products/{{product_id}}/partial_edit"): PartiallyEditedProduct,
    ("POST", f"/product/{V}/products/activate"): BatchErrors,
    ("POST", f"/product/{V}/products/deactivate"): BatchErrors,
    ("DELETE", f"/product/{V}/products"): BatchErrors,
    ("POST", f"/product/{V}/products/{{product_id}}/inventory/update"): BatchErrors,
    ("POST", f"/product/{V}/products/{{product_id}}/prices/update"): BatchErrors,
    ("POST", f"/product/{V}/inventory/search"): InventorySearch,
    ("GET", f"/product/{V}/brands"): BrandPage,
    ("POST", f"/product/{V}/brands"): CreatedBrand,
    ("GET", f"/product/{V}/categories"): Categories,
    ("GET", f"/product/{V}/categories/{{category_id}}/rules"): CategoryRules,
    ("GET", f"/product/{V}/categories/{{category_id}}/attributes"): Attributes,
    ("POST", f"/product/{V}/categories/recommend"): Recommendation,
    ("POST", f"/product/{V}/images/upload"): UploadedImage,
    ("POST", f"/order/{V}/orders/search"): OrderPage,
    ("GET", f"/order/{V}/orders"): OrderDetail,
    ("POST", f"/fulfillment/{V}/packages/search"): PackagePage,
    ("GET", f"/fulfillment/{V}/packages/{{package_id}}"): Package,
    ("POST", f"/fulfillment/{V}/packages/{{package_id}}/ship"): Empty,
    ("POST", f"/fulfillment/{V}/packages/{{package_id}}/shipping_info/update"): Empty,
    ("GET", f"/fulfillment/{V}/packages/{{package_id}}/shipping_documents"): ShippingDocument,
    ("GET", f"/fulfillment/{V}/packages/{{package_id}}/handover_time_slots"): HandoverSlots,
    ("GET", f"/fulfillment/{V}/orders/{{order_id}}/tracking"): Tracking,
    ("POST", f"/fulfillment/{V}/invoice/upload"): BatchErrors,
    ("POST", f"/return_refund/{V}/cancellations/search"): CancellationPage,
    ("POST", f"/return_refund/{V}/cancellations"): SellerCancel,
    ("POST", f"/return_refund/{V}/cancellations/{{cancel_id}}/approve"): Empty,
    ("POST", f"/return_refund/{V}/cancellations/{{cancel_id}}/reject"): Empty,
    ("POST", f"/return_refund/{V}/returns/search"): ReturnPage,
    ("POST", f"/return_refund/{V}/returns/{{return_id}}/approve"): Empty,
    ("POST", f"/return_refund/{V}/returns/{{return_id}}/reject"): Empty,
    ("GET", f"/logistics/{V}/warehouses"): Warehouses,
    ("GET", f"/logistics/{V}/delivery_options/{{delivery_option_id}}/shipping_providers"): ShippingProviders,
    ("GET", f"/event/{V}/webhooks"): Webhooks,
    ("PUT", f"/event/{V}/webhooks"): Empty,
    ("DELETE", f"/event/{V}/webhooks"): Empty,
}
