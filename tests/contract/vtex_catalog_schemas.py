"""VTEX response schemas of the catalog, affiliate and orders-hook reads of the connector, as
`../shared/reference/vtex-api.md` documents them (section 3 and 3.1: SKU ids, SKU context, SKU files,
product, brand list, category tree; 5.2: affiliate; 5.10: hook config). Same rules as vtex_schemas.py:
strict types, `extra="forbid"`, nullable fields present (VTEX sends `null`). Where the reference names a
field without its type, the type is the one VTEX's OAS examples use (ints for ids except `BrandId` of the
SKU context, a string; numbers for dimensions)."""

from __future__ import annotations

from typing import Literal

from pydantic import RootModel

from tests.contract.vtex_schemas import Strict

Number = float  # strict float accepts JSON integers too (VTEX writes 9 and 0.5625 alike)


# -------------------------------------------------------------------------------------------- catalog


class SkuIds(RootModel[list[int]]):
    """GET /api/catalog_system/pvt/sku/stockkeepingunitids: a bare array of integer SKU ids."""


class Dimension(Strict):
    cubicweight: Number
    height: Number
    length: Number
    weight: Number
    width: Number


class RealDimension(Strict):
    realCubicWeight: Number
    realHeight: Number
    realLength: Number
    realWeight: Number
    realWidth: Number


class ContextImage(Strict):
    ImageUrl: str
    ImageName: str | None
    FileId: int


class SkuSeller(Strict):
    SellerId: str
    StockKeepingUnitId: int
    SellerStockKeepingUnitId: str
    IsActive: bool
    FreightCommissionPercentage: Number
    ProductCommissionPercentage: Number


class Specification(Strict):
    FieldId: int
    FieldName: str
    FieldValueIds: list[int]
    FieldValues: list[str]
    IsFilter: bool
    FieldGroupId: int
    FieldGroupName: str


class AlternateIds(Strict):
    Ean: str | None = None
    RefId: str | None = None


class SkuContext(Strict):
    """GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId} (section 3.1)."""

    Id: int
    ProductId: int
    NameComplete: str
    ComplementName: str | None
    ProductName: str
    ProductDescription: str
    ProductRefId: str | None
    TaxCode: str | None
    SkuName: str
    IsActive: bool
    IsTransported: bool
    IsInventoried: bool
    IsGiftCardRecharge: bool
    ImageUrl: str | None
    DetailUrl: str
    CSCIdentification: str | None
    BrandId: str  # a string here, an int in the brand list (section 3.1)
    BrandName: str
    IsBrandActive: bool
    Dimension: Dimension
    RealDimension: RealDimension
    ManufacturerCode: str | None
    IsKit: bool
    KitItems: list[dict[str, object]]
    Services: list[dict[str, object]]
    Categories: list[str]
    CategoriesFullPath: list[str]
    Attachments: list[dict[str, object]]
    Collections: list[dict[str, object]]
    SkuSellers: list[SkuSeller]
    SalesChannels: list[int]
    Images: list[ContextImage]
    Videos: list[str]
    SkuSpecifications: list[Specification]
    ProductSpecifications: list[Specification]
    ProductClustersIds: str
    PositionsInClusters: dict[str, int]
    ProductClusterNames: dict[str, str]
    ProductClusterHighlights: dict[str, str]
    ProductCategoryIds: str
    IsDirectCategoryActive: bool
    ProductGlobalCategoryId: int | None
    ProductCategories: dict[str, str]
    CommercialConditionId: int
    RewardValue: Number
    AlternateIds: AlternateIds
    AlternateIdValues: list[str]
    EstimatedDateArrival: str | None
    MeasurementUnit: str
    UnitMultiplier: Number
    InformationSource: str | None
    ModalType: str | None
    KeyWords: str | None
    ReleaseDate: str | None
    ProductIsVisible: bool
    ShowIfNotAvailable: bool
    IsProductActive: bool
    ProductFinalScore: int


class SkuFile(Strict):
    Id: int
    ArchiveId: int
    SkuId: int
    Name: str
    IsMain: bool
    Label: str | None
    Text: str | None
    Url: str
    FileLocation: str
    Position: int


class SkuFiles(RootModel[list[SkuFile]]):
    """GET /api/catalog/pvt/stockkeepingunit/{skuId}/file (Position 0 = first)."""


class CatalogProduct(Strict):
    """GET /api/catalog/pvt/product/{productId}."""

    Id: int
    Name: str
    DepartmentId: int
    CategoryId: int
    BrandId: int
    LinkId: str
    RefId: str | None
    IsVisible: bool
    Description: str | None
    DescriptionShort: str | None
    ReleaseDate: str | None
    KeyWords: str | None
    Title: str | None
    IsActive: bool
    TaxCode: str | None
    MetaTagDescription: str | None
    SupplierId: int | None
    ShowWithoutStock: bool
    AdWordsRemarketingCode: str | None
    LomadeeCampaignCode: str | None
    Score: int | None


class Brand(Strict):
    id: int
    name: str
    isActive: bool
    title: str | None
    metaTagDescription: str | None
    imageUrl: str | None


class Brands(RootModel[list[Brand]]):
    """GET /api/catalog_system/pvt/brand/list."""


class Category(Strict):
    id: int
    name: str
    hasChildren: bool
    url: str
    children: list[Category]
    Title: str | None
    MetaTagDescription: str | None


class CategoryTree(RootModel[list[Category]]):
    """GET /api/catalog_system/pub/category/tree/{categoryLevels}."""


# ------------------------------------------------------------------------------------ affiliate, hook


class Affiliate(Strict):
    """GET /api/fulfillment/pvt/affiliates/{affiliateId} (section 5.2; `id` is the affiliate id)."""

    id: str
    name: str
    salesChannel: str
    followUpEmail: str
    searchURIEndpoint: str
    searchURIEndpointVersion: str
    searchURIEndpointAvailableVersions: list[str]
    useSellerPaymentMethod: bool
    minimumValueAccumulated: Number | None


class HookFilter(Strict):
    type: Literal["FromWorkflow", "FromOrders"]
    status: list[str] | None = None  # FromWorkflow
    expression: str | None = None  # FromOrders
    disableSingleFire: bool | None = None


class HookTarget(Strict):
    url: str
    headers: dict[str, str]


class HookOrigin(Strict):
    account: str
    appKey: str


class HookQueue(Strict):
    visibilityTimeoutInSeconds: int
    MessageRetentionPeriodInSeconds: int


class HookConfig(Strict):
    """GET (and POST) /api/orders/hook/config (section 5.10)."""

    filter: HookFilter
    hook: HookTarget
    origin: HookOrigin
    queue: HookQueue


CATALOG_SCHEMAS: dict[str, type[Strict] | type[RootModel]] = {  # type: ignore[type-arg]
    "sku_ids": SkuIds,
    "sku_context": SkuContext,
    "sku_files": SkuFiles,
    "product": CatalogProduct,
    "brands": Brands,
    "category_tree": CategoryTree,
    "affiliate": Affiliate,
    "hook_config": HookConfig,
}
