"""Writes the sample events of the catalog functions (run: `python -m events.catalog`):
PRODUTOS-lista-produtos (ProductListFunction), BRANDS-VTEX (BrandsVtexFunction), BRANDS-TTK
(BrandsTikTokFunction). Demo client from local/stack.env; the feed is the demo feed of
local/fixtures/demo_feed.py (inline, with image links on a host that does not exist, so their products
are reported as image_download_failed), or the same feed where the seeding of the local stack puts it
(local/runtime/sample_world.py: the stack's feed bucket, the seller's web host at stack.env's address).
tests/unit/catalog/test_catalog_events.py checks the committed
files are what this script produces. No secret is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.env import stack_env
from local.fixtures.demo_feed import demo_feed
from local.runtime.sample_world import FEED_FILE, IMAGE_HOST, feed_s3_url, file_url
from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog.grouping import Grouper

from .stock_prices import _scheduled, _sqs

ROOT = Path(__file__).resolve().parent


def _group_message(client_hash: str, warehouse_id: str) -> dict[str, Any]:
    with Grouper() as grouper:
        for position, raw in FeedReader(demo_feed(IMAGE_HOST)).raw_items():
            grouper.add_raw(position, raw)
        body = next(body for key, body in grouper.messages() if key == "1078")
    return {"type": "triggerListProductGroup", "clientHash": client_hash, "runId": "0" * 32,
            "warehouseId": warehouse_id, "group": body.decode()}


def samples() -> dict[str, dict[str, Any]]:
    env = stack_env()
    client, warehouse = env["DEMO_CLIENT_HASH"], env["DEMO_TIKTOK_WAREHOUSE_ID"]
    inline = demo_feed(IMAGE_HOST)
    return {
        "ProductListFunction/trigger-prepare-product-list.json": {
            "type": "triggerPrepareProductList", "client_hash": client,
            "url": file_url(env, FEED_FILE), "warehouse_id": warehouse},
        "ProductListFunction/trigger-prepare-product-list-inline.json": {
            "type": "triggerPrepareProductList", "client_hash": client, "feed": inline, "warehouse_id": warehouse},
        "ProductListFunction/trigger-prepare-product-list-s3.json": {
            "type": "triggerPrepareProductList", "clientHash": client, "url": feed_s3_url(env)},
        "ProductListFunction/trigger-send-product-sandbox.json": {
            "type": "triggerSendProductSandbox", "client_hash": client, "url": file_url(env, FEED_FILE)},
        "ProductListFunction/sqs-list-product-group.json": _sqs(_group_message(client, warehouse),
                                                                queue="produtos-lista-grupos"),
        "ProductListFunction/bad-missing-client.json": {"type": "triggerPrepareProductList", "url": "https://x.example/f"},
        "ProductListFunction/bad-unknown-type.json": {"type": "triggerPrepareProducts", "client_hash": client},
        "BrandsVtexFunction/trigger-generate-brands.json": {"type": "triggerGenerateBrands", "clientHash": client},
        "BrandsVtexFunction/trigger-generate-brands-no-chain.json": {
            "type": "triggerGenerateBrands", "clientHash": client, "chain": False},
        "BrandsVtexFunction/bad-missing-client.json": {"type": "triggerGenerateBrands"},
        "BrandsTikTokFunction/trigger-prepare-brand-data.json": {"type": "triggerPrepareBrandData",
                                                                 "clientHash": client},
        "BrandsTikTokFunction/trigger-prepare-brand-data-all-clients.json": {
            "type": "triggerPrepareBrandDataAllClients"},
        "BrandsTikTokFunction/schedule-daily.json": _scheduled("integracao-tik-tok-BRANDS-TTK-DailyBrands"),
        "BrandsTikTokFunction/bad-missing-client.json": {"type": "triggerPrepareBrandData"},
    }


def render(sample: dict[str, Any]) -> str:
    return json.dumps(sample, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for relative, sample in samples().items():
        path = ROOT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(sample), encoding="utf-8")


if __name__ == "__main__":
    main()
