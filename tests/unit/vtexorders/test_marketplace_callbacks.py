"""VTEX-MARKETPLACE through its real handler (template in moto): token auth, {date, orderId, receipt},
idempotent answers, invoice -> INVOICE queue, tracking recorded, cancel answered only after TikTok."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.unit.orders.fakes_orders import LambdaContextStub, ModuleMoto, RecordingDispatcher
from tests.unit.vtexorders.conftest import marketplace_event
from tests.unit.vtexorders.test_vtex_order_sync import FakeTikTokCancel
from tests.unit.webhooks.conftest import module_function_env  # noqa: F401 (fixture)
from tiktok_vtex.clients.tiktok.errors import TikTokInternalError
from tiktok_vtex.invoices.models import VtexInvoiceMessage
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.vtex_orders.callback_auth import callback_token, services_endpoint, verified_client
from tiktok_vtex.vtex_orders.callbacks import MarketplaceCallbacks
from tiktok_vtex.vtex_orders.tiktok_cancel import TikTokCanceller

CLIENT = "client-a"
ORDER = "576600000000000001"


class World:
    def __init__(self, handler: Any, secret: str, orders: OrderRepository, tiktok: FakeTikTokCancel,
                 invoices: RecordingDispatcher) -> None:
        self.handler, self.secret, self.orders, self.tiktok, self.invoices = handler, secret, orders, tiktok, invoices

    @property
    def segment(self) -> str:
        return f"{CLIENT}.{callback_token(self.secret, CLIENT)}"

    def call(self, tail: str, body: Any = None, *, segment: str | None = None,
             scope: str = "pvt") -> tuple[int, dict[str, Any]]:
        event = marketplace_event(segment if segment is not None else self.segment, tail, body, scope)
        answer = self.handler.lambda_handler(event, LambdaContextStub())
        return answer["statusCode"], json.loads(answer["body"] or "{}")

    def record(self) -> Any:
        return self.orders.get(CLIENT, ORDER)


@pytest.fixture
def world(module_moto: ModuleMoto, module_function_env: Callable[[str], dict[str, str]],  # noqa: F811
          stack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    env = module_function_env("VtexMarketplaceFunction")
    module_moto.clear("LogOrderTable")
    from vtex_orders import marketplace, wiring

    wiring.wiring.cache_clear()
    orders = OrderRepository(env["ORDERS_TABLE"])
    orders.record_status(CLIENT, ORDER, status="AWAITING_SHIPMENT", update_time=1, now=1,
                         initial_state=SyncState.NEW)
    orders.set_attributes(CLIENT, ORDER, sync_state="AUTHORIZED", vtex_order=f"TTK-{ORDER}-01")
    tiktok = FakeTikTokCancel()
    invoices = RecordingDispatcher()
    log = LogRepository(env["LOG_ORDER_TABLE"])
    callbacks = MarketplaceCallbacks(orders=orders, canceller=TikTokCanceller(orders, lambda _: tiktok, log),
                                     invoice_queue=invoices, log=log)
    monkeypatch.setattr(marketplace, "callbacks", lambda: callbacks)
    yield World(marketplace, stack_env["INTERNAL_WEBHOOK_SECRET"], orders, tiktok, invoices)
    wiring.wiring.cache_clear()


INVOICE = {"type": "Output", "invoiceNumber": "1234", "invoiceValue": 11215, "issuanceDate": "2026-12-01",
           "invoiceKey": "3" * 44, "embeddedInvoice": "<nfeProc>synthetic</nfeProc>", "items": [],
           "courier": None, "trackingNumber": None}


def test_the_endpoint_token_verifies_only_for_its_client() -> None:
    endpoint = services_endpoint("https://api.example.com/", "s3cret-value", CLIENT)
    segment = endpoint.rsplit("/", 1)[1]
    assert endpoint.startswith("https://api.example.com/vtex/marketplace/client-a.")
    assert verified_client(segment, "s3cret-value") == CLIENT
    assert verified_client(segment.upper(), "s3cret-value") is None  # the client hash is case-sensitive
    assert verified_client(segment, "other-secret") is None
    assert verified_client("client-b." + segment.split(".")[1], "s3cret-value") is None
    assert verified_client(CLIENT, "s3cret-value") is None and verified_client("", "s3cret-value") is None
    with pytest.raises(ValueError):
        callback_token("", CLIENT)


@pytest.mark.parametrize("scope", ["pvt", "pub"])
def test_invoice_goes_to_the_invoice_flow_with_a_stable_receipt(world: World, scope: str) -> None:
    status, first = world.call(f"{ORDER}/invoice", INVOICE, scope=scope)
    assert status == 200 and set(first) == {"date", "orderId", "receipt"} and first["orderId"] == ORDER
    status, again = world.call(f"{ORDER}/invoice", INVOICE, scope=scope)
    assert status == 200 and again["receipt"] == first["receipt"]
    [sent] = world.invoices.sent  # forwarded once: the repeat is answered from the record
    message = VtexInvoiceMessage.model_validate(sent)
    assert message.order_id == ORDER and message.invoice["embeddedInvoice"] == INVOICE["embeddedInvoice"]
    assert world.record().model_extra["vtex_invoice"]["outcome"] == "invoice_queued"


def test_a_corrected_invoice_with_a_new_number_is_forwarded_again(world: World) -> None:
    world.call(f"{ORDER}/invoice", INVOICE)
    world.call(f"{ORDER}/invoice", {**INVOICE, "invoiceNumber": "1235", "invoiceKey": "4" * 44})
    assert [m["invoice"]["invoiceNumber"] for m in world.invoices.sent] == ["1234", "1235"]


def test_an_input_invoice_is_recorded_not_forwarded(world: World) -> None:
    assert world.call(f"{ORDER}/invoice", {**INVOICE, "type": "Input", "invoiceNumber": "R-1"})[0] == 200
    assert world.invoices.sent == []
    assert world.record().model_extra["vtex_invoice"]["outcome"] == "recorded_return_invoice"


def test_tracking_routes_are_recorded(world: World) -> None:
    status, body = world.call(f"{ORDER}/invoice/1234", {"courier": "Correios", "trackingNumber": "BR123",
                                                       "trackingUrl": "https://rastreio.example/BR123"})
    assert status == 200 and body["orderId"] == ORDER
    status, _ = world.call(f"{ORDER}/invoice/1234/tracking", {"isDelivered": True, "events": [
        {"city": "São Paulo", "state": "SP", "description": "Entregue", "date": "2026-12-02"}]}, scope="pub")
    assert status == 200
    extra = world.record().model_extra
    assert extra["vtex_tracking"]["trackingNumber"] == "BR123" and extra["vtex_tracking"]["invoice_number"] == "1234"
    assert extra["vtex_tracking_status"]["is_delivered"] is True and extra["vtex_tracking_status"]["events"] == 1


def test_cancel_is_answered_after_tiktok_accepted_and_only_applied_once(world: World) -> None:
    status, body = world.call(f"{ORDER}/cancel", {"reason": "Sem estoque"})
    assert status == 200 and set(body) == {"date", "orderId", "receipt"}
    status, again = world.call(f"{ORDER}/cancel", {"reason": "Sem estoque"})
    assert status == 200 and again["receipt"] == body["receipt"]
    assert world.tiktok.cancels == [(ORDER, "seller_cancel_reason_out_of_stock")]
    assert world.record().model_extra["vtex_cancel"]["source"] == "vtex_callback"


def test_cancel_refused_after_shipping_is_409_and_tiktok_is_not_called(world: World) -> None:
    world.orders.record_status(CLIENT, ORDER, status="IN_TRANSIT", update_time=5, now=5, initial_state=SyncState.NEW)
    status, body = world.call(f"{ORDER}/cancel", {"reason": "x"})
    assert status == 409 and "IN_TRANSIT" in body["error"]["message"]
    assert world.tiktok.cancels == []


def test_cancel_while_tiktok_is_down_is_503_for_vtex_to_retry(world: World) -> None:
    world.tiktok.refuse_with = TikTokInternalError(36009003, "internal")
    assert world.call(f"{ORDER}/cancel", {})[0] == 503
    world.tiktok.refuse_with = None
    assert world.call(f"{ORDER}/cancel", {})[0] == 200


def test_wrong_or_missing_token_is_401_and_changes_nothing(world: World) -> None:
    for segment in (CLIENT, f"{CLIENT}.{'0' * 32}", f"other.{callback_token(world.secret, CLIENT)}",
                    f"{CLIENT}.{callback_token('guessed', CLIENT)}"):
        assert world.call(f"{ORDER}/cancel", {}, segment=segment)[0] == 401
        assert world.call(f"{ORDER}/invoice", INVOICE, segment=segment)[0] == 401
    assert world.tiktok.cancels == [] and world.invoices.sent == []
    assert "vtex_cancel" not in world.record().model_extra


def test_unknown_order_bad_body_and_bad_scope(world: World) -> None:
    status, body = world.call("999/invoice", INVOICE)
    assert status == 404 and "999" in body["error"]["message"]
    status, body = world.call(f"{ORDER}/invoice", {"type": "Sideways"})
    assert status == 400 and "invoiceNumber" in body["error"]["message"] and "type" in body["error"]["message"]
    assert world.call(f"{ORDER}/invoice", b"{not json")[0] == 400
    assert world.call(f"{ORDER}/invoice", INVOICE, scope="admin")[0] == 404
    assert world.call("../../etc/invoice", INVOICE)[0] in (400, 404)
    assert world.invoices.sent == []
