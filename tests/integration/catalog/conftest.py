"""The TikTok sandbox (ephemeral port) with an authorized client for the demo shop, plus moto with the
template's tables, for the catalog listing flow."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.tiktok.conftest import Env, start
from tiktok_vtex.catalog.categories import CategoryCatalog


@pytest.fixture(scope="session")
def shared_http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def served(stack_env: dict[str, str], shared_http: httpx.Client) -> Iterator[Env]:
    env, stop = start(stack_env, shared_http, qps=10_000)
    try:
        yield env
    finally:
        stop()


@pytest.fixture
def tt(served: Env) -> Iterator[Env]:
    """The module's sandbox, reset for each test; category caches forgotten."""
    served.post("/sandbox/reset")
    CategoryCatalog.forget()
    yield served
    CategoryCatalog.forget()


CATALOG_TABLES = ("TaxonomyTable", "BrandsTable", "ProductsSellerSkuTable", "LogProductTable", "ImagesTable")


@pytest.fixture
def tables(module_moto: Any) -> dict[str, str]:
    """Physical names of the catalog's tables, emptied for each test."""
    ids = module_moto.stack.physical_ids
    present = [t for t in CATALOG_TABLES if t in ids]
    module_moto.clear(*present)
    return {t: ids[t] for t in present}


def png(width: int = 800, height: int = 800, seed: int = 0) -> bytes:
    """A real (tiny, solid colour) PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes([seed % 256, 80, 120]) * width
    raw = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
