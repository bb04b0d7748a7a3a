"""Orders test world: the template's tables in moto (in-process) + in-memory TikTok / VTEX fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.unit.orders.fakes_orders import (
    CLIENT,
    Clock,
    FakeTikTok,
    FakeVtex,
    ModuleMoto,
    RecordingDispatcher,
    make_dynamodb_writes_atomic,
)
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.orders.events import OrderEvents
from tiktok_vtex.orders.placement import OrderPlacer
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.repositories.products import ProductRepository, SellerSku


@dataclass
class OrdersWorld:
    orders: OrderRepository
    products: ProductRepository
    log: LogRepository
    tiktok: FakeTikTok
    vtex: FakeVtex
    clock: Clock
    queue: RecordingDispatcher
    shipping: RecordingDispatcher
    settings: ClientSettings = field(default_factory=ClientSettings)

    def placer(self, **overrides: Any) -> OrderPlacer:
        kwargs: dict[str, Any] = {
            "orders": self.orders, "skus": self.products, "tiktok": lambda _h: self.tiktok,
            "vtex": lambda _h: self.vtex, "client_settings": lambda _h: self.settings,
            "services_endpoint": lambda h: f"https://api.example.com/vtex/marketplace/{h}", "log": self.log,
            "clock": self.clock, "lease_seconds": 180}
        kwargs.update(overrides)
        return OrderPlacer(**kwargs)

    def events(self) -> OrderEvents:
        return OrderEvents(self.orders, self.queue, self.shipping)

    def drain(self, placer: OrderPlacer | None = None) -> list[str]:
        """Runs every queued orders message (as the orders function would) until the queue is empty."""
        placer = placer or self.placer()
        outcomes = []
        while self.queue.sent:
            for message in self.queue.take():
                if message["type"] == "triggerNewOrderInTTK":
                    outcomes.append(placer.create(message["clientHash"], message["orderId"]))
                elif message["type"] == "cancelOrderInVtex":
                    outcomes.append(placer.cancel(message["clientHash"], message["orderId"], message.get("reason")))
                elif message["type"] == "recordOrderUnits":
                    outcomes.append(placer.record_units(message["clientHash"], message["orderId"]))
                else:
                    outcomes.append(placer.refresh_address(message["clientHash"], message["orderId"]))
        return outcomes


@pytest.fixture(autouse=True)
def atomic_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    make_dynamodb_writes_atomic(monkeypatch)


@pytest.fixture
def world(module_moto: ModuleMoto) -> OrdersWorld:
    module_moto.clear("OrdersTable", "ProductsSellerSkuTable", "LogOrderTable")
    ids = module_moto.stack.physical_ids
    products = ProductRepository(ids["ProductsSellerSkuTable"])
    products.put_many([SellerSku(client_hash=CLIENT, seller_sku=s, tik_tok_product_id="1729000000000000001",
                                 tik_tok_sku_id=f"17{s}") for s in ("1001", "1002")])
    return OrdersWorld(orders=OrderRepository(ids["OrdersTable"]), products=products,
                       log=LogRepository(ids["LogOrderTable"]), tiktok=FakeTikTok(), vtex=FakeVtex(), clock=Clock(),
                       queue=RecordingDispatcher(), shipping=RecordingDispatcher())


@pytest.fixture
def make_world(world: OrdersWorld) -> Callable[[], OrdersWorld]:
    return lambda: world
