"""A flow through every endpoint of the client's version table, recording each sandbox response (the
JSON envelope as sent) for the schema tests (test_response_schemas.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tiktok_vtex.clients.tiktok.versions import API_VERSIONS

from .conftest import CATALOG, Env
from .test_orders_fulfillment import NFE
from .test_products import product_body


def _pattern(method: str, template: str) -> tuple[str, re.Pattern[str]]:
    path = template.replace("{version}", API_VERSIONS[(method, template)])
    return method, re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", path) + "$")


@dataclass
class Recorder:
    """(METHOD, table template) -> the envelopes the sandbox answered (success ones only)."""

    responses: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    routes: list[tuple[tuple[str, str], str, re.Pattern[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key in API_VERSIONS:
            method, pattern = _pattern(*key)
            self.routes.append((key, method, pattern))

    def hook(self, response: httpx.Response) -> None:
        response.read()
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        body = json.loads(response.content)
        path = response.request.url.path
        if path.startswith("/api/v2/token/"):
            self.responses.setdefault(("GET", path), []).append(body)
            return
        if body.get("code") != 0:
            return
        for key, method, pattern in self.routes:
            if method == response.request.method and pattern.match(path):
                self.responses.setdefault(key, []).append(body)


def run_flow(tt: Env, http_factory: Callable[[Recorder], httpx.Client]) -> Recorder:
    recorder = Recorder()
    http = http_factory(recorder)
    tt.post("/sandbox/seed/demo", {"catalog": CATALOG})
    auth = tt.auth(http=http)
    code = tt.post("/sandbox/consent", {"shop_id": tt.shop_id})["code"]
    grant = auth.get_token(code)
    auth.refresh_token(grant.refresh_token.get_secret_value())
    client = tt.client(http=http)
    client.get_authorized_shops()
    client.get_warehouses()
    client.get_categories()
    client.get_category_rules("824584")
    client.get_category_rules("600024")
    client.get_attributes("824584")
    client.recommend_category("Tênis casual")
    client.get_brands()
    brand_id = client.create_brand("Marca Contrato")
    body = product_body(client, tt.warehouse_id)
    created = client.create_product({**body, "brand_id": brand_id})
    with_dimensions = client.create_product(
        {
            **product_body(client, tt.warehouse_id, seller_skus=("SKU-D",)),
            "package_dimensions": {"length": "10", "width": "10", "height": "5", "unit": "CENTIMETER"},
        }
    )
    client.get_product(created.product_id)
    client.get_product(with_dimensions.product_id)
    client.get_product(CATALOG["products"][0]["tiktok_product_id"])
    client.search_products({"status": "ACTIVATE"}, page_size=2)
    client.edit_product(created.product_id, {**body, "title": "Tênis Casual Editado"})
    client.partial_edit_product(created.product_id, {"description": "<p>Novo</p>"})
    product = client.get_product(created.product_id)
    sku_id = product["skus"][0]["id"]
    client.update_inventory(
        created.product_id, [{"id": sku_id, "inventory": [{"warehouse_id": tt.warehouse_id, "quantity": 7}]}]
    )
    client.update_inventory(
        created.product_id,
        [
            {"id": "0", "inventory": [{"warehouse_id": tt.warehouse_id, "quantity": 7}]},
            {"id": sku_id, "inventory": [{"warehouse_id": tt.warehouse_id, "quantity": 8}]},
        ],
    )
    client.update_prices(created.product_id, [{"id": sku_id, "price": {"amount": "189.90", "currency": "BRL"}}])
    client.search_inventory(product_ids=[created.product_id])
    client.deactivate_products([created.product_id, "1"])
    client.activate_products([created.product_id])
    client.delete_products([with_dimensions.product_id])

    sku = CATALOG["products"][0]["skus"][0]["seller_sku"]
    buyer = {"name": "Comprador Teste", "cpf": "39053344705", "email": "c@example.com"}
    order = tt.post("/sandbox/orders", {"items": [{"seller_sku": sku, "quantity": 2}], "buyer": buyer})
    unpaid = tt.post("/sandbox/orders", {"items": [{"seller_sku": sku}], "buyer": buyer, "status": "UNPAID"})
    no_invoice = tt.post(
        "/sandbox/orders",
        {"items": [{"seller_sku": sku}], "buyer": buyer, "shipping_type": "SELLER", "need_upload_invoice": False},
    )
    client.search_orders(page_size=10)
    client.get_order_details([order["id"], unpaid["id"], no_invoice["id"]])
    package_id = order["packages"][0]["id"]
    client.search_packages(page_size=10)
    client.get_package(package_id)
    slots = client.get_handover_time_slots(package_id)
    client.upload_invoice(package_id, ["1"], NFE)  # item error
    client.upload_invoice(package_id, [order["id"]], NFE)
    client.get_order_details([order["id"]])
    client.ship_package(package_id, handover_method="PICKUP", pickup_slot=slots["pickup_slots"][0])
    client.ship_package(
        no_invoice["packages"][0]["id"],
        self_shipment={"tracking_number": "AA123456789BR", "shipping_provider_id": "7117858858072016686"},
    )
    client.get_shipping_providers(no_invoice["delivery_option_id"])
    client.update_shipping_info(no_invoice["packages"][0]["id"], tracking_number="AA123456780BR",
                                shipping_provider_id="7117859084333745966")
    client.get_package(package_id)
    client.get_shipping_document(package_id, "SHIPPING_LABEL")
    tt.post(f"/sandbox/orders/{order['id']}/status", {"status": "DELIVERED"})
    client.get_tracking(order["id"])
    client.get_order_details([order["id"], no_invoice["id"]])
    client.search_packages(page_size=10)

    cancel_me = tt.post("/sandbox/orders", {"items": [{"seller_sku": sku}], "buyer": buyer})
    request = tt.post(f"/sandbox/orders/{cancel_me['id']}/cancellations", {"reason": "Comprei errado"})
    client.search_cancellations()
    client.reject_cancellation(request["cancel_id"], "ORDER_ALREADY_SHIPPED", comment="já enviado")
    again = tt.post(f"/sandbox/orders/{cancel_me['id']}/cancellations", {})
    client.approve_cancellation(again["cancel_id"])
    seller = tt.post("/sandbox/orders", {"items": [{"seller_sku": sku}], "buyer": buyer})
    client.cancel_order(seller["id"], "OUT_OF_STOCK")
    client.search_cancellations()
    client.get_order_details([cancel_me["id"], seller["id"]])
    refund = tt.post(f"/sandbox/orders/{order['id']}/returns", {"return_type": "RETURN_AND_REFUND"})
    other = tt.post(f"/sandbox/orders/{order['id']}/returns", {"return_type": "REFUND"})
    client.search_returns(page_size=10)
    client.approve_return(refund["return_id"], "APPROVE_RETURN")
    client.reject_return(other["return_id"], "Produto usado", "REJECT_REFUND")
    client.search_returns(page_size=10)

    client.update_webhook("ORDER_STATUS_CHANGE", "https://hooks.example.com/tiktok")
    client.get_webhooks()
    client.delete_webhook("ORDER_STATUS_CHANGE")
    client.get_webhooks()
    return recorder
