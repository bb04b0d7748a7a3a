"""VTEX Catalog API (SKU context, files, products, brands, categories) (pydantic; conventions in models/__init__)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from tiktok_vtex.clients.vtex.models.base import VtexModel

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
