"""Near-real-time stock and price (issue 16): the client's VTEX affiliate is pointed at its notification URL
(the `setupVtexAffiliate` invoke), then one SKU's stock and another's price change in the VTEX sandbox and
TikTok shows both within seconds, with no trigger: VTEX notifies, the intake queues, the batching window
coalesces, the stock and price syncs send."""

from __future__ import annotations

import importlib
import time
from typing import Any

from local.demo.context import DemoContext, DemoFailure

stock_prices: Any = importlib.import_module("local.demo.scenarios.40_stock_prices")


def _sku_on_tiktok(ctx: DemoContext, row: dict[str, Any]) -> dict[str, Any]:
    return stock_prices._tiktok_sku(ctx, row["tik_tok_product_id"], row["tik_tok_sku_id"])


def run(ctx: DemoContext) -> None:
    ctx.section("Near-real-time stock and price: VTEX affiliate notifications drive the sync")
    rows = stock_prices._rows(ctx)
    ctx.expect(bool(rows), "the demo client has no SKUs in ssxml_tik_tok_products_seller_sku")

    # 1. the affiliate: created (or found unchanged) by the invoke form of `tiktok-vtex vtex-affiliate`
    answer = ctx.invoke("VTEX-notificacao-sync", {"type": "setupVtexAffiliate", "clientHash": ctx.client_hash,
                                                  "apply": True, "followUpEmail": "operacao@demo.example"})
    body = (answer or {}).get("body") or {}
    ctx.expect(body.get("status") == "ok", f"affiliate setup answered {answer}")
    affiliate = body["affiliate"]
    ctx.report(f"VTEX affiliate {body['affiliateId']}: {body['action']}; searchURIEndpoint "
               f"{affiliate['searchURIEndpoint']} (the token is not shown), trade policy {affiliate['salesChannel']}")
    again = ctx.invoke("VTEX-notificacao-sync", {"type": "setupVtexAffiliate", "clientHash": ctx.client_hash,
                                                 "apply": True})
    ctx.expect(again["body"].get("action") == "unchanged", f"a second setup changed something: {again}")
    ctx.report("setup run again: unchanged (safe to re-run)")

    # 2. change one SKU's stock and another SKU's price in VTEX; no trigger is invoked after this
    stocked, priced = stock_prices._quiet_skus(ctx, rows)[:2]
    warehouse = ctx.env["VTEX_WAREHOUSE_ID"]
    vtex_sku = int(stocked.get("vtex_sku_id") or stocked["seller_sku"])
    inventory = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/inventory/{vtex_sku}").json()
    total = int(inventory["warehouses"][warehouse]["total"])
    # the demo client has no stock rules and one VTEX warehouse: TikTok gets its available units
    expected = int(inventory["warehouses"][warehouse]["available"]) + 9
    before = sum(int(w["quantity"]) for w in _sku_on_tiktok(ctx, stocked)["inventory"])
    new_price = "98.70" if _sku_on_tiktok(ctx, priced)["price"]["sale_price"] != "98.70" else "97.60"
    delivered_before = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/notifications").json()["delivered"]
    changed_at = time.monotonic()
    ctx.http.put(f"{ctx.vtex_url}/sandbox/inventory", json={
        "sku_id": vtex_sku, "warehouse_id": warehouse, "quantity": total + 9}).raise_for_status()
    priced_sku = int(priced.get("vtex_sku_id") or priced["seller_sku"])
    ctx.http.put(f"{ctx.vtex_url}/sandbox/prices",
                 json={"sku_id": priced_sku, "selling_price": new_price}).raise_for_status()
    ctx.report(f"VTEX: SKU {stocked['seller_sku']} stock {total} -> {total + 9}; SKU {priced['seller_sku']} price "
               f"-> {new_price}")

    # 3. TikTok shows both, within seconds
    def stock_arrived() -> bool:
        return sum(int(w["quantity"]) for w in _sku_on_tiktok(ctx, stocked)["inventory"]) == expected

    # seconds on a quiet machine (README: p95 4.9 s); the limit only stops a broken run
    ctx.wait_for(stock_arrived, 90, "the new stock to reach TikTok without a trigger")
    stock_seconds = time.monotonic() - changed_at
    ctx.wait_for(lambda: _sku_on_tiktok(ctx, priced)["price"]["sale_price"] == new_price, 90,
                 "the new price to reach TikTok without a trigger")
    price_seconds = time.monotonic() - changed_at
    state = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/notifications").json()
    ctx.report(f"TikTok: SKU {stocked['seller_sku']} shows {expected} units (was {before}) after "
               f"{stock_seconds:.1f} s; SKU {priced['seller_sku']} sells at R$ {new_price} after {price_seconds:.1f} s "
               f"(batching window {ctx.stack.parameters.get('RealtimeWindowSeconds', '3')} s)")
    ctx.report(f"VTEX sandbox notifications delivered: {state['delivered'] - delivered_before} for these changes "
               f"({state['dropped']} dropped, {state['pending']} pending)")
    if state["pending"]:
        raise DemoFailure("notifications still pending after TikTok showed the changes")
