"""TikTokShopClient: every Partner API call the connector's flows need (API 202309; invoice 202502).

Each call is signed (``signing.py``), sent with the token in ``x-tts-access-token``, rate limited per
(shop, endpoint), retried on 429 / 36009002 / 36009003 / 5xx / timeouts with jittered backoff within
the RetryPolicy's budget, and refreshes the token once on 105002. Per-item failures of batch writes
come back as ``BatchResult.errors``; nothing is swallowed.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.observability import logger, register_secret

from .errors import TikTokTokenExpired
from .models import (
    AuthorizedShop,
    BatchResult,
    CreatedProduct,
    ImageUpload,
    ItemError,
    Page,
    ShippingDocument,
)
from .rate_limit import RateLimiter, limiter_key, process_limiter
from .signing import signed_query
from .tokens import AccessTokenProvider
from .transport import default_http, json_bytes, send_once

MAX_ORDER_IDS_PER_CALL = 50
MAX_PRODUCT_IDS_PER_CALL = 20
INVOICE_MAX_BYTES = 1024 * 1024

Json = dict[str, Any]


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _clean(mapping: Mapping[str, Any] | None) -> Json:
    return {k: v for k, v in (mapping or {}).items() if v is not None}


def iter_pages(fetch: Callable[[str | None], Page]) -> Iterator[Page]:
    """Follow ``next_page_token`` from the first page (no token) until it is empty or absent."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(token)
        yield page
        token = page.next_page_token or None
        if not token:
            return
        if token in seen:  # a server that loops would otherwise never end
            raise RuntimeError("pagination token repeated; stopping")
        seen.add(token)


def iter_items(fetch: Callable[[str | None], Page]) -> Iterator[Json]:
    for page in iter_pages(fetch):
        yield from page.items


