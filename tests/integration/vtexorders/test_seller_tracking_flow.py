"""Seller shipping, whole path: the store adds tracking to the VTEX invoice -> the VTEX sandbox calls the
order's marketplaceServicesEndpoint (`.../invoice/{n}`) -> VTEX-MARKETPLACE -> TikTok sandbox (ship with
self_shipment, then shipping_info/update); an unknown carrier is a recorded refusal, VTEX still answered."""

from __future__ import annotations

from tests.integration.vtexorders.conftest import VtexWorld


def seller_order(world: VtexWorld) -> tuple[str, str]:
    sku = world.flow.catalog["products"][0]["skus"][0]["seller_sku"]
    order = world.flow.create_order([(sku, 1)], shipping_type="SELLER", need_upload_invoice=False)
    world.push(1, {"order_id": order["id"], "order_status": "AWAITING_SHIPMENT",
                   "update_time": order["update_time"]}, notification_id=f"n-{order['id']}")
    world.pump()
    [vtex_order] = world.flow.vtex_orders(order["id"])
    return order["id"], vtex_order["orderId"]


def test_seller_tracking_reaches_tiktok_and_an_unknown_carrier_is_refused(vtex_world: VtexWorld) -> None:
    from vtex_orders.wiring import wiring

    order_id, vtex_id = seller_order(vtex_world)
    invoiced = vtex_world.advance(vtex_id, "invoiced")
    number = invoiced["packageAttachment"]["packages"][0]["invoiceNumber"]
    vtex_world.wait_deliveries()
    vtex = wiring().vtex(vtex_world.flow.client_hash)
    sandbox = vtex_world.flow.sandbox
    package_id = sandbox.orders[order_id]["packages"][0]["id"]

    vtex.update_tracking(vtex_id, number, {"trackingNumber": "LG000000001BR", "courier": "Loggi Express"})
    vtex_world.wait_deliveries()
    package = sandbox.packages[package_id]
    assert (package["tracking_number"], package["shipping_provider_name"]) == ("LG000000001BR", "Loggi")
    assert sandbox.orders[order_id]["status"] == "IN_TRANSIT"
    record = vtex_world.order_record(order_id)["tiktok_tracking"]
    assert record["outcome"] == "shipped" and record["provider_source"] == "tiktok_list"

    vtex.update_tracking(vtex_id, number, {"trackingNumber": "LG000000002BR", "courier": "LOGGI"})
    vtex_world.wait_deliveries()
    assert sandbox.packages[package_id]["tracking_number"] == "LG000000002BR"
    assert vtex_world.order_record(order_id)["tiktok_tracking"]["outcome"] == "updated"

    vtex.update_tracking(vtex_id, number, {"trackingNumber": "XX000000003BR", "courier": "Transportadora Zeta"})
    vtex_world.wait_deliveries()
    assert all(c["attempts"][-1]["status"] == 200 for c in vtex_world.callbacks())  # VTEX answered every time
    assert sandbox.packages[package_id]["tracking_number"] == "LG000000002BR"  # nothing sent
    refused = vtex_world.order_record(order_id)["tiktok_tracking"]
    assert refused["outcome"] == "refused_unknown_carrier" and "provider_ids" in refused["detail"]
