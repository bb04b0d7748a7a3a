"""TikTok order detail -> VTEX marketplace order (fulfillment protocol).

- line items are one unit each: they are aggregated by seller SKU (and unit price) into VTEX items with
  quantities; cancelled line items are left out;
- the VTEX SKU id comes from ssxml_tik_tok_products_seller_sku (`vtex_sku_id`, legacy rows: seller_sku);
- prices and freight are integer cents; the freight is spread over the items' logisticsInfo;
- the buyer's CPF (check digits validated) is the document;
- the recipient address (four lines in Brazil: street + number, complement, neighbourhood, reference)
  becomes
  shippingData.address, with state / city / neighbourhood from district_info when present;
- the SLA of each item comes from a simulation (cheapest, then fastest).

Every refusal is an OrderRejected with a stable code (UNKNOWN_SKU, NO_STOCK, NO_SLA, INVALID_CPF,
NO_ADDRESS, NO_ITEMS): the order goes to ERROR with that reason, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tiktok_vtex.clients.vtex.models import (
    Address,
    ClientProfileData,
    MarketplaceOrder,
    OrderItem,
    OrderLogisticsInfo,
    OrderShippingData,
    SimulationItemRequest,
    SimulationResult,
    Sla,
)
from tiktok_vtex.clients.vtex.money import to_cents
from tiktok_vtex.orders.cpf import is_valid_cpf, normalize_cpf
from tiktok_vtex.orders.models import RecipientAddress, TikTokOrder
from tiktok_vtex.repositories.products import SellerSku


class OrderRejected(Exception):
    """The order cannot be created in VTEX as it is; `code` is stable, `reason` is for operators."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


_STATES = {
    "acre": "AC", "alagoas": "AL", "amapa": "AP", "amapá": "AP", "amazonas": "AM", "bahia": "BA", "ceara": "CE",
    "ceará": "CE", "distrito federal": "DF", "espirito santo": "ES", "espírito santo": "ES", "goias": "GO",
    "goiás": "GO", "maranhao": "MA", "maranhão": "MA", "mato grosso": "MT", "mato grosso do sul": "MS",
    "minas gerais": "MG", "para": "PA", "pará": "PA", "paraiba": "PB", "paraíba": "PB", "parana": "PR",
    "paraná": "PR", "pernambuco": "PE", "piaui": "PI", "piauí": "PI", "rio de janeiro": "RJ",
    "rio grande do norte": "RN", "rio grande do sul": "RS", "rondonia": "RO", "rondônia": "RO", "roraima": "RR",
    "santa catarina": "SC", "sao paulo": "SP", "são paulo": "SP", "sergipe": "SE", "tocantins": "TO",
}


