"""The world the samples of ``events/`` name, built on a local stack whose demo client is onboarded and
authorized (``oneshot.seed_demo``). Everything is synthetic (generated CPF and CNPJ, the demo catalog's SKU
880408) and idempotent: seeding twice changes nothing a sample relies on.

* **Invoice order** ``INVOICE_ORDER`` with package ``INVOICE_PACKAGE`` (TikTok sandbox, paid, SKU 880408 at
  its catalog price), placed in VTEX by PEDIDOS-novo-pedido-TTK (the production path), invoiced there by
  the seller's ERP (the seed) with NF-e ``INVOICE_NUMBER`` behind an ``invoiceUrl`` on the seller's web host;
  the same NF-e is stored in the documents bucket where a re-upload reads it (``sqs-reupload``). Not yet
  uploaded to TikTok: the ``InvoiceFunction`` samples do that.
* **Shipping order** ``SHIPPING_ORDER`` / ``SHIPPING_PACKAGE``: the same, but its NF-e ``SHIPPING_NUMBER`` is
  embedded in the VTEX invoice and uploaded to TikTok by INVOICE at seed time (the sandbox accepts it), so
  SHIPPING-PACKAGE can ship it.
* The seller's **CNPJ** on the shop link (``connector_settings.fiscal``), as the integrator sets it.
* The demo **feed**: gzipped in the stack's feed bucket (``feed_s3_url``) and on the seller's web host
  (``file_url``: the TikTok sandbox's ``/sandbox/files``, loopback, which the SSRF guard lets through only in
  the local environment).
* The demo client's **VTEX orders-hook secret**: stack.env's ``DEMO_VTEX_HOOK_SECRET`` (local only).

Samples name stack.env's addresses (``make local``); ``samples.prepare_event`` maps them to the ports of the
stack they run on.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import Any

from local.fixtures.demo_catalog import demo_catalog
from local.fixtures.demo_feed import demo_feed
from local.fixtures.nfe import SELLER_CNPJ, NfeLine, access_key_of, build_nfe
from local.provision.common import default_name
from tiktok_vtex.shipping.storage import S3DocumentStore, invoice_xml_key
from tiktok_vtex.vtex_orders.hook_secrets import HookSecret, hook_secret_name

SAMPLE_SKU = "880408"  # the legacy doc's SKU, part of the demo catalog of both sandboxes
SAMPLE_CPF = "39053344705"  # generated (valid check digits), not a person's
INVOICE_ORDER, INVOICE_PACKAGE, INVOICE_NUMBER = "580192503814523040", "1153000000000000001", 1001
SHIPPING_ORDER, SHIPPING_PACKAGE, SHIPPING_NUMBER = "580192503814523041", "1153000000000000002", 1002
ISSUED = "2026-11-30"
IMAGE_HOST = "https://img.loja-demo.example"  # image links of the demo feed: a host that does not exist
FEED_FILE = "loja-demo/feeds/tiktok.xml"
ORDERS_FUNCTION = "PEDIDOS-novo-pedido-TTK"
INVOICE_FUNCTION = "INVOICE"


class SampleWorldError(RuntimeError):
    pass


@cache
def sample_price() -> Decimal:
    """SKU 880408's selling price in the demo catalog (both sandboxes sell it at this price)."""
    for product in demo_catalog()["products"]:
        for sku in product["skus"]:
            if sku["seller_sku"] == SAMPLE_SKU:
                return Decimal(str(sku["selling_price"]))
    raise SampleWorldError(f"SKU {SAMPLE_SKU} is not in the demo catalog")


@cache
def sample_nfe(number: int) -> bytes:
    """The NF-e of a sample order: one unit of 880408, to the sample buyer, issued by the seller's CNPJ."""
    return build_nfe(recipient_cpf=SAMPLE_CPF, lines=[NfeLine(SAMPLE_SKU, 1, sample_price())], number=number,
                     issued=ISSUED)


def nfe_file(number: int) -> str:
    return f"loja-demo/nfe/{access_key_of(sample_nfe(number))}.xml"


