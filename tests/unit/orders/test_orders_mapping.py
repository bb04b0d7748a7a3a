"""TikTok order -> VTEX order mapping: CPF, aggregation, cents, freight split, address, SLA choice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.orders.fakes_orders import CLIENT, VALID_CPF, tiktok_order
from tiktok_vtex.clients.vtex.models import Sla
from tiktok_vtex.orders import mapping
from tiktok_vtex.orders.cpf import is_valid_cpf, make_cpf, normalize_cpf
from tiktok_vtex.orders.models import TikTokOrder, is_paid, normalize_status
from tiktok_vtex.repositories.products import SellerSku

SKUS = {s: SellerSku(client_hash=CLIENT, seller_sku=s, vtex_sku_id=f"9{s}") for s in ("1001", "1002")}


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_generated_cpfs_are_valid_and_any_changed_digit_is_not(base: str) -> None:
    cpf = make_cpf(base)
    if len(set(cpf)) == 1:  # 000.000.000-00 and friends are refused by rule
        assert not is_valid_cpf(cpf)
        return
    assert is_valid_cpf(cpf)
    assert is_valid_cpf(f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}")
    for position in (9, 10):
        wrong = cpf[:position] + str((int(cpf[position]) + 1) % 10) + cpf[position + 1:]
        assert not is_valid_cpf(wrong)


@pytest.mark.parametrize("value", [None, "", "123", "11111111111", "5299822472", "529982247250"])
def test_invalid_cpf_shapes(value: str | None) -> None:
    assert not is_valid_cpf(value)
    assert normalize_cpf("529.982.247-25") == "52998224725"


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=50))
def test_freight_split_is_exact(total: int, parts: int) -> None:
    split = mapping.split_freight(total, parts)
    assert sum(split) == total and len(split) == parts and max(split) - min(split) <= 1


def test_statuses() -> None:
    assert normalize_status("cancel") == "CANCELLED"
    assert not is_paid("UNPAID") and not is_paid("ON_HOLD") and not is_paid("CANCEL")
    assert is_paid("AWAITING_SHIPMENT") and is_paid("PARTIALLY_SHIPPING")


def test_items_aggregate_by_seller_sku_and_price_skipping_cancelled_lines() -> None:
    raw = tiktok_order(items=(("1001", "49.90"), ("1002", "10.00"), ("1001", "49.90"), ("1001", "39.90")))
    raw["line_items"].append({"id": "x", "seller_sku": "1002", "sale_price": "10.00", "display_status": "CANCELLED"})
    items = mapping.aggregate_items(TikTokOrder.model_validate(raw), SKUS)
    assert {(i.vtex_sku_id, i.quantity, i.unit_price) for i in items} == {
        ("91001", 2, 4990), ("91002", 1, 1000), ("91001", 1, 3990)}


def test_unknown_sku_names_the_skus() -> None:
    order = TikTokOrder.model_validate(tiktok_order(items=(("1001", "1.00"), ("777", "1.00"))))
    with pytest.raises(mapping.OrderRejected) as error:
        mapping.aggregate_items(order, SKUS)
    assert error.value.code == "UNKNOWN_SKU" and "777" in error.value.reason


def test_address_and_profile() -> None:
    order = TikTokOrder.model_validate(tiktok_order())
    assert order.recipient_address is not None
    address = mapping.build_address(order.recipient_address)
    assert address.model_dump(include={"street", "number", "complement", "neighborhood", "city", "state",
                                       "postalCode", "country", "receiverName"}) == {
        "street": "Rua das Flores", "number": "123", "complement": "Apto 45", "neighborhood": "Pinheiros",
        "city": "São Paulo", "state": "SP", "postalCode": "05422-010", "country": "BRA",
        "receiverName": "Maria da Silva"}
    profile = mapping.build_profile(order, order.recipient_address)
    assert (profile.document, profile.documentType, profile.firstName, profile.lastName) == (
        VALID_CPF, "cpf", "Maria", "da Silva")
    assert profile.phone == "+5511987654321"


def test_street_without_number_is_sn() -> None:
    assert mapping.split_street("Avenida Brasil") == ("Avenida Brasil", "S/N")
    assert mapping.split_street("Rua A, 12B") == ("Rua A", "12B")
    assert mapping.state_code("Rio de Janeiro") == "RJ"


def test_sla_choice_prefers_cheapest_delivery_then_fastest() -> None:
    slas = [Sla(id="A", price=1000, shippingEstimate="5bd"), Sla(id="B", price=1000, shippingEstimate="2bd"),
            Sla(id="P", price=0, deliveryChannel="pickup-in-point")]
    chosen = mapping.choose_sla(slas)
    assert chosen is not None and chosen.id == "B"
    assert mapping.choose_sla([Sla(id="P", price=0, deliveryChannel="pickup-in-point")]) is None
