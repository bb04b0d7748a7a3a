"""The events/ samples of INVOICE and SHIPPING-PACKAGE parse as their handlers expect (legacy payloads
without `type` included); the bad sample is refused with the field named; no sample carries a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invoice import handler as invoice_handler
from shipping import handler as shipping_handler

from tiktok_vtex.orders.cpf import is_valid_cpf

ROOT = Path(__file__).resolve().parents[3] / "events"


@pytest.mark.parametrize("name", ["legacy-upload", "legacy-upload-without-package", "sqs-reupload",
                                  "sqs-invoice-status", "sqs-vtex-invoice", "vtex-invoice-url",
                                  "vtex-order-invoiced"])
def test_invoice_samples_parse(name: str) -> None:
    event = json.loads((ROOT / "InvoiceFunction" / f"{name}.json").read_text())
    for body in [json.loads(r["body"]) for r in event["Records"]] if "Records" in event else [event]:
        assert invoice_handler.parse(body)


def test_legacy_sample_keeps_accents_and_a_generated_valid_cpf() -> None:
    event = json.loads((ROOT / "InvoiceFunction" / "legacy-upload.json").read_text())
    message = invoice_handler.parse(event)
    assert message.type == "uploadInvoice" and message.package_id
    assert "Algodão" in message.invoice_xml
    cpf = message.invoice_xml.split("<ns0:CPF>")[-1].split("<")[0] if "<ns0:CPF>" in message.invoice_xml else \
        message.invoice_xml.split("CPF>")[1].split("<")[0]
    assert is_valid_cpf(cpf)


def test_bad_sample_names_the_field() -> None:
    with pytest.raises(invoice_handler.InvalidInvoiceMessage, match=r"invoiceXml|invoice_xml"):
        invoice_handler.parse(json.loads((ROOT / "InvoiceFunction" / "bad-missing-xml.json").read_text()))


@pytest.mark.parametrize("name", ["dispatch-package", "sqs-shipping", "sync-tracking"])
def test_shipping_samples_parse(name: str) -> None:
    event = json.loads((ROOT / "ShippingPackageFunction" / f"{name}.json").read_text())
    for body in [json.loads(r["body"]) for r in event["Records"]] if "Records" in event else [event]:
        assert shipping_handler.parse(body)
