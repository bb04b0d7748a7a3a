"""Invoices and shipping (Brazil): an order of the orders scenario is invoiced in the VTEX sandbox with a
valid NF-e; INVOICE validates it against the order (XSD, protocol, access key, CNPJ, CPF, total, items) and
uploads it; the TikTok sandbox pushes 36 SUCCESS; SHIPPING-PACKAGE ships the package, keeps its labels in
S3 and sends the tracking to the VTEX invoice; a package update (push 4) syncs the tracking events. A second
order whose NF-e has a wrong total is refused before upload, with its reason. Buyer data is never printed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr

from local.demo.context import DemoContext
from local.fixtures.demo_catalog import demo_catalog
from local.fixtures.nfe import SELLER_CNPJ
from tiktok_vtex.auth.tokens import TokenCipher
from tiktok_vtex.clients.tiktok import TikTokShopClient
from tiktok_vtex.clients.tiktok.tokens import StaticAccessToken


def _row(ctx: DemoContext, order_id: str) -> dict[str, Any]:
    return ctx.table("OrdersTable").get_item(Key={"client_hash": ctx.client_hash, "order_id": order_id},
                                             ConsistentRead=True).get("Item") or {}


def _configure_the_client(ctx: DemoContext) -> None:
    """What the integrator sets up once: the seller's CNPJ (every NF-e must be issued by it) and the shop's
    subscription to push 36 (TikTok's Event API, with the shop's own token)."""
    links = ctx.table("ClientTikTokTable")
    link = links.get_item(Key={"client_hash": ctx.client_hash}, ConsistentRead=True)["Item"]
    settings = dict(link.get("connector_settings") or {})
    settings["fiscal"] = {"cnpj": SELLER_CNPJ}
    links.update_item(Key={"client_hash": ctx.client_hash}, UpdateExpression="SET connector_settings = :s",
                      ExpressionAttributeValues={":s": settings})
    token = ctx.table("TokenTable").get_item(Key={"client_hash": ctx.client_hash}, ConsistentRead=True)["Item"]
    cipher = TokenCipher(ctx.stack.physical_ids["DataKey"], kms=ctx.aws_client("kms"))
    shop = TikTokShopClient(app_key=ctx.env["TIKTOK_APP_KEY"], app_secret=ctx.env["TIKTOK_APP_SECRET"],
                            base_url=ctx.tiktok_url, shop_cipher=link.get("cipher"),
                            tokens=StaticAccessToken(cipher.decrypt(ctx.client_hash, token["access_token"])))
    shop.update_webhook("INVOICE_STATUS_CHANGE", f"{ctx.api_url}/tiktok/webhook")
    ctx.report(f"integrator setup: connector_settings.fiscal.cnpj = {SELLER_CNPJ} (generated test CNPJ), shop "
               "subscribed to INVOICE_STATUS_CHANGE (push 36) at /tiktok/webhook")


def _order_of_the_orders_scenario(ctx: DemoContext) -> dict[str, Any]:
    rows = ctx.table("OrdersTable").scan(FilterExpression=Attr("client_hash").eq(ctx.client_hash)
                                         & Attr("sync_state").eq("AUTHORIZED") & Attr("vtex_order").exists())["Items"]
    ctx.expect(bool(rows), "no AUTHORIZED order from the orders scenario (run it first)")
    return min(rows, key=lambda r: int(r.get("created_at") or r.get("updated_at") or 0))


def _invoice_in_vtex(ctx: DemoContext, vtex_order: str, **extra: Any) -> dict[str, Any]:
    answer = ctx.http.post(f"{ctx.vtex_url}/sandbox/orders/{vtex_order}/advance", json={"to": "invoiced", **extra})
    ctx.expect(answer.status_code == 200, f"the VTEX sandbox could not invoice: {answer.text[:200]}")
    detail = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders/{vtex_order}").json()
    packages = detail["packageAttachment"]["packages"]
    ctx.expect(bool(packages) and bool(packages[-1].get("embeddedInvoice")), "the VTEX invoice has no NF-e")
    return packages[-1]


def _new_paid_order(ctx: DemoContext, sku: str) -> dict[str, Any]:
    order = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders", json={
        "shop_id": ctx.env["DEMO_SHOP_ID"], "status": "AWAITING_SHIPMENT", "notify": False, "shipping_fee": "9.90",
        "items": [{"seller_sku": sku, "quantity": 1}]}).json()
    push = ctx.http.post(f"{ctx.tiktok_url}/sandbox/webhooks/push", json={
        "url": f"{ctx.api_url}/tiktok/webhook", "type": 1, "shop_id": ctx.env["DEMO_SHOP_ID"],
        "data": {"order_id": order["id"], "order_status": order["status"], "is_on_hold_order": False,
                 "update_time": order["update_time"]}}).json()
    ctx.expect(push["deliveries"][0][-1]["status"] == 200, "the order push was not accepted")
    return ctx.wait_for(lambda: (r := _row(ctx, order["id"])) and r.get("sync_state") == "AUTHORIZED" and r, 60,
                        "the second order to be AUTHORIZED in VTEX")


def run(ctx: DemoContext) -> None:
    ctx.section("Invoices and shipping: NF-e -> TikTok, push 36, ship, label in S3, tracking to VTEX "
                "(INVOICE, SHIPPING-PACKAGE)")
    _configure_the_client(ctx)

    # 1. The seller's ERP invoices the order in VTEX (the sandbox issues a schema-valid NF-e for it).
    row = _order_of_the_orders_scenario(ctx)
    order_id, vtex_order = row["order_id"], row["vtex_order"]
    invoice = _invoice_in_vtex(ctx, vtex_order)
    ctx.report(f"VTEX order {vtex_order} invoiced: NF-e {invoice['invoiceNumber']}, key {invoice['invoiceKey']}, "
               f"R$ {int(invoice['invoiceValue']) / 100:.2f}, {len(invoice['embeddedInvoice'])} bytes of XML")

    # 2. The invoiced order reaches INVOICE (what the VTEX order hook sends), which queues its invoice.
    queued = ctx.invoke("INVOICE", {"type": "vtexOrderInvoiced", "clientHash": ctx.client_hash, "orderId": order_id})
    ctx.expect(queued["body"].get("outcome") == "queued", f"INVOICE did not queue the VTEX invoice: {queued}")
    ctx.report(f"INVOICE read the VTEX order and queued {queued['body']['invoices']} vtexInvoice message")

    # 3. Validated, uploaded, push 36 SUCCESS, shipped, labels stored, tracking sent to VTEX.
    done = ctx.wait_for(lambda: (r := _row(ctx, order_id)) and r.get("shipping_state") == "DONE" and r, 90,
                        "the package to be shipped (push 36 SUCCESS -> SHIPPING-PACKAGE)")
    ctx.report(f"NF-e validated and uploaded (invoice_state {done['invoice_state']}, push 36 invoice_status "
               f"{done['invoice_status']}); package {done['shipping_package_id']} shipped by "
               f"{done.get('shipping_handover') or 'seller'}, tracking {done['shipping_tracking_number']}")
    s3 = ctx.aws_client("s3")
    bucket = ctx.stack.physical_ids["FiscalDocumentsBucket"]
    for document_type, stored in sorted(done["shipping_documents"].items()):
        head = s3.head_object(Bucket=bucket, Key=stored["key"])
        ctx.expect(head["ContentLength"] == int(stored["size"]) > 0, f"{document_type} is not in S3")
        ctx.report(f"{document_type}: s3://{bucket}/{stored['key']} ({head['ContentLength']} bytes, "
                   f"{head.get('ServerSideEncryption')})")
    package = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders/{vtex_order}").json()[
        "packageAttachment"]["packages"][-1]
    ctx.expect(package.get("trackingNumber") == done["shipping_tracking_number"], "the tracking did not reach VTEX")
    ctx.report(f"VTEX invoice {package['invoiceNumber']}: trackingNumber {package['trackingNumber']}, courier "
               f"{package.get('courier')}")

    # 4. A package update (push 4) on the shipped order: its tracking events go to the VTEX invoice.
    ctx.http.post(f"{ctx.tiktok_url}/sandbox/webhooks/push", json={
        "url": f"{ctx.api_url}/tiktok/webhook", "type": 4, "shop_id": ctx.env["DEMO_SHOP_ID"], "data": {
            "sc_type": "SPLIT", "role_type": "ROLE_SYSTEM", "update_time": int(done["shipped_at"]) + 60,
            "package_list": [{"package_id": done["shipping_package_id"], "order_id_list": [order_id]}]}})
    synced = ctx.wait_for(lambda: (r := _row(ctx, order_id)) and r.get("shipping_tracking_synced_at") and r, 60,
                          "the tracking events to reach VTEX (push 4 -> syncTracking)")
    events = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders/{vtex_order}").json()[
        "packageAttachment"]["packages"][-1].get("courierStatus") or {}
    ctx.report(f"push 4 -> syncTracking: {len(events.get('data') or [])} tracking event(s) on the VTEX invoice "
               f"(signature {synced['shipping_tracking_signature']}, delivered {synced['shipping_delivered']})")

    # 5. A second order whose NF-e says the wrong total: refused before anything is uploaded.
    sku = demo_catalog()["products"][-2]["skus"][0]["seller_sku"]
    second = _new_paid_order(ctx, sku)
    bad = _invoice_in_vtex(ctx, second["vtex_order"], nfe={"total_override": "1.00"})
    ctx.report(f"second order {second['order_id']}: the ERP's NF-e {bad['invoiceNumber']} says vNF R$ 1.00 for an "
               f"order of R$ {Decimal(int(bad['invoiceValue'])) / 100:.2f}")
    ctx.invoke("INVOICE", {"type": "vtexOrderInvoiced", "clientHash": ctx.client_hash,
                           "orderId": second["order_id"]})
    refused = ctx.wait_for(lambda: (r := _row(ctx, second["order_id"])) and r.get("invoice_state") == "REFUSED"
                           and r, 60, "the broken NF-e to be refused")
    error = refused["invoice_error"]
    ctx.report(f"refused before upload: rule {error['rule']}, field {error['field']}: {error['message']}")
    packages = ctx.http.get(f"{ctx.tiktok_url}/sandbox/state/orders/{second['order_id']}").json().get("packages")
    uploaded = [p for p in packages or [] if ctx.http.get(
        f"{ctx.tiktok_url}/sandbox/state/invoices/{p['id']}").status_code == 200]
    ctx.expect(error["rule"] == "total" and not uploaded, "the broken NF-e reached TikTok")
    ctx.report("nothing was uploaded to TikTok; the reason is on the order (invoice_error) and in TikTokLogOrder")
