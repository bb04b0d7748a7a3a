"""Stock and prices VTEX -> TikTok: full sync, then one stock change and one price change in the VTEX
sandbox; only those reach TikTok (one call each), an untouched SKU is not sent again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from local.demo.context import DemoContext, DemoFailure

STOCK_QUEUES = ("StockFetchQueue", "StockUpdateQueue")
PRICE_QUEUES = ("PriceFetchQueue", "PriceUpdateQueue")


def _rows(ctx: DemoContext) -> list[dict[str, Any]]:
    table = ctx.table("ProductsSellerSkuTable")
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("client_hash").eq(ctx.client_hash)}
    while True:
        page = table.query(**kwargs)
        rows.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return rows
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _queues_empty(ctx: DemoContext, logical_ids: tuple[str, ...]) -> bool:
    for logical_id in logical_ids:
        attributes = ctx.sqs.get_queue_attributes(
            QueueUrl=ctx.stack.physical_ids[logical_id],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if int(attributes["ApproximateNumberOfMessages"]) or int(attributes["ApproximateNumberOfMessagesNotVisible"]):
            return False
    return True


def _tiktok_calls(ctx: DemoContext, suffix: str) -> int:
    counts = ctx.http.get(f"{ctx.tiktok_url}/sandbox/calls").json()["calls"]
    return sum(v for k, v in counts.items() if k.endswith(suffix))


def _tiktok_sku(ctx: DemoContext, product_id: str, sku_id: str) -> dict[str, Any]:
    product = ctx.http.get(f"{ctx.tiktok_url}/sandbox/state/products/{product_id}").json()
    return next(s for s in product["skus"] if s["id"] == sku_id)


def _sync(ctx: DemoContext, function: str, payload: dict[str, Any], queues: tuple[str, ...],
          done: Any, what: str) -> dict[str, Any]:
    answer = ctx.invoke(function, payload)
    body = (answer or {}).get("body") or {}
    if body.get("status") not in ("ok", "partial"):
        raise DemoFailure(f"{function} answered {answer}")
    ctx.wait_for(lambda: done() and _queues_empty(ctx, queues), 90, what)
    return body


def run(ctx: DemoContext) -> None:
    ctx.section("Stock and prices: VTEX -> TikTok, diff-only, one TikTok call per product")
    link = ctx.table("ClientTikTokTable").get_item(Key={"client_hash": ctx.client_hash}).get("Item") or {}
    ctx.expect(link.get("status") == "token_generated",
               "the demo client has no active TikTok authorization (the auth scenario must run first)")
    rows = _rows(ctx)
    ctx.expect(bool(rows), "the demo client has no SKUs in ssxml_tik_tok_products_seller_sku")
    products = {r["tik_tok_product_id"] for r in rows}

    # 1. first full sync: every SKU, one TikTok inventory call per product
    before = _tiktok_calls(ctx, "/inventory/update")
    body = _sync(ctx, "ESTOQUE-VTEX-busca-estoque-sku", {"type": "triggerPrepareStock", "clientHash": ctx.client_hash},
                 STOCK_QUEUES, lambda: all("stock_sent" in r for r in _rows(ctx)), "the first stock sync")
    stock_calls = _tiktok_calls(ctx, "/inventory/update") - before
    ctx.report(f"first stock sync: {len(rows)} SKUs in {body['messages']} fetch batches -> {stock_calls} TikTok "
               f"inventory calls for {len(products)} products (the legacy design: {len(rows)} calls)")
    before = _tiktok_calls(ctx, "/prices/update")
    _sync(ctx, "PRECO-VTEX-monta-lista-sku", {"type": "triggerPrepareListPrice", "clientHash": ctx.client_hash},
          PRICE_QUEUES, lambda: all("price_sent" in r or "price_error" in r for r in _rows(ctx)),
          "the first price sync")
    ctx.report(f"first price sync: {_tiktok_calls(ctx, '/prices/update') - before} TikTok price calls")

    # 2. change one SKU's stock and another SKU's price in the VTEX sandbox (SKUs no order touches, so the
    #    orders scenario's reservations cannot move them between the two runs)
    stocked, priced, untouched = _quiet_skus(ctx, rows)[:3]
    warehouse = ctx.env["VTEX_WAREHOUSE_ID"]
    tiktok_warehouse = next(iter(_rows_by_sku(ctx)[stocked["seller_sku"]]["stock_sent"]))
    old_quantity = int(_rows_by_sku(ctx)[stocked["seller_sku"]]["stock_sent"][tiktok_warehouse])
    vtex_sku = int(stocked.get("vtex_sku_id") or stocked["seller_sku"])
    inventory = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/inventory/{vtex_sku}").json()
    total = int(inventory["warehouses"][warehouse]["total"])
    ctx.http.put(f"{ctx.vtex_url}/sandbox/inventory", json={
        "sku_id": vtex_sku, "warehouse_id": warehouse, "quantity": total + 17}).raise_for_status()
    new_quantity = old_quantity + 17
    old_price = (_rows_by_sku(ctx)[priced["seller_sku"]].get("price_sent") or {}).get("amount", "?")
    new_price = "123.40"
    ctx.http.put(f"{ctx.vtex_url}/sandbox/prices", json={
        "sku_id": int(priced.get("vtex_sku_id") or priced["seller_sku"]),
        "selling_price": new_price}).raise_for_status()
    ctx.report(f"VTEX: SKU {stocked['seller_sku']} stock {total} -> {total + 17}; "
               f"SKU {priced['seller_sku']} price {old_price} -> {new_price}")
    untouched_sent_at = _rows_by_sku(ctx)[untouched["seller_sku"]].get("stock_sent_at")

    # 3. the same full syncs again: only the changes reach TikTok
    before = _tiktok_calls(ctx, "/inventory/update")
    _sync(ctx, "ESTOQUE-VTEX-busca-estoque-sku", {"type": "triggerPrepareStock", "clientHash": ctx.client_hash},
          STOCK_QUEUES,
          lambda: int(_rows_by_sku(ctx)[stocked["seller_sku"]]["stock_sent"][tiktok_warehouse]) == new_quantity,
          "the changed stock to reach TikTok")
    stock_calls = _tiktok_calls(ctx, "/inventory/update") - before
    # 1 unless another scenario's orders moved some other SKU's availability meanwhile
    ctx.expect(1 <= stock_calls <= 3, f"expected 1 TikTok inventory call on the re-sync, saw {stock_calls}")
    sku = _tiktok_sku(ctx, stocked["tik_tok_product_id"], stocked["tik_tok_sku_id"])
    on_tiktok = sum(int(w["quantity"]) for w in sku["inventory"])
    ctx.expect(on_tiktok == new_quantity, f"TikTok shows {on_tiktok} units, expected {new_quantity}")
    ctx.report(f"stock re-sync: {stock_calls} TikTok call for {len(rows)} SKUs; TikTok now shows {on_tiktok} "
               f"units for SKU {stocked['seller_sku']}")
    after = _rows_by_sku(ctx)[untouched["seller_sku"]].get("stock_sent_at")
    ctx.expect(after == untouched_sent_at, "an unchanged SKU was sent again")
    sent_at = datetime.fromtimestamp(int(after), UTC).strftime("%H:%M:%S UTC") if after else "?"
    ctx.report(f"untouched SKU {untouched['seller_sku']}: not sent again (still the value sent at {sent_at} "
               "by the first sync)")

    before = _tiktok_calls(ctx, "/prices/update")
    _sync(ctx, "PRECO-VTEX-monta-lista-sku", {"type": "triggerPrepareListPrice", "clientHash": ctx.client_hash},
          PRICE_QUEUES, lambda: (_rows_by_sku(ctx)[priced["seller_sku"]].get("price_sent") or {}).get("amount")
          == new_price, "the changed price to reach TikTok")
    price_calls = _tiktok_calls(ctx, "/prices/update") - before
    sku = _tiktok_sku(ctx, priced["tik_tok_product_id"], priced["tik_tok_sku_id"])
    ctx.expect(sku["price"]["sale_price"] == new_price, f"TikTok shows price {sku['price']}, expected {new_price}")
    ctx.report(f"price re-sync: {price_calls} TikTok price call; TikTok now sells SKU {priced['seller_sku']} "
               f"at R$ {sku['price']['sale_price']}")

    # 4. the count report
    answer = ctx.invoke("ESTOQUE-VTEX-busca-estoque-sku", {"type": "triggerCountStock", "clientHash": ctx.client_hash})
    for warehouse_id, entry in (answer["body"].get("vtexWarehouses") or {}).items():
        ctx.report(f"count (VTEX warehouse {warehouse_id}): {entry['skus']} SKUs, {entry['units']} units, "
                   f"{entry['zeroStock']} at zero, {entry['unlimited']} unlimited")


def _rows_by_sku(ctx: DemoContext) -> dict[str, dict[str, Any]]:
    return {r["seller_sku"]: r for r in _rows(ctx)}


def _quiet_skus(ctx: DemoContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SKUs without VTEX reservations and absent from every TikTok order of the client."""
    orders = ctx.table("OrdersTable").query(KeyConditionExpression=Key("client_hash").eq(ctx.client_hash))["Items"]
    ordered = {sku for order in orders for sku in (order.get("sku_units") or {})}
    ordered |= {line.get("seller_sku") for order in orders for line in order.get("line_items") or []}
    quiet = []
    for row in sorted(rows, key=lambda r: r["seller_sku"]):
        if row["seller_sku"] in ordered:
            continue
        vtex_sku = int(row.get("vtex_sku_id") or row["seller_sku"])
        state = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/inventory/{vtex_sku}").json()
        if not state.get("reservations") and not any(w.get("reserved") for w in state["warehouses"].values()):
            quiet.append(row)
        if len(quiet) == 3:
            return quiet
    raise DemoFailure("no three SKUs free of orders to show the diff with")
