"""The NF-e against the order it invoices: emitter = the client's configured CNPJ, recipient = the buyer's
document, vNF = the order total (one cent of tolerance), and items / quantities = the order's SKUs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.invoices.errors import InvoiceRejected
from tiktok_vtex.invoices.nfe import NfeDocument, parse_nfe

CENT = Decimal("0.01")
_NON_DIGIT = re.compile(r"\D")


def digits(value: str | None) -> str:
    return _NON_DIGIT.sub("", value or "")


class FiscalSettings(BaseModel):
    """`connector_settings.fiscal` of the client's shop link (ssxml_client_tiktok): the seller's CNPJ,
    the one every NF-e of this client must be issued by."""

    model_config = ConfigDict(extra="allow")

    cnpj: str | None = Field(default=None, description="emitter CNPJ, digits or formatted")
    check_items: bool = Field(default=True, description="compare NF-e items with the order's SKUs")


class OrderExpectation(BaseModel):
    """What the order says the invoice must contain (from TikTok's order detail)."""

    buyer_document: str = Field(description="TikTok order detail `cpf` (CPF or CNPJ of the buyer)")
    total: Decimal = Field(description="order total the buyer paid (payment.total_amount), BRL")
    sku_quantities: Mapping[str, int] = Field(default_factory=dict, description="seller_sku -> units")


def validate_against_order(document: NfeDocument, expected: OrderExpectation, fiscal: FiscalSettings) -> None:
    configured = digits(fiscal.cnpj)
    if len(configured) != 14:
        raise InvoiceRejected("config", "connector_settings.fiscal.cnpj",
                              "the client has no valid emitter CNPJ configured (14 digits)")
    if digits(document.emitter_cnpj) != configured:
        raise InvoiceRejected("emitter", "emit/CNPJ", "differs from the client's configured CNPJ")
    buyer = digits(expected.buyer_document)
    if not buyer:
        raise InvoiceRejected("recipient", "order.cpf", "the TikTok order carries no buyer CPF/CNPJ")
    if digits(document.recipient_document) != buyer:
        raise InvoiceRejected("recipient", "dest/CPF|CNPJ", "differs from the buyer's document on the order")
    if abs(document.total - expected.total) > CENT:
        raise InvoiceRejected("total", "total/ICMSTot/vNF",
                              f"{document.total} differs from the order total {expected.total}")
    if fiscal.check_items and expected.sku_quantities:
        invoiced: Counter[str] = Counter()
        for item in document.items:
            if item.quantity != item.quantity.to_integral_value():
                raise InvoiceRejected("items", "det/prod/qCom", f"{item.code}: fractional quantity")
            invoiced[item.code] += int(item.quantity)
        ordered = Counter({sku: int(units) for sku, units in expected.sku_quantities.items()})
        if invoiced != ordered:
            missing = sorted(set(ordered) - set(invoiced))
            extra = sorted(set(invoiced) - set(ordered))
            wrong = sorted(s for s in set(ordered) & set(invoiced) if ordered[s] != invoiced[s])
            raise InvoiceRejected("items", "det/prod/cProd|qCom",
                                  f"items differ from the order (missing {missing}, not in order {extra}, "
                                  f"quantity differs {wrong})")


def validate_invoice(xml: bytes, expected: OrderExpectation, fiscal: FiscalSettings) -> NfeDocument:
    """Every rule, in order; raises InvoiceRejected naming the first field that fails."""
    document = parse_nfe(xml)
    validate_against_order(document, expected, fiscal)
    return document


def expectation_from_tiktok_order(order: Mapping[str, object]) -> OrderExpectation:
    """TikTok order detail (202309): `cpf`, `payment.total_amount`, `line_items[].seller_sku` (one per unit)."""
    payment = order.get("payment") or {}
    total = Decimal(str(payment.get("total_amount") or "0")) if isinstance(payment, Mapping) else Decimal(0)
    units: Counter[str] = Counter()
    for line in order.get("line_items") or []:  # type: ignore[attr-defined]
        if isinstance(line, Mapping) and line.get("seller_sku"):
            units[str(line["seller_sku"])] += int(line.get("quantity") or 1)
    return OrderExpectation(buyer_document=str(order.get("cpf") or ""), total=total, sku_quantities=dict(units))
