"""VTEX-ORDERS-processor logic: affiliate filter, statuses never backwards, invoiced -> INVOICE, cancel -> TikTok."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.unit.orders.fakes_orders import Clock, ModuleMoto, RecordingDispatcher
from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokInternalError
from tiktok_vtex.clients.vtex.errors import VtexNotFound
from tiktok_vtex.clients.vtex.models import VtexOrder
from tiktok_vtex.invoices.models import VtexInvoiceMessage
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.vtex_orders.models import VtexHookMessage, change_micros
from tiktok_vtex.vtex_orders.sync import VtexOrderSync, marketplace_order_id
from tiktok_vtex.vtex_orders.tiktok_cancel import TikTokCanceller

CLIENT = "client-a"
ORDER = "576600000000000001"
VTEX_ID = f"TTK-{ORDER}-01"
NFE = "<nfeProc>synthetic</nfeProc>"


@dataclass
class Credentials:
    affiliate_id: str = "TTK"


@dataclass
class FakeOms:
    credentials: Credentials = field(default_factory=Credentials)
    orders: dict[str, VtexOrder] = field(default_factory=dict)
    reads: int = 0

    def get_order(self, vtex_order_id: str) -> VtexOrder:
        self.reads += 1
        if vtex_order_id not in self.orders:
            raise VtexNotFound(404, None, "order not found")
        return self.orders[vtex_order_id]


@dataclass
class FakeTikTokCancel:
    refuse_with: Exception | None = None
    cancels: list[tuple[str, str]] = field(default_factory=list)

    def cancel_order(self, order_id: str, cancel_reason: str, *, order_line_item_ids: Sequence[str] | None = None,
                     skus: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
        if self.refuse_with is not None:
            raise self.refuse_with
        self.cancels.append((order_id, cancel_reason))
        return {"cancel_id": f"c-{order_id}", "cancel_status": "CANCELLATION_REQUEST_COMPLETE"}


@dataclass
class World:
    sync: VtexOrderSync
    orders: OrderRepository
    log: LogRepository
    oms: FakeOms
    tiktok: FakeTikTokCancel
    invoices: RecordingDispatcher
    clock: Clock

    def hook(self, state: str, changed: str = "2026-12-01T13:00:00Z", vtex_id: str = VTEX_ID) -> str:
        return self.sync.on_hook(VtexHookMessage(client_hash=CLIENT, vtex_order_id=vtex_id, state=state,
                                                 changed_at=change_micros(changed) or 0, received_ms=0))

    def record(self) -> Any:
        return self.orders.get(CLIENT, ORDER)

    def log_kinds(self) -> list[str]:
        return [e["kind"] for e in self.log.entries(CLIENT)]


@pytest.fixture
def world(module_moto: ModuleMoto) -> World:
    module_moto.clear("OrdersTable", "LogOrderTable")
    ids = module_moto.stack.physical_ids
    orders = OrderRepository(ids["OrdersTable"])
    log = LogRepository(ids["LogOrderTable"])
    clock = Clock()
    oms = FakeOms()
    oms.orders[VTEX_ID] = VtexOrder(orderId=VTEX_ID, status="ready-for-handling", marketplaceOrderId=ORDER,
                                    affiliateId="TTK", packageAttachment={"packages": [
                                        {"type": "Output", "invoiceNumber": "123", "invoiceValue": 11215,
                                         "embeddedInvoice": NFE, "items": []}]})
    orders.record_status(CLIENT, ORDER, status="AWAITING_SHIPMENT", update_time=1, now=1,
                         initial_state=SyncState.NEW)
    orders.set_attributes(CLIENT, ORDER, sync_state=SyncState.AUTHORIZED.value, vtex_order=VTEX_ID,
                          vtex_status="authorize-fulfillment")
    tiktok = FakeTikTokCancel()
    invoices = RecordingDispatcher()
    canceller = TikTokCanceller(orders=orders, tiktok=lambda _: tiktok, log=log, clock=clock)
    sync = VtexOrderSync(orders=orders, vtex=lambda _: oms, canceller=canceller, invoice_queue=invoices, log=log,
                         clock=clock)
    return World(sync, orders, log, oms, tiktok, invoices, clock)


def test_marketplace_order_id_only_for_our_affiliate() -> None:
    assert marketplace_order_id(f"TTK-{ORDER}-01", "TTK") == ORDER
    assert marketplace_order_id(f"TTK-{ORDER}", "TTK") == ORDER
    assert marketplace_order_id(f"MLB-{ORDER}-01", "TTK") is None
    assert marketplace_order_id("v71021570str-02", "TTK") is None


def test_other_states_are_recorded_on_the_order(world: World) -> None:
    assert world.hook("window-to-cancel", "2026-12-01T13:00:00Z") == "status_recorded"
    assert world.hook("ready-for-handling", "2026-12-01T13:01:00Z") == "status_recorded"
    assert world.hook("handling", "2026-12-01T13:02:00Z") == "status_recorded"
    assert world.record().vtex_status == "handling"
    assert world.log_kinds().count("vtex_status") == 3
    assert world.invoices.sent == [] and world.tiktok.cancels == []


def test_out_of_order_deliveries_never_move_the_status_backwards(world: World) -> None:
    assert world.hook("handling", "2026-12-01T13:02:00Z") == "status_recorded"
    assert world.hook("ready-for-handling", "2026-12-01T13:01:00Z") == "stale_status_ignored"
    assert world.hook("window-to-cancel", "2026-12-01T13:00:00Z") == "stale_status_ignored"
    assert world.record().vtex_status == "handling"
    assert world.hook("invoiced", "2026-12-01T13:03:00Z") == "invoice_queued"
    assert world.hook("handling", "2026-12-01T13:09:00Z") == "stale_status_ignored"  # later clock, earlier state
    assert world.record().vtex_status == "invoiced"


def test_invoiced_puts_the_vtex_invoice_on_the_invoice_queue(world: World) -> None:
    assert world.hook("invoiced") == "invoice_queued"
    [sent] = world.invoices.sent
    message = VtexInvoiceMessage.model_validate(sent)  # the invoice engineer's model
    assert (message.client_hash, message.order_id) == (CLIENT, ORDER)
    assert message.invoice["embeddedInvoice"] == NFE and message.invoice["invoiceNumber"] == "123"
    assert world.record().model_extra["last_action"]["outcome"] == "queued"


def test_a_redelivered_invoiced_re_emits_its_idempotent_effect(world: World) -> None:
    world.hook("invoiced")
    world.hook("invoiced")  # a delivery that died after the write but before the send loses nothing
    assert len(world.invoices.sent) == 2


def test_invoiced_without_a_package_is_recorded_not_sent(world: World) -> None:
    world.oms.orders[VTEX_ID] = VtexOrder(orderId=VTEX_ID, status="invoiced", marketplaceOrderId=ORDER)
    assert world.hook("invoiced") == "invoiced_without_package"
    assert world.invoices.sent == []
    assert world.record().model_extra["last_action"]["outcome"] == "no_invoice_package"


def test_cancel_in_vtex_cancels_on_tiktok_once(world: World) -> None:
    assert world.hook("cancel", "2026-12-01T13:00:00Z") == "tiktok_cancel_accepted"
    assert world.hook("canceled", "2026-12-01T13:00:05Z") == "tiktok_cancel_accepted"
    assert world.tiktok.cancels == [(ORDER, "seller_cancel_reason_out_of_stock")]
    extra = world.record().model_extra
    assert extra["vtex_cancel"]["outcome"] == "accepted" and extra["vtex_cancel"]["cancel_id"] == f"c-{ORDER}"
    assert world.record().vtex_status == "canceled"
    assert "vtex_cancel_accepted" in world.log_kinds()


def test_cancel_after_tiktok_shipped_is_refused_recorded_and_never_sent(world: World) -> None:
    world.orders.record_status(CLIENT, ORDER, status="IN_TRANSIT", update_time=5, now=5,
                               initial_state=SyncState.NEW)
    assert world.hook("canceled") == "tiktok_cancel_refused_shipped"
    assert world.tiktok.cancels == []
    cancel = world.record().model_extra["vtex_cancel"]
    assert cancel["outcome"] == "refused_shipped" and "IN_TRANSIT" in cancel["detail"]
    assert "vtex_cancel_refused_shipped" in world.log_kinds()


def test_cancel_refused_by_tiktok_is_recorded_with_its_code(world: World) -> None:
    world.tiktok.refuse_with = TikTokApiError(25001003, "invalid order status")
    assert world.hook("canceled") == "tiktok_cancel_refused"
    assert world.record().model_extra["vtex_cancel"]["code"] == "25001003"


def test_a_transient_tiktok_failure_raises_for_the_queue_to_retry(world: World) -> None:
    world.tiktok.refuse_with = TikTokInternalError(36009003, "internal error")
    with pytest.raises(TikTokInternalError):
        world.hook("canceled")
    assert "vtex_cancel" not in world.record().model_extra
    world.tiktok.refuse_with = None
    assert world.hook("canceled") == "tiktok_cancel_accepted"  # the redelivery applies it


def test_already_cancelled_on_tiktok_is_not_sent_again(world: World) -> None:
    world.orders.record_status(CLIENT, ORDER, status="CANCELLED", update_time=5, now=5, initial_state=SyncState.NEW)
    assert world.hook("canceled") == "tiktok_cancel_already_cancelled"
    assert world.tiktok.cancels == []


def test_orders_of_other_channels_and_unknown_orders_are_ignored(world: World) -> None:
    assert world.hook("canceled", vtex_id="v71021570str-02") == "not_our_affiliate"
    assert world.hook("canceled", vtex_id="TTK-999-01") == "unknown_order"  # VTEX does not know it
    world.oms.orders["TTK-999-01"] = VtexOrder(orderId="TTK-999-01", status="canceled", marketplaceOrderId="999")
    assert world.hook("canceled", vtex_id="TTK-999-01") == "unknown_order"  # we never placed it
    world.oms.orders["TTK-888-01"] = VtexOrder(orderId="TTK-888-01", status="canceled", marketplaceOrderId="888",
                                               affiliateId="MLB")
    assert world.hook("canceled", vtex_id="TTK-888-01") == "not_our_affiliate"
    assert world.tiktok.cancels == [] and world.orders.get(CLIENT, "999") is None
    assert world.log_kinds().count("vtex_hook_unknown_order") == 2


def test_a_cancel_racing_another_one_never_calls_tiktok_twice_nor_undoes_it(world: World) -> None:
    canceller = world.sync.canceller
    now = int(world.clock())
    world.orders.set_attributes(CLIENT, ORDER, vtex_cancel_lease=now + 30)  # another worker is on it
    assert canceller.cancel(CLIENT, ORDER, source="vtex_callback").outcome == "in_progress"
    assert world.tiktok.cancels == []
    world.clock.advance(31)  # its lease expired (it crashed): the next caller takes over
    assert canceller.cancel(CLIENT, ORDER, source="vtex_hook").outcome == "accepted"
    # a racer that called TikTok meanwhile and got "already cancelled" refused: the accepted outcome stays
    from tiktok_vtex.vtex_orders.tiktok_cancel import CancelOutcome

    late = canceller._refused(CLIENT, ORDER, CancelOutcome("refused", "code 25001003"), "vtex_hook", None)
    assert late.outcome == "accepted"
    assert world.record().model_extra["vtex_cancel"]["outcome"] == "accepted"
    assert len(world.tiktok.cancels) == 1


@pytest.mark.parametrize("cancelled_on_tiktok", [
    {"sync_state": "CANCELLED"},
    {"cancellation": {"cancel_status": "CANCELLATION_REQUEST_SUCCESS", "cancel_id": "c1"}},
    {"after_sales_buyer_cancellation": {"outcome": "approved", "cancel_id": "c1"}},
])
def test_a_vtex_cancel_caused_by_a_tiktok_cancellation_is_not_sent_back(world: World,
                                                                       cancelled_on_tiktok: dict[str, Any]) -> None:
    world.orders.set_attributes(CLIENT, ORDER, **cancelled_on_tiktok)
    world.tiktok.refuse_with = TikTokApiError(25001003, "already cancelled")  # what TikTok would answer
    assert world.hook("canceled") == "tiktok_cancel_already_cancelled"
    assert world.tiktok.cancels == []