def file_url(env: Mapping[str, str], name: str) -> str:
    """A file of the seller's web host of the local stack."""
    return f"{env['TIKTOK_API_BASE_URL']}/sandbox/files/{name}"


def feed_s3_url(env: Mapping[str, str]) -> str:
    bucket = default_name(SimpleNamespace(stack_name=env["STACK_NAME"]), "CatalogFeedsBucket",  # type: ignore[arg-type]
                          max_length=63, lower=True)
    return f"s3://{bucket}/{env['DEMO_CLIENT_HASH']}/feed.xml.gz"


def vtex_order_id(env: Mapping[str, str], order_id: str) -> str:
    return f"{env['VTEX_AFFILIATE_ID']}-{order_id}-01"  # the id VTEX gives a marketplace order


def vtex_invoice(env: Mapping[str, str], number: int, *, embedded: bool) -> dict[str, Any]:
    """The invoice the seller's ERP posts to VTEX: the NF-e embedded, or behind an invoiceUrl."""
    xml = sample_nfe(number)
    invoice: dict[str, Any] = {"type": "Output", "invoiceNumber": str(number), "invoiceKey": access_key_of(xml),
                               "invoiceValue": int(sample_price() * 100), "issuanceDate": f"{ISSUED}T10:00:00-03:00"}
    if embedded:
        return invoice | {"embeddedInvoice": xml.decode("utf-8"), "invoiceUrl": None}
    return invoice | {"embeddedInvoice": None, "invoiceUrl": file_url(env, nfe_file(number))}


# --------------------------------------------------------------------------------------------- seeding
def seed_sample_world(ctx: Any) -> dict[str, Any]:
    """Builds the world of the module docstring. `ctx`: a local.demo.context.DemoContext."""
    env, client = ctx.env, ctx.client_hash
    _seed_hook_secret(ctx)
    _seed_fiscal_settings(ctx)
    _put_file(ctx, FEED_FILE, demo_feed(IMAGE_HOST).encode("utf-8"), "application/xml")
    feed_url = feed_s3_url(env)
    bucket, key = feed_url.removeprefix("s3://").split("/", 1)
    ctx.aws_client("s3").put_object(Bucket=bucket, Key=key, Body=gzip.compress(demo_feed(IMAGE_HOST).encode()),
                                    ContentType="application/gzip")

    invoice_row = _placed_order(ctx, INVOICE_ORDER, INVOICE_PACKAGE)
    xml = sample_nfe(INVOICE_NUMBER)
    _put_file(ctx, nfe_file(INVOICE_NUMBER), xml, "application/xml")
    _invoiced_in_vtex(ctx, invoice_row["vtex_order"], vtex_invoice(env, INVOICE_NUMBER, embedded=False))
    ids = ctx.stack.physical_ids
    store = S3DocumentStore(ids["FiscalDocumentsBucket"], ctx.aws_client("s3"), kms_key_id=ids["DataKey"])
    store.put(invoice_xml_key(client, INVOICE_ORDER, access_key_of(xml)), xml, "application/xml")

    shipping_row = _placed_order(ctx, SHIPPING_ORDER, SHIPPING_PACKAGE)
    _invoiced_in_vtex(ctx, shipping_row["vtex_order"], vtex_invoice(env, SHIPPING_NUMBER, embedded=True))
    upload = ctx.invoke(INVOICE_FUNCTION, {"clientHash": client, "orderId": SHIPPING_ORDER,
                                           "packageId": SHIPPING_PACKAGE,
                                           "invoiceXml": sample_nfe(SHIPPING_NUMBER).decode("utf-8")})
    outcome = (upload or {}).get("body", {}).get("outcome")
    if outcome not in ("uploaded", "already_uploaded"):
        raise SampleWorldError(f"seeding: the shipping order's NF-e was not uploaded: {upload}")
    return {"orders": [INVOICE_ORDER, SHIPPING_ORDER], "feed": feed_url, "shipping_invoice": outcome}


