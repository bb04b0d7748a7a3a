"""Product images: downloaded once, checked against TikTok's rules, uploaded once per shop.

For each image URL of a product (in order, at most 9):
1. the URL row of ssxml_tik_tok_images says which content it had: the host is asked with
   If-None-Match / If-Modified-Since, and a 304 reuses it without downloading;
2. otherwise the image is downloaded (the feed fetch policy: SSRF guard, timeouts, bounded redirects,
   at most `max_bytes`), and hashed (SHA-256);
3. content already uploaded for this shop and use case -> its `uri`, no upload;
4. otherwise the rules are checked (format JPG/PNG/WEBP/HEIC/BMP by its bytes, at most 10 MB, each side
   100-20,000 px, and at least `min_side_px` (900: TikTok Brazil's minimum for product images)) and
   the bytes go to images/upload (multipart); the uri is stored under the content hash.

An image that fails blocks only its product (a Problem per image, with the reason); the other images of
the product are still uploaded, so a fixed URL only costs its own upload on the next run.
"""

from __future__ import annotations

import hashlib
import io
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import httpx
import imagesize
from pydantic import BaseModel, ConfigDict

from tiktok_vtex.clients.tiktok.errors import TikTokError
from tiktok_vtex.repositories.images import ImageRepository

from .mapping import Problem
from .sources import FeedFetchError, FetchPolicy, Resolver, describe, fetch_stream

MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heic": "image/heic", "bmp": "image/bmp"}


class ImageRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_bytes: int = 10 * 1024 * 1024
    min_px: int = 100
    max_px: int = 20_000
    min_side_px: int = 900


class UploadApi(Protocol):
    def upload_image(self, content: bytes, *, filename: str = ..., mime_type: str = ...,
                     use_case: str = ...) -> Any: ...


def image_format(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "heic"
    return None


def check_image(data: bytes, rules: ImageRules) -> tuple[str, int, int] | str:
    """(format, width, height), or why TikTok would refuse the image."""
    kind = image_format(data)
    if kind is None:
        return "not a JPG, PNG, WEBP, HEIC or BMP image"
    if len(data) > rules.max_bytes:
        return f"{len(data)} bytes; TikTok takes at most {rules.max_bytes}"
    width, height = imagesize.get(io.BytesIO(data))
    if width <= 0 or height <= 0:
        return f"unreadable {kind} (no size in its header)"
    if not (rules.min_px <= width <= rules.max_px and rules.min_px <= height <= rules.max_px):
        return f"{width}x{height} px; each side must be {rules.min_px}-{rules.max_px} px"
    if min(width, height) < rules.min_side_px:
        return f"{width}x{height} px; TikTok Brazil needs at least {rules.min_side_px}x{rules.min_side_px}"
    return kind, width, height


class ImageUploader:
    def __init__(self, shop_id: str, api: UploadApi, repo: ImageRepository, *, policy: FetchPolicy | None = None,
                 http: httpx.Client | None = None, resolve: Resolver = socket.getaddrinfo,
                 rules: ImageRules | None = None, clock: Callable[[], float] = time.time) -> None:
        self._shop = shop_id
        self._api = api
        self._repo = repo
        self._policy = (policy or FetchPolicy()).model_copy(update={"max_bytes": (rules or ImageRules()).max_bytes})
        self._http = http or httpx.Client(timeout=httpx.Timeout(30, connect=10))
        self._resolve = resolve
        self._rules = rules or ImageRules()
        self._clock = clock
        self.downloads = 0
        self.uploads = 0

    @staticmethod
    def _url_key(url: str) -> str:
        return "url:" + hashlib.sha256(url.encode()).hexdigest()

    def _download(self, url: str, cached: dict[str, Any] | None) -> tuple[bytes | None, str, dict[str, Any]]:
        """(content or None when the host answered 304 for the cached content, its hash, cache headers)."""
        headers = {}
        if cached and cached.get("etag"):
            headers["If-None-Match"] = cached["etag"]
        if cached and cached.get("last_modified"):
            headers["If-Modified-Since"] = cached["last_modified"]
        with fetch_stream(self._http, url, self._policy, self._resolve, headers=headers, ok=(200, 304)) as response:
            if response.status_code == 304 and cached:
                return None, str(cached["content_sha256"]), {}
            chunks, size = [], 0
            for chunk in response.iter_bytes(1 << 16):
                size += len(chunk)
                if size > self._rules.max_bytes:
                    raise FeedFetchError(f"image {describe(url)} is larger than {self._rules.max_bytes} bytes")
                chunks.append(chunk)
            validators = {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
        self.downloads += 1
        data = b"".join(chunks)
        return data, hashlib.sha256(data).hexdigest(), validators

    def uri_for(self, url: str, use_case: str = "MAIN_IMAGE") -> str | Problem:
        """The TikTok uri of the image at `url` (uploaded now or before), or why it cannot be used."""
        cached = self._repo.get(self._shop, self._url_key(url))
        try:
            data, digest, validators = self._download(url, cached)
            uploaded = self._repo.get(self._shop, f"sha256:{digest}:{use_case}")
            if uploaded is None and data is None:  # 304, but the upload row is gone: fetch it whole
                data, digest, validators = self._download(url, None)
                uploaded = self._repo.get(self._shop, f"sha256:{digest}:{use_case}")
        except FeedFetchError as error:
            return Problem(rule="image_download_failed", field="image_link", message=str(error).replace("feed ", ""))
        if uploaded is None:
            assert data is not None
            checked = check_image(data, self._rules)
            if isinstance(checked, str):
                return Problem(rule="image_invalid", field="image_link", message=f"{describe(url)}: {checked}")
            kind, width, height = checked
            try:
                result = self._api.upload_image(data, filename=f"{digest[:16]}.{'jpg' if kind == 'jpeg' else kind}",
                                                mime_type=MIME[kind], use_case=use_case)
            except TikTokError as error:
                return Problem(rule="image_upload_failed", field="image_link", message=f"{describe(url)}: {error}")
            self.uploads += 1
            uploaded = {"uri": result.uri}
            self._repo.put(self._shop, f"sha256:{digest}:{use_case}", uri=result.uri, width=width, height=height,
                           bytes=len(data), use_case=use_case, uploaded_at=int(self._clock()))
        if data is not None:  # remember which content this URL had (validators for the next run)
            self._repo.put(self._shop, self._url_key(url), url=describe(url), content_sha256=digest,
                           fetched_at=int(self._clock()), **{k: v for k, v in validators.items() if v})
        return str(uploaded["uri"])

    def upload_all(self, urls: Sequence[str], use_case: str = "MAIN_IMAGE") -> tuple[list[str], list[Problem]]:
        uris: list[str] = []
        problems: list[Problem] = []
        for url in urls:
            outcome = self.uri_for(url, use_case)
            if isinstance(outcome, Problem):
                problems.append(outcome)
            elif outcome not in uris:
                uris.append(outcome)
        return uris, problems
