"""Creating one product on TikTok, exactly once, and recording it where stock, price and orders read it.

For a ready pre-flight report:
1. its SKUs already in ssxml_tik_tok_products_seller_sku with a TikTok product id: nothing is created
   (`exists`); SKUs never synced get their stock/price messages again (a crash after the SKU write
   and before those messages re-emits them);
2. TikTok already holds a product with these seller SKUs (search by seller_sku): a previous run created
   it and stopped before the SKU write; the SKU rows are written from it (`resumed`), nothing is created;
3. otherwise create, with an `idempotency_key` derived from the client, the group and its SKUs (a retry
   after a timeout returns the product of the first attempt), then write the SKU rows (product id,
   TikTok SKU id, VTEX SKU id = seller_sku, legacy `product_id` = the feed group) and hand the new SKUs
   to the stock and price flows (the legacy `triggerPepareSkuStockBatch` after upload, and its price
   twin).

A TikTok refusal of the product is its outcome (`blocked`, TikTok's code and message); a brand refused
as not authorized (12052226) is retried once without brand when the client allows it. Throttling and
TikTok/transport failures are raised: the group's message is redelivered and steps 1-2 make the retry
safe.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from tiktok_vtex.clients.tiktok.errors import TikTokValidationError
from tiktok_vtex.dispatch import Dispatcher
from tiktok_vtex.repositories.products import ProductRepository

from .mapping import Problem
from .preflight import PreflightReport

BRAND_NOT_AUTHORIZED = 12052226
STOCK_BATCH = "triggerPepareSkuStockBatch"
PRICE_BATCH = "triggerPrepareSkuPriceBatch"


class ProductApi(Protocol):
    def create_product(self, product: dict[str, Any]) -> Any: ...
    def search_products(self, filters: dict[str, Any] | None = None, page_size: int = 50,
                        page_token: str | None = None) -> Any: ...
    def get_product(self, product_id: str) -> dict[str, Any]: ...


class CreateOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    group_key: str
    status: Literal["created", "exists", "resumed", "blocked"]
    tik_tok_product_id: str | None = None
    skus: dict[str, str] = {}  # seller_sku -> TikTok SKU id
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    handed_to_sync: int = 0


def idempotency_key(client_hash: str, group_key: str, seller_skus: Sequence[str]) -> str:
    material = "|".join([client_hash, group_key, *sorted(seller_skus)])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


class ProductCreator:
    def __init__(self, client_hash: str, api: ProductApi, products: ProductRepository, sync_queues: Sequence[
            tuple[str, Dispatcher]], *, warehouse_id: str, list_without_brand: bool = True,
                 clock: Callable[[], float] = time.time, trial: bool = False) -> None:
        """`trial`: dispatchSendProductSandbox - the listing goes to the integrator's test shop; nothing is
        written to the seller's SKU table and nothing is handed to stock/price (the search by seller_sku
        still finds what an earlier trial created, so a rerun creates nothing twice)."""
        self._trial = trial
        self._client = client_hash
        self._api = api
        self._products = products
        self._sync = sync_queues  # (message type, queue) for stock and price
        self._warehouse = warehouse_id
        self._without_brand = list_without_brand
        self._clock = clock

    def hand_over(self, seller_skus: list[str]) -> int:
        """New SKUs to the stock and price flows (also used by the catalog updates for new variants)."""
        return self._hand_over(seller_skus)

    def _hand_over(self, seller_skus: list[str]) -> int:
        if self._trial:
            return 0
        sent = 0
        for start in range(0, len(seller_skus), 100):
            chunk = seller_skus[start:start + 100]
            for kind, queue in self._sync:
                queue.send([{"type": kind, "clientHash": self._client, "sku": chunk}])
                sent += 1
        return sent

    def _record(self, group_key: str, product_id: str, skus: dict[str, str]) -> None:
        if self._trial:
            return
        now = datetime.fromtimestamp(self._clock(), UTC).isoformat()
        for seller_sku, sku_id in skus.items():
            # SET only these attributes: a row's stock/price state (if any) is kept.
            self._products.update(self._client, seller_sku, tik_tok_product_id=product_id, tik_tok_sku_id=sku_id,
                                  vtex_sku_id=seller_sku, product_id=group_key, created_at=now)

    def _find_on_tiktok(self, seller_skus: list[str]) -> tuple[str, dict[str, str]] | None:
        page = self._api.search_products({"status": "ALL", "seller_skus": seller_skus[:10]}, page_size=10)
        for product in page.items:
            if product.get("status") == "DELETED":
                continue
            detail = self._api.get_product(str(product["id"]))
            skus = {str(s["seller_sku"]): str(s["id"]) for s in detail.get("skus") or []}
            if set(seller_skus) & set(skus):
                return str(product["id"]), {k: v for k, v in skus.items() if k in set(seller_skus)}
        return None

    def create(self, report: PreflightReport, *, image_uris: list[str], brand_id: str | None,
               warnings: Sequence[Problem] = ()) -> CreateOutcome:
        draft = report.draft
        if report.status != "ready" or draft is None:
            return CreateOutcome(group_key=report.group_key, status="blocked", problems=report.problems)
        seller_skus = [s.seller_sku for s in draft.skus]
        rows = {} if self._trial else self._products.get_many(self._client, seller_skus)
        linked = {s: r for s, r in rows.items() if r.tik_tok_product_id}
        if linked:
            never_synced = [s for s, r in linked.items() if r.stock_sent is None]
            product_id = next(iter(linked.values())).tik_tok_product_id
            return CreateOutcome(group_key=report.group_key, status="exists", tik_tok_product_id=product_id,
                                 skus={s: r.tik_tok_sku_id or "" for s, r in linked.items()},
                                 handed_to_sync=self._hand_over(never_synced) if never_synced else 0)
        found = self._find_on_tiktok(seller_skus)
        if found is not None:
            product_id, skus = found
            self._record(report.group_key, product_id, skus)
            return CreateOutcome(group_key=report.group_key, status="exists" if self._trial else "resumed",
                                 tik_tok_product_id=product_id,
                                 skus=skus, handed_to_sync=self._hand_over(list(skus)))
        key = idempotency_key(self._client, report.group_key, seller_skus)
        notes = list(warnings)
        body = draft.payload(image_uris=image_uris, brand_id=brand_id, warehouse_id=self._warehouse,
                             idempotency_key=key)
        try:
            created = self._api.create_product(body)
        except TikTokValidationError as error:
            if not (error.code == BRAND_NOT_AUTHORIZED and brand_id and self._without_brand):
                return CreateOutcome(group_key=report.group_key, status="blocked", problems=(Problem(
                    rule=f"tiktok_{error.code}", message=error.message[:500]),))
            notes.append(Problem(rule="brand_not_authorized", field="brand",
                                 message=f"TikTok refused brand {draft.brand_name!r}: listed without brand"))
            body.pop("brand_id")
            body["idempotency_key"] = key + "-nobrand"
            try:
                created = self._api.create_product(body)
            except TikTokValidationError as again:
                return CreateOutcome(group_key=report.group_key, status="blocked", problems=(Problem(
                    rule=f"tiktok_{again.code}", message=again.message[:500]),))
        skus = {str(s.get("seller_sku")): str(s.get("id")) for s in created.skus if s.get("seller_sku")}
        self._record(report.group_key, created.product_id, skus)
        return CreateOutcome(group_key=report.group_key, status="created", tik_tok_product_id=created.product_id,
                             skus=skus, warnings=tuple(notes), handed_to_sync=self._hand_over(list(skus)))
