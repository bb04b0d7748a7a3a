"""Each validation rule with real-format NF-e 4.00 documents: valid ones built with nfelib's bindings (and
checked against the official XSD), and one broken variant per rule."""

from __future__ import annotations

import base64
import re
from decimal import Decimal

import pytest

from local.fixtures.nfe import SELLER_CNPJ, NfeLine, access_key_of, build_nfe, make_cnpj
from tiktok_vtex.invoices.access_key import AccessKey, check_digit
from tiktok_vtex.invoices.errors import InvoiceRejected
from tiktok_vtex.invoices.nfe import parse_nfe
from tiktok_vtex.invoices.validation import FiscalSettings, OrderExpectation, validate_invoice
from tiktok_vtex.orders.cpf import make_cpf

BUYER = make_cpf("390533447")
LINES = [NfeLine("CAM-AZUL-M", 2, Decimal("49.90")), NfeLine("CAL-JEANS-40", 1, Decimal("129.00"))]
FREIGHT = Decimal("15.90")
TOTAL = Decimal("244.70")
FISCAL = FiscalSettings(cnpj=SELLER_CNPJ)
ORDER = OrderExpectation(buyer_document=BUYER, total=TOTAL, sku_quantities={"CAM-AZUL-M": 2, "CAL-JEANS-40": 1})


def good(**overrides: object) -> bytes:
    spec: dict[str, object] = {"recipient_cpf": BUYER, "lines": LINES, "freight": FREIGHT, "number": 4321}
    return build_nfe(**(spec | overrides))  # type: ignore[arg-type]


def rejected(xml: bytes, order: OrderExpectation = ORDER, fiscal: FiscalSettings = FISCAL) -> InvoiceRejected:
    with pytest.raises(InvoiceRejected) as caught:
        validate_invoice(xml, order, fiscal)
    return caught.value


def test_generated_invoice_is_schema_valid_and_passes_every_rule() -> None:
    xml = good()
    document = validate_invoice(xml, ORDER, FISCAL)
    assert document.access_key == access_key_of(xml)
    assert document.total == TOTAL and document.number == "4321" and document.model == "55"
    assert [(i.code, i.quantity) for i in document.items] == [("CAM-AZUL-M", 2), ("CAL-JEANS-40", 1)]
    assert document.protocol_status == "100"


def test_access_key_check_digit_matches_the_official_sample() -> None:
    # nfelib's homologation sample (issued by SEFAZ-PR): its key's digit is the mod-11 of the first 43.
    key = "41170706117473000150550010000463202612756525"
    assert check_digit(key[:43]) == int(key[43])
    assert AccessKey.parse(key).valid_digit


def test_accents_survive_utf8_and_base64() -> None:
    xml = good()
    assert "Algodão Orgânico".encode() in xml
    assert "Algodão Orgânico" in base64.b64decode(base64.b64encode(xml)).decode("utf-8")


def test_late_authorization_150_is_accepted() -> None:
    assert validate_invoice(good(protocol_status="150"), ORDER, FISCAL).protocol_status == "150"


def test_buyer_with_cnpj_is_compared_as_cnpj() -> None:
    company = make_cnpj("998877660001")
    xml = good(recipient_cpf=None, recipient_cnpj=company)
    assert validate_invoice(xml, ORDER.model_copy(update={"buyer_document": company}), FISCAL)


@pytest.mark.parametrize(("xml", "rule", "field"), [
    (b"<nfeProc><NFe>", "xml", "file"),
    (b"", "xml", "file"),
    (b"<?xml version='1.0'?><root/>", "xml", "nfeProc"),
])
def test_malformed_or_foreign_xml(xml: bytes, rule: str, field: str) -> None:
    error = rejected(xml)
    assert (error.rule, error.field) == (rule, field)


def test_xsd_violation_names_the_element() -> None:
    xml = good().replace(b"<cUF>35</cUF>", b"<cUF>3X</cUF>")
    error = rejected(xml)
    assert error.rule == "xsd" and error.field.endswith("ide/cUF"), error


def test_xsd_violation_missing_required_element() -> None:
    xml = re.sub(rb"<natOp>[^<]*</natOp>", b"", good())
    assert rejected(xml).rule == "xsd"


def test_model_65_is_refused_with_a_clear_reason() -> None:
    error = rejected(good(model="65"))
    assert error.rule == "model" and "65" in error.message and "NFC-e" in error.message


def test_missing_protocol() -> None:
    error = rejected(good(with_protocol=False))
    assert (error.rule, error.field) == ("protocol", "protNFe")


