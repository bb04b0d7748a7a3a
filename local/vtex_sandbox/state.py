# ruff: noqa: PLR0912, PLR0915 - request validation reads best as one flat sequence of checks
"""State and rules of the VTEX sandbox: catalog, inventory with reservations, prices, orders (seller flow).

Everything is in memory behind one re-entrant lock. Business failures raise SandboxError with VTEX's
status, code and message (reference: ../shared/reference/vtex-api.md). Conventions reproduced:
cents in fulfillment/OMS, decimals in pricing, SKU ids numeric in the catalog and strings in orders,
VTEX order id `{affiliateId}-{marketplaceOrderId}-01` (the franchise form of DP-EMI collect-orders).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from threading import RLock
from typing import Any

from local.fixtures.demo_catalog import demo_catalog

SELLER_FLOW = (
    "order-accepted",
    "waiting-ffmt-authorization",
    "authorize-fulfillment",
    "window-to-cancel",
    "ready-for-handling",
    "start-handling",
    "handling",
    "invoice",
    "invoiced",
)
STATUS_DESCRIPTIONS = {
    "order-accepted": "Pedido aceito",
    "waiting-ffmt-authorization": "Aguardando autorização para despachar",
    "authorize-fulfillment": "Autorizar despacho",
    "window-to-cancel": "Carência para cancelamento",
    "ready-for-handling": "Pronto para o manuseio",
    "start-handling": "Iniciar manuseio",
    "handling": "Preparando entrega",
    "invoice": "Verificando envio",
    "invoiced": "Faturado",
    "cancel": "Cancelando",
    "canceled": "Cancelado",
}
CANCELLABLE = frozenset(
    {
        "order-accepted",
        "waiting-ffmt-authorization",
        "authorize-fulfillment",
        "window-to-cancel",
        "ready-for-handling",
        "start-handling",
        "handling",
    }
)
INVOICEABLE = frozenset({"ready-for-handling", "start-handling", "handling", "invoiced"})
SLAS = {  # id -> (name, shippingEstimate, base cents, per-unit cents)
    "Normal": ("Normal", "5bd", 1490, 100),
    "Expressa": ("Expressa", "2bd", 2490, 250),
}
CEP = re.compile(r"^\d{5}-?\d{3}$")
DOCK_ID = "1"
CENT = Decimal("0.01")


class SandboxError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, text: bool = False, headers: Mapping[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.text = text
        self.headers = dict(headers or {})


def bad(code: str, message: str, status: int = 400) -> SandboxError:
    return SandboxError(status, code, message)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool):
        raise bad("1", f"{name} must be a number")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise bad("1", f"{name} must be a number") from None
    if not result.is_finite() or result < 0:
        raise bad("1", f"{name} must be a finite, non-negative number")
    return result.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Sku:
    id: int
    product_id: int
    name: str
    ean: str
    images: list[str]
    is_active: bool = True
    weight_g: int = 500
    dims_cm: tuple[int, int, int] = (10, 20, 30)


@dataclass
class StockRow:
    total: int = 0
    reserved: int = 0
    unlimited: bool = False
    lead_time: str = "00:00:00"

    @property
    def available(self) -> int:
        return 1_000_000 if self.unlimited else max(0, self.total - self.reserved)


@dataclass
class PriceRecord:
    base_price: Decimal
    list_price: Decimal | None = None
    cost_price: Decimal | None = None
    markup: Decimal | None = None
    fixed: dict[str, Decimal] = field(default_factory=dict)  # trade policy -> fixed selling price

    def selling(self, trade_policy: str) -> Decimal:
        return self.fixed.get(trade_policy, self.base_price)


@dataclass
class OrderRecord:
    data: dict[str, Any]
    affiliate_id: str
    reservations: list[tuple[int, str, int]]  # (sku id, warehouse, quantity)
    reserved: bool = True
    window_due: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    returned: bool = False


Notify = Callable[[str, str, str | None, str | None, str], None]


class VtexStore:
    def __init__(
        self,
        *,
        account: str,
        affiliate_id: str,
        sales_channel: str,
        warehouses: list[str],
        clock: Callable[[], float],
        notify: Notify,
        cancel_window_seconds: float = 3.0,
    ):
        self.account = account
        self.affiliate_id = affiliate_id
        self.sales_channel = sales_channel
        self.configured_warehouses = list(warehouses)
        self.warehouses = list(warehouses)
        self.clock = clock
        self.notify = notify
        self.cancel_window_seconds = cancel_window_seconds
        self.place_order_response = "array"  # or "object" (the OAS-EMO shape)
        self.price_divergence = "accept"  # or "reject" (FMT006 when an item price differs)
        self.lock = RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.warehouses = list(self.configured_warehouses)
            self.brands: dict[int, dict[str, Any]] = {}
            self.categories: dict[int, dict[str, Any]] = {}
            self.products: dict[int, dict[str, Any]] = {}
            self.skus: dict[int, Sku] = {}
            self.stock: dict[tuple[int, str], StockRow] = {}
            self.prices: dict[int, PriceRecord] = {}
            self.orders: dict[str, OrderRecord] = {}
            self.by_marketplace_id: dict[tuple[str, str], str] = {}
            self.windows: dict[str, float] = {}  # order id -> when its cancellation window ends
            self._sequence = itertools.count(502001)
            self._receipts = itertools.count(1)

    # --- seeding -------------------------------------------------------------------------------

    def seed(self, catalog: Mapping[str, Any]) -> dict[str, int]:
        with self.lock:
            for brand in catalog["brands"]:
                self.brands[int(brand["id"])] = {"id": int(brand["id"]), "name": brand["name"], "isActive": True}
            for category in catalog["categories"]:
                self.categories[int(category["id"])] = dict(category)
            for product in catalog["products"]:
                pid = int(product["id"])
                self.products[pid] = {key: value for key, value in product.items() if key != "skus"}
                for index, sku in enumerate(product["skus"]):
                    sid = int(sku["id"])
                    self.skus[sid] = Sku(
                        sid,
                        pid,
                        sku["name"],
                        sku["ean"],
                        list(sku["images"]),
                        weight_g=200 + (sid % 7) * 150,
                        dims_cm=(8 + index % 5, 15, 25),
                    )
                    for warehouse, quantity in sku["stock"].items():
                        self.stock[(sid, warehouse)] = StockRow(total=int(quantity))
                        if warehouse not in self.warehouses:
                            self.warehouses.append(warehouse)
                    self.prices[sid] = PriceRecord(
                        base_price=decimal(sku["selling_price"], "selling_price"),
                        list_price=decimal(sku["list_price"], "list_price"),
                        cost_price=(decimal(sku["selling_price"], "selling_price") * Decimal("0.55")).quantize(CENT),
                    )
            return self.counts()

    def seed_demo(self, **options: Any) -> dict[str, int]:
        return self.seed(demo_catalog(warehouses=list(self.configured_warehouses), account=self.account, **options))

    def counts(self) -> dict[str, int]:
        return {
            "brands": len(self.brands),
            "categories": len(self.categories),
            "products": len(self.products),
            "skus": len(self.skus),
            "orders": len(self.orders),
        }

    # --- helpers -------------------------------------------------------------------------------

    def sku(self, sku_id: Any) -> Sku:
        try:
            return self.skus[int(str(sku_id))]
        except (KeyError, ValueError):
            raise SandboxError(
                404, "404", f"Seller StockKeepingUnit {sku_id} not found for this seller id 1", text=True
            ) from None

    def _row(self, sku_id: int, warehouse: str) -> StockRow:
        return self.stock.setdefault((sku_id, warehouse), StockRow())

    def available(self, sku_id: int) -> int:
        return sum(self.stock[(sku_id, w)].available for w in self.warehouses if (sku_id, w) in self.stock)

    def _receipt(self) -> str:
        return hashlib.sha1(f"{self.account}-{next(self._receipts)}".encode(), usedforsecurity=False).hexdigest()

    # --- catalog -------------------------------------------------------------------------------

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

    # --- logistics -----------------------------------------------------------------------------

    def inventory_items(self, sku_id: Any, warehouse: str) -> list[dict[str, Any]]:
        try:
            sid = int(str(sku_id))
        except ValueError:
            raise bad("1", f"invalid sku id {sku_id}") from None
        if warehouse not in self.warehouses:
            raise SandboxError(404, "1", f"Warehouse {warehouse} not found")
        row = self.stock.get((sid, warehouse))
        if row is None:
            return []
        shown = 1_000_000 if row.unlimited else row.total
        return [
            {
                "skuId": str(sid),
                "warehouseId": warehouse,
                "dockId": DOCK_ID,
                "totalQuantity": shown,
                "reservedQuantity": row.reserved,
                "availableQuantity": row.available,
                "isUnlimited": row.unlimited,
                "salesChannel": [self.sales_channel],
                "deliveryChannels": ["delivery"],
                "timeToRefill": None,
                "dateOfSupplyUtc": None,
                "supplyLotId": None,
                "keepSellingAfterExpiration": False,
                "transfer": None,
            }
        ]

    def inventory_sku(self, sku_id: Any) -> dict[str, Any]:
        try:
            sid = int(str(sku_id))
        except ValueError:
            raise bad("1", f"invalid sku id {sku_id}") from None
        balance = []
        for warehouse in self.warehouses:
            row = self.stock.get((sid, warehouse))
            if row is not None:
                balance.append(
                    {
                        "warehouseId": warehouse,
                        "warehouseName": f"Estoque {warehouse}",
                        "totalQuantity": row.total,
                        "reservedQuantity": row.reserved,
                        "hasUnlimitedQuantity": row.unlimited,
                        "timeToRefill": None,
                        "dateOfSupplyUtc": None,
                        "leadTime": row.lead_time,
                    }
                )
        return {"skuId": str(sid), "balance": balance}

    def set_inventory(
        self, sku_id: Any, warehouse: str, quantity: Any, unlimited: Any = False, lead_time: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            sku = self.sku(sku_id)
            if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0):
                raise bad("1", "quantity must be a non-negative integer")
            if warehouse not in self.warehouses:
                self.warehouses.append(warehouse)
            row = self._row(sku.id, warehouse)
            row.total = int(quantity or 0)
            row.unlimited = bool(unlimited)
            if lead_time:
                row.lead_time = lead_time
            return self.inventory_state(sku.id)

    def inventory_state(self, sku_id: int) -> dict[str, Any]:
        rows = {
            w: {"total": r.total, "reserved": r.reserved, "available": r.available, "unlimited": r.unlimited}
            for (s, w), r in self.stock.items()
            if s == sku_id
        }
        reservations = [
            {"orderId": oid, "warehouseId": w, "quantity": q}
            for oid, rec in self.orders.items()
            if rec.reserved
            for s, w, q in rec.reservations
            if s == sku_id
        ]
        return {"skuId": sku_id, "warehouses": rows, "reservations": reservations}

    # --- pricing -------------------------------------------------------------------------------

    def price(self, sku_id: Any) -> dict[str, Any]:
        record = self._price(sku_id)
        return {
            "itemId": str(int(str(sku_id))),
            "listPrice": record.list_price,
            "costPrice": record.cost_price,
            "markup": record.markup,
            "basePrice": record.base_price,
            "fixedPrices": [
                {
                    "tradePolicyId": tp,
                    "value": value,
                    "listPrice": record.list_price,
                    "minQuantity": 1,
                    "dateRange": None,
                }
                for tp, value in record.fixed.items()
            ],
        }

    def _price(self, sku_id: Any) -> PriceRecord:
        try:
            return self.prices[int(str(sku_id))]
        except (KeyError, ValueError):
            raise SandboxError(404, "404", f"Price for SKU {sku_id} not found") from None

    def computed_price(self, sku_id: Any, trade_policy: str) -> dict[str, Any]:
        record = self._price(sku_id)
        valid_until = (datetime.now(UTC) + timedelta(days=365)).isoformat(timespec="seconds").replace("+00:00", "Z")
        return {
            "tradePolicyId": trade_policy,
            "listPrice": record.list_price,
            "costPrice": record.cost_price,
            "sellingPrice": record.selling(trade_policy),
            "priceValidUntil": valid_until,
        }

    def put_price(self, sku_id: Any, body: Mapping[str, Any]) -> None:
        """Pricing PUT rules: exactly two of basePrice/costPrice/markup (or basePrice alone); replaces fixed."""
        with self.lock:
            sku = self.sku(sku_id)
            given = [k for k in ("basePrice", "costPrice", "markup") if body.get(k) is not None]
            if len(given) == 3:
                raise bad("1", "send exactly two of basePrice, costPrice and markup")
            cost = decimal(body["costPrice"], "costPrice") if body.get("costPrice") is not None else None
            markup = Decimal(str(body["markup"])) if body.get("markup") is not None else None
            if body.get("basePrice") is not None:
                base = decimal(body["basePrice"], "basePrice")
            elif cost is not None and markup is not None:
                base = (cost * (1 + markup / 100)).quantize(CENT)
            else:
                raise bad("1", "basePrice, or costPrice and markup, are required")
            fixed = {}
            for entry in body.get("fixedPrices") or []:
                fixed[str(entry["tradePolicyId"])] = decimal(entry["value"], "fixedPrices.value")
            list_price = decimal(body["listPrice"], "listPrice") if body.get("listPrice") is not None else None
            self.prices[sku.id] = PriceRecord(base, list_price, cost, markup, fixed)

    def set_price_admin(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            sku = self.sku(body.get("sku_id"))
            record = self.prices.get(sku.id) or PriceRecord(base_price=Decimal(0))
            if body.get("selling_price") is not None:
                value = decimal(body["selling_price"], "selling_price")
                if body.get("trade_policy"):
                    record.fixed[str(body["trade_policy"])] = value
                else:
                    record.base_price = value
            if body.get("list_price") is not None:
                record.list_price = decimal(body["list_price"], "list_price")
            if body.get("cost_price") is not None:
                record.cost_price = decimal(body["cost_price"], "cost_price")
            if body.get("delete"):
                self.prices.pop(sku.id, None)
                return {"skuId": sku.id, "deleted": True}
            self.prices[sku.id] = record
            return self.price(sku.id)

    # --- fulfillment simulation ------------------------------------------------------------------

    def simulate(self, body: Any, sales_channel: str, affiliate_id: str | None) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not body["items"]:
            raise bad("CHK0022", "items are required")
        if affiliate_id not in (None, "", self.affiliate_id):
            raise bad("1", f"Affiliate {affiliate_id} not found")
        postal_code, country = body.get("postalCode"), body.get("country")
        items: list[dict[str, Any]] = []
        logistics: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for index, raw in enumerate(body["items"]):
            if not isinstance(raw, dict):
                raise bad("CHK0022", f"item {index} is not an object")
            sku_id, quantity = raw.get("id"), raw.get("quantity")
            if not isinstance(sku_id, str) or not sku_id.isdigit():
                raise bad("CHK0022", f"Invalid item id {sku_id!r}: SKU ids are strings of digits in simulations")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise bad("CHK0023", f"Invalid quantity for item {sku_id}")
            sku = self.skus.get(int(sku_id))
            record = self.prices.get(int(sku_id))
            if sku is None or not sku.is_active or record is None or str(raw.get("seller", "1")) != "1":
                messages.append(
                    {
                        "code": "ORD027",
                        "text": f"Item {sku_id} not found or unavailable",
                        "status": "error",
                        "fields": {"ItemIndex": str(index), "SkuName": None},
                    }
                )
                continue
            available = self.available(sku.id)
            if available < quantity:
                code = "ORD027" if available == 0 else "ORD028"
                text = (
                    f"Item {sku_id} not found or unavailable"
                    if available == 0
                    else f"Item {sku.name}({sku_id}) is not available"
                )
                messages.append(
                    {
                        "code": code,
                        "text": text,
                        "status": "error",
                        "fields": {"ItemIndex": str(index), "SkuName": sku.name},
                    }
                )
                continue
            selling = cents(record.selling(sales_channel))
            list_price = cents(record.list_price or record.selling(sales_channel))
            item_index = len(items)
            items.append(
                {
                    "id": sku_id,
                    "requestIndex": index,
                    "quantity": quantity,
                    "seller": "1",
                    "sellerChain": ["1"],
                    "merchantName": None,
                    "tax": 0,
                    "priceValidUntil": self.computed_price(sku.id, sales_channel)["priceValidUntil"],
                    "price": selling,
                    "listPrice": list_price,
                    "sellingPrice": selling,
                    "rewardValue": 0,
                    "offerings": [],
                    "priceTags": [],
                    "measurementUnit": "un",
                    "unitMultiplier": 1.0,
                    "availability": "available",
                    "priceDefinition": {
                        "calculatedSellingPrice": selling,
                        "total": selling * quantity,
                        "sellingPrices": [{"value": selling, "quantity": quantity}],
                    },
                }
            )
            slas = []
            if postal_code and country:
                if CEP.match(str(postal_code)) and country == "BRA":
                    slas = self.slas(sku.id, quantity)
                elif not any(m["code"] == "cannotBeDelivered" for m in messages):
                    messages.append(
                        {
                            "code": "cannotBeDelivered",
                            "text": f"Não é possível entregar no CEP {postal_code}",
                            "status": "error",
                        }
                    )
            logistics.append(
                {
                    "itemIndex": item_index,
                    "stockBalance": available,
                    "quantity": quantity,
                    "shipsTo": ["BRA"],
                    "slas": slas,
                    "deliveryChannels": [{"id": "delivery", "stockBalance": available}],
                }
            )
        return {
            "items": items,
            "logisticsInfo": logistics,
            "messages": messages,
            "country": country,
            "postalCode": postal_code,
            "allowMultipleDeliveries": True,
            "pickupPoints": [],
            "totals": [
                {"id": "Items", "name": "Total dos Itens", "value": sum(i["price"] * i["quantity"] for i in items)}
            ],
        }

    def slas(self, sku_id: int, quantity: int) -> list[dict[str, Any]]:
        warehouse = self._warehouse_for(sku_id, quantity) or self.warehouses[0]
        out = []
        for sla_id, (name, estimate, base, per_unit) in SLAS.items():
            price = base + per_unit * quantity
            out.append(
                {
                    "id": sla_id,
                    "name": name,
                    "deliveryChannel": "delivery",
                    "deliveryIds": [
                        {
                            "courierId": "1",
                            "courierName": "Transportadora Demo",
                            "warehouseId": warehouse,
                            "dockId": DOCK_ID,
                            "quantity": quantity,
                            "kitItemDetails": [],
                        }
                    ],
                    "shippingEstimate": estimate,
                    "lockTTL": "8d",
                    "price": price,
                    "listPrice": price,
                    "tax": 0,
                    "pickupStoreInfo": None,
                    "pickupPointId": None,
                    "transitTime": estimate,
                    "availableDeliveryWindows": [],
                }
            )
        return out

    def _warehouse_for(self, sku_id: int, quantity: int) -> str | None:
        for warehouse in self.warehouses:
            row = self.stock.get((sku_id, warehouse))
            if row is not None and row.available >= quantity:
                return warehouse
        return None

    # --- orders: place, fulfill ----------------------------------------------------------------

    def place_order(self, body: Any, sales_channel: str, affiliate_id: str | None) -> Any:
        if not affiliate_id:
            raise bad("1", "affiliateId is required")
        if affiliate_id != self.affiliate_id:
            raise bad("1", f"Affiliate {affiliate_id} not found")
        as_array = isinstance(body, list)
        orders = body if as_array else [body]
        if len(orders) != 1 or not isinstance(orders[0], dict):
            raise bad("1", "send exactly one order (an object, or an array with one object)")
        with self.lock:
            placed = self._place(orders[0], sales_channel, affiliate_id)
        if self.place_order_response == "object":
            return {
                "orderId": placed["orderId"],
                "status": "waiting-ffmt-authorization",
                "message": "Order created",
                "orderData": placed,
            }
        return [placed]

    def _place(self, order: dict[str, Any], sales_channel: str, affiliate_id: str) -> dict[str, Any]:
        marketplace_id = order.get("marketplaceOrderId")
        if not isinstance(marketplace_id, str) or not marketplace_id:
            raise bad("FMT015", "Marketplace order id has not been provided")
        for name in ("marketplaceServicesEndpoint", "clientProfileData", "shippingData", "items"):
            if not order.get(name):
                raise bad("1", f"{name} is required")
        payment_value = order.get("marketplacePaymentValue")
        if isinstance(payment_value, bool) or not isinstance(payment_value, int) or payment_value < 0:
            raise bad("FMT007", "marketplacePaymentValue is required, in cents (integer)")
        if (affiliate_id, marketplace_id) in self.by_marketplace_id:
            raise bad(
                "FMT009", f"Order with marketplaceOrderId {marketplace_id} already exists for affiliate {affiliate_id}"
            )
        items = order["items"]
        if not isinstance(items, list):
            raise bad("CHK0022", "items must be an array")
        profile = order["clientProfileData"]
        for name in ("email", "firstName", "lastName", "documentType", "document"):
            if not isinstance(profile, dict) or not profile.get(name):
                raise bad("1", f"clientProfileData.{name} is required")
        shipping = order["shippingData"]
        address = shipping.get("address") if isinstance(shipping, dict) else None
        if not isinstance(address, dict):
            raise bad("FMT001", "shippingData.address is required")
        for name in ("receiverName", "postalCode", "city", "state", "country", "street", "number"):
            if not address.get(name):
                raise bad("FMT001", f"shippingData.address.{name} is required")
        logistics = shipping.get("logisticsInfo")
        if not isinstance(logistics, list) or sorted(
            li.get("itemIndex", -1) for li in logistics if isinstance(li, dict)
        ) != list(range(len(items))):
            raise bad("FMT001", "shippingData.logisticsInfo needs one entry per item (itemIndex 0..n-1)")
        by_index = {li["itemIndex"]: li for li in logistics}
        reservations: list[tuple[int, str, int]] = []
        total_items = 0
        total_freight = 0
        order_items = []
        for index, item in enumerate(items):
            sku_id, quantity, price = item.get("id"), item.get("quantity"), item.get("price")
            if not isinstance(sku_id, str) or not sku_id.isdigit():
                raise bad("CHK0022", f"Invalid item id {sku_id!r}: SKU ids are strings in orders")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise bad("CHK0023", f"Invalid quantity for item {sku_id}")
            if str(item.get("seller")) != "1":
                raise bad("CHK0024", f"Invalid seller {item.get('seller')!r} for item {sku_id}")
            if isinstance(price, bool) or not isinstance(price, int) or price < 0:
                raise bad("CHK0025", f"Invalid price for item {sku_id}: integer cents expected")
            sku = self.skus.get(int(sku_id))
            record = self.prices.get(int(sku_id))
            if sku is None or not sku.is_active or record is None:
                raise bad("ORD027", f"Item {sku_id} not found or unavailable")
            if self.price_divergence == "reject" and price != cents(record.selling(sales_channel)):
                raise bad("FMT006", f"Item {sku_id} price {price} differs from the store price")
            info = by_index[index]
            if info.get("selectedSla") not in SLAS:
                raise bad("FMT010", f"Selected SLA {info.get('selectedSla')!r} is not available for item {sku_id}")
            freight = info.get("price")
            if isinstance(freight, bool) or not isinstance(freight, int) or freight < 0:
                raise bad("CHK0025", f"Invalid freight price for item index {index}: integer cents expected")
            already = sum(q for s, _, q in reservations if s == sku.id)
            warehouse = self._warehouse_for(sku.id, quantity + already)
            if warehouse is None:
                raise bad("FMT005", f"Item {sku.name}({sku_id}) is not available")
            reservations.append((sku.id, warehouse, quantity))
            total_items += price * quantity
            total_freight += freight
            order_items.append((sku, item, info, warehouse))
        if payment_value != total_items + total_freight:
            raise bad(
                "FMT007",
                f"marketplacePaymentValue {payment_value} differs from items + freight {total_items + total_freight}",
            )
        for sku_id, warehouse, quantity in reservations:
            self._row(sku_id, warehouse).reserved += quantity
        order_id = f"{affiliate_id}-{marketplace_id}-01"
        masked = hashlib.sha1(str(profile["email"]).encode(), usedforsecurity=False).hexdigest()
        masked_email = f"{masked}@ct.vtex.com.br"
        created = now_iso()
        view_items = []
        view_logistics = []
        for index, (sku, item, info, warehouse) in enumerate(order_items):
            product = self.products[sku.product_id]
            record = self.prices[sku.id]
            view_items.append(
                {
                    "uniqueId": hashlib.md5(f"{order_id}{index}".encode(), usedforsecurity=False).hexdigest().upper(),
                    "id": str(sku.id),
                    "productId": str(sku.product_id),
                    "ean": sku.ean,
                    "lockId": f"{order_id}-lock",
                    "refId": f"SKU-{sku.id}",
                    "name": sku.name,
                    "quantity": item["quantity"],
                    "seller": "1",
                    "sellerSku": str(sku.id),
                    "priceTable": None,
                    "price": item["price"],
                    "listPrice": cents(record.list_price or record.base_price),
                    "sellingPrice": item["price"],
                    "costPrice": cents(record.cost_price or Decimal(0)),
                    "tax": 0,
                    "commission": item.get("commission"),
                    "freightCommission": item.get("freightCommission"),
                    "measurementUnit": "un",
                    "unitMultiplier": 1.0,
                    "imageUrl": sku.images[0] if sku.images else None,
                    "detailUrl": f"/{product['name'].lower().replace(' ', '-')}/p",
                    "priceTags": [],
                    "isGift": False,
                    "components": [],
                    "bundleItems": [],
                    "attachments": [],
                    "offerings": [],
                }
            )
            name, estimate, _, _ = SLAS[info["selectedSla"]]
            view_logistics.append(
                {
                    "itemIndex": index,
                    "selectedSla": info["selectedSla"],
                    "selectedDeliveryChannel": info.get("selectedDeliveryChannel") or "delivery",
                    "deliveryCompany": "Transportadora Demo",
                    "addressId": f"{order_id}-addr",
                    "shippingEstimate": info.get("shippingEstimate") or estimate,
                    "shippingEstimateDate": None,
                    "lockTTL": info.get("lockTTL") or "8d",
                    "price": info["price"],
                    "listPrice": info["price"],
                    "sellingPrice": info["price"],
                    "deliveryWindow": info.get("deliveryWindow"),
                    "deliveryIds": [
                        {
                            "courierId": "1",
                            "courierName": "Transportadora Demo",
                            "dockId": DOCK_ID,
                            "quantity": item["quantity"],
                            "warehouseId": warehouse,
                            "kitItemDetails": [],
                        }
                    ],
                    "slas": [
                        {
                            "id": sid,
                            "name": sla[0],
                            "shippingEstimate": sla[1],
                            "price": sla[2] + sla[3] * item["quantity"],
                        }
                        for sid, sla in SLAS.items()
                    ],
                    "shipsTo": ["BRA"],
                    "pickupStoreInfo": {"isPickupStore": False},
                }
            )
        address_view = {**address, "addressId": f"{order_id}-addr"}
        profile_view = {**profile, "email": masked_email}
        data = {
            "orderId": order_id,
            "sequence": str(next(self._sequence)),
            "marketplaceOrderId": marketplace_id,
            "marketplaceServicesEndpoint": order["marketplaceServicesEndpoint"],
            "sellerOrderId": f"00-{order_id}",
            "origin": "Fulfillment",
            "affiliateId": affiliate_id,
            "salesChannel": sales_channel,
            "merchantName": None,
            "status": None,
            "statusDescription": None,
            "workflowIsInError": False,
            "value": total_items + total_freight,
            "creationDate": created,
            "lastChange": created,
            "orderGroup": None,
            "followUpEmail": masked_email,
            "hostname": self.account,
            "isCompleted": True,
            "allowCancellation": True,
            "allowEdition": False,
            "isCheckedIn": False,
            "authorizedDate": None,
            "invoicedDate": None,
            "cancelReason": None,
            "cancellationData": None,
            "totals": [
                {"id": "Items", "name": "Total dos Itens", "value": total_items},
                {"id": "Discounts", "name": "Total dos Descontos", "value": 0},
                {"id": "Shipping", "name": "Total do Frete", "value": total_freight},
                {"id": "Tax", "name": "Total da Taxa", "value": 0},
            ],
            "sellers": [{"id": "1", "name": self.account, "logo": "", "fulfillmentEndpoint": None}],
            "items": view_items,
            "clientProfileData": profile_view,
            "shippingData": {
                "id": "shippingData",
                "address": address_view,
                "logisticsInfo": view_logistics,
                "trackingHints": None,
                "selectedAddresses": [address_view],
                "isFOB": False,
            },
            "paymentData": None,
            "packageAttachment": {"packages": []},
            "invoiceData": None,
            "customData": order.get("customData"),
            "openTextField": order.get("openTextField"),
            "marketingData": order.get("marketingData"),
            "changesAttachment": None,
            "marketplace": {"baseURL": order["marketplaceServicesEndpoint"], "isCertified": None, "name": affiliate_id},
        }
        record = OrderRecord(data=data, affiliate_id=affiliate_id, reservations=reservations)
        self.orders[order_id] = record
        self.by_marketplace_id[(affiliate_id, marketplace_id)] = order_id
        self._move(record, "order-accepted")
        self._move(record, "waiting-ffmt-authorization")
        return {
            "marketplaceOrderId": marketplace_id,
            "orderId": order_id,
            "followUpEmail": masked_email,
            "items": [
                {**dict(item), "priceTable": None, "measurementUnit": "un", "unitMultiplier": 1.0} for item in items
            ],
            "clientProfileData": profile_view,
            "shippingData": {
                "isFOB": False,
                "address": address_view,
                "selectedAddresses": [address_view],
                "logisticsInfo": [
                    {
                        **dict(info),
                        "addressId": address_view["addressId"],
                        "selectedDeliveryChannel": "delivery",
                        "deliveryIds": [{"warehouseId": w, "dockId": DOCK_ID}],
                    }
                    for (_, _, info, w) in order_items
                ],
                "trackingHints": None,
            },
            "paymentData": None,
            "customData": order.get("customData"),
        }

    def order(self, order_id: str) -> OrderRecord:
        record = self.orders.get(order_id)
        if record is None:
            raise SandboxError(404, "1", f"Order {order_id} not found")
        return record

    def _move(self, record: OrderRecord, status: str) -> None:
        data = record.data
        last_state, last_change = data["status"], data["lastChange"]
        current = now_iso()
        data["status"] = status
        data["statusDescription"] = STATUS_DESCRIPTIONS.get(status, status)
        data["lastChange"] = current
        data["allowCancellation"] = status in CANCELLABLE or (record.returned and status == "invoiced")
        record.history.append({"status": status, "at": current})
        self.notify(data["orderId"], status, last_state, last_change if last_state else None, current)

    def fulfill(self, order_id: str, body: Any, affiliate_id: str | None) -> dict[str, Any]:
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if not isinstance(body, dict) or not body.get("marketplaceOrderId"):
            raise bad("1", "marketplaceOrderId is required")
        with self.lock:
            record = self.order(order_id)
            if affiliate_id not in (None, "", record.affiliate_id):
                raise bad("1", f"Affiliate {affiliate_id} does not own order {order_id}")
            if body["marketplaceOrderId"] != record.data["marketplaceOrderId"]:
                raise bad("1", f"marketplaceOrderId {body['marketplaceOrderId']} does not match order {order_id}")
            if record.data["status"] != "waiting-ffmt-authorization":
                raise SandboxError(
                    409,
                    "OMS003",
                    "Order status should be waiting-ffmt-authorization to perform "
                    f"this action (current: {record.data['status']})",
                )
            self._move(record, "authorize-fulfillment")
            record.data["authorizedDate"] = now_iso()
            self._move(record, "window-to-cancel")
            record.window_due = self.clock() + self.cancel_window_seconds
            self.windows[order_id] = record.window_due
            self.advance_due()
            data = record.data
            return {
                "date": now_iso(),
                "marketplaceOrderId": data["marketplaceOrderId"],
                "orderId": order_id,
                "receipt": self._receipt(),
                "items": [{"id": i["id"]} for i in data["items"]],
                "shippingData": {
                    "logisticsInfo": [
                        {
                            "itemIndex": li["itemIndex"],
                            "selectedSla": li["selectedSla"],
                            "selectedDeliveryChannel": li["selectedDeliveryChannel"],
                            "shippingEstimateDate": li["shippingEstimateDate"],
                        }
                        for li in data["shippingData"]["logisticsInfo"]
                    ]
                },
            }

    def advance_due(self) -> int:
        """Moves orders whose cancellation window has passed to ready-for-handling."""
        moved = 0
        now = self.clock()
        with self.lock:
            for record in self.orders.values():
                if (
                    record.window_due is not None
                    and record.data["status"] == "window-to-cancel"
                    and record.window_due <= now
                ):
                    record.window_due = None
                    self._move(record, "ready-for-handling")
                    moved += 1
        return moved

    # --- OMS -----------------------------------------------------------------------------------

    def start_handling(self, order_id: str) -> None:
        with self.lock:
            record = self.order(order_id)
            if record.data["status"] != "ready-for-handling":
                raise SandboxError(409, "OMS003", "Order status should be ready-for-handling to perform this action")
            self._move(record, "start-handling")
            self._move(record, "handling")

    def cancel(self, order_id: str, body: Any) -> dict[str, Any]:
        reason = body.get("reason") if isinstance(body, dict) else None
        with self.lock:
            record = self.order(order_id)
            status = record.data["status"]
            if status == "canceled":
                return {"date": now_iso(), "orderId": order_id, "receipt": None}
            if status in ("invoice", "invoiced") and not record.returned:
                raise bad(
                    "1", f"Order {order_id} is invoiced and cannot be canceled; post a return (Input) invoice first"
                )
            if status not in CANCELLABLE and status != "invoiced":
                raise bad("1", f"Order {order_id} in status {status} cannot be canceled")
            self._release(record)
            record.data["cancelReason"] = reason
            record.data["cancellationData"] = {
                "RequestedByUser": False,
                "RequestedBySystem": False,
                "RequestedBySellerNotification": True,
                "RequestedByPaymentNotification": False,
                "Reason": reason,
                "CancellationDate": now_iso(),
            }
            record.window_due = None
            self._move(record, "cancel")
            self._move(record, "canceled")
            return {"date": now_iso(), "orderId": order_id, "receipt": self._receipt()}

    def _release(self, record: OrderRecord) -> None:
        if record.reserved:
            for sku_id, warehouse, quantity in record.reservations:
                row = self._row(sku_id, warehouse)
                row.reserved = max(0, row.reserved - quantity)
            record.reserved = False

    def invoice(self, order_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad("1", "invoice body must be an object")
        invoice_type = body.get("type")
        if invoice_type not in ("Output", "Input"):
            raise bad("1", "type must be Output or Input")
        for name in ("issuanceDate", "invoiceNumber"):
            if not body.get(name) or not isinstance(body[name], str):
                raise bad("1", f"{name} is required")
        value = body.get("invoiceValue")
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("1", "invoiceValue is required, in cents (integer)")
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise bad("1", "items are required")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise bad("CHK0022", "invoice items need an id (string)")
            if isinstance(item.get("price"), bool) or not isinstance(item.get("price"), int):
                raise bad("CHK0025", f"invoice item {item.get('id')} price must be integer cents")
            if isinstance(item.get("quantity"), bool) or not isinstance(item.get("quantity"), int):
                raise bad("CHK0023", f"invoice item {item.get('id')} quantity must be an integer")
        embedded = body.get("embeddedInvoice")
        if embedded is not None:
            if not isinstance(embedded, str):
                raise bad("1", "embeddedInvoice must be a string (the XML)")
            if embedded.lstrip().startswith("<"):
                try:
                    ET.fromstring(embedded)  # noqa: S314 - local sandbox, input from our own tests/demo
                except ET.ParseError as error:
                    raise bad("1", f"embeddedInvoice is not well-formed XML: {error}") from None
        with self.lock:
            record = self.order(order_id)
            status = record.data["status"]
            if status not in INVOICEABLE:
                raise bad("ORD039", f"Order {order_id} is in state {status} and cannot accept invoice")
            order_ids = {i["id"] for i in record.data["items"]}
            for item in items:
                if item["id"] not in order_ids:
                    raise bad("1", f"invoice item {item['id']} is not in order {order_id}")
            package = {
                "type": invoice_type,
                "invoiceNumber": body["invoiceNumber"],
                "invoiceValue": value,
                "invoiceUrl": body.get("invoiceUrl"),
                "invoiceKey": body.get("invoiceKey"),
                "issuanceDate": body["issuanceDate"],
                "embeddedInvoice": embedded,
                "courier": body.get("courier"),
                "trackingNumber": body.get("trackingNumber"),
                "trackingUrl": body.get("trackingUrl"),
                "dispatchedDate": body.get("dispatchedDate"),
                "items": [
                    {
                        "itemIndex": next(i for i, o in enumerate(record.data["items"]) if o["id"] == it["id"]),
                        "quantity": it["quantity"],
                        "price": it["price"],
                        "description": it.get("description"),
                        "unitMultiplier": 1.0,
                    }
                    for it in items
                ],
                "courierStatus": None,
                "cfop": None,
                "volumes": None,
                "EnableInferItems": None,
                "restitutions": {},
                "receipt": self._receipt(),
            }
            record.data["packageAttachment"]["packages"].append(package)
            if invoice_type == "Input":
                record.returned = True
                record.data["allowCancellation"] = True
                for it in items:  # a return puts the goods back on the shelf
                    sku_id = int(it["id"])
                    warehouse = next((w for s, w, _ in record.reservations if s == sku_id), self.warehouses[0])
                    self._row(sku_id, warehouse).total += it["quantity"]
            elif status != "invoiced":
                if record.reserved:  # invoicing consumes the reservation: the goods left the warehouse
                    for sku_id, warehouse, quantity in record.reservations:
                        row = self._row(sku_id, warehouse)
                        row.reserved = max(0, row.reserved - quantity)
                        row.total = max(0, row.total - quantity)
                    record.reserved = False
                record.data["invoicedDate"] = now_iso()
                self._move(record, "invoice")
                self._move(record, "invoiced")
            return {"date": now_iso(), "orderId": order_id, "receipt": package["receipt"]}

    def _package(self, record: OrderRecord, invoice_number: str) -> dict[str, Any]:
        for package in record.data["packageAttachment"]["packages"]:
            if package["invoiceNumber"] == invoice_number:
                return package
        raise SandboxError(404, "ORD038", f"Invoice {invoice_number} not found for order {record.data['orderId']}")

    def tracking(self, order_id: str, invoice_number: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("trackingNumber"):
            raise bad("1", "trackingNumber is required")
        with self.lock:
            record = self.order(order_id)
            package = self._package(record, invoice_number)
            for name in ("trackingNumber", "trackingUrl", "dispatchedDate", "courier"):
                if body.get(name) is not None:
                    package[name] = body[name]
            record.data["lastChange"] = now_iso()
            return {"date": now_iso(), "orderId": order_id, "receipt": self._receipt()}

    def tracking_events(self, order_id: str, invoice_number: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("isDelivered"), bool):
            raise bad("1", "isDelivered is required")
        with self.lock:
            record = self.order(order_id)
            package = self._package(record, invoice_number)
            package["courierStatus"] = {
                "status": "delivered" if body["isDelivered"] else "in-transit",
                "finished": body["isDelivered"],
                "deliveredDate": body.get("deliveredDate"),
                "data": list(body.get("events") or []),
            }
            return {"date": now_iso(), "orderId": order_id, "receipt": self._receipt()}

    def list_orders(self, status: str | None, affiliate_id: str | None) -> dict[str, Any]:
        rows = [
            r.data
            for r in self.orders.values()
            if (not status or r.data["status"] == status) and (not affiliate_id or r.affiliate_id == affiliate_id)
        ]
        rows.sort(key=lambda d: d["creationDate"], reverse=True)
        summary = [
            {
                k: d[k]
                for k in (
                    "orderId",
                    "creationDate",
                    "status",
                    "statusDescription",
                    "value",
                    "marketplaceOrderId",
                    "affiliateId",
                    "salesChannel",
                )
            }
            for d in rows[:100]
        ]
        return {"list": summary, "paging": {"total": len(rows), "pages": 1, "currentPage": 1, "perPage": 100}}

    # --- admin: advance ------------------------------------------------------------------------

    def advance(self, order_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Move an order forward to `to`, through the seller flow (hooks fire for every step)."""
        target = body.get("to")
        with self.lock:
            record = self.order(order_id)
            if target == "canceled":
                self.cancel(order_id, {"reason": body.get("reason") or "Cancelado pelo sandbox"})
                return record.data
            if target not in SELLER_FLOW:
                raise bad("1", f"to must be one of {', '.join(SELLER_FLOW)} or canceled")
            if record.data["status"] not in SELLER_FLOW:
                raise bad("1", f"order is {record.data['status']}")
            goal = SELLER_FLOW.index(target)
            if SELLER_FLOW.index(record.data["status"]) >= goal:
                return record.data
            if record.data["status"] == "waiting-ffmt-authorization":
                self.fulfill(order_id, {"marketplaceOrderId": record.data["marketplaceOrderId"]}, None)
            if record.data["status"] == "window-to-cancel" and goal >= SELLER_FLOW.index("ready-for-handling"):
                record.window_due = None
                self._move(record, "ready-for-handling")
            if record.data["status"] == "ready-for-handling" and goal >= SELLER_FLOW.index("handling"):
                self.start_handling(order_id)
            if goal >= SELLER_FLOW.index("invoiced") and record.data["status"] != "invoiced":
                self.invoice(order_id, self.demo_invoice(record, body))
            return record.data

    def demo_invoice(self, record: OrderRecord, body: Mapping[str, Any]) -> dict[str, Any]:
        given = dict(body.get("invoice") or {})
        data = record.data
        number = given.get("invoiceNumber") or str(int(data["sequence"]) + 1000)
        key = given.get("invoiceKey") or nfe_access_key(number, data["sequence"])
        issued = given.get("issuanceDate") or now_iso()
        xml = body.get("embedded_invoice")
        if xml is None and body.get("with_xml", True):
            xml = nfe_xml(data, number, key, issued)
        invoice = {
            "type": "Output",
            "invoiceNumber": number,
            "invoiceKey": key,
            "issuanceDate": issued,
            "invoiceValue": data["value"],
            "invoiceUrl": f"https://nfe.example.com.br/{key}.xml",
            "embeddedInvoice": xml,
            "courier": "Transportadora Demo",
            "trackingNumber": None,
            "trackingUrl": None,
            "dispatchedDate": None,
            "items": [
                {"id": i["id"], "price": i["price"], "quantity": i["quantity"], "description": i["name"]}
                for i in data["items"]
            ],
        }
        invoice.update(given)
        return invoice


