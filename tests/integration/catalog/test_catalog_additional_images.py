"""Issue 17, VTEX-PRODUTO-ADDITIONAL-IMAGES-XML: the VTEX SKU images a TikTok product lacks are uploaded
once (the listing's image cache) and appended to its main images in VTEX's order, at most 9, with one
partial edit; a rerun changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integration.catalog.conftest import png
from tiktok_vtex.catalog.images import ImageUploader
from tiktok_vtex.catalog_updates.images import MAX_MAIN_IMAGES, add_vtex_images
from tiktok_vtex.repositories.images import ImageRepository

IMAGES = {f"/sku/{n}.png": png(900 + n, 900 + n, n) for n in range(12)}
IMAGES["/sku/copy-of-0.png"] = IMAGES["/sku/0.png"]
IMAGES["/sku/small.png"] = png(300, 300, 40)


def host(request: httpx.Request) -> httpx.Response:
    body = IMAGES.get(request.url.path)
    if body is None:
        return httpx.Response(404)
    return httpx.Response(200, content=body, headers={"etag": '"' + hashlib.sha256(body).hexdigest()[:16] + '"'})


def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    return [(2, 1, 6, "", ("93.184.216.34", port))]


@dataclass
class SkuFile:  # the fields of clients.vtex.models.SkuFile the flow reads
    Url: str
    IsMain: bool = False
    Position: int = 0


class VtexFiles:
    def __init__(self, files: dict[str, list[str]]) -> None:
        self.files = files
        self.calls: list[str] = []

    def get_sku_files(self, sku_id: str) -> list[SkuFile]:
        self.calls.append(sku_id)
        return [SkuFile(f"https://img.example.com.br{path}", n == 0, n) for n, path in enumerate(self.files[sku_id])]


@pytest.fixture
def product(tt: Any) -> tuple[str, list[str]]:
    tt.post("/sandbox/seed/demo", {"products": 1})
    [(product_id, record)] = list(tt.sb.products.items())
    kept = [i["uri"] for i in record["main_images"]][:2]  # a product listed with two images
    tt.client().partial_edit_product(product_id, {"main_images": [{"uri": uri} for uri in kept]})
    return product_id, kept


def uploader(tt: Any, tables: dict[str, str]) -> ImageUploader:
    return ImageUploader(tt.shop_id, tt.client(), ImageRepository(tables["ImagesTable"]),
                         http=httpx.Client(transport=httpx.MockTransport(host)), resolve=resolve)


def test_missing_images_are_appended_in_vtex_order_once(tt: Any, tables: dict[str, str],
                                                        product: tuple[str, list[str]]) -> None:
    product_id, before = product
    vtex = VtexFiles({"11": ["/sku/1.png", "/sku/0.png", "/sku/small.png"], "12": ["/sku/copy-of-0.png", "/sku/2.png"]})
    first = uploader(tt, tables)
    outcome = add_vtex_images(product_id, ["11", "12"], vtex=vtex, tiktok=tt.client(), images=first)
    assert outcome.status == "updated" and len(outcome.added) == 3  # 1, 0 (and its copy), 2
    assert [p.rule for p in outcome.problems] == ["image_invalid"]  # 300 px: below TikTok's minimum
    after = [i["uri"] for i in tt.sb.products[product_id]["main_images"]]
    assert after == before + outcome.added and first.uploads == 3

    again = uploader(tt, tables)
    rerun = add_vtex_images(product_id, ["11", "12"], vtex=vtex, tiktok=tt.client(), images=again)
    # four VTEX files, three contents: every one of them is on the product now
    assert rerun.status == "unchanged" and rerun.already_there == 4 and again.uploads == 0
    assert [i["uri"] for i in tt.sb.products[product_id]["main_images"]] == after


def test_never_more_than_nine_main_images(tt: Any, tables: dict[str, str], product: tuple[str, list[str]]) -> None:
    product_id, before = product
    vtex = VtexFiles({"11": [f"/sku/{n}.png" for n in range(12)]})
    outcome = add_vtex_images(product_id, ["11"], vtex=vtex, tiktok=tt.client(), images=uploader(tt, tables))
    assert len(outcome.added) == MAX_MAIN_IMAGES - len(before)
    assert len(tt.sb.products[product_id]["main_images"]) == MAX_MAIN_IMAGES
    full = add_vtex_images(product_id, ["11"], vtex=vtex, tiktok=tt.client(), images=uploader(tt, tables))
    assert full.status == "full" and vtex.calls == ["11"]  # a full product does not even read VTEX again


def test_an_unknown_product_fails_loudly_for_the_caller_to_record(tt: Any, tables: dict[str, str]) -> None:
    from tiktok_vtex.clients.tiktok.errors import TikTokError

    with pytest.raises(TikTokError):
        add_vtex_images("1729999999999999999", ["11"], vtex=VtexFiles({"11": []}), tiktok=tt.client(),
                        images=uploader(tt, tables))
