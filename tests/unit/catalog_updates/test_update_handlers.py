"""PRODUTOS-compara-xml and VTEX-PRODUTO-ADDITIONAL-IMAGES-XML: the legacy payloads (no `type`) are
accepted, malformed ones refused with the field named, before anything is read or written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tiktok_vtex.catalog.messages import CatalogMessageError
from tiktok_vtex.catalog_updates.messages import CompareFeeds, SearchImagesVtex

EVENTS = Path(__file__).resolve().parents[3] / "events"


class Context:
    function_name = "test"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"
    aws_request_id = "req"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def sample(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def test_the_legacy_compare_payload_is_a_compare_message() -> None:
    from catalog.updates import _parse_invoke

    message = _parse_invoke(sample("ProductUpdateFunction/compare-feeds-legacy.json"))
    assert isinstance(message, CompareFeeds) and message.old_xml and message.new_xml


def test_the_legacy_images_payload_is_a_search_message() -> None:
    from catalog.images import _parse_invoke

    assert isinstance(_parse_invoke(sample("ProductImagesFunction/search-images.json")), SearchImagesVtex)


@pytest.mark.parametrize(("module", "name", "field"), [
    ("catalog.updates", "ProductUpdateFunction/bad-missing-client-hash.json", "client"),
    ("catalog.images", "ProductImagesFunction/bad-unknown-type.json", "unknown message type"),
])
def test_malformed_invokes_are_refused_naming_what_is_wrong(module: str, name: str, field: str) -> None:
    import importlib

    handler = importlib.import_module(module)
    answer = handler.lambda_handler(sample(name), Context())
    assert answer["statusCode"] == 400 and field in answer["body"]["message"]


def test_an_inline_feed_too_large_for_an_invoke_is_refused() -> None:
    from catalog.updates import _parse_invoke

    with pytest.raises(CatalogMessageError, match=r"new_xml|newXml"):
        _parse_invoke({"clientHash": "abc", "newXml": "<" + "x" * 300_000})