class TikTokShopClient:
    """Client for one shop (``shop_cipher``) of one app. Thread-safe if its httpx client is."""

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str,
        shop_cipher: str | None,
        tokens: AccessTokenProvider,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        shop_id: str | None = None,
    ):
        self._app_key = app_key
        self._app_secret = app_secret
        register_secret(app_secret)
        self._base_url = base_url.rstrip("/")
        self.shop_cipher = shop_cipher
        self.shop_id = shop_id
        self._tokens = tokens
        self._http = http or default_http()
        self._limiter = limiter if limiter is not None else process_limiter()
        self._retry = retry or RetryPolicy()
        self._clock = clock

    def __repr__(self) -> str:
        return f"TikTokShopClient(base_url={self._base_url!r}, shop_id={self.shop_id!r})"

    # ------------------------------------------------------------------ core

    def call(
        self,
        method: str,
        template: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
        shop_scoped: bool = True,
        accept_item_errors: bool = False,
    ) -> Json:
        """Send one API call and return the envelope (``code == 0``, or item errors if accepted).

        ``template`` is the path with ``{name}`` placeholders (also the rate-limit key);
        ``shop_scoped`` adds ``shop_cipher`` (endpoints that do not take it must not get it).
        """
        path = template.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        endpoint = f"{method} {template}"
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if shop_scoped:
            if not self.shop_cipher:
                raise ValueError(f"{endpoint} needs a shop_cipher; this client has none")
            params["shop_cipher"] = self.shop_cipher
        multipart = files is not None
        body_bytes = None if multipart or body is None else json_bytes(body)
        key = limiter_key(self.shop_id or self.shop_cipher, template)
        url = self._base_url + path

        def attempt(token: str) -> Json:
            self._limiter.acquire(key)
            signed = signed_query(
                app_key=self._app_key,
                app_secret=self._app_secret,
                path=path,
                timestamp=int(self._clock()),
                query=params,
                body=body_bytes,
            )
            headers = {"x-tts-access-token": token}
            if body_bytes is not None:
                headers["Content-Type"] = "application/json"

            def send() -> httpx.Response:
                if multipart:
                    return self._http.request(
                        method,
                        url,
                        params=signed,
                        headers=headers,
                        files=dict(files or {}),
                        data=dict(form or {}),
                    )
                return self._http.request(method, url, params=signed, headers=headers, content=body_bytes)

            return send_once(send, endpoint, secrets=(self._app_secret, token), accept_item_errors=accept_item_errors)

        token = self._tokens.get_access_token()
        try:
            return self._retry.run(lambda _n: attempt(token))
        except TikTokTokenExpired:
            logger.info("tiktok access token expired; refreshing once", extra={"endpoint": endpoint})
            token = self._tokens.refresh_access_token(token)
            return self._retry.run(lambda _n: attempt(token))

    def _data(self, *args: Any, **kwargs: Any) -> Json:
        return self.call(*args, **kwargs).get("data") or {}

    def _batch(self, *args: Any, **kwargs: Any) -> BatchResult:
        envelope = self.call(*args, accept_item_errors=True, **kwargs)
        data = envelope.get("data") or {}
        errors = data.get("errors") or [] if isinstance(data, dict) else []
        return BatchResult(
            code=int(envelope.get("code") or 0),
            message=str(envelope.get("message") or ""),
            request_id=envelope.get("request_id"),
            data=data if isinstance(data, dict) else {},
            errors=[ItemError.model_validate(e) for e in errors],
        )

    @staticmethod
    def _merge(results: Sequence[BatchResult]) -> BatchResult:
        if len(results) == 1:
            return results[0]
        merged = BatchResult()
        for result in results:
            merged.errors.extend(result.errors)
            if result.code and not merged.code:
                merged.code, merged.message = result.code, result.message
            merged.request_id = merged.request_id or result.request_id
        return merged

    def _page(
        self,
        method: str,
        template: str,
        items_key: str,
        *,
        page_size: int,
        page_token: str | None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        path_params: Mapping[str, Any] | None = None,
    ) -> Page:
        q = {**_clean(query), "page_size": page_size, "page_token": page_token or None}
        data = self._data(method, template, query=q, body=body, path_params=path_params)
        return Page(
            items=list(data.get(items_key) or []),
            next_page_token=data.get("next_page_token") or None,
            total_count=data.get("total_count"),
        )

    # ------------------------------------------------------------------ shops

    def get_authorized_shops(self) -> list[AuthorizedShop]:
        data = self._data("GET", "/authorization/202309/shops", shop_scoped=False)
        return [AuthorizedShop.model_validate(s) for s in data.get("shops") or []]

    # ------------------------------------------------------------------ products

    def create_product(self, product: Mapping[str, Any]) -> CreatedProduct:
        """Create a product. An ``idempotency_key`` is added when absent, so a retry after a timeout
        cannot list the product twice (the body, key included, is serialized once for every attempt)."""
        body = dict(product)
        body.setdefault("idempotency_key", uuid.uuid4().hex)
        return CreatedProduct.model_validate(self._data("POST", "/product/202309/products", body=body))

    def get_product(self, product_id: str, *, return_under_review_version: bool | None = None) -> Json:
        return self._data(
            "GET",
            "/product/202309/products/{product_id}",
            path_params={"product_id": product_id},
            query={"return_under_review_version": return_under_review_version},
        )

    def search_products(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/product/202309/products/search",
            "products",
            page_size=page_size,
            page_token=page_token,
            body=_clean(filters),
        )

    def iter_products(self, filters: Mapping[str, Any] | None = None, page_size: int = 100) -> Iterator[Json]:
        return iter_items(lambda token: self.search_products(filters, page_size, token))

    def edit_product(self, product_id: str, product: Mapping[str, Any]) -> Json:
        return self._data(
            "PUT",
            "/product/202309/products/{product_id}",
            path_params={"product_id": product_id},
            body=dict(product),
        )

    def partial_edit_product(self, product_id: str, changes: Mapping[str, Any]) -> Json:
        return self._data(
            "POST",
            "/product/202309/products/{product_id}/partial_edit",
            path_params={"product_id": product_id},
            body=dict(changes),
        )

    def _product_batch(self, method: str, template: str, product_ids: Iterable[str]) -> BatchResult:
        ids = [str(p) for p in product_ids]
        chunks = [ids[i : i + MAX_PRODUCT_IDS_PER_CALL] for i in range(0, len(ids), MAX_PRODUCT_IDS_PER_CALL)]
        return self._merge([self._batch(method, template, body={"product_ids": chunk}) for chunk in chunks])

    def activate_products(self, product_ids: Iterable[str]) -> BatchResult:
        return self._product_batch("POST", "/product/202309/products/activate", product_ids)

    def deactivate_products(self, product_ids: Iterable[str]) -> BatchResult:
        return self._product_batch("POST", "/product/202309/products/deactivate", product_ids)

    def delete_products(self, product_ids: Iterable[str]) -> BatchResult:
        return self._product_batch("DELETE", "/product/202309/products", product_ids)

    def update_inventory(self, product_id: str, skus: Sequence[Mapping[str, Any]]) -> BatchResult:
        """``skus``: ``[{"id": sku_id, "inventory": [{"warehouse_id": ..., "quantity": n}]}]``
        (every warehouse of each SKU). Per-SKU failures are in ``result.errors``."""
        return self._batch(
            "POST",
            "/product/202309/products/{product_id}/inventory/update",
            path_params={"product_id": product_id},
            body={"skus": [dict(s) for s in skus]},
        )

    def update_prices(self, product_id: str, skus: Sequence[Mapping[str, Any]]) -> BatchResult:
        """``skus``: ``[{"id": sku_id, "price": {"amount": "149.90", "currency": "BRL"}}]``.
        A product in a promotion raises TikTokPriceLocked."""
        return self._batch(
            "POST",
            "/product/202309/products/{product_id}/prices/update",
            path_params={"product_id": product_id},
            body={"skus": [dict(s) for s in skus]},
        )

    def search_inventory(
        self, *, product_ids: Sequence[str] | None = None, sku_ids: Sequence[str] | None = None
    ) -> list[Json]:
        body = _clean(
            {"product_ids": list(product_ids) if product_ids else None, "sku_ids": list(sku_ids) if sku_ids else None}
        )
        return list(self._data("POST", "/product/202309/inventory/search", body=body).get("inventory") or [])

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
            "/product/202309/brands",
            "brands",
            page_size=page_size,
            page_token=page_token,
            query={"brand_name": brand_name, "category_id": category_id, "is_authorized": is_authorized},
        )

    def iter_brands(self, *, brand_name: str | None = None, page_size: int = 100) -> Iterator[Json]:
        return iter_items(lambda token: self.get_brands(page_size, token, brand_name=brand_name))

    def create_brand(self, name: str) -> str:
        """Create a custom brand (no shop_cipher); returns its id. Duplicate names raise TikTokConflict."""
        data = self._data("POST", "/product/202309/brands", body={"name": name}, shop_scoped=False)
        return str(data.get("id"))

    def get_categories(
        self, *, keyword: str | None = None, locale: str | None = None, category_version: str | None = None
    ) -> list[Json]:
        data = self._data(
            "GET",
            "/product/202309/categories",
            query={"keyword": keyword, "locale": locale, "category_version": category_version},
        )
        return list(data.get("categories") or [])

    def get_category_rules(self, category_id: str, *, locale: str | None = None) -> Json:
        return self._data(
            "GET",
            "/product/202309/categories/{category_id}/rules",
            path_params={"category_id": category_id},
            query={"locale": locale},
        )

    def get_attributes(self, category_id: str, *, locale: str | None = None) -> list[Json]:
        data = self._data(
            "GET",
            "/product/202309/categories/{category_id}/attributes",
            path_params={"category_id": category_id},
            query={"locale": locale},
        )
        return list(data.get("attributes") or [])

    def recommend_category(
        self, product_title: str, *, description: str | None = None, images: Sequence[str] | None = None
    ) -> Json:
        body = _clean(
            {
                "product_title": product_title,
                "description": description,
                "images": [{"uri": uri} for uri in images] if images else None,
            }
        )
        return self._data("POST", "/product/202309/categories/recommend", body=body)

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
            "/product/202309/images/upload",
            files={"data": (filename, content, mime_type)},
            form={"use_case": use_case},
            shop_scoped=False,
        )
        return ImageUpload.model_validate(data)

    # ------------------------------------------------------------------ orders

    def search_orders(
        self,
        filters: Mapping[str, Any] | None = None,
        page_size: int = 50,
        page_token: str | None = None,
        *,
        sort_field: str | None = None,
        sort_order: str | None = None,
    ) -> Page:
        return self._page(
            "POST",
            "/order/202309/orders/search",
            "orders",
            page_size=page_size,
            page_token=page_token,
            body=_clean(filters),
            query={"sort_field": sort_field, "sort_order": sort_order},
        )

    def iter_orders(
        self,
        filters: Mapping[str, Any] | None = None,
        page_size: int = 100,
        *,
        sort_field: str | None = None,
        sort_order: str | None = None,
    ) -> Iterator[Json]:
        return iter_items(
            lambda token: self.search_orders(filters, page_size, token, sort_field=sort_field, sort_order=sort_order)
        )

    def get_order_details(self, order_ids: Iterable[str]) -> list[Json]:
        """Order detail, at most 50 ids a call (chunked here)."""
        ids = [str(o) for o in order_ids]
        orders: list[Json] = []
        for i in range(0, len(ids), MAX_ORDER_IDS_PER_CALL):
            chunk = ids[i : i + MAX_ORDER_IDS_PER_CALL]
            orders.extend(self._data("GET", "/order/202309/orders", query={"ids": chunk}).get("orders") or [])
        return orders

    # ------------------------------------------------------------------ fulfillment

    def search_packages(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/fulfillment/202309/packages/search",
            "packages",
            page_size=page_size,
            page_token=page_token,
            body=_clean(filters),
        )

    def iter_packages(self, filters: Mapping[str, Any] | None = None, page_size: int = 50) -> Iterator[Json]:
        return iter_items(lambda token: self.search_packages(filters, page_size, token))

    def get_package(self, package_id: str) -> Json:
        return self._data("GET", "/fulfillment/202309/packages/{package_id}", path_params={"package_id": package_id})

    def ship_package(
        self,
        package_id: str,
        *,
        handover_method: str | None = None,
        pickup_slot: Mapping[str, int] | None = None,
        self_shipment: Mapping[str, str] | None = None,
    ) -> Json:
        body = _clean(
            {
                "handover_method": handover_method,
                "pickup_slot": dict(pickup_slot) if pickup_slot else None,
                "self_shipment": dict(self_shipment) if self_shipment else None,
            }
        )
        return self._data(
            "POST",
            "/fulfillment/202309/packages/{package_id}/ship",
            path_params={"package_id": package_id},
            body=body,
        )

    def get_shipping_document(
        self,
        package_id: str,
        document_type: str = "SHIPPING_LABEL",
        *,
        document_size: str | None = None,
        document_format: str | None = None,
    ) -> ShippingDocument:
        data = self._data(
            "GET",
            "/fulfillment/202309/packages/{package_id}/shipping_documents",
            path_params={"package_id": package_id},
            query={"document_type": document_type, "document_size": document_size, "document_format": document_format},
        )
        return ShippingDocument.model_validate(data)

    def get_handover_time_slots(self, package_id: str) -> Json:
        return self._data(
            "GET",
            "/fulfillment/202309/packages/{package_id}/handover_time_slots",
            path_params={"package_id": package_id},
        )

    def get_tracking(self, order_id: str) -> list[Json]:
        data = self._data("GET", "/fulfillment/202309/orders/{order_id}/tracking", path_params={"order_id": order_id})
        return list(data.get("tracking") or [])

    def upload_invoice(self, package_id: str, order_ids: Sequence[str], xml_bytes: bytes) -> BatchResult:
        """Upload an NF-e XML (Brazil, API 202502). ``errors`` carries e.g. 10007014 (already exists)."""
        if len(xml_bytes) > INVOICE_MAX_BYTES:
            raise ValueError("invoice file exceeds 1 MB")
        invoice = {
            "package_id": str(package_id),
            "order_ids": [str(o) for o in order_ids],
            "file_type": "XML",
            "file": base64.b64encode(xml_bytes).decode("ascii"),
        }
        return self._batch("POST", "/fulfillment/202502/invoice/upload", body={"invoices": [invoice]})

    # ------------------------------------------------------------------ cancellations & returns

    def search_cancellations(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/return_refund/202309/cancellations/search",
            "cancellations",
            page_size=page_size,
            page_token=page_token,
            body=_clean(filters),
        )

    def iter_cancellations(self, filters: Mapping[str, Any] | None = None, page_size: int = 50) -> Iterator[Json]:
        return iter_items(lambda token: self.search_cancellations(filters, page_size, token))

    def approve_cancellation(self, cancel_id: str, *, idempotency_key: str | None = None) -> Json:
        return self._data(
            "POST",
            "/return_refund/202309/cancellations/{cancel_id}/approve",
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": idempotency_key},
            body={},
        )

    def reject_cancellation(
        self,
        cancel_id: str,
        reject_reason: str,
        *,
        comment: str | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        return self._data(
            "POST",
            "/return_refund/202309/cancellations/{cancel_id}/reject",
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": idempotency_key},
            body=_clean({"reject_reason": reject_reason, "comment": comment}),
        )

    def cancel_order(
        self,
        order_id: str,
        cancel_reason: str,
        *,
        order_line_item_ids: Sequence[str] | None = None,
        skus: Sequence[Mapping[str, Any]] | None = None,
    ) -> Json:
        body = _clean(
            {
                "order_id": order_id,
                "cancel_reason": cancel_reason,
                "order_line_item_ids": list(order_line_item_ids) if order_line_item_ids else None,
                "skus": [dict(s) for s in skus] if skus else None,
            }
        )
        return self._data("POST", "/return_refund/202309/cancellations", body=body)

    def search_returns(
        self, filters: Mapping[str, Any] | None = None, page_size: int = 50, page_token: str | None = None
    ) -> Page:
        return self._page(
            "POST",
            "/return_refund/202309/returns/search",
            "return_orders",
            page_size=page_size,
            page_token=page_token,
            body=_clean(filters),
        )

    def iter_returns(self, filters: Mapping[str, Any] | None = None, page_size: int = 50) -> Iterator[Json]:
        return iter_items(lambda token: self.search_returns(filters, page_size, token))

    def approve_return(
        self,
        return_id: str,
        decision: str = "APPROVE_REFUND",
        *,
        buyer_keep_item: bool | None = None,
        partial_refund: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        body = _clean(
            {
                "decision": decision,
                "buyer_keep_item": buyer_keep_item,
                "partial_refund": dict(partial_refund) if partial_refund else None,
            }
        )
        return self._data(
            "POST",
            "/return_refund/202309/returns/{return_id}/approve",
            path_params={"return_id": return_id},
            query={"idempotency_key": idempotency_key},
            body=body,
        )

    def reject_return(
        self,
        return_id: str,
        reject_reason: str,
        decision: str = "REJECT_REFUND",
        *,
        comment: str | None = None,
        idempotency_key: str | None = None,
    ) -> Json:
        body = _clean({"decision": decision, "reject_reason": reject_reason, "comment": comment})
        return self._data(
            "POST",
            "/return_refund/202309/returns/{return_id}/reject",
            path_params={"return_id": return_id},
            query={"idempotency_key": idempotency_key},
            body=body,
        )

    # ------------------------------------------------------------------ logistics & events

    def get_warehouses(self) -> list[Json]:
        return list(self._data("GET", "/logistics/202309/warehouses").get("warehouses") or [])

    def get_webhooks(self) -> list[Json]:
        return list(self._data("GET", "/event/202309/webhooks").get("webhooks") or [])

    def update_webhook(self, event_type: str, address: str) -> None:
        self._data("PUT", "/event/202309/webhooks", body={"address": address, "event_type": event_type})

    def delete_webhook(self, event_type: str) -> None:
        self._data("DELETE", "/event/202309/webhooks", body={"event_type": event_type})