def test_protocol_not_authorized() -> None:
    error = rejected(good(protocol_status="110"))  # 110: uso denegado
    assert (error.rule, error.field) == ("protocol", "protNFe/infProt/cStat")


def test_wrong_access_key_check_digit() -> None:
    xml = good()
    key = access_key_of(xml)
    broken = key[:43] + str((int(key[43]) + 1) % 10)
    xml = xml.replace(key.encode(), broken.encode()).replace(f"<cDV>{key[43]}</cDV>".encode(),
                                                             f"<cDV>{broken[43]}</cDV>".encode())
    error = rejected(xml)
    assert (error.rule, error.field) == ("access_key", "infNFe/@Id") and "check digit" in error.message


@pytest.mark.parametrize(("old", "new", "field"), [
    (b"<nNF>4321</nNF>", b"<nNF>4322</nNF>", "ide/nNF"),
    (b"<serie>1</serie>", b"<serie>2</serie>", "ide/serie"),
    (b"<cUF>35</cUF>", b"<cUF>41</cUF>", "ide/cUF"),
    (b"<dhEmi>2026-11-30", b"<dhEmi>2026-10-30", "ide/dhEmi (AAMM)"),
])
def test_access_key_inconsistent_with_ide(old: bytes, new: bytes, field: str) -> None:
    xml = good()
    assert old in xml
    error = rejected(xml.replace(old, new, 1))
    assert (error.rule, error.field) == ("access_key", field)


def test_emitter_cnpj_differs_from_the_configured_one() -> None:
    error = rejected(good(), fiscal=FiscalSettings(cnpj=make_cnpj("445556660001")))
    assert (error.rule, error.field) == ("emitter", "emit/CNPJ")


def test_no_configured_cnpj_is_named() -> None:
    error = rejected(good(), fiscal=FiscalSettings())
    assert error.field == "connector_settings.fiscal.cnpj"


def test_recipient_differs_from_the_buyer() -> None:
    error = rejected(good(recipient_cpf=make_cpf("111444777")))
    assert (error.rule, error.field) == ("recipient", "dest/CPF|CNPJ")
    assert BUYER not in str(error)  # no buyer data in the reason


def test_total_within_one_cent_passes_and_beyond_fails() -> None:
    assert validate_invoice(good(total_override=TOTAL + Decimal("0.01")), ORDER, FISCAL)
    error = rejected(good(total_override=TOTAL + Decimal("0.02")))
    assert (error.rule, error.field) == ("total", "total/ICMSTot/vNF")


def test_items_and_quantities_must_match_the_order() -> None:
    error = rejected(good(lines=[NfeLine("CAM-AZUL-M", 1, Decimal("99.80")), LINES[1]]))
    assert error.rule == "items" and "CAM-AZUL-M" in error.message
    error = rejected(good(lines=[NfeLine("OUTRO-SKU", 2, Decimal("49.90")), LINES[1]]))
    assert error.rule == "items" and "OUTRO-SKU" in error.message


def test_six_megabyte_file_is_refused_before_parsing() -> None:
    error = rejected(b"<a>" + b"x" * (6 * 1024 * 1024) + b"</a>")
    assert (error.rule, error.field) == ("size", "file")


def test_entities_are_not_expanded() -> None:
    xml = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe">&e;</nfeProc>')
    assert rejected(xml).rule in {"xml", "xsd"}


def test_signature_is_required() -> None:
    xml, removed = re.subn(rb"<(\w+:)?Signature\b.*?</(\w+:)?Signature>", b"", good(), flags=re.S)
    assert removed == 1
    error = rejected(xml)
    assert error.rule in {"xsd", "signature"} and "Signature" in (error.field + error.message)


def test_parse_reads_the_fields_of_the_official_sample() -> None:
    from pathlib import Path

    import nfelib

    sample = (Path(nfelib.__file__).parent / "nfe/samples/v4_0/procNFe.xml").read_bytes()
    # Its key says tpEmis 2 while ide says 1 (the sample was edited by hand): the consistency rule sees it.
    with pytest.raises(InvoiceRejected) as caught:
        parse_nfe(sample)
    assert (caught.value.rule, caught.value.field) == ("access_key", "ide/tpEmis")
    fixed = sample.replace(b"<tpEmis>1</tpEmis>", b"<tpEmis>2</tpEmis>").replace(b"<cDV>7</cDV>", b"<cDV>5</cDV>")
    document = parse_nfe(fixed)
    assert document.access_key == "41170706117473000150550010000463202612756525"
    assert document.total == Decimal("84.90") and document.emitter_cnpj == "06117473000150"