def _mod11(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(reversed(digits)))
    rest = total % 11
    return "0" if rest < 2 else str(11 - rest)


def nfe_access_key(number: str, sequence: str, cnpj: str = "12345678000195") -> str:
    """A well-formed 44-digit NF-e access key (SP, model 55, series 1) with its mod-11 check digit."""
    now = datetime.now(UTC)
    numeric = "".join(c for c in number if c.isdigit())[-9:].zfill(9)
    body = f"35{now:%y%m}{cnpj}55001{numeric}1{sequence[-8:].zfill(8)}"
    return body + _mod11(body)


def nfe_xml(order: Mapping[str, Any], number: str, key: str, issued: str) -> str:
    """A small, well-formed NF-e (nfeProc) for the demo; not a signed, schema-complete document."""
    items = "".join(
        f'<det nItem="{n}"><prod><cProd>{i["id"]}</cProd><cEAN>{i.get("ean") or "SEM GTIN"}</cEAN>'
        f"<xProd>{_xml_text(i['name'])}</xProd><NCM>61091000</NCM><CFOP>5102</CFOP><uCom>UN</uCom>"
        f"<qCom>{i['quantity']}.0000</qCom><vUnCom>{i['price'] / 100:.2f}</vUnCom>"
        f"<vProd>{i['price'] * i['quantity'] / 100:.2f}</vProd></prod></det>"
        for n, i in enumerate(order["items"], start=1)
    )
    address = order["shippingData"]["address"]
    profile = order["clientProfileData"]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><NFe><infNFe '
        f'Id="NFe{key}" versao="4.00"><ide><cUF>35</cUF><natOp>Venda</natOp><mod>55</mod><serie>1</serie>'
        f"<nNF>{int(''.join(c for c in number if c.isdigit()) or 0)}</nNF><dhEmi>{issued}</dhEmi>"
        "<tpNF>1</tpNF></ide><emit><CNPJ>12345678000195</CNPJ><xNome>Loja Demo Sandbox LTDA</xNome></emit>"
        f"<dest><CPF>{_xml_text(profile.get('document') or '')}</CPF>"
        f"<xNome>{_xml_text(address.get('receiverName') or '')}</xNome></dest>{items}"
        f"<total><ICMSTot><vNF>{order['value'] / 100:.2f}</vNF></ICMSTot></total></infNFe></NFe>"
        f'<protNFe versao="4.00"><infProt><chNFe>{key}</chNFe><dhRecbto>{issued}</dhRecbto>'
        "<nProt>135000000000001</nProt><cStat>100</cStat><xMotivo>Autorizado o uso da NF-e</xMotivo>"
        "</infProt></protNFe></nfeProc>"
    )


def _xml_text(value: str) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
