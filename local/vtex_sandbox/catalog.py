"""Catalog API of the VTEX sandbox: SKU context, SKU and its files, product, category tree."""

from __future__ import annotations

from typing import Any

from .records import (
    SandboxError,
)
from .store import StoreCore


class CatalogArea(StoreCore):
    """Catalog reads (ids are numbers here)."""

    def sku_context(self, sku_id: Any, sales_channel: str | None) -> dict[str, Any]:
        sku = self.sku(sku_id)
        product = self.products[sku.product_id]
        brand = self.brands.get(product["brand_id"], {"name": None})
        category = self.categories.get(product["category_id"], {})
        parent = self.categories.get(category.get("parent_id") or -1)
        path = "/" + "/".join(str(c["id"]) for c in (parent, category) if c) + "/"
        names = {str(c["id"]): c["name"] for c in (parent, category) if c}
        if sales_channel not in (None, "", self.sales_channel):
            raise SandboxError(404, "404", f"SKU {sku_id} is not available in sales channel {sales_channel}", text=True)
        images = [
            {"ImageUrl": url, "ImageName": f"{sku.name} {i + 1}", "FileId": 155000 + sku.id * 10 + i}
            for i, url in enumerate(sku.images)
        ]
        height, width, length = sku.dims_cm
        main = sku.images[0].replace("/ids/", "/ids/").rsplit("/", 1) if sku.images else None
        return {
            "Id": sku.id,
            "ProductId": sku.product_id,
            "NameComplete": sku.name,
            "ComplementName": "",
            "ProductName": product["name"],
            "ProductDescription": product["description"],
            "ProductRefId": f"REF-{sku.product_id}",
            "TaxCode": "",
            "SkuName": sku.name.split(" - ")[-1],
            "IsActive": sku.is_active,
            "IsTransported": True,
            "IsInventoried": True,
            "IsGiftCardRecharge": False,
            "ImageUrl": f"{main[0]}-55-55/{main[1]}" if main else None,
            "DetailUrl": f"/{product['name'].lower().replace(' ', '-')}/p",
            "CSCIdentification": None,
            "BrandId": str(product["brand_id"]),
            "BrandName": brand["name"],
            "IsBrandActive": True,
            "Dimension": {
                "cubicweight": round(height * width * length / 6000, 4),
                "height": height,
                "length": length,
                "weight": sku.weight_g,
                "width": width,
            },
            "RealDimension": {
                "realCubicWeight": round(height * width * length / 6000, 4),
                "realHeight": height,
                "realLength": length,
                "realWeight": sku.weight_g,
                "realWidth": width,
            },
            "ManufacturerCode": f"MFR{sku.id}",
            "IsKit": False,
            "KitItems": [],
            "Services": [],
            "Categories": [],
            "CategoriesFullPath": [path],
            "Attachments": [],
            "Collections": [],
            "SkuSellers": [
                {
                    "SellerId": "1",
                    "StockKeepingUnitId": sku.id,
                    "SellerStockKeepingUnitId": str(sku.id),
                    "IsActive": True,
                    "FreightCommissionPercentage": 0.0,
                    "ProductCommissionPercentage": 0.0,
                }
            ],
            "SalesChannels": [int(self.sales_channel)] if self.sales_channel.isdigit() else [],
            "Images": images,
            "Videos": [],
            "SkuSpecifications": [],
            "ProductSpecifications": [],
            "ProductClustersIds": "",
            "PositionsInClusters": {},
            "ProductClusterNames": {},
            "ProductClusterHighlights": {},
            "ProductCategoryIds": path,
            "IsDirectCategoryActive": True,
            "ProductGlobalCategoryId": None,
            "ProductCategories": names,
            "CommercialConditionId": 1,
            "RewardValue": 0.0,
            "AlternateIds": {"Ean": sku.ean, "RefId": f"SKU-{sku.id}"},
            "AlternateIdValues": [sku.ean, f"SKU-{sku.id}"],
            "EstimatedDateArrival": None,
            "MeasurementUnit": "un",
            "UnitMultiplier": 1.0,
            "InformationSource": None,
            "ModalType": None,
            "KeyWords": "",
            "ReleaseDate": "2024-01-15T00:00:00",
            "ProductIsVisible": True,
            "ShowIfNotAvailable": True,
            "IsProductActive": True,
            "ProductFinalScore": 0,
        }

    def sku_record(self, sku_id: Any) -> dict[str, Any]:
        sku = self.sku(sku_id)
        height, width, length = sku.dims_cm
        return {
            "Id": sku.id,
            "ProductId": sku.product_id,
            "IsActive": sku.is_active,
            "Name": sku.name,
            "RefId": f"SKU-{sku.id}",
            "PackagedHeight": height,
            "PackagedLength": length,
            "PackagedWidth": width,
            "PackagedWeightKg": sku.weight_g,
            "Height": height,
            "Length": length,
            "Width": width,
            "WeightKg": sku.weight_g,
            "CubicWeight": round(height * width * length / 6000, 4),
            "IsKit": False,
            "CreationDate": "2024-01-15T00:00:00",
            "RewardValue": None,
            "EstimatedDateArrival": None,
            "ManufacturerCode": f"MFR{sku.id}",
            "CommercialConditionId": 1,
            "MeasurementUnit": "un",
            "UnitMultiplier": 1.0,
            "ModalType": None,
            "KitItensSellApart": False,
            "Videos": [],
        }

    def sku_files(self, sku_id: Any) -> list[dict[str, Any]]:
        sku = self.sku(sku_id)
        files = []
        for position, url in enumerate(sku.images):
            archive = int(url.split("/ids/")[1].split("/")[0]) if "/ids/" in url else 155000 + position
            files.append(
                {
                    "Id": sku.id * 100 + position,
                    "ArchiveId": archive,
                    "SkuId": sku.id,
                    "Name": url.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    "IsMain": position == 0,
                    "Label": "Principal" if position == 0 else "",
                    "Text": None,
                    "Url": url,
                    "FileLocation": url.split("//", 1)[-1].split("/", 1)[0],
                    "Position": position,
                }
            )
        return files

    def product(self, product_id: Any) -> dict[str, Any]:
        try:
            product = self.products[int(str(product_id))]
        except (KeyError, ValueError):
            raise SandboxError(404, "404", f"Product {product_id} not found", text=True) from None
        category = self.categories.get(product["category_id"], {})
        return {
            "Id": product["id"],
            "Name": product["name"],
            "DepartmentId": category.get("parent_id") or product["category_id"],
            "CategoryId": product["category_id"],
            "BrandId": product["brand_id"],
            "LinkId": product["name"].lower().replace(" ", "-"),
            "RefId": f"REF-{product['id']}",
            "IsVisible": True,
            "Description": product["description"],
            "DescriptionShort": product["name"],
            "ReleaseDate": "2024-01-15T00:00:00",
            "KeyWords": "",
            "Title": product["name"],
            "IsActive": True,
            "TaxCode": "",
            "MetaTagDescription": product["name"],
            "SupplierId": None,
            "ShowWithoutStock": True,
            "AdWordsRemarketingCode": None,
            "LomadeeCampaignCode": None,
            "Score": None,
        }

    def category_tree(self, levels: int) -> list[dict[str, Any]]:
        def node(category: dict[str, Any], depth: int) -> dict[str, Any]:
            children = [c for c in self.categories.values() if c.get("parent_id") == category["id"]]
            return {
                "id": category["id"],
                "name": category["name"],
                "hasChildren": bool(children),
                "url": f"https://{self.account}.vtexcommercestable.com.br/{category['name'].lower()}",
                "children": [node(c, depth + 1) for c in children] if depth < levels else [],
                "Title": category["name"],
                "MetaTagDescription": category["name"],
            }

        return [node(c, 1) for c in self.categories.values() if c.get("parent_id") is None]
