"""A product group -> the TikTok product it becomes (ProductDraft), with every problem found on the way.

* title: the words the group's titles share (variants usually append colour/size), else the first title;
* SKUs: seller_sku = the feed item id (the VTEX SKU id, which stock, price and orders read through
  ssxml_tik_tok_products_seller_sku); price = the sale price while it is effective, else the price;
  GTIN as identifier_code; inventory 0 in the client's TikTok warehouse (the stock flow sends the real
  quantity right after creation, so nothing is sold before VTEX stock is known);
* sales attributes from color / size (matched to the category's sales properties by name, listed value
  ids where a value matches), only when the product has several SKUs; every SKU needs each axis;
* product attributes: for every attribute of the category, the feed field the client configured
  (`attribute_fields`) or the one its name says (Material, Gênero, Padrão, Faixa etária, Marca, Modelo),
  translated through `value_map` (plus built-in gender words), else the client's `attribute_defaults`;
  values matched to the listed ones; a value not listed is a problem unless the attribute is customizable;
* package weight: the heaviest SKU's shipping_weight, else `default_package_weight_kg`; dimensions: the
  first SKU with all three, else `default_package_dimensions`.

Problems block only this product (`ProductDraft.problems`); warnings are reported and do not block.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.models.client import CatalogRules

from .categories import CategoryInfo
from .grouping import MAX_SKUS_PER_PRODUCT, ProductGroup
from .models import FeedItem

TITLE_MAX = 255
MAX_IMAGES = 9
MAX_SALES_TYPES = 3

_AXES: tuple[tuple[str, frozenset[str]], ...] = (
    ("color", frozenset({"cor", "color", "colour", "cores"})),
    ("size", frozenset({"tamanho", "size", "tam"})),
)
# TikTok attribute name (folded) -> the FeedItem field that fills it.
_FIELD_BY_NAME = {
    "material": "material", "materiais": "material", "genero": "gender", "gender": "gender", "padrao": "pattern",
    "estampa": "pattern", "pattern": "pattern", "faixa etaria": "age_group", "idade": "age_group",
    "marca": "brand", "modelo": "mpn",
}
_BUILTIN_VALUES = {"female": "Feminino", "male": "Masculino", "unisex": "Unissex", "feminino": "Feminino",
                   "masculino": "Masculino", "unissex": "Unissex", "adult": "Adulto", "kids": "Infantil"}


def fold(text: str) -> str:
    """Case- and accent-insensitive form (TikTok value names are matched this way)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    message: str
    field: str | None = None
    seller_sku: str | None = None


class SkuDraft(BaseModel):
    model_config = ConfigDict(frozen=True)

    seller_sku: str
    price: Decimal
    currency: str
    sales_attributes: tuple[dict[str, str], ...] = ()
    identifier_code: dict[str, str] | None = None


class ProductDraft(BaseModel):
    model_config = ConfigDict(frozen=True)

    group_key: str
    title: str
    description: str
    category_id: str
    brand_name: str | None = None
    image_urls: tuple[str, ...] = ()
    skus: tuple[SkuDraft, ...] = ()
    package_weight_kg: Decimal | None = None
    package_dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None
    product_attributes: tuple[dict[str, Any], ...] = ()
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    def payload(self, *, image_uris: list[str], brand_id: str | None, warehouse_id: str,
                idempotency_key: str) -> dict[str, Any]:
        """The create-product body (202309)."""
        body: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "category_id": self.category_id,
            "main_images": [{"uri": uri} for uri in image_uris],
            "skus": [
                {
                    "seller_sku": sku.seller_sku,
                    "price": {"amount": f"{sku.price:.2f}", "currency": sku.currency},
                    "inventory": [{"warehouse_id": warehouse_id, "quantity": 0}],
                    **({"sales_attributes": [dict(a) for a in sku.sales_attributes]} if sku.sales_attributes else {}),
                    **({"identifier_code": dict(sku.identifier_code)} if sku.identifier_code else {}),
                }
                for sku in self.skus
            ],
            "package_weight": {"value": f"{self.package_weight_kg:.2f}", "unit": "KILOGRAM"},
            "product_attributes": [dict(a) for a in self.product_attributes],
            "external_product_id": self.group_key[:50],
            "idempotency_key": idempotency_key,
        }
        if brand_id:
            body["brand_id"] = brand_id
        if self.package_dimensions_cm:
            length, width, height = self.package_dimensions_cm
            body["package_dimensions"] = {"length": f"{length:.0f}", "width": f"{width:.0f}",
                                          "height": f"{height:.0f}", "unit": "CENTIMETER"}
        return body


