"""VtexClient without sockets (httpx.MockTransport): URLs, headers, retry decisions, reply shapes, no leaks."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.fakes import FakeTime
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.vtex import (
    VtexAuthError,
    VtexBadRequest,
    VtexClient,
    VtexCredentials,
    VtexDuplicateOrder,
    VtexLocked,
    VtexRateLimited,
    VtexServerError,
    VtexTransportError,
    parse_retry_after,
    parse_vtex_credentials,
)
from tiktok_vtex.clients.vtex.models import MarketplaceOrder

TOKEN = "TOKEN-unit-secret-value-42"
KEY = "vtexappkey-acme-UNIT"


@pytest.fixture
def creds() -> VtexCredentials:
    return parse_vtex_credentials({"account": "acme", "app_key": KEY, "app_token": TOKEN, "affiliate_id": "TTK"})


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime(0.0)


def make_client(creds: VtexCredentials, fake_time: FakeTime, handler: Callable[[httpx.Request], httpx.Response],
                **policy: float) -> VtexClient:
    retry = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock, rng=lambda: 1.0, **policy)  # type: ignore[arg-type]
    return VtexClient(creds, http=httpx.Client(transport=httpx.MockTransport(handler)), retry=retry)


def scripted(*responses: httpx.Response | Exception) -> tuple[Callable[[httpx.Request], httpx.Response],
                                                               list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_production_urls_and_headers(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, seen = scripted(httpx.Response(200, json=[{"skuId": "880408", "warehouseId": "1_1", "dockId": "1",
                                                        "totalQuantity": 10, "reservedQuantity": 3,
                                                        "availableQuantity": 7, "isUnlimited": False}]))
    client = make_client(creds, fake_time, handler)
    balance = client.get_inventory(880408, "1_1")
    assert balance.available == 7 and balance.totalQuantity == 10
    request = seen[0]
    assert str(request.url) == ("https://acme.vtexcommercestable.com.br/api/logistics/pvt/inventory/items/880408"
                                "/warehouses/1_1")
    assert request.headers["X-VTEX-API-AppKey"] == KEY and request.headers["X-VTEX-API-AppToken"] == TOKEN
    assert request.headers["Accept"] == "application/json"

    handler, seen = scripted(httpx.Response(200, json={"tradePolicyId": "1", "sellingPrice": 149.9,
                                                       "listPrice": 199.9}))
    price = make_client(creds, fake_time, handler).get_computed_price(880408)
    assert str(seen[0].url) == "https://api.vtex.com/acme/pricing/prices/880408/computed/1"
    assert str(price.sellingPrice) == "149.9"  # decimals parsed exactly, not via binary floats


def test_templates_must_name_the_account(creds: VtexCredentials) -> None:
    with pytest.raises(ValueError, match="account"):
        VtexClient(creds, base_url_template="https://x.example", pricing_base_url_template="https://y/{account}")


def test_429_honours_retry_after(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json=[1, 2]))
    assert make_client(creds, fake_time, handler).list_sku_ids(1, 2) == [1, 2]
    assert fake_time.slept == [3.0] and len(seen) == 2


def test_429_beyond_budget_raises_rate_limited_with_hint(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "60"}))
    with pytest.raises(VtexRateLimited) as caught:
        make_client(creds, fake_time, handler, total_budget=20.0).list_sku_ids()
    assert caught.value.retry_after == 60.0 and caught.value.status == 429
    assert fake_time.slept == [] and len(seen) == 1


def test_423_and_5xx_and_timeouts_retry_with_backoff(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, seen = scripted(
        httpx.Response(423, text="Unable to acquire lock for key: acme_item_logistics_1_1_1."),
        httpx.Response(503, text="busy"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"skuId": "1", "balance": []}),
    )
    inventory = make_client(creds, fake_time, handler, base_delay=0.2).get_inventory_all_warehouses(1)
    assert inventory.balance == [] and len(seen) == 5
    assert fake_time.slept == [0.2, 0.4, 0.8, 1.6]  # rng=1.0: the full exponential ceiling


def test_retries_are_bounded(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, seen = scripted(httpx.Response(423, text="locked"))
    with pytest.raises(VtexLocked):
        make_client(creds, fake_time, handler, max_attempts=3).get_inventory(1, "1_1")
    assert len(seen) == 3
    handler, seen = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(VtexTransportError) as caught:
        make_client(creds, fake_time, handler, max_attempts=2).get_inventory(1, "1_1")
    assert caught.value.status is None and caught.value.code == "TIMEOUT"
    handler, _ = scripted(httpx.Response(500, json={"error": {"code": "500", "message": "x"}}))
    with pytest.raises(VtexServerError):
        make_client(creds, fake_time, handler, max_attempts=2).get_product(1)


def test_client_errors_are_not_retried(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, seen = scripted(httpx.Response(409, json={"error": {"code": "OMS003", "message": "wrong status"}}))
    with pytest.raises(Exception, match="OMS003"):
        make_client(creds, fake_time, handler).start_handling("TTK-1-01")
    assert len(seen) == 1 and fake_time.slept == []


def order_payload() -> dict[str, object]:
    return {
        "marketplaceOrderId": "5760001", "marketplaceServicesEndpoint": "https://connector.example/vtex",
        "marketplacePaymentValue": 16480,
        "items": [{"id": 880408, "quantity": 1, "seller": "1", "price": 14990}],
        "clientProfileData": {"email": "a@b.com", "firstName": "Ana", "lastName": "Silva", "documentType": "cpf",
                              "document": "12345678909"},
        "shippingData": {"address": {"receiverName": "Ana", "postalCode": "01310-100", "city": "São Paulo",
                                     "state": "SP", "street": "Av. Paulista", "number": "1000"},
                         "logisticsInfo": [{"itemIndex": 0, "selectedSla": "Normal", "price": 1490}]},
    }


@pytest.mark.parametrize("reply", [
    [{"orderId": "TTK-5760001-01", "marketplaceOrderId": "5760001"}],
    {"orderId": "TTK-5760001-01", "status": "waiting-ffmt-authorization", "message": "ok",
     "orderData": {"marketplaceOrderId": "5760001", "items": []}},
    {"orderId": "TTK-5760001-01"},
])
def test_place_order_sends_an_array_and_reads_both_shapes(creds: VtexCredentials, fake_time: FakeTime,
                                                          reply: object) -> None:
    handler, seen = scripted(httpx.Response(200, json=reply))
    placed = make_client(creds, fake_time, handler).place_order(order_payload())
    assert placed.orderId == "TTK-5760001-01" and placed.marketplaceOrderId == "5760001"
    sent = json.loads(seen[0].content)
    assert isinstance(sent, list) and len(sent) == 1
    assert sent[0]["items"][0]["id"] == "880408"  # strings in orders
    assert sent[0]["paymentData"] is None
    assert seen[0].url.params["affiliateId"] == "TTK" and seen[0].url.params["sc"] == "1"


def test_place_order_without_order_id_is_an_error(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, _ = scripted(httpx.Response(200, json=[]))
    with pytest.raises(Exception, match="NO_ORDER_ID"):
        make_client(creds, fake_time, handler).place_order(order_payload())


def test_duplicate_after_a_lost_reply_is_flagged(creds: VtexCredentials, fake_time: FakeTime) -> None:
    duplicate = httpx.Response(400, json={"error": {"code": "FMT009", "message": "exists", "exception": None}})
    handler, _ = scripted(httpx.ReadTimeout("lost"), duplicate)
    with pytest.raises(VtexDuplicateOrder) as caught:
        make_client(creds, fake_time, handler).place_order(MarketplaceOrder.model_validate(order_payload()))
    assert caught.value.after_retry is True and caught.value.marketplace_order_id == "5760001"
    handler, _ = scripted(duplicate)
    with pytest.raises(VtexDuplicateOrder) as caught:
        make_client(creds, fake_time, handler).place_order(order_payload())
    assert caught.value.after_retry is False


def test_credentials_never_reach_errors_or_logs(creds: VtexCredentials, fake_time: FakeTime,
                                                caplog: pytest.LogCaptureFixture) -> None:
    echo = httpx.Response(401, json={"error": {"code": "1", "message": f"bad token {TOKEN} for {KEY}"}})
    handler, _ = scripted(echo)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(VtexAuthError) as caught:
        make_client(creds, fake_time, handler).get_order("TTK-1-01")
    assert TOKEN not in str(caught.value) and KEY not in str(caught.value)
    assert TOKEN not in caplog.text and KEY not in caplog.text
    assert TOKEN not in repr(make_client(creds, fake_time, handler))


def test_bad_request_is_typed(creds: VtexCredentials, fake_time: FakeTime) -> None:
    handler, _ = scripted(httpx.Response(400, json={"error": {"code": "1", "message": "ping failed"}}))
    with pytest.raises(VtexBadRequest, match="ping failed"):
        make_client(creds, fake_time, handler).set_orders_hook("https://x.example/vtex/orderhook")


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None and parse_retry_after("-4") == 0.0


def test_simulation_flags_unavailable_even_on_200(creds: VtexCredentials, fake_time: FakeTime) -> None:
    body = {"items": [], "logisticsInfo": [], "messages": [{"code": "ORD027", "text": "Item 1 not found",
                                                            "status": "error"}]}
    handler, _ = scripted(httpx.Response(200, json=body))
    client = make_client(creds, fake_time, handler)
    result = client.simulate([{"id": "1", "quantity": 1}], "01310-100")
    assert result.unavailable_ids == ["1"] and not result.is_fully_available
    with pytest.raises(Exception, match="ORD027") as caught:
        client.simulate([{"id": "1", "quantity": 1}], raise_on_unavailable=True)
    assert caught.value.status == 200 and caught.value.items == ["1"]  # type: ignore[attr-defined]
