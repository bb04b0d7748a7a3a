"""Catalog listing (issue 14): the demo feed (local/fixtures/demo_feed.py: 8 products, 41 SKUs) goes
through BRANDS-VTEX / BRANDS-TTK and PRODUTOS-lista-produtos into the TikTok sandbox. Expected: 6 products
created (one with the brand BRANDS-TTK had to create), exactly two blocked (a required attribute missing,
a broken image), the one unmapped category recommended by TikTok and recorded for review; a second run
creates and uploads nothing. Exercised on an ephemeral stack (10_platform, 20_auth, 80): about 70 s."""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from boto3.dynamodb.conditions import Key

from local.demo.context import DemoContext
from local.fixtures import demo_feed as fixture

CATALOG_QUEUES = ("ProductListQueue",)


class _Host(BaseHTTPRequestHandler):
    """The store's feed and image host (loopback: allowed only because the stack is local)."""

    feed = ""

    def do_GET(self) -> None:
        if self.path == "/feed.xml":
            body, kind = self.feed.encode(), "application/xml"
        elif self.path.startswith("/img/"):
            body, kind = fixture.png(900, 900, int(self.path.rsplit("/", 1)[-1].split(".")[0])), "image/png"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", f'"{hash(body) & 0xFFFFFFFF:x}"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


def _unlist_demo_products(ctx: DemoContext) -> list[str]:
    """The 8 products start unlisted: their SKU rows removed, their TikTok products deleted by the seller."""
    table = ctx.table("ProductsSellerSkuTable")
    skus = []
    for product in fixture.demo_products():
        ctx.http.post(f"{ctx.tiktok_url}/sandbox/products/{product['tiktok_product_id']}/status",
                      json={"status": "DELETED"})
        for sku in product["skus"]:
            table.delete_item(Key={"client_hash": ctx.client_hash, "seller_sku": sku["seller_sku"]})
            skus.append(sku["seller_sku"])
    return skus


def _configure(ctx: DemoContext) -> None:
    """What the integrator sets up: taxonomy rows (every leaf but Camping) and the client's attribute defaults."""
    taxonomy = ctx.table("TaxonomyTable")
    for vtex_id, (path, tiktok_id) in fixture.category_paths().items():
        if vtex_id != fixture.UNMAPPED_CATEGORY and " > " in path:
            taxonomy.put_item(Item={"client_hash": ctx.client_hash, "category_id": path,
                                    "tik_tok_category_id": tiktok_id, "source": "manual", "reviewed": True})
    links = ctx.table("ClientTikTokTable")
    link = links.get_item(Key={"client_hash": ctx.client_hash})["Item"]
    settings = dict(link.get("connector_settings") or {})
    settings["catalog"] = {"attribute_defaults": {"*": {"101395": ["Brasil"]}}}  # País de origem
    links.update_item(Key={"client_hash": ctx.client_hash}, UpdateExpression="SET connector_settings = :s",
                      ExpressionAttributeValues={":s": settings})
    # the feed's new brand, as the backend records the brands it imports from a feed
    ctx.table("BrandsTable").put_item(Item={"client_hash": ctx.client_hash, "brand_name": fixture.NEW_BRAND,
                                            "tik_tok_brand_id": ""})


def _run_entries(ctx: DemoContext, run_id: str) -> list[dict[str, Any]]:
    items = ctx.table("LogProductTable").query(KeyConditionExpression=Key("client_hash").eq(ctx.client_hash))["Items"]
    return [i for i in items if i.get("run_id") == run_id and str(i.get("kind", "")).startswith("product_")]


