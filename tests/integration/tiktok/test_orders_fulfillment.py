"""Orders, packages, invoices, shipping, tracking, cancellations and returns against the sandbox."""

from __future__ import annotations

import base64

import pytest

from local.fixtures.nfe import build_nfe
from tiktok_vtex.clients.tiktok import TikTokConflict, TikTokValidationError

from .conftest import CATALOG, Env, Receiver

SKU_A = CATALOG["products"][0]["skus"][0]["seller_sku"]
SKU_B = CATALOG["products"][1]["skus"][1]["seller_sku"]
# TikTok checks the file's access key on upload (infNFe/@Id: 44 digits, mod-11 digit): a real-format NF-e.
NFE = build_nfe(number=352)


def new_order(tt: Env, **spec) -> dict:
    body = {
        "items": [{"seller_sku": SKU_A, "quantity": 2}, {"seller_sku": SKU_B, "quantity": 1}],
        "buyer": {"name": "Ana Souza", "cpf": "39053344705", "email": "ana@example.com"},
        **spec,
    }
    return tt.post("/sandbox/orders", body)


def test_admin_order_shape(seeded: Env) -> None:
    order = new_order(seeded)
    assert order["status"] == "AWAITING_SHIPMENT" and len(order["line_items"]) == 3  # one line item per unit
    assert order["payment"]["total_amount"] == "449.70" and order["cpf"] == "39053344705"
    assert order["line_items"][0]["seller_sku"] == SKU_A and order["packages"]
    client = seeded.client()
    detail = client.get_order_details([order["id"]])[0]
    assert detail["recipient_address"]["name"] == "Ana Souza" and "_shop_id" not in detail
    unpaid = new_order(seeded, status="UNPAID")
    assert "recipient_address" not in client.get_order_details([unpaid["id"]])[0]
    bad = seeded.admin.post("/sandbox/orders", json={"items": [{"seller_sku": "nope"}]})
    assert bad.status_code == 400


def test_search_orders_and_details_in_chunks(seeded: Env) -> None:
    ids = [new_order(seeded, items=[{"seller_sku": SKU_A}])["id"] for _ in range(55)]
    new_order(seeded, status="UNPAID")
    client = seeded.client()
    page = client.search_orders({"order_status": "AWAITING_SHIPMENT"}, page_size=20)
    assert page.total_count == 55 and len(page.items) == 20 and page.next_page_token
    walked = [
        o["id"] for o in client.iter_orders({"order_status": "AWAITING_SHIPMENT"}, page_size=20, sort_order="ASC")
    ]
    assert walked == ids
    assert len(client.get_order_details(ids)) == 55
    with pytest.raises(TikTokValidationError) as info:
        client.call("GET", "/order/202309/orders", query={"ids": ids[:51]})
    assert info.value.code == 36009004
    with pytest.raises(TikTokValidationError):
        client.search_orders(page_size=101)
    with pytest.raises(TikTokValidationError):
        client.search_orders(sort_field="price")


