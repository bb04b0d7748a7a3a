"""A demo NF-e for the sandbox's invoices: a well-formed 44-digit access key and a small nfeProc XML."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def _mod11(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(reversed(digits)))
    rest = total % 11
    return "0" if rest < 2 else str(11 - rest)


def nfe_access_key(number: str, sequence: str, cnpj: str = "12345678000195") -> str:
    """A well-formed 44-digit NF-e access key (SP, model 55, series 1) with its mod-11 check digit."""
    now = datetime.now(UTC)
    numeric = "".join(c for c in number if c.isdigit())[-9:].zfill(9)
    body = f"35{now:%y%m}{cnpj}55001{numeric}1{sequence[-8:].zfill(8)}"
    return body + _mod11(body)


def nfe_xml(order: Mapping[str, Any], number: str, key: str, issued: str) -> str:
    """A small, well-formed NF-e (nfeProc) for the demo; not a signed, schema-complete document."""
    items = "".join(
        f'<det nItem="{n}"><prod><cProd>{i["id"]}</cProd><cEAN>{i.get("ean") or "SEM GTIN"}</cEAN>'
        f"<xProd>{_xml_text(i['name'])}</xProd><NCM>61091000</NCM><CFOP>5102</CFOP><uCom>UN</uCom>"
        f"<qCom>{i['quantity']}.0000</qCom><vUnCom>{i['price'] / 100:.2f}</vUnCom>"
        f"<vProd>{i['price'] * i['quantity'] / 100:.2f}</vProd></prod></det>"
        for n, i in enumerate(order["items"], start=1)
    )
    address = order["shippingData"]["address"]
    profile = order["clientProfileData"]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><NFe><infNFe '
        f'Id="NFe{key}" versao="4.00"><ide><cUF>35</cUF><natOp>Venda</natOp><mod>55</mod><serie>1</serie>'
        f"<nNF>{int(''.join(c for c in number if c.isdigit()) or 0)}</nNF><dhEmi>{issued}</dhEmi>"
        "<tpNF>1</tpNF></ide><emit><CNPJ>12345678000195</CNPJ><xNome>Loja Demo Sandbox LTDA</xNome></emit>"
        f"<dest><CPF>{_xml_text(profile.get('document') or '')}</CPF>"
        f"<xNome>{_xml_text(address.get('receiverName') or '')}</xNome></dest>{items}"
        f"<total><ICMSTot><vNF>{order['value'] / 100:.2f}</vNF></ICMSTot></total></infNFe></NFe>"
        f'<protNFe versao="4.00"><infProt><chNFe>{key}</chNFe><dhRecbto>{issued}</dhRecbto>'
        "<nProt>135000000000001</nProt><cStat>100</cStat><xMotivo>Autorizado o uso da NF-e</xMotivo>"
        "</infProt></protNFe></nfeProc>"
    )


def _xml_text(value: str) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
