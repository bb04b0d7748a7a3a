"""VTEX-PRODUTO-ADDITIONAL-IMAGES-XML (`dispatchSearchImagesVtex`): the VTEX SKU images a TikTok product
lacks, added to it.

Per TikTok product (the SKUs of ssxml_tik_tok_products_seller_sku that share a tik_tok_product_id): each
SKU's files are read from VTEX (`/api/catalog/pvt/stockkeepingunit/{id}/file`, main image first, then by
position), in SKU order; every image goes through the listing's image cache (ImageUploader: downloaded
with the feed fetch policy, checked against TikTok's rules, uploaded through images/upload once per shop
by content hash), and the URIs the product does not hold yet are appended to its main images, at most 9,
with one partial edit. A product already holding 9 images, or nothing new, makes no edit.

What "TikTok has it" means: the same content uploaded through our cache gets the same URI, so an image
the listing uploaded from the feed is recognised; an image a seller uploaded by hand in Seller Center has
another URI and cannot be matched without downloading TikTok's copy (not done: such an image may be
added twice, within the 9 allowed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tiktok_vtex.catalog.mapping import Problem

MAX_MAIN_IMAGES = 9  # TikTok: main_images holds 1 to 9 images


class VtexFilesPort(Protocol):
    def get_sku_files(self, sku_id: int | str) -> Sequence[Any]: ...  # SkuFile: Url, IsMain, Position


class TikTokProductPort(Protocol):
    def get_product(self, product_id: str) -> Mapping[str, Any]: ...

    def partial_edit_product(self, product_id: str, changes: Mapping[str, Any]) -> Any: ...


class ImageCache(Protocol):
    def uri_for(self, url: str, use_case: str = "MAIN_IMAGE") -> str | Problem: ...


@dataclass
class ImagesOutcome:
    product_id: str
    status: str = "unchanged"  # updated | unchanged | full | failed
    added: list[str] = field(default_factory=list)        # TikTok URIs appended
    already_there: int = 0                                 # VTEX images TikTok's product already holds
    problems: list[Problem] = field(default_factory=list)  # images that could not be used (the rest go on)
    error: str | None = None

    def as_log(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "status": self.status, "added": len(self.added),
                "already_there": self.already_there, "error": self.error,
                "problems": [p.model_dump(exclude_none=True) for p in self.problems]}


def vtex_image_urls(vtex: VtexFilesPort, sku_ids: Iterable[str]) -> list[str]:
    """Every SKU's image URLs in VTEX's order (the client sorts main first, then by Position), SKU after
    SKU, each URL once."""
    urls: list[str] = []
    for sku_id in sku_ids:
        for file in vtex.get_sku_files(sku_id):
            url = getattr(file, "Url", None)
            if url and url not in urls:
                urls.append(str(url))
    return urls


def add_vtex_images(product_id: str, vtex_sku_ids: Sequence[str], *, vtex: VtexFilesPort,
                    tiktok: TikTokProductPort, images: ImageCache) -> ImagesOutcome:
    """Adds the product's missing VTEX images; raises only what the caller retries (API errors)."""
    outcome = ImagesOutcome(product_id)
    product = tiktok.get_product(product_id)
    existing = [str(image["uri"]) for image in product.get("main_images") or [] if image.get("uri")]
    if len(existing) >= MAX_MAIN_IMAGES:
        outcome.status = "full"
        return outcome
    new: list[str] = []
    for url in vtex_image_urls(vtex, vtex_sku_ids):
        if len(existing) + len(new) >= MAX_MAIN_IMAGES:
            break
        uri = images.uri_for(url, "MAIN_IMAGE")
        if isinstance(uri, Problem):
            outcome.problems.append(uri)
            continue
        if uri in existing:
            outcome.already_there += 1
        elif uri not in new:
            new.append(uri)
    if not new:
        return outcome
    tiktok.partial_edit_product(product_id, {"main_images": [{"uri": uri} for uri in existing + new]})
    outcome.status, outcome.added = "updated", new
    return outcome


def products_of(skus: Iterable[Any]) -> dict[str, list[str]]:
    """tik_tok_product_id -> its VTEX SKU ids, from the client's SKU rows (rows without a TikTok product or
    marked removed are left out)."""
    products: dict[str, list[str]] = {}
    for sku in skus:
        product_id = getattr(sku, "tik_tok_product_id", None)
        if not product_id or getattr(sku, "removed_from_feed", None):
            continue
        products.setdefault(str(product_id), []).append(str(sku.vtex_id))
    return products