def test_invoice_then_ship_tiktok_package(seeded: Env) -> None:
    client = seeded.client()
    order = new_order(seeded)
    package_id = order["packages"][0]["id"]
    assert [p["id"] for p in client.search_packages({"package_status": "PROCESSING"}).items] == [package_id]
    assert [p["id"] for p in client.iter_packages(page_size=1)] == [package_id]
    package = client.get_package(package_id)
    assert package["shipping_type"] == "TIKTOK" and package["orders"] == [{"id": order["id"]}]
    slots = client.get_handover_time_slots(package_id)
    assert slots["can_pickup"] and slots["pickup_slots"]

    with pytest.raises(TikTokValidationError) as info:
        client.ship_package(package_id, handover_method="DROP_OFF")
    assert info.value.code == 21004006  # Brazil: invoice first

    wrong = client.upload_invoice(package_id, ["123"], NFE)
    assert wrong.errors[0].code == 10007001
    broken = client.upload_invoice(package_id, [order["id"]], b"<nfeProc>")
    assert broken.errors[0].code == 36009004
    key = NFE.split(b'Id="NFe', 1)[1][:44]
    wrong_digit = key[:43] + str((int(key[43:44]) + 1) % 10).encode()
    bad_key = client.upload_invoice(package_id, [order["id"]], NFE.replace(key, wrong_digit))
    assert bad_key.errors[0].code == 36009004 and "access key" in bad_key.errors[0].message
    no_key = client.upload_invoice(package_id, [order["id"]], b'<?xml version="1.0"?><nfeProc><NFe/></nfeProc>')
    assert no_key.errors[0].code == 36009004
    assert client.upload_invoice(package_id, [order["id"]], NFE).ok
    again = client.upload_invoice(package_id, [order["id"]], NFE)
    assert again.errors[0].code == 10007014 and again.failed_ids("package_id") == {package_id}
    with pytest.raises(ValueError):
        client.upload_invoice(package_id, [order["id"]], b"x" * (1024 * 1024 + 1))
    big = base64.b64encode(b"<a>" + b"x" * (1024 * 1024) + b"</a>").decode()
    answer = client.call(
        "POST",
        "/fulfillment/202502/invoice/upload",
        accept_item_errors=True,
        body={"invoices": [{"package_id": package_id, "order_ids": [order["id"]], "file_type": "XML", "file": big}]},
    )
    assert answer["data"]["errors"][0]["code"] == 36009021
    assert seeded.get(f"/sandbox/state/invoices/{package_id}")["status"] == "SUCCESS"

    with pytest.raises(TikTokValidationError):
        client.ship_package(package_id, handover_method="PICKUP")  # pickup needs a slot
    client.ship_package(package_id, handover_method="PICKUP", pickup_slot=slots["pickup_slots"][0])
    with pytest.raises(TikTokConflict) as shipped:
        client.ship_package(package_id, handover_method="DROP_OFF")
    assert shipped.value.code == 21011040
    document = client.get_shipping_document(package_id, "SHIPPING_LABEL")
    assert document.tracking_number and seeded.http.get(document.doc_url).content.startswith(b"%PDF")
    assert client.get_order_details([order["id"]])[0]["status"] == "AWAITING_COLLECTION"
    seeded.post(f"/sandbox/orders/{order['id']}/status", {"status": "IN_TRANSIT"})
    seeded.post(f"/sandbox/orders/{order['id']}/status", {"status": "DELIVERED"})
    tracking = client.get_tracking(order["id"])
    assert [t["description"] for t in tracking][:2] == ["Objeto entregue ao destinatário", "Objeto em trânsito"]
    assert client.get_package(package_id)["package_status"] == "COMPLETED"
    with pytest.raises(TikTokValidationError):
        client.get_tracking("404")
    back = seeded.admin.post(f"/sandbox/orders/{order['id']}/status", json={"status": "AWAITING_SHIPMENT"})
    assert back.status_code == 400  # never backwards