def state_code(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _STATES.get(text.lower(), text)


@dataclass(frozen=True)
class DraftItem:
    seller_sku: str
    vtex_sku_id: str
    quantity: int
    unit_price: int  # cents


def postal_code(address: RecipientAddress) -> str:
    digits = re.sub(r"\D", "", address.postal_code or "")
    if len(digits) != 8:
        raise OrderRejected("NO_ADDRESS", "recipient postal code missing or not a CEP of 8 digits")
    return f"{digits[:5]}-{digits[5:]}"


def aggregate_items(order: TikTokOrder, skus: Mapping[str, SellerSku]) -> list[DraftItem]:
    """One VTEX item per (seller SKU, unit price), with the number of TikTok line items as quantity."""
    counts: dict[tuple[str, int], int] = {}
    unknown: list[str] = []
    for line in order.line_items:
        if (line.display_status or "").upper() == "CANCELLED":
            continue
        sku = (line.seller_sku or "").strip()
        if not sku or sku not in skus:
            unknown.append(sku or f"(line {line.id} without seller_sku)")
            continue
        price = 0 if line.is_gift else to_cents(line.sale_price or "0")
        counts[(sku, price)] = counts.get((sku, price), 0) + 1
    if unknown:
        raise OrderRejected("UNKNOWN_SKU", f"seller SKU not mapped to a VTEX SKU: {', '.join(sorted(set(unknown)))}")
    if not counts:
        raise OrderRejected("NO_ITEMS", "order has no active line items")
    return [DraftItem(sku, skus[sku].vtex_id, qty, price) for (sku, price), qty in counts.items()]


def simulation_items(items: list[DraftItem], seller_id: str = "1") -> list[SimulationItemRequest]:
    return [SimulationItemRequest(id=i.vtex_sku_id, quantity=i.quantity, seller=seller_id) for i in items]


def choose_sla(slas: list[Sla]) -> Sla | None:
    """Cheapest delivery SLA, then the fastest; pickup points are never chosen for a shipped order."""
    delivery = [s for s in slas if (s.deliveryChannel or "delivery") == "delivery"]
    if not delivery:
        return None

    def days(sla: Sla) -> float:
        match = re.match(r"^(\d+)", sla.shippingEstimate or "")
        return float(match.group(1)) if match else 999.0

    return sorted(delivery, key=lambda s: (s.price, days(s), s.id))[0]


def split_freight(total: int, parts: int) -> list[int]:
    """Spreads cents over `parts` items; the remainder goes to the first ones (sum is exact)."""
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def split_street(line: str) -> tuple[str, str]:
    """"Rua das Flores, 123" -> ("Rua das Flores", "123"); no number -> "S/N" (sem número)."""
    street, sep, number = line.rpartition(",")
    number = number.strip()
    if sep and street.strip() and number and (number[0].isdigit() or number.upper() in ("S/N", "SN")):
        return street.strip(), number
    return line.strip(), "S/N"


def build_address(address: RecipientAddress) -> Address:
    """Brazil uses four address lines: 1 street + number, 2 complement, 3 neighbourhood, 4 reference;
    state and city come from district_info (L1, L2)."""
    cep = postal_code(address)
    line1 = (address.address_line1 or "").strip()
    if not line1:
        raise OrderRejected("NO_ADDRESS", "recipient address has no street (address_line1)")
    street, number = split_street(line1)
    complement = (address.address_line2 or "").strip() or None
    neighborhood = (address.level("district", "neighborhood", "neighbourhood", "l3", "bairro")
                    or (address.address_line3 or "").strip() or None)
    reference = (address.address_line4 or "").strip() or None
    city = address.level("city", "l2", "municipality", "cidade")
    state = state_code(address.level("state", "l1", "province", "estado"))
    if not city or not state:
        raise OrderRejected("NO_ADDRESS", "recipient address lacks city or state (district_info)")
    return Address(
        addressType="Residential", receiverName=recipient_name(address), postalCode=cep, city=city, state=state,
        country="BRA", street=street[:200], number=number[:20], neighborhood=neighborhood, complement=complement,
        reference=reference)


def recipient_name(address: RecipientAddress) -> str:
    name = (address.name or " ".join(p for p in (address.first_name, address.last_name) if p) or "").strip()
    return name or "Cliente TikTok"


def build_profile(order: TikTokOrder, address: RecipientAddress) -> ClientProfileData:
    document = normalize_cpf(order.cpf)
    if not is_valid_cpf(document):
        raise OrderRejected("INVALID_CPF", "buyer CPF missing or with wrong check digits")
    full = (order.cpf_name or recipient_name(address)).strip()
    first, _, last = full.partition(" ")
    # TikTok masks the buyer's e-mail; VTEX requires one: a stable per-buyer placeholder.
    email = order.buyer_email if order.buyer_email and "@" in order.buyer_email else (
        f"{order.user_id or order.id}@marketplace.tiktok.invalid")
    phone = re.sub(r"[^\d+]", "", address.phone_number or "") or None
    return ClientProfileData(email=email, firstName=first or "Cliente", lastName=last or "TikTok",
                             documentType="cpf", document=document, phone=phone)


def check_simulation(items: list[DraftItem], simulation: SimulationResult) -> list[Sla]:
    """The SLA chosen per item; OrderRejected NO_STOCK / NO_SLA when VTEX cannot serve the cart."""
    unavailable = simulation.unavailable_ids
    if unavailable:
        skus = {i.vtex_sku_id: i.seller_sku for i in items}
        names = ", ".join(skus.get(u, u) for u in unavailable)
        raise OrderRejected("NO_STOCK", f"VTEX cannot sell the requested quantity of: {names}")
    chosen: list[Sla] = []
    for index, item in enumerate(items):
        info = simulation.logistics_for(index)
        slas = info.slas if info else simulation.slas_for(item.vtex_sku_id)
        sla = choose_sla(slas)
        if sla is None:
            raise OrderRejected("NO_SLA", f"no delivery SLA for SKU {item.seller_sku} to this postal code")
        chosen.append(sla)
    return chosen


def build_marketplace_order(order: TikTokOrder, items: list[DraftItem], slas: list[Sla], *,
                            services_endpoint: str, seller_id: str = "1") -> MarketplaceOrder:
    address = order.recipient_address
    if address is None:
        raise OrderRejected("NO_ADDRESS", "order has no recipient address")
    freight = to_cents(order.payment.shipping_fee or "0")
    freights = split_freight(freight, len(items))
    return MarketplaceOrder(
        marketplaceOrderId=order.id,
        marketplaceServicesEndpoint=services_endpoint,
        marketplacePaymentValue=sum(i.unit_price * i.quantity for i in items) + freight,
        items=[OrderItem(id=i.vtex_sku_id, quantity=i.quantity, seller=seller_id, price=i.unit_price)
               for i in items],
        clientProfileData=build_profile(order, address),
        shippingData=OrderShippingData(
            address=build_address(address),
            logisticsInfo=[OrderLogisticsInfo(itemIndex=n, selectedSla=sla.id, price=freights[n],
                                              lockTTL=sla.lockTTL or "8d", shippingEstimate=sla.shippingEstimate,
                                              selectedDeliveryChannel=sla.deliveryChannel or "delivery")
                           for n, sla in enumerate(slas)],
            isFOB=True),
    )
