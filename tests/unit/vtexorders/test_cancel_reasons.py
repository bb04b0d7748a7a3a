"""VTEX cancellation reason -> TikTok seller cancel reason code: client rules, who asked, built-in texts, the
recorded default; through the hook (OMS cancellationData) and the cancel callback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.unit.vtexorders.test_vtex_order_sync import ORDER, VTEX_ID, World, world  # noqa: F401 (fixture)
from tiktok_vtex.clients.vtex.models import VtexOrder
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.vtex_orders.cancel_reasons import (
    ADDRESS,
    BUYER_REQUESTED,
    OUT_OF_STOCK,
    WRONG_PRICE,
    CancelReasonPolicy,
    policy_of,
    tiktok_reason,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Sem estoque do produto", (OUT_OF_STOCK, "built_in")),
    ("Preço errado no anúncio", (WRONG_PRICE, "built_in")),
    ("ENDEREÇO fora da área", (ADDRESS, "built_in")),
    ("Cliente desistiu da compra", (BUYER_REQUESTED, "built_in")),
    ("qualquer outra coisa", (OUT_OF_STOCK, "default")),
    (None, (OUT_OF_STOCK, "default")),
])
def test_built_in_texts_and_the_documented_default(text: str | None, expected: tuple[str, str]) -> None:
    assert tiktok_reason(text, CancelReasonPolicy()) == expected


def test_client_rules_come_first_then_who_asked() -> None:
    policy = policy_of(ClientSettings.model_validate({"vtex_cancel": {
        "default_reason": WRONG_PRICE, "reason_map": {"Fraude": ADDRESS}}}))
    assert tiktok_reason("suspeita de fraude; cliente avisado", policy) == (ADDRESS, "client_map")
    assert tiktok_reason("pedido duplicado", policy, requested_by_user=True) == (BUYER_REQUESTED,
                                                                                 "requested_by_user")
    assert tiktok_reason("pedido duplicado", policy) == (WRONG_PRICE, "default")  # the client's own default


def test_a_reason_tiktok_does_not_know_is_refused_in_the_settings() -> None:
    with pytest.raises(ValidationError, match="default_reason"):
        CancelReasonPolicy(default_reason="OUT_OF_STOCK")
    with pytest.raises(ValidationError, match="reason_map"):
        CancelReasonPolicy(reason_map={"x": "seller_cancel_reason_made_up"})


def test_the_hook_sends_the_mapped_reason_and_records_why(world: World) -> None:  # noqa: F811
    world.oms.orders[VTEX_ID] = VtexOrder.model_validate({
        "orderId": VTEX_ID, "status": "canceled", "marketplaceOrderId": ORDER, "affiliateId": "TTK",
        "cancelReason": "pedido feito por engano",
        "cancellationData": {"RequestedByUser": True, "Reason": "pedido feito por engano"}})
    assert world.hook("canceled") == "tiktok_cancel_accepted"
    assert world.tiktok.cancels == [(ORDER, BUYER_REQUESTED)]
    assert world.record().model_extra["vtex_cancel"]["tiktok_reason"] == {"code": BUYER_REQUESTED,
                                                                          "basis": "requested_by_user"}


def test_per_client_default_through_the_canceller(world: World) -> None:  # noqa: F811
    world.sync.canceller.client_settings = lambda _: ClientSettings.model_validate(
        {"vtex_cancel": {"default_reason": ADDRESS}})
    outcome = world.sync.canceller.cancel("client-a", ORDER, source="vtex_callback", vtex_reason="motivo 42")
    assert outcome.done and world.tiktok.cancels == [(ORDER, ADDRESS)]
    assert world.record().model_extra["vtex_cancel"]["tiktok_reason"] == {"code": ADDRESS, "basis": "default"}


def test_a_broken_client_setting_falls_back_to_the_documented_default(world: World) -> None:  # noqa: F811
    world.sync.canceller.client_settings = lambda _: ClientSettings.model_validate(
        {"vtex_cancel": {"default_reason": "nope"}})
    assert world.sync.canceller.cancel("client-a", ORDER, source="vtex_callback", vtex_reason="Sem estoque").done
    assert world.tiktok.cancels == [(ORDER, OUT_OF_STOCK)]
