"""After-sales policies: buyer cancellation requests, return requests, the return (Input) invoice once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.unit.orders.fakes_orders import Clock, ModuleMoto
from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokInternalError
from tiktok_vtex.clients.tiktok.models import Page
from tiktok_vtex.clients.vtex.models import Invoice, OmsReceipt, VtexOrder
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.repositories.products import SellerSku
from tiktok_vtex.vtex_orders.after_sales import AfterSales

CLIENT = "client-a"
ORDER = "576600000000000001"
VTEX_ID = f"TTK-{ORDER}-01"


@dataclass
class FakeTikTok:
    returns: list[dict[str, Any]] = field(default_factory=list)
    approved_cancels: list[str] = field(default_factory=list)
    approved_returns: list[tuple[str, str]] = field(default_factory=list)
    fail: Exception | None = None

    def approve_cancellation(self, cancel_id: str, *, idempotency_key: str | None = None) -> Any:
        if self.fail:
            raise self.fail
        self.approved_cancels.append(cancel_id)
        return {}

    def approve_return(self, return_id: str, decision: str = "APPROVE_REFUND", **_: Any) -> Any:
        if self.fail:
            raise self.fail
        self.approved_returns.append((return_id, decision))
        return {}

    def search_returns(self, filters: Mapping[str, Any] | None = None, page_size: int = 50,
                       page_token: str | None = None) -> Page:
        wanted = set((filters or {}).get("return_ids") or [])
        return Page(items=[r for r in self.returns if r["return_id"] in wanted], total_count=0, next_page_token="")


@dataclass
class FakeVtex:
    order: VtexOrder
    invoices: list[Invoice] = field(default_factory=list)

    def get_order(self, vtex_order_id: str) -> VtexOrder:
        return self.order

    def cancel_order(self, vtex_order_id: str, reason: str | None = None) -> OmsReceipt:
        returned = any(p.type == "Input" for p in self.order.packages)
        assert self.order.status != "invoiced" or returned, "VTEX refuses to cancel an invoiced order"
        self.order = self.order.model_copy(update={"status": "canceled"})
        return OmsReceipt(orderId=vtex_order_id)

    def send_invoice(self, vtex_order_id: str, invoice: Invoice | Mapping[str, Any]) -> OmsReceipt:
        assert isinstance(invoice, Invoice)
        self.invoices.append(invoice)
        data = self.order.model_dump()
        data["packageAttachment"]["packages"].append({"type": invoice.type, "invoiceNumber": invoice.invoiceNumber})
        self.order = VtexOrder.model_validate(data)
        return OmsReceipt(orderId=vtex_order_id)


class Skus:
    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, SellerSku]:
        table = {"A-1": "1001", "B-2": "1002"}
        return {s: SellerSku(client_hash=client_hash, seller_sku=s, vtex_sku_id=table[s]) for s in seller_skus
                if s in table}


@dataclass
class World:
    sales: AfterSales
    orders: OrderRepository
    tiktok: FakeTikTok
    vtex: FakeVtex
    settings: dict[str, Any]

    def extra(self) -> dict[str, Any]:
        record = self.orders.get(CLIENT, ORDER)
        assert record is not None
        return record.model_extra or {}


@pytest.fixture
def world(module_moto: ModuleMoto) -> World:
    module_moto.clear("OrdersTable", "LogOrderTable")
    ids = module_moto.stack.physical_ids
    orders = OrderRepository(ids["OrdersTable"])
    orders.record_status(CLIENT, ORDER, status="IN_TRANSIT", update_time=1, now=1, initial_state=SyncState.NEW)
    orders.set_attributes(CLIENT, ORDER, sync_state="AUTHORIZED", vtex_order=VTEX_ID)
    vtex = FakeVtex(VtexOrder(orderId=VTEX_ID, status="ready-for-handling", marketplaceOrderId=ORDER, items=[
        {"id": "1001", "quantity": 2, "price": 4990, "sellingPrice": 4490, "name": "Camiseta"},
        {"id": "1002", "quantity": 1, "price": 1000, "name": "Meia"}]))
    tiktok = FakeTikTok()
    settings: dict[str, Any] = {}
    sales = AfterSales(orders=orders, tiktok=lambda _: tiktok, vtex=lambda _: vtex, skus=Skus(),
                       client_settings=lambda _: ClientSettings.model_validate(settings),
                       log=LogRepository(ids["LogOrderTable"]), clock=Clock())
    return World(sales, orders, tiktok, vtex, settings)


def test_buyer_cancellation_is_approved_while_vtex_has_not_started_handling(world: World) -> None:
    assert world.sales.answer_cancellation(CLIENT, ORDER, "c1") == "buyer_cancellation:approved"
    assert world.tiktok.approved_cancels == ["c1"]
    assert world.extra()["after_sales_buyer_cancellation"]["outcome"] == "approved"


def test_buyer_cancellation_is_left_to_the_seller_once_vtex_is_handling(world: World) -> None:
    world.vtex.order = world.vtex.order.model_copy(update={"status": "handling"})
    assert world.sales.answer_cancellation(CLIENT, ORDER, "c1") == "buyer_cancellation:left_to_seller"
    assert world.tiktok.approved_cancels == []
    assert "handling" in world.extra()["last_action"]["detail"]


def test_manual_policy_leaves_buyer_cancellations_to_the_seller(world: World) -> None:
    world.settings["after_sales"] = {"buyer_cancellation": "manual"}
    assert world.sales.answer_cancellation(CLIENT, ORDER, "c1") == "buyer_cancellation:left_to_seller"
    assert world.tiktok.approved_cancels == []


def test_an_approval_tiktok_refuses_is_recorded_a_transient_one_raises(world: World) -> None:
    world.tiktok.fail = TikTokApiError(25001003, "invalid status")
    assert world.sales.answer_cancellation(CLIENT, ORDER, "c1") == "buyer_cancellation:not_approved"
    world.tiktok.fail = TikTokInternalError(36009003, "internal")
    with pytest.raises(TikTokInternalError):
        world.sales.answer_cancellation(CLIENT, ORDER, "c1")


def test_return_requests_are_left_to_the_seller_by_default_or_approved_by_policy(world: World) -> None:
    assert world.sales.answer_return(CLIENT, ORDER, "r1", "REFUND") == "return_request:left_to_seller"
    assert world.tiktok.approved_returns == []
    world.settings["after_sales"] = {"returns": "auto_approve"}
    assert world.sales.answer_return(CLIENT, ORDER, "r1", "RETURN_AND_REFUND") == "return_request:approved"
    assert world.tiktok.approved_returns == [("r1", "APPROVE_RETURN")]


def test_a_completed_refund_posts_one_input_invoice_for_the_returned_items(world: World) -> None:
    world.tiktok.returns = [{"return_id": "r1", "order_id": ORDER, "return_type": "RETURN_AND_REFUND",
                             "return_line_items": [{"seller_sku": "A-1"}, {"seller_sku": "A-1"},
                                                   {"seller_sku": "ZZ"}]}]
    assert world.sales.return_invoice(CLIENT, ORDER, "r1") == "return_invoice:posted"
    [invoice] = world.vtex.invoices
    assert (invoice.type, invoice.invoiceNumber, invoice.invoiceValue) == ("Input", "DEV-r1", 2 * 4490)
    assert [(i.id, i.quantity, i.price) for i in invoice.items] == [("1001", 2, 4490)]
    # the push again (or a retry after a crash once VTEX accepted): VTEX holds DEV-r1 already, nothing posted
    assert world.sales.return_invoice(CLIENT, ORDER, "r1") == "return_invoice:already_posted"
    assert len(world.vtex.invoices) == 1


def test_a_replacement_is_recorded_and_no_invoice_posted(world: World) -> None:
    world.tiktok.returns = [{"return_id": "r2", "return_type": "REPLACEMENT",
                             "return_line_items": [{"seller_sku": "A-1"}]}]
    assert world.sales.return_invoice(CLIENT, ORDER, "r2") == "return_invoice:replacement_left_to_seller"
    assert world.vtex.invoices == []


def test_a_return_for_an_order_we_never_placed_is_recorded_not_applied(world: World) -> None:
    assert world.sales.return_invoice(CLIENT, "999", "r3") == "return_for_unknown_order"
    assert world.orders.get(CLIENT, "999") is None
    assert world.sales.return_invoice(CLIENT, ORDER, "unknown-return") == "return_invoice:not_posted"
    assert world.vtex.invoices == []


def test_a_tiktok_cancel_of_an_invoiced_vtex_order_posts_a_full_return_then_cancels(world: World) -> None:
    from tiktok_vtex.orders.placement import OrderPlacer
    from tiktok_vtex.vtex_orders.after_sales import post_full_return

    world.vtex.order = world.vtex.order.model_copy(update={"status": "invoiced"})
    placer = OrderPlacer(orders=world.orders, skus=Skus(), tiktok=lambda _: world.tiktok,  # type: ignore[arg-type]
                         vtex=lambda _: world.vtex, client_settings=lambda _: ClientSettings(),  # type: ignore[arg-type]
                         services_endpoint=lambda h: h, full_return=post_full_return)
    assert placer.cancel(CLIENT, ORDER, "Pedido cancelado no TikTok Shop") == "returned_and_cancelled_in_vtex"
    [invoice] = world.vtex.invoices
    assert (invoice.type, invoice.invoiceNumber) == ("Input", f"DEV-{VTEX_ID}")
    assert invoice.invoiceValue == 2 * 4490 + 1000 and world.vtex.order.status == "canceled"
    assert world.orders.get(CLIENT, ORDER).sync_state == SyncState.CANCELLED  # type: ignore[union-attr]
    assert post_full_return(world.vtex, world.vtex.order) is True and len(world.vtex.invoices) == 1  # once


def test_without_the_full_return_the_invoiced_cancel_stays_blocked(world: World) -> None:
    from tiktok_vtex.orders.placement import OrderPlacer

    world.vtex.order = world.vtex.order.model_copy(update={"status": "invoiced"})
    placer = OrderPlacer(orders=world.orders, skus=Skus(), tiktok=lambda _: world.tiktok,  # type: ignore[arg-type]
                         vtex=lambda _: world.vtex, client_settings=lambda _: ClientSettings(),  # type: ignore[arg-type]
                         services_endpoint=lambda h: h)
    assert placer.cancel(CLIENT, ORDER) == "cancel_blocked_invoiced"
    assert world.vtex.invoices == [] and world.vtex.order.status == "invoiced"
