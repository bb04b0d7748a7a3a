"""Which TikTok leaf category a product group goes to, and that category's rules and attributes.

Mapping (ssxml_taxonomy_tiktok, the legacy TaxonomyTikTok, keyed by client and the feed's category):
the group's google_product_category (id or path), then its product_type, each as written in the feed
and then by ever shorter path prefixes ("Moda > Roupas > Vestidos", "Moda > Roupas", "Moda"). Without a
mapping, TikTok's recommend-category API is asked and its answer is written to the table with
`source: recommended` and `reviewed: false` (the same feed category then reuses it; an operator
reviews it by setting `source: manual`). A category must be a leaf and AVAILABLE to the seller; a
prohibited, invite-only or unknown category blocks the product with that reason.

Rules and attributes are read once per category per container (TTL `ttl_s`), since every product of a
category needs them and they change rarely.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from tiktok_vtex.repositories.taxonomy import TaxonomyRepository

from .grouping import ProductGroup

__all__ = ["CatalogApi", "CategoryBlocked", "CategoryCatalog", "CategoryChoice", "CategoryInfo", "CategoryResolver",
           "TaxonomyRepository", "normalise_category"]


class CatalogApi(Protocol):
    """The TikTok calls this module makes (TikTokShopClient has them)."""

    def get_categories(self) -> list[dict[str, Any]]: ...
    def get_category_rules(self, category_id: str) -> dict[str, Any]: ...
    def get_attributes(self, category_id: str) -> list[dict[str, Any]]: ...
    def recommend_category(self, product_title: str, *, description: str | None = None) -> dict[str, Any]: ...


class CategoryChoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    category_id: str
    source: str  # "taxonomy" (mapped), "recommended" (TikTok's recommendation, recorded for review)
    feed_category: str | None = None
    name: str | None = None


class CategoryBlocked(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str  # category_unknown | category_not_leaf | category_prohibited | category_invite_only | ...
    message: str
    category_id: str | None = None
    source: str | None = None


def normalise_category(text: str) -> str:
    """The taxonomy key of a feed category: path separators and spaces normalised, case kept."""
    return " > ".join(part.strip() for part in text.replace("&gt;", ">").split(">") if part.strip())


def _candidates(group: ProductGroup, *, prefixes: bool = True) -> list[str]:
    keys: list[str] = []
    for item in group.items:
        for value in (item.google_product_category, item.product_type):
            if not value:
                continue
            parts = normalise_category(value).split(" > ")
            for end in range(len(parts), 0 if prefixes else len(parts) - 1, -1):
                key = " > ".join(parts[:end])
                if key not in keys:
                    keys.append(key)
        if keys:
            break
    return keys


class CategoryInfo(BaseModel):
    """A leaf category's rules and attributes, as TikTok returned them."""

    model_config = ConfigDict(frozen=True)

    category_id: str
    rules: dict[str, Any]
    attributes: tuple[dict[str, Any], ...]

    @property
    def product_attributes(self) -> list[dict[str, Any]]:
        return [a for a in self.attributes if a.get("type") == "PRODUCT_PROPERTY"]

    @property
    def sales_attributes(self) -> list[dict[str, Any]]:
        return [a for a in self.attributes if a.get("type") == "SALES_PROPERTY"]

    @property
    def dimensions_required(self) -> bool:
        return bool((self.rules.get("package_dimension") or {}).get("is_required"))