def test_invoice_upload_pushes_36_with_the_configured_outcome_and_documented_reasons(
        seeded: Env, receiver: Receiver) -> None:
    import json

    client = seeded.client()
    client.update_webhook("INVOICE_STATUS_CHANGE", receiver.url)

    def upload(xml: bytes, pushes: int) -> dict:
        order = new_order(seeded)
        assert client.upload_invoice(order["packages"][0]["id"], [order["id"]], xml).ok
        return json.loads(receiver.wait(pushes)[pushes - 1]["raw"])["data"]

    first = upload(build_nfe(number=500), 1)
    assert first["invoice_status"] == "SUCCESS" and "invalid_reason" not in first
    duplicate = upload(build_nfe(number=500), 2)  # the same access key, another package: TikTok refuses it
    assert (duplicate["invoice_status"], duplicate["invalid_reason"]) == ("INVALID", "ACCESS_KEY_DUPLICATE")
    seeded.post("/sandbox/config", {"invoice_outcome": "FAILED", "invoice_invalid_reason": "NOT_FOUND"})
    delayed = upload(build_nfe(number=501), 3)
    assert (delayed["invoice_status"], delayed["invalid_reason"]) == ("FAILED", "NOT_FOUND")
    seeded.post("/sandbox/config", {"invoice_outcome": "INVALID", "invoice_invalid_reason": None})
    assert upload(build_nfe(number=502), 4)["invalid_reason"] == "UNKNOWN"  # documented default
    seeded.post("/sandbox/config", {"invoice_outcome": "PROCESSING"})
    assert "invalid_reason" not in upload(build_nfe(number=503), 5)
    refused = seeded.admin.post("/sandbox/config", json={"invoice_invalid_reason": "SEFAZ_OFFLINE"})
    assert refused.status_code == 400 and "ACCESS_KEY_DUPLICATE" in refused.text
    seeded.post("/sandbox/config", {"invoice_outcome": "SUCCESS"})


def test_seller_shipping_documents_and_duplicate_tracking(seeded: Env) -> None:
    client = seeded.client()
    first = new_order(seeded, shipping_type="SELLER", need_upload_invoice=False)
    second = new_order(seeded, shipping_type="SELLER", need_upload_invoice=False)
    package_1, package_2 = first["packages"][0]["id"], second["packages"][0]["id"]
    with pytest.raises(TikTokValidationError):
        client.ship_package(package_1, handover_method="DROP_OFF")  # seller shipping needs self_shipment
    shipment = {"tracking_number": "AA123456789BR", "shipping_provider_id": "7117858858072016686"}
    client.ship_package(package_1, self_shipment=shipment)
    with pytest.raises(TikTokValidationError) as dup:
        client.ship_package(package_2, self_shipment=shipment)
    assert dup.value.code == 21011025
    with pytest.raises(TikTokValidationError) as info:
        client.get_shipping_document(package_1)
    assert info.value.code == 21008017
    assert client.get_order_details([first["id"]])[0]["status"] == "IN_TRANSIT"
    with pytest.raises(TikTokValidationError) as missing:
        client.get_package("404")
    assert missing.value.code == 21011001


