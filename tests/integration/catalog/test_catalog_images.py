"""Images: checked before upload, uploaded once per shop (content hash), a rerun asks the host with its
validators (304: no download), a broken image is reported and blocks only its product."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from tests.integration.catalog.conftest import png
from tiktok_vtex.catalog.images import ImageRules, ImageUploader, check_image
from tiktok_vtex.catalog.mapping import Problem
from tiktok_vtex.repositories.images import ImageRepository

IMAGES = {"/a.png": png(900, 900, 1), "/b.png": png(1000, 1200, 2), "/small.png": png(300, 300, 3),
          "/copy-of-a.png": png(900, 900, 1), "/not-an-image.jpg": b"<html>oops</html>"}


class Host:
    def __init__(self) -> None:
        self.gets: list[str] = []
        self.not_modified = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.gets.append(path)
        if path not in IMAGES:
            return httpx.Response(404)
        etag = '"' + hashlib.md5(IMAGES[path], usedforsecurity=False).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            self.not_modified += 1
            return httpx.Response(304, headers={"etag": etag})
        return httpx.Response(200, content=IMAGES[path], headers={"etag": etag})


def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    return [(2, 1, 6, "", ("93.184.216.34", port))]


@pytest.fixture
def host() -> Host:
    return Host()


@pytest.fixture
def uploader(tt: Any, tables: dict[str, str], host: Host) -> Any:
    client = tt.client()

    def make() -> ImageUploader:
        return ImageUploader(tt.shop_id, client, ImageRepository(tables["ImagesTable"]),
                             http=httpx.Client(transport=httpx.MockTransport(host)), resolve=resolve)
    return make


def url(path: str) -> str:
    return "https://img.example.com.br" + path


def test_each_image_is_uploaded_once_per_shop_even_across_runs(tt: Any, uploader: Any, host: Host) -> None:
    first = uploader()
    uris, problems = first.upload_all([url("/a.png"), url("/b.png"), url("/copy-of-a.png")])
    assert problems == [] and len(uris) == 2  # the copy has the same content: same uri
    assert first.uploads == 2 and len(tt.sb.images) == 2
    second = uploader()  # a new run (new container)
    again, _ = second.upload_all([url("/a.png"), url("/b.png"), url("/copy-of-a.png")])
    assert again == uris and second.uploads == 0
    assert second.downloads == 0 and host.not_modified == 3  # asked with If-None-Match, nothing downloaded
    calls = tt.get("/sandbox/calls")["calls"]
    assert calls["POST /product/202309/images/upload"] == 2


def test_broken_images_are_reported_with_their_reason(uploader: Any) -> None:
    uris, problems = uploader().upload_all([url("/a.png"), url("/missing.png"), url("/not-an-image.jpg"),
                                            url("/small.png")])
    assert len(uris) == 1
    assert [(p.rule, p.message.split(": ", 1)[-1]) for p in problems] == [
        ("image_download_failed", "https://img.example.com.br/missing.png answered HTTP 404"),
        ("image_invalid", "not a JPG, PNG, WEBP, HEIC or BMP image"),
        ("image_invalid", "300x300 px; TikTok Brazil needs at least 900x900"),
    ]


def test_an_image_host_on_a_private_address_is_refused(tt: Any, tables: dict[str, str]) -> None:
    private = ImageUploader(tt.shop_id, tt.client(), ImageRepository(tables["ImagesTable"]),
                            http=httpx.Client(transport=httpx.MockTransport(Host())),
                            resolve=lambda h, p, **_: [(2, 1, 6, "", ("10.0.0.5", p))])
    outcome = private.uri_for(url("/a.png"))
    assert isinstance(outcome, Problem) and "SSRF" in outcome.message


@pytest.mark.parametrize(("data", "reason"), [
    (png(99, 1000), "each side must be 100-20000"),
    (png(900, 900)[:20], "unreadable png"),
    (b"\xff\xd8\xff" + b"\x00" * 20, "unreadable jpeg"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (11 * 1024 * 1024), "TikTok takes at most"),
])
def test_rules(data: bytes, reason: str) -> None:
    outcome = check_image(data, ImageRules())
    assert isinstance(outcome, str) and reason in outcome
