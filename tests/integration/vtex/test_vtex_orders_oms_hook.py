"""Client vs sandbox: simulation, place order, fulfill, the OMS seller flow, invoices, cancel, orders hook."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tiktok_vtex.clients.vtex import (
    VtexBadRequest,
    VtexClient,
    VtexConflict,
    VtexDuplicateOrder,
    VtexNotFound,
    VtexUnavailableItem,
    from_cents,
    to_cents,
)
from tiktok_vtex.clients.vtex.models import MarketplaceOrder

from .conftest import MARKETPLACE

CEP = "01310-100"


@pytest.fixture(autouse=True)
def stocked(sandbox) -> None:
    """The SKUs these tests order have stock (some demo SKUs start at zero, like a real store)."""
    for sku in range(880408, 880420):
        sandbox.put("/sandbox/inventory", {"sku_id": sku, "quantity": 50})


def build_order(
    client: VtexClient, marketplace_id: str, lines: list[tuple[int, int]], sla: str = "Normal", **overrides: Any
) -> MarketplaceOrder:
    """An order priced from a simulation, as the orders capability does it."""
    simulation = client.simulate([{"id": str(sku), "quantity": qty} for sku, qty in lines], CEP)
    assert simulation.is_fully_available, simulation.messages
    items, logistics = [], []
    for index, (sku, qty) in enumerate(lines):
        item = simulation.item(str(sku))
        assert item is not None and item.price is not None
        chosen = next(s for s in simulation.slas_for(str(sku)) if s.id == sla)
        items.append({"id": str(sku), "quantity": qty, "seller": "1", "price": item.price})
        logistics.append(
            {
                "itemIndex": index,
                "selectedSla": chosen.id,
                "price": chosen.price,
                "lockTTL": chosen.lockTTL,
                "shippingEstimate": chosen.shippingEstimate,
            }
        )
    order = {
        "marketplaceOrderId": marketplace_id,
        "marketplaceServicesEndpoint": MARKETPLACE["endpoint"],
        "marketplacePaymentValue": sum(i["price"] * i["quantity"] for i in items)
        + sum(li["price"] for li in logistics),
        "items": items,
        "clientProfileData": {
            "email": "comprador@example.com",
            "firstName": "Ana",
            "lastName": "Souza",
            "documentType": "cpf",
            "document": "12345678909",
            "phone": "+5511999990000",
        },
        "shippingData": {
            "address": {
                "addressType": "Residential",
                "receiverName": "Ana Souza",
                "postalCode": CEP,
                "city": "São Paulo",
                "state": "SP",
                "country": "BRA",
                "street": "Avenida Paulista",
                "number": "1000",
                "neighborhood": "Bela Vista",
            },
            "logisticsInfo": logistics,
        },
        **overrides,
    }
    return MarketplaceOrder.model_validate(order)


def reservations(sandbox, sku: int) -> tuple[int, int]:
    state = sandbox.get(f"/sandbox/state/inventory/{sku}")
    row = state["warehouses"]["1_1"]
    return row["total"], row["reserved"]


def test_simulation_available_with_slas_in_cents(client: VtexClient) -> None:
    result = client.simulate([{"id": "880408", "quantity": 2}, {"id": "880409", "quantity": 1}], CEP)
    assert result.is_fully_available and result.unavailable_ids == []
    price = client.get_computed_price(880408).sellingPrice
    assert result.item("880408").price == to_cents(price)  # cents here, decimals in pricing
    slas = result.slas_for("880408")
    assert {s.id for s in slas} == {"Normal", "Expressa"} and all(isinstance(s.price, int) for s in slas)
    assert result.logisticsInfo[0].stockBalance == client.get_inventory(880408).available
    without_postal_code = client.simulate([{"id": "880408", "quantity": 1}])
    assert without_postal_code.slas_for("880408") == [] and without_postal_code.is_fully_available


def test_simulation_unavailable_is_http_200_with_ord027(client: VtexClient, sandbox) -> None:
    sandbox.put("/sandbox/inventory", {"sku_id": 880410, "quantity": 0})
    result = client.simulate(
        [{"id": "880408", "quantity": 1}, {"id": "880410", "quantity": 1}, {"id": "1", "quantity": 1}], CEP
    )
    assert result.unavailable_ids == ["880410", "1"]
    assert [m.code for m in result.messages] == ["ORD027", "ORD027"]
    assert [i.id for i in result.items] == ["880408"]
    sandbox.put("/sandbox/inventory", {"sku_id": 880410, "quantity": 2})
    short = client.simulate([{"id": "880410", "quantity": 3}], CEP)
    assert short.unavailable_ids == ["880410"] and short.messages[0].code == "ORD028"
    with pytest.raises(VtexUnavailableItem) as caught:
        client.simulate([{"id": "1", "quantity": 1}], CEP, raise_on_unavailable=True)
    assert caught.value.status == 200 and caught.value.code == "ORD027" and caught.value.items == ["1"]


def test_place_order_reserves_and_duplicate_is_fmt009(client: VtexClient, sandbox) -> None:
    total_before, _ = reservations(sandbox, 880408)
    order = build_order(client, "576000000000000001", [(880408, 2), (880409, 1)])
    placed = client.place_order(order)
    assert placed.orderId == "TTK-576000000000000001-01"
    assert placed.marketplaceOrderId == "576000000000000001"
    assert placed.followUpEmail.endswith("@ct.vtex.com.br")
    assert reservations(sandbox, 880408) == (total_before, 2)
    assert client.get_inventory(880408).reservedQuantity == 2

    vtex_order = client.get_order(placed.orderId)
    assert vtex_order.status == "waiting-ffmt-authorization"
    assert vtex_order.value == order.expected_payment_value() and isinstance(vtex_order.value, int)
    assert vtex_order.items[0].id == "880408" and vtex_order.affiliateId == "TTK"
    assert from_cents(vtex_order.value) > 0

    with pytest.raises(VtexDuplicateOrder) as caught:
        client.place_order(order)
    assert caught.value.code == "FMT009" and caught.value.after_retry is False
    assert reservations(sandbox, 880408) == (total_before, 2)  # nothing reserved twice


def test_place_order_rejections(client: VtexClient, sandbox) -> None:
    sandbox.put("/sandbox/inventory", {"sku_id": 880411, "quantity": 1})
    order = build_order(client, "576000000000000002", [(880411, 1)])
    sandbox.put("/sandbox/inventory", {"sku_id": 880411, "quantity": 0})
    with pytest.raises(VtexUnavailableItem) as caught:
        client.place_order(order)
    assert caught.value.code == "FMT005"
    unknown = order.model_copy(deep=True)
    unknown.items[0].id = "123"
    with pytest.raises(VtexUnavailableItem, match="ORD027"):
        client.place_order(unknown)
    sandbox.put("/sandbox/inventory", {"sku_id": 880411, "quantity": 5})
    wrong_total = order.model_copy(update={"marketplacePaymentValue": order.marketplacePaymentValue + 1})
    with pytest.raises(Exception, match="FMT007"):
        client.place_order(wrong_total)
    bad_sla = order.model_copy(deep=True)
    bad_sla.shippingData.logisticsInfo[0].selectedSla = "Teletransporte"
    with pytest.raises(VtexUnavailableItem, match="FMT010"):
        client.place_order(bad_sla)
    assert client.place_order(order).orderId == "TTK-576000000000000002-01"


def test_object_reply_shape(client: VtexClient, sandbox) -> None:
    sandbox.post("/sandbox/config", {"place_order_response": "object"})
    placed = client.place_order(build_order(client, "576000000000000003", [(880412, 1)]))
    assert placed.orderId == "TTK-576000000000000003-01" and placed.marketplaceOrderId == "576000000000000003"


def test_seller_flow_fulfill_window_handling_invoice_tracking(
    client: VtexClient, sandbox, fake_time, hook_receiver
) -> None:
    client.set_orders_hook(hook_receiver.url, headers={"X-Hook-Secret": "s3cret-hook-value"})
    order = build_order(client, "576000000000000004", [(880413, 1)])
    total_before, _ = reservations(sandbox, 880413)
    placed = client.place_order(order)
    with pytest.raises(VtexConflict) as caught:
        client.start_handling(placed.orderId)
    assert caught.value.status == 409 and caught.value.code == "OMS003"

    result = client.authorize_dispatch(placed.orderId, order.marketplaceOrderId)
    assert result.orderId == placed.orderId and result.receipt
    assert client.get_order(placed.orderId).status == "window-to-cancel"
    with pytest.raises(VtexConflict):
        client.authorize_dispatch(placed.orderId, order.marketplaceOrderId)  # only from waiting-ffmt-authorization
    fake_time.now += 31  # the cancellation window passes
    assert client.get_order(placed.orderId).status == "ready-for-handling"
    client.start_handling(placed.orderId)
    assert client.get_order(placed.orderId).status == "handling"

    xml = "<nfeProc><NFe><infNFe Id='NFe3526'/></NFe></nfeProc>"
    receipt = client.send_invoice(
        placed.orderId,
        {
            "type": "Output",
            "issuanceDate": "2026-01-10T12:00:00Z",
            "invoiceNumber": "12345",
            "invoiceValue": order.marketplacePaymentValue,
            "invoiceKey": "3" * 44,
            "embeddedInvoice": xml,
            "items": [{"id": "880413", "price": order.items[0].price, "quantity": 1}],
        },
    )
    assert receipt.orderId == placed.orderId and receipt.receipt
    invoiced = client.get_order(placed.orderId)
    assert invoiced.status == "invoiced" and invoiced.invoicedDate
    package = invoiced.invoice("12345")
    assert package is not None and package.embeddedInvoice == xml
    assert package.invoiceValue == order.marketplacePaymentValue
    assert reservations(sandbox, 880413) == (total_before - 1, 0)  # the reservation is consumed

    client.update_tracking(
        placed.orderId,
        "12345",
        {"trackingNumber": "BR123456789", "courier": "Correios", "trackingUrl": "https://rastreio.example/BR123456789"},
    )
    assert client.get_order(placed.orderId).invoice().trackingNumber == "BR123456789"
    client.send_tracking_events(
        placed.orderId,
        "12345",
        is_delivered=True,
        delivered_date="2026-01-12T10:00:00Z",
        events=[{"city": "São Paulo", "state": "SP", "description": "Entregue", "date": "2026-01-12"}],
    )
    assert client.get_order(placed.orderId).invoice().courierStatus["finished"] is True
    with pytest.raises(VtexNotFound):
        client.update_tracking(placed.orderId, "999", {"trackingNumber": "X"})
    with pytest.raises(VtexBadRequest):
        client.cancel_order(placed.orderId, "too late")  # invoiced orders cannot be canceled

    expected = [
        "order-accepted",
        "waiting-ffmt-authorization",
        "authorize-fulfillment",
        "window-to-cancel",
        "ready-for-handling",
        "start-handling",
        "handling",
        "invoice",
        "invoiced",
    ]
    hook_receiver.wait_for(lambda calls: len([c for c in calls if c["body"].get("State")]) >= len(expected))
    assert hook_receiver.states(placed.orderId) == expected
    call = hook_receiver.calls[-1]
    assert call["headers"]["X-Hook-Secret"] == "s3cret-hook-value"
    body = call["body"]
    assert body["Domain"] == "Fulfillment" and body["LastState"] == "invoice" and body["CurrentChange"]
    assert body["Origin"]["Account"] == sandbox.env["VTEX_ACCOUNT"]
    deliveries = sandbox.get("/sandbox/state/hook/deliveries")["deliveries"]
    assert all(d["delivered"] for d in deliveries) and deliveries[0]["headers"] == ["X-Hook-Secret"]


def test_invoice_rules(client: VtexClient, sandbox) -> None:
    placed = client.place_order(build_order(client, "576000000000000005", [(880414, 1)]))
    invoice = {
        "type": "Output",
        "issuanceDate": "2026-01-10",
        "invoiceNumber": "1",
        "invoiceValue": 100,
        "items": [{"id": "880414", "price": 100, "quantity": 1}],
    }
    with pytest.raises(VtexBadRequest, match="ORD039"):
        client.send_invoice(placed.orderId, invoice)  # not authorized yet
    sandbox.post(f"/sandbox/orders/{placed.orderId}/advance", {"to": "ready-for-handling"})
    with pytest.raises(VtexBadRequest, match="well-formed"):
        client.send_invoice(placed.orderId, {**invoice, "embeddedInvoice": "<nfe><broken>"})
    client.send_invoice(placed.orderId, invoice)
    assert client.get_order(placed.orderId).status == "invoiced"


def test_cancel_releases_the_reservation(client: VtexClient, sandbox, hook_receiver) -> None:
    client.set_orders_hook(hook_receiver.url, filter_statuses=["canceled"])
    total, _ = reservations(sandbox, 880415)
    placed = client.place_order(build_order(client, "576000000000000006", [(880415, 1)]))
    assert reservations(sandbox, 880415) == (total, 1)
    receipt = client.cancel_order(placed.orderId, "Cliente desistiu")
    assert receipt.orderId == placed.orderId
    # canceled once the marketplace answered the cancel callback 200 (the receiver does)
    hook_receiver.wait_for(lambda calls: any(c["body"].get("State") == "canceled" for c in calls))
    canceled = client.get_order(placed.orderId)
    assert canceled.status == "canceled" and canceled.cancelReason == "Cliente desistiu"
    assert reservations(sandbox, 880415) == (total, 0)
    assert hook_receiver.states(placed.orderId) == ["canceled"]  # the filter holds
    [callback] = hook_receiver.callbacks
    assert callback["path"] == "pvt/orders/576000000000000006/cancel" and callback["body"] == {
        "reason": "Cliente desistiu"}
    with pytest.raises(VtexNotFound):
        client.get_order("TTK-nope-01")


def _wait_idle(sandbox) -> None:
    deadline = time.monotonic() + 5
    while not sandbox.get("/sandbox/state/marketplace/deliveries")["idle"]:
        assert time.monotonic() < deadline, "marketplace callbacks still pending"
        time.sleep(0.01)


def test_the_marketplace_answer_decides_the_cancellation(client: VtexClient, sandbox, hook_receiver) -> None:
    total, _ = reservations(sandbox, 880416)
    placed = client.place_order(build_order(client, "576000000000000016", [(880416, 1)]))
    hook_receiver.callback_statuses[:] = [409]  # the marketplace refuses (TikTok: already shipped)
    client.cancel_order(placed.orderId, "Sem estoque")
    _wait_idle(sandbox)
    kept = client.get_order(placed.orderId)  # waits in "Canceling" with its stock held; not canceled
    assert kept.status == "cancel" and reservations(sandbox, 880416) == (total, 1)
    [denied] = kept.model_extra["cancellationRequests"]
    assert denied["deniedBySeller"] is True and "409" in denied["deniedBySellerReason"]
    assert len(hook_receiver.callbacks) == 1  # a 4xx is the marketplace's answer: not retried

    hook_receiver.callback_statuses[:] = [503, 503, 503]  # unreachable through every retry: undecided
    client.cancel_order(placed.orderId, "Sem estoque")
    _wait_idle(sandbox)
    pending = client.get_order(placed.orderId)
    assert pending.status == "cancel" and len(hook_receiver.callbacks) == 4
    assert pending.model_extra["cancellationRequests"][-1]["deniedBySeller"] is False

    client.cancel_order(placed.orderId, "Sem estoque")  # VTEX asks again: the same request, now answered 200
    _wait_idle(sandbox)
    done = client.get_order(placed.orderId)
    assert done.status == "canceled" and reservations(sandbox, 880416) == (total, 0)
    assert len(done.model_extra["cancellationRequests"]) == 2 and len(hook_receiver.callbacks) == 5


def test_orders_hook_config_ping_get_delete(client: VtexClient, hook_receiver) -> None:
    assert client.get_orders_hook() is None
    config = client.set_orders_hook(hook_receiver.url, headers={"X-Token": "abc"})
    assert hook_receiver.calls[0]["body"] == {"hookConfig": "ping"}
    assert hook_receiver.calls[0]["headers"]["X-Token"] == "abc"
    assert config.hook.url == hook_receiver.url and config.filter.type == "FromWorkflow"
    stored = client.get_orders_hook()
    assert stored is not None and "invoiced" in stored.filter.status
    hook_receiver.statuses.append(500)
    with pytest.raises(VtexBadRequest, match="ping"):
        client.set_orders_hook(hook_receiver.url)
    client.delete_orders_hook()
    assert client.get_orders_hook() is None
    client.delete_orders_hook()  # idempotent


def test_hook_delivery_is_retried(client: VtexClient, sandbox, hook_receiver) -> None:
    client.set_orders_hook(hook_receiver.url, filter_statuses=["waiting-ffmt-authorization"])
    hook_receiver.statuses.extend([503, 500])
    placed = client.place_order(build_order(client, "576000000000000007", [(880416, 1)]))
    hook_receiver.wait_for(lambda calls: len(calls) >= 4)  # ping + 2 failures + success
    # The receiver saw the third attempt; the sandbox records it once the 200 is back: wait for that too.
    deadline = time.monotonic() + 5
    deliveries = sandbox.get("/sandbox/state/hook/deliveries")["deliveries"]
    while deliveries[0]["pending"] and time.monotonic() < deadline:
        time.sleep(0.01)
        deliveries = sandbox.get("/sandbox/state/hook/deliveries")["deliveries"]
    assert deliveries[0]["payload"]["OrderId"] == placed.orderId
    assert [a.get("status") for a in deliveries[0]["attempts"]] == [503, 500, 200]
    assert deliveries[0]["delivered"]


def test_admin_advance_invoices_with_nfe_xml(client: VtexClient, sandbox, hook_receiver) -> None:
    client.set_orders_hook(hook_receiver.url, filter_statuses=["invoiced"])
    placed = client.place_order(build_order(client, "576000000000000008", [(880417, 2)]))
    sandbox.post(f"/sandbox/orders/{placed.orderId}/advance", {"to": "invoiced"})
    order = client.get_order(placed.orderId)
    assert order.status == "invoiced"
    package = order.invoice()
    assert package.embeddedInvoice.startswith("<?xml") and len(package.invoiceKey) == 44
    assert package.invoiceValue == order.value
    hook_receiver.wait_for(lambda calls: any(c["body"].get("State") == "invoiced" for c in calls))
    state = sandbox.get(f"/sandbox/state/orders/{placed.orderId}")
    assert [h["status"] for h in state["_sandbox"]["history"]][-1] == "invoiced"


def test_ticker_ends_the_cancellation_window_without_requests(vtex_env, hook_receiver) -> None:
    """`make local` mode: real clock, background ticker; the hook hears ready-for-handling on its own."""
    from local.httpserver import serve_in_thread
    from local.vtex_sandbox import create_app
    from tiktok_vtex.clients.vtex import parse_vtex_credentials

    app = create_app({**vtex_env, "VTEX_SANDBOX_CANCEL_WINDOW_SECONDS": "0.2"})
    base_url, stop = serve_in_thread(app)
    try:
        creds = parse_vtex_credentials({"account": vtex_env["VTEX_ACCOUNT"], "app_key": vtex_env["VTEX_APP_KEY"],
                                        "app_token": vtex_env["VTEX_APP_TOKEN"],
                                        "affiliate_id": vtex_env["VTEX_AFFILIATE_ID"]})
        template = base_url + "/{account}"
        with VtexClient(creds, base_url_template=template, pricing_base_url_template=template) as client:
            app.extensions["vtex_sandbox"]["store"].set_inventory(880408, "1_1", 10)
            client.set_orders_hook(hook_receiver.url, filter_statuses=["ready-for-handling"])
            placed = client.place_order(build_order(client, "576000000000000099", [(880408, 1)]))
            client.authorize_dispatch(placed.orderId, "576000000000000099")
            hook_receiver.wait_for(lambda calls: any(c["body"].get("OrderId") == placed.orderId for c in calls))
            assert hook_receiver.states(placed.orderId) == ["ready-for-handling"]
    finally:
        app.extensions["vtex_sandbox"]["close"]()
        stop()


def test_sandbox_nfe_is_schema_valid_and_matches_the_order(client: VtexClient, sandbox) -> None:
    """The sandbox's NF-e passes the connector's own parser (NF-e 4.00 XSD, protocol, access key) and says
    what the order says: the store's CNPJ, the buyer's document, the items and the order total."""
    from decimal import Decimal

    from local.fixtures.nfe import SELLER_CNPJ
    from tiktok_vtex.invoices.nfe import parse_nfe

    placed = client.place_order(build_order(client, "576000000000000009", [(880417, 2), (880418, 1)]))
    sandbox.post(f"/sandbox/orders/{placed.orderId}/advance", {"to": "invoiced"})
    order = client.get_order(placed.orderId)
    package = order.invoice()
    document = parse_nfe(package.embeddedInvoice.encode("utf-8"))
    assert document.access_key == package.invoiceKey and document.number == package.invoiceNumber
    assert document.emitter_cnpj == SELLER_CNPJ
    assert document.recipient_document == order.clientProfileData["document"]
    assert document.total == Decimal(order.value) / 100
    assert sorted((i.code, int(i.quantity)) for i in document.items) == [("880417", 2), ("880418", 1)]

    broken = client.place_order(build_order(client, "576000000000000010", [(880417, 1)]))
    sandbox.post(f"/sandbox/orders/{broken.orderId}/advance", {"to": "invoiced", "nfe": {"total_override": "1.00"}})
    wrong = parse_nfe(client.get_order(broken.orderId).invoice().embeddedInvoice.encode("utf-8"))
    assert wrong.total == Decimal("1.00") != Decimal(client.get_order(broken.orderId).value) / 100
