"""Seller tracking -> TikTok (seller_tracking): carrier mapping, ship vs update, idempotent redelivery, the
recorded refusals, and the invoice callback sent again with tracking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.unit.orders.fakes_orders import Clock, ModuleMoto, RecordingDispatcher
from tests.unit.vtexorders.test_vtex_order_sync import FakeTikTokCancel
from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokInternalError, TikTokValidationError
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.shipping.models import ShippingSettings
from tiktok_vtex.vtex_orders.callbacks import MarketplaceCallbacks
from tiktok_vtex.vtex_orders.seller_tracking import SellerTrackingSender, provider_for
from tiktok_vtex.vtex_orders.tiktok_cancel import TikTokCanceller

CLIENT, ORDER, PACKAGE = "client-a", "576600000000000001", "1153000000000000001"
PROVIDERS = [{"id": "7117858858072016686", "name": "Correios"}, {"id": "7117859084333745966", "name": "Loggi"},
             {"id": "7129736187384498945", "name": "J&T Express"}]


@dataclass
class FakeFulfillment:
    """What the TikTok sandbox does for these calls, in memory (state rules included)."""

    shipping_type: str = "SELLER"
    package: dict[str, Any] = field(default_factory=lambda: {
        "package_id": PACKAGE, "package_status": "PROCESSING", "tracking_number": "", "shipping_provider_id": ""})
    ship_error: TikTokApiError | None = None
    detail_error: TikTokApiError | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def get_order_details(self, order_ids: Any) -> list[dict[str, Any]]:
        if self.detail_error is not None:
            raise self.detail_error
        return [{"id": ORDER, "shipping_type": self.shipping_type, "delivery_option_id": "7129736187384498900",
                 "packages": [{"id": PACKAGE}]}]

    def get_package(self, package_id: str) -> dict[str, Any]:
        return dict(self.package)

    def get_shipping_providers(self, delivery_option_id: str) -> list[dict[str, Any]]:
        self.calls.append(("providers", delivery_option_id))
        return PROVIDERS

    def ship_package(self, package_id: str, *, self_shipment: Mapping[str, str] | None = None,
                     **other: Any) -> dict[str, Any]:
        self.calls.append(("ship", dict(self_shipment or {})))
        if self.ship_error is not None:
            raise self.ship_error
        self.package.update(package_status="FULFILLING", **dict(self_shipment or {}))
        return {}

    def update_shipping_info(self, package_id: str, *, tracking_number: str,
                             shipping_provider_id: str) -> dict[str, Any]:
        self.calls.append(("update", {"tracking_number": tracking_number,
                                      "shipping_provider_id": shipping_provider_id}))
        self.package.update(tracking_number=tracking_number, shipping_provider_id=shipping_provider_id)
        return {}


@dataclass
class World:
    sender: SellerTrackingSender
    tiktok: FakeFulfillment
    orders: OrderRepository
    settings: dict[str, Any]

    def send(self, tracking: str = "LG1", courier: str = "Loggi") -> str:
        return self.sender.send(CLIENT, ORDER, tracking_number=tracking, courier=courier, invoice_number="77").outcome

    def recorded(self) -> dict[str, Any]:
        return self.orders.get(CLIENT, ORDER).model_extra["tiktok_tracking"]


@pytest.fixture
def world(module_moto: ModuleMoto) -> World:
    module_moto.clear("OrdersTable", "LogOrderTable")
    ids = module_moto.stack.physical_ids
    orders = OrderRepository(ids["OrdersTable"])
    orders.record_status(CLIENT, ORDER, status="AWAITING_SHIPMENT", update_time=1, now=1, initial_state=SyncState.NEW)
    tiktok = FakeFulfillment()
    settings: dict[str, Any] = {}
    sender = SellerTrackingSender(orders=orders, tiktok=lambda _: tiktok,
                                  client_settings=lambda _: ClientSettings.model_validate(settings),
                                  log=LogRepository(ids["LogOrderTable"]), clock=Clock())
    return World(sender, tiktok, orders, settings)


def test_carrier_mapping_order() -> None:
    listed = lambda: PROVIDERS  # noqa: E731
    mapped = ShippingSettings(provider_ids={"Transportadora Zeta": "7117858858072016686"})
    assert provider_for("transportadora  ZETA", mapped, listed) == ("7117858858072016686", "client_map")
    assert provider_for("LOGGI", ShippingSettings(), listed) == ("7117859084333745966", "tiktok_list")
    assert provider_for("J&T Express", ShippingSettings(), listed) == ("7129736187384498945", "tiktok_list")
    assert provider_for("Zeta", ShippingSettings(default_provider_id="1"), listed) == ("1", "default")
    assert provider_for("Zeta", ShippingSettings(), listed) == (None, "unknown")
    assert provider_for("", ShippingSettings(), listed) == (None, "unknown")


def test_ship_then_update_and_a_redelivery_is_not_sent_again(world: World) -> None:
    assert world.send() == "shipped"
    assert world.send() == "already_sent"  # VTEX redelivered the same callback
    assert [c[0] for c in world.tiktok.calls] == ["providers", "ship"]
    assert world.send("LG2") == "updated"
    assert world.tiktok.calls[-1] == ("update", {"tracking_number": "LG2", "shipping_provider_id": PROVIDERS[1]["id"]})
    assert world.recorded()["package_id"] == PACKAGE and world.recorded()["invoice_number"] == "77"


def test_unknown_carrier_is_a_recorded_refusal_not_a_crash(world: World) -> None:
    assert world.send(courier="Transportadora Zeta") == "refused_unknown_carrier"
    assert not [c for c in world.tiktok.calls if c[0] in ("ship", "update")]
    assert world.recorded()["courier"] == "Transportadora Zeta"
    world.settings["shipping"] = {"provider_ids": {"Transportadora Zeta": PROVIDERS[0]["id"]}}
    assert world.send(courier="Transportadora Zeta") == "shipped"  # once mapped, the next callback goes through


def test_tiktok_shipping_orders_and_closed_packages_are_not_sent(world: World) -> None:
    world.tiktok.shipping_type = "TIKTOK"
    assert world.send() == "not_seller_shipping" and world.tiktok.calls == []
    world.tiktok.shipping_type = "SELLER"
    world.tiktok.package.update(package_status="COMPLETED", tracking_number="OLD")
    assert world.send() == "refused_package_state"


def test_nfe_not_yet_accepted_waits_and_transient_failures_raise(world: World) -> None:
    world.tiktok.ship_error = TikTokValidationError(21004006, "upload the invoice first")
    assert world.send() == "waiting_invoice"
    world.tiktok.ship_error = TikTokInternalError(36009003, "internal")
    with pytest.raises(TikTokInternalError):
        world.send("LG3")
    world.tiktok.ship_error = TikTokValidationError(21011025, "Duplicate tracking number")
    assert world.send("LG4") == "refused" and world.recorded()["code"] == 21011025


def test_the_invoice_sent_again_with_tracking_reaches_tiktok(world: World) -> None:
    callbacks = MarketplaceCallbacks(orders=world.orders, canceller=TikTokCanceller(world.orders,
                                                                                    lambda _: FakeTikTokCancel()),
                                     invoice_queue=RecordingDispatcher(), tracking=world.sender)
    invoice = {"type": "Output", "invoiceNumber": "77", "invoiceValue": 100, "invoiceKey": "3" * 44, "items": []}
    assert callbacks.handle(CLIENT, ORDER, "invoice", invoice).status_code == 200
    assert world.tiktok.calls == []  # no tracking yet
    again = {**invoice, "courier": "Correios", "trackingNumber": "BR9"}
    assert callbacks.handle(CLIENT, ORDER, "invoice", again).status_code == 200
    assert world.tiktok.calls[-1] == ("ship", {"tracking_number": "BR9", "shipping_provider_id": PROVIDERS[0]["id"]})
    assert world.orders.get(CLIENT, ORDER).model_extra["vtex_tracking"]["trackingNumber"] == "BR9"


def test_a_tiktok_order_it_cannot_read_is_a_recorded_refusal_not_a_vtex_retry_loop(world: World) -> None:
    world.tiktok.detail_error = TikTokValidationError(21001002, "Order does not exist")
    assert world.send() == "refused" and world.recorded()["code"] == 21001002
    world.tiktok.detail_error = TikTokInternalError(36009003, "internal")
    with pytest.raises(TikTokInternalError):  # transient: the callback answers 503, VTEX retries
        world.send("LG5")
