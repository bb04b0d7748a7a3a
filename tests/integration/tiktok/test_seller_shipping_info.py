"""Seller shipping after the ship call: the shipping providers of a delivery option, and updating a shipped
package's tracking (provider must exist, only seller shipping, only while shipped and not delivered)."""

from __future__ import annotations

import pytest

from tiktok_vtex.clients.tiktok import TikTokApiError

from .conftest import Env
from .test_orders_fulfillment import new_order

CORREIOS, LOGGI = "7117858858072016686", "7117859084333745966"


def _code(call) -> int:
    with pytest.raises(TikTokApiError) as info:
        call()
    return info.value.code


def test_shipping_providers_of_a_delivery_option(seeded: Env) -> None:
    client = seeded.client()
    order = new_order(seeded, shipping_type="SELLER", need_upload_invoice=False)
    providers = client.get_shipping_providers(order["delivery_option_id"])
    assert {"id": LOGGI, "name": "Loggi"} in providers and len(providers) >= 3
    assert _code(lambda: client.get_shipping_providers("1")) == 21012001


def test_update_shipping_info_follows_the_package_state(seeded: Env) -> None:
    client = seeded.client()
    order = new_order(seeded, shipping_type="SELLER", need_upload_invoice=False)
    package_id = order["packages"][0]["id"]
    update = {"tracking_number": "QQ000000001BR", "shipping_provider_id": LOGGI}
    assert _code(lambda: client.update_shipping_info(package_id, **update)) == 21011002  # not shipped yet
    client.ship_package(package_id, self_shipment={"tracking_number": "QQ000000000BR",
                                                   "shipping_provider_id": CORREIOS})
    assert _code(lambda: client.update_shipping_info(package_id, tracking_number="QQ1",
                                                     shipping_provider_id="999")) == 36009004  # unknown carrier
    client.update_shipping_info(package_id, **update)
    package = client.get_package(package_id)
    assert (package["tracking_number"], package["shipping_provider_name"]) == ("QQ000000001BR", "Loggi")
    detail = client.get_order_details([order["id"]])[0]
    assert detail["tracking_number"] == "QQ000000001BR" and detail["shipping_provider_id"] == LOGGI
    seeded.post(f"/sandbox/orders/{order['id']}/status", {"status": "DELIVERED"})
    assert _code(lambda: client.update_shipping_info(package_id, **update)) == 21011004  # delivered


def test_update_shipping_info_is_for_seller_shipping_only(seeded: Env) -> None:
    client = seeded.client()
    order = new_order(seeded, need_upload_invoice=False)  # TikTok shipping
    seeded.post(f"/sandbox/orders/{order['id']}/status", {"status": "IN_TRANSIT"})
    assert _code(lambda: client.update_shipping_info(order["packages"][0]["id"], tracking_number="QQ2",
                                                     shipping_provider_id=LOGGI)) == 21011005