class CategoryCatalog:
    """The shop's category tree and the rules/attributes of its leaves, cached (module doc)."""

    _shared: dict[tuple[str, str], tuple[float, CategoryInfo]] = {}

    def __init__(self, api: CatalogApi, shop_key: str, *, clock: Callable[[], float] = time.time,
                 ttl_s: float = 6 * 3600) -> None:
        self._api = api
        self._shop = shop_key
        self._clock = clock
        self._ttl = ttl_s
        self._tree: dict[str, dict[str, Any]] | None = None
        self.calls = 0

    def category(self, category_id: str) -> dict[str, Any] | None:
        if self._tree is None:
            self._tree = {str(c["id"]): c for c in self._api.get_categories()}
            self.calls += 1
        return self._tree.get(str(category_id))

    def check(self, category_id: str) -> CategoryBlocked | None:
        category = self.category(category_id)
        if category is None:
            return CategoryBlocked(rule="category_unknown", category_id=category_id,
                                   message=f"category {category_id} is not offered to the shop (unknown or prohibited)")
        statuses = category.get("permission_statuses") or []
        if not category.get("is_leaf"):
            return CategoryBlocked(rule="category_not_leaf", category_id=category_id,
                                   message=f"category {category_id} ({category.get('local_name')}) is not a leaf")
        if "AVAILABLE" not in statuses:
            rule = ("category_prohibited" if "PROHIBITED" in statuses else
                    "category_invite_only" if "INVITE_ONLY" in statuses else "category_not_available")
            return CategoryBlocked(rule=rule, category_id=category_id,
                                   message=f"category {category_id} ({category.get('local_name')}) is not available "
                                           f"to the shop ({', '.join(statuses) or 'no permission'})")
        return None

    def info(self, category_id: str) -> CategoryInfo:
        key = (self._shop, str(category_id))
        hit = self._shared.get(key)
        now = self._clock()
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        info = CategoryInfo(category_id=str(category_id), rules=self._api.get_category_rules(str(category_id)),
                            attributes=tuple(self._api.get_attributes(str(category_id))))
        self.calls += 2
        self._shared[key] = (now, info)
        return info

    @classmethod
    def forget(cls) -> None:
        cls._shared.clear()


class CategoryResolver:
    """Group -> CategoryChoice or CategoryBlocked (module doc)."""

    def __init__(self, client_hash: str, taxonomy: TaxonomyRepository, catalog: CategoryCatalog, api: CatalogApi,
                 *, clock: Callable[[], float] = time.time) -> None:
        self._client = client_hash
        self._taxonomy = taxonomy
        self._catalog = catalog
        self._api = api
        self._clock = clock
        self._cache: dict[str, dict[str, Any]] = {}

    def resolve(self, group: ProductGroup) -> CategoryChoice | CategoryBlocked:
        keys = _candidates(group)
        missing = [k for k in keys if k not in self._cache]
        self._cache.update({k: {} for k in missing})
        self._cache.update(self._taxonomy.get_many(self._client, missing))
        exact = set(_candidates(group, prefixes=False))
        for key in keys:
            row = self._cache.get(key)
            if row and row.get("tik_tok_category_id"):
                choice = CategoryChoice(category_id=str(row["tik_tok_category_id"]), feed_category=key,
                                        source="recommended" if row.get("source") == "recommended" else "taxonomy",
                                        name=row.get("name"))
                checked = self._checked(choice)
                if isinstance(checked, CategoryBlocked) and checked.rule == "category_not_leaf" and key not in exact:
                    continue  # a parent category mapped for a shorter path: ask TikTok for the leaf instead
                return checked
        return self._recommend(group, keys[0] if keys else None)

    def _recommend(self, group: ProductGroup, feed_category: str | None) -> CategoryChoice | CategoryBlocked:
        first = group.items[0]
        answer = self._api.recommend_category(first.title, description=first.description or None)
        leaf = str(answer.get("leaf_category_id") or "")
        if not leaf:
            return CategoryBlocked(rule="category_unmapped", message="no taxonomy mapping and no recommendation")
        chain = answer.get("categories") or []
        name = " > ".join(str(c.get("name")) for c in chain) or None
        if feed_category:
            self._taxonomy.record_recommendation(self._client, feed_category, leaf, name=name, at=int(self._clock()))
            self._cache[feed_category] = {"tik_tok_category_id": leaf, "source": "recommended", "name": name}
        return self._checked(CategoryChoice(category_id=leaf, source="recommended", feed_category=feed_category,
                                            name=name))

    def _checked(self, choice: CategoryChoice) -> CategoryChoice | CategoryBlocked:
        blocked = self._catalog.check(choice.category_id)
        if blocked is not None:
            return blocked.model_copy(update={"source": choice.source})
        return choice
