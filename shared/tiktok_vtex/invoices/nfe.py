"""Reads an NF-e 4.00 `nfeProc` (NF-e + SEFAZ authorization protocol) and checks what the document says
about itself: size, well-formedness, the official XSD (shipped by `nfelib`), model 55, an authorized
`protNFe`, the access key's check digit and its consistency with `ide` / `emit`, and the presence of the
XMLDSig signature. Cryptographic verification of the signature is NOT done (presence only): TikTok and
SEFAZ verify it; we would need the emitter's certificate chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from tiktok_vtex.invoices.access_key import AccessKey
from tiktok_vtex.invoices.errors import InvoiceRejected

MAX_BYTES = 1024 * 1024  # TikTok's upload limit for the file
NS = {"nfe": "http://www.portalfiscal.inf.br/nfe", "ds": "http://www.w3.org/2000/09/xmldsig#"}
AUTHORIZED = frozenset({"100", "150"})  # 100 authorized, 150 authorized late (fora de prazo)
MODEL_NFE, MODEL_NFCE = "55", "65"


@dataclass(frozen=True)
class NfeItem:
    code: str  # cProd: the seller's product code (our seller SKU)
    quantity: Decimal  # qCom
    total: Decimal  # vProd


@dataclass(frozen=True)
class NfeDocument:
    access_key: str
    number: str
    series: str
    model: str
    emitter_cnpj: str
    recipient_document: str  # dest/CPF or dest/CNPJ (digits)
    total: Decimal  # total/ICMSTot/vNF
    items: tuple[NfeItem, ...]
    protocol_status: str
    protocol_number: str
    issued_at: str
    signed: bool = field(default=True)


@cache
def _schema() -> etree.XMLSchema:
    import nfelib

    path = Path(nfelib.__file__).parent / "nfe" / "schemas" / "v4_0" / "procNFe_v4.00.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def _parser() -> etree.XMLParser:
    # No entities, no network, no DTD: an invoice comes from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_blank_text=False)


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _decimal(value: str, field_name: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise InvoiceRejected("xsd", field_name, "not a decimal number") from None


def parse_nfe(xml: bytes) -> NfeDocument:  # noqa: PLR0912, PLR0915 (one rule after the other, in order)
    if len(xml) > MAX_BYTES:
        raise InvoiceRejected("size", "file", f"{len(xml)} bytes exceeds TikTok's 1 MB limit")
    if not xml.strip():
        raise InvoiceRejected("xml", "file", "empty document")
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as error:
        raise InvoiceRejected("xml", "file", f"not well-formed XML (line {error.lineno})") from None
    local = etree.QName(root).localname
    if local == "NFe":
        raise InvoiceRejected("protocol", "protNFe", "the XML is an NF-e without its SEFAZ authorization "
                                                     "(send the nfeProc with protNFe)")
    if local != "nfeProc" or etree.QName(root).namespace != NS["nfe"]:
        raise InvoiceRejected("xml", "nfeProc", f"root element is {local}, expected nfeProc of the NF-e namespace")
    inf = root.find("nfe:NFe/nfe:infNFe", NS)
    if inf is None:
        raise InvoiceRejected("xsd", "NFe/infNFe", "missing")
    model = _text(inf, "nfe:ide/nfe:mod")
    if model == MODEL_NFCE:
        raise InvoiceRejected("model", "ide/mod", "model 65 (NFC-e, consumer receipt) is not accepted by TikTok "
                                                  "Shop: issue a model 55 NF-e")
    if root.find("nfe:protNFe", NS) is None:
        raise InvoiceRejected("protocol", "protNFe", "missing: the NF-e has no SEFAZ authorization protocol")
    schema = _schema()
    if not schema.validate(root):
        first = schema.error_log[0]
        raise InvoiceRejected("xsd", _xsd_field(root, first), f"NF-e 4.00 schema (line {first.line}): "
                                                             f"{first.message[:300]}")
    if model != MODEL_NFE:
        raise InvoiceRejected("model", "ide/mod", f"model {model} is not an NF-e (55)")
    status = _text(root, "nfe:protNFe/nfe:infProt/nfe:cStat")
    if status not in AUTHORIZED:
        raise InvoiceRejected("protocol", "protNFe/infProt/cStat",
                              f"status {status} is not an authorization (100 or 150)")
    key_attr = inf.get("Id") or ""
    key = key_attr.removeprefix("NFe")
    try:
        parts = AccessKey.parse(key)
    except ValueError:
        raise InvoiceRejected("access_key", "infNFe/@Id", "the access key must be 44 digits") from None
    if not parts.valid_digit:
        raise InvoiceRejected("access_key", "infNFe/@Id", "wrong check digit (mod 11)")
    ide = inf.find("nfe:ide", NS)
    emitter = _text(inf, "nfe:emit/nfe:CNPJ")
    issued = _text(ide, "nfe:dhEmi")
    expected = {
        "ide/cUF": (parts.cuf, _text(ide, "nfe:cUF")),
        "ide/dhEmi (AAMM)": (parts.aamm, issued[2:4] + issued[5:7]),
        "emit/CNPJ": (parts.cnpj, emitter),
        "ide/mod": (parts.model, model),
        "ide/serie": (parts.series, _text(ide, "nfe:serie").zfill(3)),
        "ide/nNF": (parts.number, _text(ide, "nfe:nNF").zfill(9)),
        "ide/tpEmis": (parts.emission_type, _text(ide, "nfe:tpEmis")),
        "ide/cNF": (parts.code, _text(ide, "nfe:cNF").zfill(8)),
        "ide/cDV": (parts.digit, _text(ide, "nfe:cDV")),
    }
    for name, (in_key, in_doc) in expected.items():
        if in_key != in_doc:
            raise InvoiceRejected("access_key", name, "does not match the access key")
    protocol_key = _text(root, "nfe:protNFe/nfe:infProt/nfe:chNFe")
    if protocol_key != key:
        raise InvoiceRejected("protocol", "protNFe/infProt/chNFe", "the protocol authorizes another access key")
    if root.find("nfe:NFe/ds:Signature", NS) is None:  # the XSD requires it; kept for clarity
        raise InvoiceRejected("signature", "NFe/Signature", "missing XMLDSig signature")
    recipient = _text(inf, "nfe:dest/nfe:CPF") or _text(inf, "nfe:dest/nfe:CNPJ")
    items = tuple(
        NfeItem(code=_text(det, "nfe:prod/nfe:cProd"),
                quantity=_decimal(_text(det, "nfe:prod/nfe:qCom"), "det/prod/qCom"),
                total=_decimal(_text(det, "nfe:prod/nfe:vProd"), "det/prod/vProd"))
        for det in inf.findall("nfe:det", NS))
    return NfeDocument(
        access_key=key, number=_text(ide, "nfe:nNF"), series=_text(ide, "nfe:serie"), model=model,
        emitter_cnpj=emitter, recipient_document=recipient,
        total=_decimal(_text(inf, "nfe:total/nfe:ICMSTot/nfe:vNF"), "total/ICMSTot/vNF"), items=items,
        protocol_status=status, protocol_number=_text(root, "nfe:protNFe/nfe:infProt/nfe:nProt"), issued_at=issued)


def _xsd_field(root: etree._Element, error: Any) -> str:
    """The failing element as a path of local names (`NFe/infNFe/ide/cUF`): libxml2 reports namespaced
    paths as `/*/*/*`, so the element is found by its line and the name the message quotes."""
    quoted = re.search(r"Element '(?:\{[^}]*\})?([^']+)'", error.message or "")
    name = quoted.group(1) if quoted else None
    for element in root.iter():
        if element.sourceline == error.line and (name is None or etree.QName(element).localname == name):
            names = [etree.QName(e).localname for e in (*reversed(list(element.iterancestors())), element)]
            return "/".join(names[1:]) or names[0]
    return name or "file"