def test_cancellations(seeded: Env) -> None:
    client = seeded.client()
    order = new_order(seeded)
    cancellation = seeded.post(f"/sandbox/orders/{order['id']}/cancellations", {"reason": "Comprei errado"})
    page = client.search_cancellations({"order_ids": [order["id"]]})
    assert [c["cancel_id"] for c in page.items] == [cancellation["cancel_id"]]
    assert page.items[0]["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    client.approve_cancellation(cancellation["cancel_id"])
    assert client.get_order_details([order["id"]])[0]["status"] == "CANCELLED"
    with pytest.raises(TikTokValidationError) as twice:
        client.approve_cancellation(cancellation["cancel_id"])
    assert twice.value.code == 25001003

    kept = new_order(seeded)
    request = seeded.post(f"/sandbox/orders/{kept['id']}/cancellations", {})
    with pytest.raises(TikTokValidationError):
        client.reject_cancellation(request["cancel_id"], "")
    client.reject_cancellation(request["cancel_id"], "ORDER_ALREADY_SHIPPED", comment="já enviado")
    assert client.get_order_details([kept["id"]])[0]["status"] == "AWAITING_SHIPMENT"

    cancelled = client.cancel_order(kept["id"], "OUT_OF_STOCK")
    assert cancelled["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert client.get_package(kept["packages"][0]["id"])["package_status"] == "CANCELLED"
    shipped = new_order(seeded, status="IN_TRANSIT")
    with pytest.raises(TikTokValidationError) as late:
        client.cancel_order(shipped["id"], "OUT_OF_STOCK")
    assert late.value.code == 25001003
    statuses = {c["cancel_status"] for c in client.iter_cancellations()}
    assert statuses == {"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_CANCEL", "CANCELLATION_REQUEST_COMPLETE"}


def test_returns(seeded: Env) -> None:
    client = seeded.client()
    order = new_order(seeded, status="DELIVERED")
    refund = seeded.post(f"/sandbox/orders/{order['id']}/returns", {"return_type": "RETURN_AND_REFUND"})
    other = seeded.post(f"/sandbox/orders/{order['id']}/returns", {"return_type": "REFUND"})
    page = client.search_returns({"order_ids": [order["id"]]}, page_size=10)
    assert {r["return_id"] for r in page.items} == {refund["return_id"], other["return_id"]}
    with pytest.raises(TikTokValidationError):
        client.search_returns(page_size=5)  # returns take 10-50
    with pytest.raises(TikTokValidationError) as bad:
        client.approve_return(refund["return_id"], "APPROVE_EVERYTHING")
    assert bad.value.code == 25001001
    client.approve_return(refund["return_id"], "APPROVE_RETURN")
    client.reject_return(other["return_id"], "Produto usado", "REJECT_REFUND")
    states = {r["return_id"]: r["return_status"] for r in client.iter_returns(page_size=10)}
    assert states == {refund["return_id"]: "AWAITING_BUYER_SHIP", other["return_id"]: "REFUND_OR_RETURN_REQUEST_REJECT"}
    with pytest.raises(TikTokValidationError) as again:
        client.reject_return(other["return_id"], "x")
    assert again.value.code == 25001003
    replacement = seeded.post(f"/sandbox/orders/{order['id']}/returns", {"return_type": "REPLACEMENT"})
    assert replacement["return_status"] == "REPLACEMENT_REQUEST_PENDING"
    client.reject_return(replacement["return_id"], "Sem defeito", "REJECT_REPLACEMENT")
    replaced = seeded.get(f"/sandbox/state/returns/{replacement['return_id']}")
    assert replaced["return_status"] == "REPLACEMENT_REQUEST_REJECT"
    seeded.post(f"/sandbox/returns/{refund['return_id']}/status", {"status": "BUYER_SHIPPED_ITEM"})
    client.approve_return(refund["return_id"], "APPROVE_RECEIVED_PACKAGE")
    assert (
        seeded.get(f"/sandbox/state/returns/{refund['return_id']}")["return_status"]
        == "RETURN_OR_REFUND_REQUEST_SUCCESS"
    )


def test_warehouses_and_webhook_configuration(tt: Env, client) -> None:
    warehouses = client.get_warehouses()
    assert warehouses[0]["id"] == tt.warehouse_id and warehouses[0]["is_default"]
    assert client.get_webhooks() == []
    client.update_webhook("ORDER_STATUS_CHANGE", "https://hooks.example.com/tiktok")
    client.update_webhook("INVOICE_STATUS_CHANGE", "http://127.0.0.1:3000/tiktok/webhook")  # local stack
    assert {w["event_type"] for w in client.get_webhooks()} == {"ORDER_STATUS_CHANGE", "INVOICE_STATUS_CHANGE"}
    for address in (
        "http://hooks.example.com/x",
        "https://10.0.0.1/x",
        "https://hooks.example.com:8443/x",
        "https://hooks.example.com/" + "x" * 250,
    ):
        with pytest.raises(TikTokValidationError):
            client.update_webhook("ORDER_STATUS_CHANGE", address)
    with pytest.raises(TikTokValidationError):
        client.update_webhook("NOT_AN_EVENT", "https://hooks.example.com/x")
    with pytest.raises(TikTokValidationError) as missing:
        client.call("PUT", "/event/202309/webhooks", body={"event_type": "ORDER_STATUS_CHANGE"})
    assert "address" in missing.value.message
    client.delete_webhook("ORDER_STATUS_CHANGE")
    client.delete_webhook("ORDER_STATUS_CHANGE")  # deleting nothing succeeds
    assert [w["event_type"] for w in client.get_webhooks()] == ["INVOICE_STATUS_CHANGE"]
