"""Product API: products, stock and prices, brands, categories, attributes, images."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.tiktok.core import ClientCore, Json, clean, iter_items
from tiktok_vtex.clients.tiktok.models import BatchResult, CreatedProduct, ImageUpload, Page

MAX_PRODUCT_IDS_PER_CALL = 20


class ProductApi(ClientCore):
    def create_product(self, product: Mapping[str, Any]) -> CreatedProduct:
        """Create a product. An ``idempotency_key`` is added when absent, so a retry after a timeout
        cannot list the product twice (the body, key included, is serialized once for every attempt)."""
        body = dict(product)
        body.setdefault("idempotency_key", uuid.uuid4().hex)
        return CreatedProduct.model_validate(self._data("POST", "/product/{version}/products", body=body))

    def get_product(self, product_id: str, *, return_under_review_version: bool | None = None) -> Json:
        return self._data(
            "GET",
            "/product/{version}/products/{product_id}",
            path_params={"product_id": product_id},
            query={"return_under_review_version": return_under_review_version},
        )

    def search_products(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/product/{version}/products/search",
            "products",
            page_size=page_size,
            page_token=page_token,
            body=clean(filters),
        )

    def iter_products(self, filters: Mapping[str, Any] | None = None, page_size: int = 100) -> Iterator[Json]:
        return iter_items(lambda token: self.search_products(filters, page_size, token))

    def edit_product(self, product_id: str, product: Mapping[str, Any]) -> Json:
        return self._data(
            "PUT",
            "/product/{version}/products/{product_id}",
            path_params={"product_id": product_id},
            body=dict(product),
        )

    def partial_edit_product(self, product_id: str, changes: Mapping[str, Any]) -> Json:
        return self._data(
            "POST",
            "/product/{version}/products/{product_id}/partial_edit",
            path_params={"product_id": product_id},
            body=dict(changes),
        )

    def _product_batch(self, method: str, template: str, product_ids: Iterable[str]) -> BatchResult:
        ids = [str(p) for p in product_ids]
        chunks = [ids[i : i + MAX_PRODUCT_IDS_PER_CALL] for i in range(0, len(ids), MAX_PRODUCT_IDS_PER_CALL)]
        return self._merge([self._batch(method, template, body={"product_ids": chunk}) for chunk in chunks])

    def activate_products(self, product_ids: Iterable[str]) -> BatchResult:
        return self._product_batch("POST", "/product/{version}/products/activate", product_ids)

    def deactivate_products(self, product_ids: Iterable[str]) -> BatchResult:
        return self._product_batch("POST", "/product/{version}/products/deactivate", product_ids)

    def delete_products(self, product_ids: Iterable[str]) -> BatchResult:
        return self._product_batch("DELETE", "/product/{version}/products", product_ids)

    def update_inventory(self, product_id: str, skus: Sequence[Mapping[str, Any]]) -> BatchResult:
        """``skus``: ``[{"id": sku_id, "inventory": [{"warehouse_id": ..., "quantity": n}]}]``
        (every warehouse of each SKU). Per-SKU failures are in ``result.errors``."""
        return self._batch(
            "POST",
            "/product/{version}/products/{product_id}/inventory/update",
            path_params={"product_id": product_id},
            body={"skus": [dict(s) for s in skus]},
        )

    def update_prices(self, product_id: str, skus: Sequence[Mapping[str, Any]]) -> BatchResult:
        """``skus``: ``[{"id": sku_id, "price": {"amount": "149.90", "currency": "BRL"}}]``.
        A product in a promotion raises TikTokPriceLocked."""
        return self._batch(
            "POST",
            "/product/{version}/products/{product_id}/prices/update",
            path_params={"product_id": product_id},
            body={"skus": [dict(s) for s in skus]},
        )

    def search_inventory(
        self, *, product_ids: Sequence[str] | None = None, sku_ids: Sequence[str] | None = None
    ) -> list[Json]:
        body = clean(
            {"product_ids": list(product_ids) if product_ids else None, "sku_ids": list(sku_ids) if sku_ids else None}
        )
        return list(self._data("POST", "/product/{version}/inventory/search", body=body).get("inventory") or [])

    def get_brands(
        self,
        page_size: int = 100,
        page_token: str | None = None,
        *,
        brand_name: str | None = None,
        category_id: str | None = None,
        is_authorized: bool | None = None,
    ) -> Page:
        return self._page(
            "GET",
            "/product/{version}/brands",
            "brands",
            page_size=page_size,
            page_token=page_token,
            query={"brand_name": brand_name, "category_id": category_id, "is_authorized": is_authorized},
        )

    def iter_brands(self, *, brand_name: str | None = None, page_size: int = 100) -> Iterator[Json]:
        return iter_items(lambda token: self.get_brands(page_size, token, brand_name=brand_name))

    def create_brand(self, name: str) -> str:
        """Create a custom brand (no shop_cipher); returns its id. Duplicate names raise TikTokConflict."""
        data = self._data("POST", "/product/{version}/brands", body={"name": name}, shop_scoped=False)
        return str(data.get("id"))

    def get_categories(
        self, *, keyword: str | None = None, locale: str | None = None, category_version: str | None = None
    ) -> list[Json]:
        data = self._data(
            "GET",
            "/product/{version}/categories",
            query={"keyword": keyword, "locale": locale, "category_version": category_version},
        )
        return list(data.get("categories") or [])

    def get_category_rules(self, category_id: str, *, locale: str | None = None) -> Json:
        return self._data(
            "GET",
            "/product/{version}/categories/{category_id}/rules",
            path_params={"category_id": category_id},
            query={"locale": locale},
        )

    def get_attributes(self, category_id: str, *, locale: str | None = None) -> list[Json]:
        data = self._data(
            "GET",
            "/product/{version}/categories/{category_id}/attributes",
            path_params={"category_id": category_id},
            query={"locale": locale},
        )
        return list(data.get("attributes") or [])

    def recommend_category(
        self, product_title: str, *, description: str | None = None, images: Sequence[str] | None = None
    ) -> Json:
        body = clean(
            {
                "product_title": product_title,
                "description": description,
                "images": [{"uri": uri} for uri in images] if images else None,
            }
        )
        return self._data("POST", "/product/{version}/categories/recommend", body=body)

    def upload_image(
        self,
        content: bytes,
        *,
        filename: str = "image.jpg",
        mime_type: str = "image/jpeg",
        use_case: str = "MAIN_IMAGE",
    ) -> ImageUpload:
        """Multipart upload (no shop_cipher; the multipart body is never signed)."""
        data = self._data(
            "POST",
            "/product/{version}/images/upload",
            files={"data": (filename, content, mime_type)},
            form={"use_case": use_case},
            shop_scoped=False,
        )
        return ImageUpload.model_validate(data)
