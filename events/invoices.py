"""Writes the sample events of INVOICE and SHIPPING-PACKAGE that name the seeded world
(`python -m events.invoices`): the invoice order and the shipping order of local/runtime/sample_world.py,
their generated NF-e (SKU 880408, generated CPF and CNPJ, no real data), the NF-e behind an invoiceUrl on
the seller's web host of the local stack (stack.env's address; the one-shot invoke maps it to the running
stack's port). `bad-missing-xml`, `schedule-sweep` and `sqs-invoice-status` are written by hand.
tests/integration/local/test_event_samples.py checks the committed files are what this script writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.generate import render
from local.env import stack_env
from local.fixtures.nfe import access_key_of
from local.runtime.sample_world import (
    INVOICE_NUMBER,
    INVOICE_ORDER,
    INVOICE_PACKAGE,
    SHIPPING_ORDER,
    SHIPPING_PACKAGE,
    sample_nfe,
    vtex_invoice,
    vtex_order_id,
)

ROOT = Path(__file__).resolve().parent


def _sqs(body: dict[str, Any], queue: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": "00000000-0000-4000-8000-000000000000", "receiptHandle": "rh", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1735700000000", "SenderId": "x",
                       "ApproximateFirstReceiveTimestamp": "1735700000000"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:integracao-tik-tok-{queue}", "awsRegion": "us-east-1"}]}


def samples() -> dict[str, dict[str, Any]]:
    env = stack_env()
    client = env["DEMO_CLIENT_HASH"]
    xml = sample_nfe(INVOICE_NUMBER).decode("utf-8")
    legacy = {"clientHash": client, "orderId": INVOICE_ORDER, "invoiceXml": xml}
    embedded = vtex_invoice(env, INVOICE_NUMBER, embedded=True)
    linked = vtex_invoice(env, INVOICE_NUMBER, embedded=False)
    shipping = {"clientHash": client, "orderId": SHIPPING_ORDER, "packageId": SHIPPING_PACKAGE}
    return {
        "InvoiceFunction/legacy-upload-without-package": legacy,
        "InvoiceFunction/legacy-upload": {"clientHash": client, "packageId": INVOICE_PACKAGE, "orderId": INVOICE_ORDER,
                                          "invoiceXml": xml},
        "InvoiceFunction/sqs-reupload": _sqs({
            "type": "reuploadInvoice", "clientHash": client, "orderId": INVOICE_ORDER, "packageId": INVOICE_PACKAGE,
            "accessKey": access_key_of(sample_nfe(INVOICE_NUMBER)), "attempt": 1}, "invoice"),
        "InvoiceFunction/sqs-vtex-invoice": _sqs({
            "type": "vtexInvoice", "clientHash": client, "orderId": INVOICE_ORDER,
            "invoice": {k: v for k, v in embedded.items() if v is not None and k != "invoiceKey"}
            | {"courier": "Transportadora Demo", "vtexOrderId": vtex_order_id(env, INVOICE_ORDER)}}, "invoice"),
        "InvoiceFunction/vtex-invoice-url": {
            "type": "vtexInvoice", "clientHash": client, "orderId": INVOICE_ORDER,
            "invoice": {"type": "Output", "invoiceNumber": linked["invoiceNumber"],
                        "invoiceUrl": linked["invoiceUrl"]}},
        "InvoiceFunction/vtex-order-invoiced": {"type": "vtexOrderInvoiced", "clientHash": client,
                                                "orderId": INVOICE_ORDER},
        "ShippingPackageFunction/dispatch-package": shipping,
        "ShippingPackageFunction/sqs-shipping": _sqs(shipping, "shipping-package"),
        "ShippingPackageFunction/sync-tracking": {"type": "syncTracking", "clientHash": client,
                                                  "orderId": SHIPPING_ORDER},
    }


def main() -> None:
    written = samples()
    for name, event in written.items():
        (ROOT / f"{name}.json").write_text(render(event), encoding="utf-8")
    print(f"wrote {len(written)} events under {ROOT}")


if __name__ == "__main__":
    main()