def _list(ctx: DemoContext, feed_url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    answer = ctx.invoke("PRODUTOS-lista-produtos", {"type": "triggerPrepareProductList",
                                                     "client_hash": ctx.client_hash, "url": feed_url})
    body = (answer or {}).get("body") or {}
    ctx.expect(answer.get("statusCode") == 200, f"PRODUTOS-lista-produtos answered {answer}")
    def listed() -> list[dict[str, Any]] | None:
        entries = _run_entries(ctx, body["run_id"])
        return entries if len(entries) >= body["messages"] else None

    return body, ctx.wait_for(listed, 120, "every product group to be listed")


def run(ctx: DemoContext) -> None:
    ctx.section("Catalog listing: feed -> pre-flight -> brands, images -> TikTok products (created once)")
    skus = _unlist_demo_products(ctx)
    _configure(ctx)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Host)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _Host.feed = fixture.demo_feed(base)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        brands = ctx.invoke("BRANDS-VTEX", {"type": "triggerGenerateBrands", "clientHash": ctx.client_hash})
        ctx.report(f"BRANDS-VTEX: {brands['body']} (then BRANDS-TTK for the pending brands)")
        ctx.wait_idle(60)
        row = ctx.table("BrandsTable").get_item(Key={"client_hash": ctx.client_hash,
                                                     "brand_name": fixture.NEW_BRAND})["Item"]
        ctx.expect(bool(row.get("tik_tok_brand_id")) and row.get("sync_status") == "created",
                   f"BRANDS-TTK did not create {fixture.NEW_BRAND!r}: {row}")
        ctx.report(f"BRANDS-TTK: {fixture.NEW_BRAND!r} created on TikTok (id {row['tik_tok_brand_id']}); the demo "
                   "store's other brands matched to the shop's existing ones")

        split, entries = _list(ctx, f"{base}/feed.xml")
        ctx.report(f"feed: {split['items']} items, {split['item_errors']} item errors, {split['groups']} product "
                   f"groups -> {split['messages']} messages on the listing queue")
        by_group = {e["subject"]: e for e in entries}
        kinds = Counter(e["kind"] for e in entries)
        blocked = {k: e.get("reasons") for k, e in by_group.items() if e["kind"] == "product_blocked"}
        expected = {str(fixture.MISSING_ATTRIBUTE_PRODUCT): ["attribute_required"],
                    str(fixture.BROKEN_IMAGE_PRODUCT): ["image_download_failed"]}
        ctx.expect(blocked == expected, f"blocked products: {blocked}, expected {expected}")
        ctx.expect(kinds["product_created"] == 6, f"expected 6 products created, saw {dict(kinds)}")
        for key, entry in sorted(by_group.items()):
            what = (f"created as TikTok product {entry['tik_tok_product_id']} ({len(entry['skus'])} SKUs, category "
                    f"{entry['category_id']} {entry['category_source']})" if entry["kind"] == "product_created"
                    else f"BLOCKED: {'; '.join(p['message'] for p in entry['problems'])}")
            ctx.report(f"group {key}: {what}")
        skirt = by_group[str(fixture.NEW_BRAND_PRODUCT)]
        product = ctx.http.get(f"{ctx.tiktok_url}/sandbox/state/products/{skirt['tik_tok_product_id']}").json()
        ctx.expect(product.get("brand_id") == row["tik_tok_brand_id"], "the skirt was not listed with its new brand")
        recommended = ctx.table("TaxonomyTable").query(
            KeyConditionExpression=Key("client_hash").eq(ctx.client_hash))["Items"]
        review = [r for r in recommended if r.get("source") == "recommended"]
        ctx.expect(len(review) == 1, f"expected one recommended category recorded for review, saw {review}")
        ctx.report(f"taxonomy: {review[0]['category_id']!r} had no mapping -> TikTok recommended "
                   f"{review[0]['tik_tok_category_id']}, recorded for review (source: recommended)")
        rows = [r for r in (ctx.table("ProductsSellerSkuTable").get_item(
            Key={"client_hash": ctx.client_hash, "seller_sku": s}).get("Item") for s in skus) if r]
        ctx.report(f"ssxml_tik_tok_products_seller_sku: {len(rows)} SKUs written (stock and price flows read these)")
        ctx.wait_idle(60)

        before = ctx.http.get(f"{ctx.tiktok_url}/sandbox/calls").json()["calls"]
        _, entries = _list(ctx, f"{base}/feed.xml")
        after = ctx.http.get(f"{ctx.tiktok_url}/sandbox/calls").json()["calls"]
        kinds = Counter(e["kind"] for e in entries)
        created_calls = after.get("POST /product/202309/products", 0) - before.get("POST /product/202309/products", 0)
        uploads = (after.get("POST /product/202309/images/upload", 0)
                   - before.get("POST /product/202309/images/upload", 0))
        ctx.expect(created_calls == 0 and kinds["product_exists"] == 6 and kinds["product_blocked"] == 2,
                   f"the second run changed something: {dict(kinds)}, {created_calls} create calls")
        ctx.report(f"second run: {dict(kinds)}; {created_calls} create calls, {uploads} image uploads")
    finally:
        server.shutdown()
        server.server_close()
