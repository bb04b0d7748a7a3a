"""Catalog updates (issue 17): after the listing scenario, the demo feed changes (one product's title, one
SKU's price, one product gone, one image added) and PRODUTOS-compara-xml sends exactly the differences:
two partial edits, one deactivation, one SKU to the price flow, no full edit and no create. A second run
with the same feed sends nothing. Needs 80_catalog_listing before it."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.demo.context import DemoContext
from local.fixtures import demo_feed as fixture


class _Host(BaseHTTPRequestHandler):
    feeds: dict[str, str] = {}

    def do_GET(self) -> None:
        if self.path in self.feeds:
            body, kind = self.feeds[self.path].encode(), "application/xml"
        elif self.path.startswith("/img/"):
            body, kind = fixture.png(900, 900, int(re.sub(r"\D", "", self.path) or 0)), "image/png"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


def _items(feed: str) -> tuple[str, list[str], str]:
    head, _, rest = feed.partition("<item>")
    body, _, tail = ("<item>" + rest).rpartition("</item>")
    return head, [i + "</item>" for i in (body + "</item>").split("</item>") if i.strip()], tail


def _group_of(item: str) -> str:
    return re.search(r"<g:item_group_id>(\d+)</g:item_group_id>", item).group(1)  # type: ignore[union-attr]


def changed_feed(feed: str) -> tuple[str, dict[str, str]]:
    """The demo feed with one product retitled, one SKU repriced, one product removed, one image added."""
    head, items, tail = _items(feed)
    listed = [g for g in dict.fromkeys(_group_of(i) for i in items)
              if g not in (str(fixture.MISSING_ATTRIBUTE_PRODUCT), str(fixture.BROKEN_IMAGE_PRODUCT))]
    retitled, repriced, removed, pictured = listed[0], listed[1], listed[2], listed[3]
    out: list[str] = []
    repriced_sku = pictured_sku = None
    for original in items:
        group, item = _group_of(original), original
        if group == removed:
            continue
        if group == retitled:  # every variant, at the start, so the product's common title changes
            item = item.replace("<g:title>", "<g:title>Novo ", 1)
        if group == repriced and repriced_sku is None:
            item = re.sub(r"<g:price>[^<]*</g:price>", "<g:price>99,90 BRL</g:price>", item, count=1)
            repriced_sku = group
        if group == pictured and pictured_sku is None:
            sku = re.search(r"<g:id>(\d+)</g:id>", item).group(1)  # type: ignore[union-attr]
            image = re.search(r"<g:image_link>([^<]*)/img/", item).group(1)  # type: ignore[union-attr]
            item = item.replace("</item>", f"<g:additional_image_link>{image}/img/9{sku}.png"
                                           "</g:additional_image_link></item>")
            pictured_sku = sku
        out.append(item)
    return head + "\n".join(out) + tail, {"retitled": retitled, "repriced": repriced, "removed": removed,
                                          "pictured": pictured}


def _writes(ctx: DemoContext) -> dict[str, int]:
    calls = ctx.http.get(f"{ctx.tiktok_url}/sandbox/calls").json()["calls"]
    return {re.sub(r"/\d{6}/", "/{v}/", k): v for k, v in calls.items() if not k.startswith("GET")}


def _spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def _compare(ctx: DemoContext, url: str) -> dict[str, Any]:
    answer = ctx.invoke("PRODUTOS-compara-xml", {"clientHash": ctx.client_hash, "newXml": url})
    ctx.expect((answer or {}).get("statusCode") == 200, f"PRODUTOS-compara-xml answered {answer}")
    ctx.wait_idle(90)
    return answer["body"]


def run(ctx: DemoContext) -> None:
    ctx.section("Catalog updates: only what changed in the feed reaches TikTok")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Host)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    listed = fixture.demo_feed(base)
    changed, which = changed_feed(listed)
    _Host.feeds = {"/listed.xml": listed, "/changed.xml": changed}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        first = _compare(ctx, f"{base}/listed.xml")
        ctx.report(f"first run (no stored state yet): {first['stored']} listed items recorded as the accepted "
                   f"state, {first['new_products']} unlisted products sent to the listing again")
        before = _writes(ctx)
        report = _compare(ctx, f"{base}/changed.xml")
        spent = _spent(before, _writes(ctx))
        edits = sum(v for k, v in spent.items() if k.endswith("/partial_edit"))
        deactivations = spent.get("POST /product/{v}/products/deactivate", 0)
        full_edits = sum(v for k, v in spent.items() if k.startswith("PUT /product/{v}/products/"))
        creates = spent.get("POST /product/{v}/products", 0)
        ctx.report(f"changed feed: {which} -> diff {report['counts']}")
        ctx.report(f"TikTok calls: {edits} partial edits, {deactivations} deactivation call, {full_edits} full "
                   f"edits, {creates} creates; {report['price_skus']} SKU(s) to the price flow, "
                   f"{report['stock_skus']} to the stock flow")
        ctx.expect(edits == 2 and deactivations == 1 and full_edits == 0 and creates == 0,
                   f"unexpected TikTok writes: {spent}")
        ctx.expect(report["price_skus"] == 1, f"expected one SKU handed to the price flow: {report}")
        full_upload = sum(1 for _ in _items(changed)[1])
        ctx.report(f"a full re-upload would have been {full_upload} SKUs in "
                   f"{len({_group_of(i) for i in _items(changed)[1]})} product edits")
        again_before = _writes(ctx)
        again = _compare(ctx, f"{base}/changed.xml")
        again_spent = {k: v for k, v in _spent(again_before, _writes(ctx)).items()
                       if "partial_edit" in k or "deactivate" in k}
        ctx.expect(again["product_edits"] == 0 and again["deactivations"] == 0 and not again_spent,
                   f"the second run changed something: {again}, {again_spent}")
        ctx.report(f"second run with the same feed: {again['counts']['unchanged']} unchanged, no edit")
    finally:
        server.shutdown()
        server.server_close()