class MappingContext(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    rules: CatalogRules = Field(default_factory=CatalogRules)
    now: datetime


def common_title(items: tuple[FeedItem, ...]) -> str:
    titles = [item.title.split() for item in items]
    shared: list[str] = []
    for words in zip(*titles, strict=False):
        if any(w != words[0] for w in words):
            break
        shared.append(words[0])
    title = " ".join(shared).rstrip(" -,/|\u2013") if len(items) > 1 else ""
    return title if len(title.split()) >= 2 else items[0].title


def _identifier(gtin: str | None) -> dict[str, str] | None:
    if not gtin:
        return None
    return {"code": gtin, "type": {13: "EAN", 12: "UPC"}.get(len(gtin), "GTIN")}


def _match_value(attribute: dict[str, Any], name: str) -> dict[str, str] | None:
    wanted = fold(name)
    for value in attribute.get("values") or []:
        if fold(str(value.get("name", ""))) == wanted:
            return {"id": str(value["id"]), "name": str(value["name"])}
    return None


class _Mapper:
    def __init__(self, group: ProductGroup, category: CategoryInfo, context: MappingContext) -> None:
        self.group = group
        self.items = group.items
        self.category = category
        self.rules = context.rules
        self.now = context.now
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, rule: str, message: str, **kw: Any) -> None:
        self.problems.append(Problem(rule=rule, message=message, **kw))

    def warn(self, rule: str, message: str, **kw: Any) -> None:
        self.warnings.append(Problem(rule=rule, message=message, **kw))

    # ---------------------------------------------------------------- SKUs and sales attributes
    def skus(self) -> list[SkuDraft]:
        if len(self.items) > MAX_SKUS_PER_PRODUCT:
            self.problem("sku_count", f"{len(self.items)} SKUs in one product (TikTok takes at most 100)")
        multi = len(self.items) > 1
        axes = [(field, names) for field, names in _AXES if multi and any(getattr(i, field) for i in self.items)]
        if multi and not axes:
            self.problem("sales_attributes_missing",
                         f"{len(self.items)} SKUs in the group and none has a color or size to tell them apart")
        if len(axes) > MAX_SALES_TYPES:  # pragma: no cover - two axes today
            self.problem("sales_attribute_types", "more than 3 sales attribute types")
        out, combos = [], {}
        for item in self.items:
            price = item.selling_price(self.now)
            if price.currency != "BRL":
                self.problem("price_currency", f"price in {price.currency}; the shop sells in BRL",
                             field="price", seller_sku=item.id)
            if price.amount <= 0:
                self.problem("price_invalid", "price must be greater than 0", field="price", seller_sku=item.id)
            attributes = [a for a in (self._sales_value(item, f, n) for f, n in axes) if a is not None]
            combo = tuple(sorted((a.get("id") or a.get("name", ""), a.get("value_id") or fold(a.get("value_name", "")))
                                 for a in attributes))
            if multi and combo in combos:
                self.problem("sales_attributes_duplicate",
                             f"SKUs {combos[combo]} and {item.id} have the same {'/'.join(f for f, _ in axes)}",
                             seller_sku=item.id)
            combos.setdefault(combo, item.id)
            out.append(SkuDraft(seller_sku=item.id, price=price.amount, currency=price.currency,
                                sales_attributes=tuple(attributes), identifier_code=_identifier(item.gtin)))
        return out

    def _sales_value(self, item: FeedItem, field: str, names: frozenset[str]) -> dict[str, str] | None:
        value = getattr(item, field)
        if not value:
            self.problem("sales_attributes_missing", f"SKU {item.id} has no {field} (its variants have one)",
                         field=field, seller_sku=item.id)
            return None
        attribute = next((a for a in self.category.sales_attributes if fold(str(a.get("name", ""))) in names), None)
        if attribute is None:  # a custom sales attribute, declared by name
            return {"name": {"color": "Cor", "size": "Tamanho"}[field], "value_name": value}
        listed = _match_value(attribute, value)
        if listed:
            return {"id": str(attribute["id"]), "value_id": listed["id"]}
        if not attribute.get("is_customizable", True):
            self.problem("attribute_value_not_listed",
                         f"{attribute['name']} {value!r} of SKU {item.id} is not one of the category's values",
                         field=field, seller_sku=item.id)
            return None
        return {"id": str(attribute["id"]), "value_name": value}

    # ---------------------------------------------------------------- product attributes
    def _feed_values(self, attribute: dict[str, Any]) -> list[str]:
        attribute_id = str(attribute["id"])
        field = (self.rules.attribute_fields.get(attribute_id)
                 or _FIELD_BY_NAME.get(fold(str(attribute.get("name", "")))))
        values: list[str] = []
        if field:
            for item in self.items:
                raw = item.custom_labels.get(field) if field.startswith("custom_label_") else getattr(item, field, None)
                if raw:
                    separators = raw.replace("/", ",").split(",") if attribute.get("is_multiple_selection") else [raw]
                    values = [v.strip() for v in separators if v.strip()]
                    break
        if not values:
            defaults = self.rules.attribute_defaults
            values = list((defaults.get(self.category.category_id) or {}).get(attribute_id)
                          or (defaults.get("*") or {}).get(attribute_id) or [])
        mapped = []
        for value in values:
            table = {**{fold(k): v for k, v in (self.rules.value_map.get("*") or {}).items()},
                     **{fold(k): v for k, v in (self.rules.value_map.get(attribute_id) or {}).items()}}
            mapped.append(table.get(fold(value)) or _BUILTIN_VALUES.get(fold(value)) or value)
        return list(dict.fromkeys(mapped))

    def product_attributes(self) -> list[dict[str, Any]]:
        out = []
        for attribute in self.category.product_attributes:
            label = f"{attribute['id']} ({attribute.get('name')})"
            required = bool(attribute.get("is_requried") or attribute.get("is_required"))
            values = self._feed_values(attribute)
            if not values:
                if required:
                    self.problem("attribute_required", f"required attribute {label} has no value (feed field or "
                                 "client default)", field=str(attribute["id"]))
                continue
            if len(values) > 1 and not attribute.get("is_multiple_selection"):
                self.warn("attribute_single_value", f"{label} takes one value; {values[0]!r} kept",
                          field=str(attribute["id"]))
                values = values[:1]
            chosen = []
            for value in values:
                listed = _match_value(attribute, value)
                if listed:
                    chosen.append({"id": listed["id"]})
                elif attribute.get("is_customizable"):
                    chosen.append({"name": value})
                elif required:
                    self.problem("attribute_value_not_listed",
                                 f"{label}: {value!r} is not one of its values", field=str(attribute["id"]))
                else:
                    self.warn("attribute_value_not_listed", f"{label}: {value!r} is not one of its values; left out",
                              field=str(attribute["id"]))
            if chosen:
                out.append({"id": str(attribute["id"]), "values": chosen})
        return out

    # ---------------------------------------------------------------- package, title, images
    def package(self) -> tuple[Decimal | None, tuple[Decimal, Decimal, Decimal] | None]:
        weights = [i.shipping_weight_kg for i in self.items if i.shipping_weight_kg]
        weight = max(weights) if weights else self.rules.default_package_weight_kg
        if weight is None:
            self.problem("package_weight_missing", "no shipping_weight in the feed and no default package weight",
                         field="shipping_weight")
        else:
            weight = max(weight.quantize(Decimal("0.01")), Decimal("0.01"))
        dims = next(((i.product_length_cm, i.product_width_cm, i.product_height_cm) for i in self.items
                     if i.product_length_cm and i.product_width_cm and i.product_height_cm), None)
        default = self.rules.default_package_dimensions
        if dims is None and default is not None:
            dims = (default.length_cm, default.width_cm, default.height_cm)
        if dims is not None:
            dims = tuple(max(d.quantize(Decimal(1)), Decimal(1)) for d in dims)  # type: ignore[assignment]
        if dims is None and self.category.dimensions_required:
            self.problem("package_dimensions_required", f"category {self.category.category_id} requires package "
                         "dimensions: none in the feed and no default", field="product_length")
        return weight, dims

    def images(self) -> tuple[str, ...]:
        urls = list(dict.fromkeys(u for item in self.items for u in item.images))
        if not urls:
            self.problem("image_count", "no image_link in the group (TikTok needs 1 to 9 images)", field="image_link")
        if len(urls) > MAX_IMAGES:
            self.warn("image_count", f"{len(urls)} images; the first {MAX_IMAGES} are listed")
        return tuple(urls[:MAX_IMAGES])

    def title(self) -> str:
        title = common_title(self.items)
        if len(title) > TITLE_MAX:
            self.problem("title_length", f"title has {len(title)} characters (TikTok takes at most {TITLE_MAX})",
                         field="title")
        return title

    def description(self) -> str:
        description = next((i.description for i in self.items if i.description), "")
        if not description:
            self.problem("description_missing", "no description in the group (TikTok requires one)",
                         field="description")
        return description


def map_group(group: ProductGroup, category: CategoryInfo, context: MappingContext) -> ProductDraft:
    """The draft of one product group in its (already checked) category; problems listed, never raised."""
    mapper = _Mapper(group, category, context)
    title = mapper.title()
    description = mapper.description()
    skus = mapper.skus()
    attributes = mapper.product_attributes()
    weight, dims = mapper.package()
    images = mapper.images()
    brand = next((i.brand for i in group.items if i.brand), None)
    for item in group.items:
        mapper.warnings.extend(Problem(rule="feed_value_ignored", message=w.message, field=w.field, seller_sku=item.id)
                               for w in item.warnings)
    return ProductDraft(
        group_key=group.key, title=title, description=description, category_id=category.category_id,
        brand_name=brand, image_urls=images, skus=tuple(skus), package_weight_kg=weight, package_dimensions_cm=dims,
        product_attributes=tuple(attributes), problems=tuple(mapper.problems), warnings=tuple(mapper.warnings))
