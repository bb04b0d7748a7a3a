"""The NF-e of a sandbox invoice: a schema-valid NF-e 4.00 `nfeProc` (nfelib's bindings, through
local.fixtures.nfe.build_nfe) that matches the order it invoices, the way a seller's ERP issues it:

- emitter: the store's CNPJ (SELLER_CNPJ of the fixtures, what the demo client configures as
  `connector_settings.fiscal.cnpj`);
- recipient: the buyer's document of the order (`clientProfileData.document`, a CPF);
- items: one `det` per order item, `cProd` = the SKU id (the demo catalog's seller SKU), quantity and
  unit price from the order; freight = order value - items, so `vNF` = the order value;
- access key: built from the issue date, CNPJ, series 1, the invoice number and the order sequence, with
  its mod-11 digit; the same key goes in `invoiceKey` and `protNFe/chNFe` (cStat 100).

`total_override` (admin only: `POST /sandbox/orders/{id}/advance` with `nfe.total_override`) issues a
broken NF-e whose vNF differs from the order, for demos and tests of the refusal before upload.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from local.fixtures.nfe import SELLER_CNPJ, NfeLine, access_key_of, build_nfe


def demo_nfe(order: Mapping[str, Any], number: str, issued: str, *, cnpj: str = SELLER_CNPJ,
             total_override: Decimal | None = None) -> tuple[str, str]:
    """(access key, nfeProc XML) for invoice `number` of the sandbox order `order` (its stored data)."""
    lines = [NfeLine(sku=str(i["id"]), quantity=int(i["quantity"]), unit_price=Decimal(int(i["price"])) / 100,
                     description=str(i.get("name") or f"SKU {i['id']}")[:120]) for i in order["items"]]
    items_cents = sum(int(i["price"]) * int(i["quantity"]) for i in order["items"])
    freight = Decimal(max(0, int(order["value"]) - items_cents)) / 100
    digits = "".join(c for c in number if c.isdigit()) or "1"
    document = "".join(c for c in str((order.get("clientProfileData") or {}).get("document") or "") if c.isdigit())
    xml = build_nfe(emitter_cnpj=cnpj, recipient_cpf=document if len(document) == 11 else None,
                    recipient_cnpj=document if len(document) == 14 else None, lines=lines, freight=freight,
                    number=int(digits[-9:]), series=1, issued=issued[:10],
                    code=str(order.get("sequence") or "1")[-8:].zfill(8), total_override=total_override)
    return access_key_of(xml), xml.decode("utf-8")