def _seed_hook_secret(ctx: Any) -> None:
    secrets = ctx.aws_client("secretsmanager")
    name = hook_secret_name(ctx.stack.resolve({"Ref": "AWS::StackName"}), ctx.client_hash)
    document = json.dumps(HookSecret(current=ctx.env["DEMO_VTEX_HOOK_SECRET"], rotated_at=int(time.time())).document())
    try:
        secrets.create_secret(Name=name, SecretString=document)
    except secrets.exceptions.ResourceExistsException:
        try:
            secrets.put_secret_value(SecretId=name, SecretString=document)
        except secrets.exceptions.InvalidRequestException:  # scheduled for deletion (ORDERHOOK-MANAGEMENT remove)
            secrets.restore_secret(SecretId=name)
            secrets.put_secret_value(SecretId=name, SecretString=document)


def _seed_fiscal_settings(ctx: Any) -> None:
    links = ctx.table("ClientTikTokTable")
    key = {"client_hash": ctx.client_hash}
    link = links.get_item(Key=key, ConsistentRead=True).get("Item")
    if link is None:
        raise SampleWorldError("seeding: the demo client has no shop link (authorize it first)")
    settings = dict(link.get("connector_settings") or {})
    if (settings.get("fiscal") or {}).get("cnpj") != SELLER_CNPJ:
        settings["fiscal"] = {**(settings.get("fiscal") or {}), "cnpj": SELLER_CNPJ}
        links.update_item(Key=key, UpdateExpression="SET connector_settings = :s",
                          ExpressionAttributeValues={":s": settings})


def _put_file(ctx: Any, name: str, body: bytes, content_type: str) -> None:
    answer = ctx.http.put(file_url(ctx.env, name), content=body, headers={"Content-Type": content_type})
    if answer.status_code != 201:
        raise SampleWorldError(f"seeding: the seller's web host refused {name}: {answer.status_code} "
                               f"{answer.text[:200]}")


def _row(ctx: Any, order_id: str) -> dict[str, Any]:
    return ctx.table("OrdersTable").get_item(Key={"client_hash": ctx.client_hash, "order_id": order_id},
                                             ConsistentRead=True).get("Item") or {}


def _placed_order(ctx: Any, order_id: str, package_id: str) -> dict[str, Any]:
    """The TikTok order (paid, one package) and its VTEX order, placed by PEDIDOS-novo-pedido-TTK."""
    if ctx.http.get(f"{ctx.tiktok_url}/sandbox/state/orders/{order_id}").status_code != 200:
        answer = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders", json={
            "order_id": order_id, "package_id": package_id, "shop_id": ctx.env["DEMO_SHOP_ID"],
            "status": "AWAITING_SHIPMENT", "notify": False, "items": [{"seller_sku": SAMPLE_SKU, "quantity": 1}],
            "buyer": {"name": "Comprador Amostra", "email": "amostra@example.com", "cpf": SAMPLE_CPF}})
        if answer.status_code != 201:
            raise SampleWorldError(f"seeding order {order_id}: {answer.status_code} {answer.text[:200]}")
    if not _row(ctx, order_id).get("vtex_order"):
        ctx.invoke(ORDERS_FUNCTION, {"type": "triggerNewOrderInTTK", "clientHash": ctx.client_hash,
                                     "orderId": order_id})
    row = _row(ctx, order_id)
    if not row.get("vtex_order"):
        raise SampleWorldError(f"seeding: order {order_id} was not placed in VTEX ({row.get('sync_state')})")
    return row


def _invoiced_in_vtex(ctx: Any, vtex_order: str, invoice: Mapping[str, Any]) -> None:
    """The seller's ERP invoices the VTEX order (the sandbox's seller flow, with this invoice)."""
    state = ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders/{vtex_order}").json()
    packages = (state.get("packageAttachment") or {}).get("packages") or []
    if any(p.get("invoiceNumber") == invoice["invoiceNumber"] for p in packages):
        return
    answer = ctx.http.post(f"{ctx.vtex_url}/sandbox/orders/{vtex_order}/advance",
                           json={"to": "invoiced", "with_xml": False, "invoice": dict(invoice)})
    if answer.status_code != 200:
        raise SampleWorldError(f"seeding: VTEX did not invoice {vtex_order}: {answer.status_code} {answer.text[:200]}")
