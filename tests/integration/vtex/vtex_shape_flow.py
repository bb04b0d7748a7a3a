"""A flow through the VTEX endpoints the connector reads (simulation, place order, fulfill, OMS order,
inventory, pricing), recording each sandbox response for the schema tests (test_response_schemas.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.vtex import VtexClient, parse_vtex_credentials

from .test_vtex_orders_oms_hook import CEP, build_order

# (METHOD, path pattern under /{account}) -> the name of the response schema
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/api/(checkout/pub|fulfillment/pvt)/orderForms/simulation$"), "simulation"),
    ("POST", re.compile(r"^/api/fulfillment/pvt/orders$"), "place_order"),
    ("POST", re.compile(r"^/api/fulfillment/pvt/orders/[^/]+/fulfill$"), "fulfill"),
    ("GET", re.compile(r"^/api/oms/pvt/orders/[^/]+$"), "oms_order"),
    ("POST", re.compile(r"^/api/oms/pvt/orders/[^/]+/cancel$"), "oms_receipt"),
    ("POST", re.compile(r"^/api/oms/pvt/orders/[^/]+/invoice$"), "oms_receipt"),
    ("PATCH", re.compile(r"^/api/oms/pvt/orders/[^/]+/invoice/[^/]+$"), "oms_receipt"),
    ("PUT", re.compile(r"^/api/oms/pvt/orders/[^/]+/invoice/[^/]+/tracking$"), "oms_receipt"),
    ("GET", re.compile(r"^/api/logistics/pvt/inventory/skus/\d+$"), "inventory_sku"),
    ("GET", re.compile(r"^/api/logistics/pvt/inventory/items/\d+/warehouses/[^/]+$"), "inventory_item"),
    ("GET", re.compile(r"^/pricing/prices/\d+$"), "price"),
    ("GET", re.compile(r"^/pricing/prices/\d+/computed/[^/]+$"), "computed_price"),
]


@dataclass
class Recorder:
    account: str
    responses: dict[str, list[Any]] = field(default_factory=dict)

    def hook(self, response: httpx.Response) -> None:
        response.read()
        if response.status_code != 200 or not response.content:
            return
        path = response.request.url.path.removeprefix(f"/{self.account}")
        for method, pattern, name in ROUTES:
            if method == response.request.method and pattern.match(path):
                self.responses.setdefault(name, []).append(json.loads(response.content))


def run_flow(sandbox: Any, http: httpx.Client, fake_time: Any) -> None:
    env = sandbox.env
    creds = parse_vtex_credentials(
        {
            "account": env["VTEX_ACCOUNT"],
            "app_key": env["VTEX_APP_KEY"],
            "app_token": env["VTEX_APP_TOKEN"],
            "affiliate_id": env["VTEX_AFFILIATE_ID"],
            "sales_channel": env["VTEX_SALES_CHANNEL"],
            "warehouse_ids": env["VTEX_WAREHOUSE_ID"],
        }
    )
    client = VtexClient(
        creds,
        base_url_template=sandbox.template(),
        pricing_base_url_template=sandbox.template(),
        retry=RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock, rng=lambda: 1.0),
        http=http,
    )
    sandbox.put("/sandbox/inventory", {"sku_id": 880411, "quantity": 0})
    client.simulate([{"id": "880408", "quantity": 1}, {"id": "880411", "quantity": 1}, {"id": "1", "quantity": 1}], CEP)
    client.simulate([{"id": "880408", "quantity": 1}])
    client.get_inventory(880408)
    client.get_inventory(880408, env["VTEX_WAREHOUSE_ID"])
    client.get_inventory_all_warehouses(880409)
    client.get_price(880408)
    client.get_computed_price(880408)
    placed = client.place_order(build_order(client, "576000000000000101", [(880408, 2), (880409, 1)]))
    client.get_order(placed.orderId)
    order = client.get_order(placed.orderId)
    client.authorize_dispatch(placed.orderId, "576000000000000101")
    fake_time.now += 31  # the cancellation window passes
    client.start_handling(placed.orderId)
    invoice = {
        "type": "Output",
        "issuanceDate": "2026-01-10T12:00:00Z",
        "invoiceNumber": "12345",
        "invoiceValue": order.value,
        "invoiceKey": "3" * 44,
        "embeddedInvoice": "<nfeProc><NFe><infNFe Id='NFe3526'/></NFe></nfeProc>",
        "items": [{"id": i.id, "price": i.price, "quantity": i.quantity} for i in order.items],
    }
    client.send_invoice(placed.orderId, invoice)
    client.update_tracking(placed.orderId, "12345", {"trackingNumber": "BR123456789", "courier": "Correios"})
    client.send_tracking_events(placed.orderId, "12345", is_delivered=False, events=[
        {"description": "Em trânsito", "date": "2026-01-11T10:00:00Z", "city": "São Paulo", "state": "SP"}])
    client.get_order(placed.orderId)
    other = client.place_order(build_order(client, "576000000000000102", [(880410, 1)]))
    client.cancel_order(other.orderId, "Comprador desistiu")
    client.get_order(other.orderId)
