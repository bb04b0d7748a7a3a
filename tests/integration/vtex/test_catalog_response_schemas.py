"""The VTEX sandbox's catalog, affiliate and orders-hook responses the connector reads (SKU ids, SKU context,
SKU files, product, brand list, category tree, affiliate, hook config) match the reference's schemas
(tests/contract/vtex_catalog_schemas.py), read through the connector's own client. With
test_response_schemas.py this covers every VTEX sandbox route whose response the connector reads."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.contract.vtex_catalog_schemas import CATALOG_SCHEMAS, SkuContext
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.vtex import VtexClient, parse_vtex_credentials

ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/api/catalog_system/pvt/sku/stockkeepingunitids$"), "sku_ids"),
    ("GET", re.compile(r"^/api/catalog_system/pvt/sku/stockkeepingunitbyid/\d+$"), "sku_context"),
    ("GET", re.compile(r"^/api/catalog/pvt/stockkeepingunit/\d+/file$"), "sku_files"),
    ("GET", re.compile(r"^/api/catalog/pvt/product/\d+$"), "product"),
    ("GET", re.compile(r"^/api/catalog_system/pvt/brand/list$"), "brands"),
    ("GET", re.compile(r"^/api/catalog_system/pub/category/tree/\d+$"), "category_tree"),
    ("GET", re.compile(r"^/api/fulfillment/pvt/affiliates/[^/]+$"), "affiliate"),
    ("GET", re.compile(r"^/api/orders/hook/config$"), "hook_config"),
    ("POST", re.compile(r"^/api/orders/hook/config$"), "hook_config"),
]


@pytest.fixture
def recorded(sandbox: Any, fake_time: Any, hook_receiver: Any) -> dict[str, list[Any]]:
    env = sandbox.env
    responses: dict[str, list[Any]] = {}

    def hook(response: httpx.Response) -> None:
        response.read()
        if response.status_code != 200 or not response.content:
            return
        path = response.request.url.path.removeprefix(f"/{env['VTEX_ACCOUNT']}")
        for method, pattern, name in ROUTES:
            if method == response.request.method and pattern.match(path):
                responses.setdefault(name, []).append(json.loads(response.content))

    creds = parse_vtex_credentials({
        "account": env["VTEX_ACCOUNT"], "app_key": env["VTEX_APP_KEY"], "app_token": env["VTEX_APP_TOKEN"],
        "affiliate_id": env["VTEX_AFFILIATE_ID"], "sales_channel": env["VTEX_SALES_CHANNEL"],
        "warehouse_ids": env["VTEX_WAREHOUSE_ID"]})
    with httpx.Client(timeout=10, event_hooks={"response": [hook]}) as http:
        client = VtexClient(creds, base_url_template=sandbox.template(), pricing_base_url_template=sandbox.template(),
                            retry=RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock, rng=lambda: 1.0),
                            http=http)
        ids = client.list_sku_ids(1, 50)
        for sku_id in ids[:12]:  # products with and without images, several brands and categories
            context = client.get_sku_context(sku_id, env["VTEX_SALES_CHANNEL"])
            client.get_sku_files(sku_id)
            client.get_product(context.ProductId)
        client.list_brands()
        client.get_category_tree(3)
        client.put_affiliate(env["VTEX_AFFILIATE_ID"], {
            "name": "TikTok Shop", "salesChannel": env["VTEX_SALES_CHANNEL"], "followUpEmail": "ops@example.com",
            "searchURIEndpoint": "https://connector.example/vtex/notification", "searchURIEndpointVersion": "1.x.x",
            "searchURIEndpointAvailableVersions": ["1.x.x"], "useSellerPaymentMethod": False,
            "minimumValueAccumulated": None})
        client.get_affiliate(env["VTEX_AFFILIATE_ID"])
        client.set_orders_hook(hook_receiver.url, ["invoiced", "canceled"],
                               headers={"X-Connector-Hook-Secret": "x" * 20})
        client.get_orders_hook()
    return responses


def test_every_catalog_affiliate_and_hook_response_matches_its_schema(recorded: dict[str, list[Any]]) -> None:
    assert sorted(recorded) == sorted(CATALOG_SCHEMAS)  # every schema was exercised
    failures = []
    for name, bodies in recorded.items():
        for body in bodies:
            try:
                CATALOG_SCHEMAS[name].model_validate(body)
            except ValidationError as error:  # collected, reported together
                failures.append(f"{name}: {error}")
    assert failures == []
    assert len(recorded["sku_context"]) == 12


def test_the_catalog_schemas_refuse_what_vtex_does_not_send(recorded: dict[str, list[Any]]) -> None:
    context = recorded["sku_context"][0]
    for broken in ({**context, "BrandId": int(context["BrandId"])},  # a string in the SKU context
                   {**context, "Dimension": None},
                   {**context, "brand_id": "1"},
                   {k: v for k, v in context.items() if k != "ImageUrl"}):  # nullable, but present
        with pytest.raises(ValidationError):
            SkuContext.model_validate(broken)
    brand = recorded["brands"][0][0]
    with pytest.raises(ValidationError):
        CATALOG_SCHEMAS["brands"].model_validate([{**brand, "id": str(brand["id"])}])


# VTEX sandbox routes whose response the connector does not read (so no schema test): writes answering 204 or
# a body the client ignores, and reads only the sandbox's admin or other clients use.
NOT_READ = {
    ("GET", "/api/catalog/pvt/stockkeepingunit/<sku_id>"): "the SKU context is read instead",
    ("GET", "/api/catalog/pvt/stockkeepingunit/<sku_id>/ean"): "EANs come in the SKU context",
    ("GET", "/api/catalog_system/pvt/products/GetProductAndSkuIds"): "SKU ids are listed with stockkeepingunitids",
    ("GET", "/api/fulfillment/pvt/affiliates"): "the affiliate is read by id",
    ("DELETE", "/api/fulfillment/pvt/affiliates/<affiliate_id>"): "204",
    ("PUT", "/api/fulfillment/pvt/affiliates/<affiliate_id>"): "204",
    ("GET", "/api/logistics/pvt/configuration/warehouses"): "warehouses come from the client's credentials",
    ("PUT", "/api/logistics/pvt/inventory/skus/<sku_id>/warehouses/<warehouse_id>"): "seller-side write (demo/ERP)",
    ("GET", "/api/oms/pvt/orders"): "orders are read by id",
    ("POST", "/api/oms/pvt/orders/<order_id>/start-handling"): "204",
    ("DELETE", "/api/orders/hook/config"): "no body read",
    ("PUT", "/pricing/prices/<sku_id>"): "seller-side write (demo/ERP)",
    ("GET", "/pricing/prices/<sku_id>/computed"): "the computed price is read per trade policy",
}


def test_every_vtex_sandbox_route_is_schema_tested_or_not_read(sandbox: Any) -> None:
    from tests.integration.vtex.vtex_shape_flow import ROUTES as FLOW_ROUTES

    patterns = [(m, p) for m, p, _ in [*FLOW_ROUTES, *ROUTES]]
    unchecked, served = [], set()
    for rule in sandbox.app.url_map.iter_rules():
        if rule.rule.startswith("/sandbox") or rule.endpoint == "static":
            continue
        path = rule.rule.removeprefix("/<account>")
        example = re.sub(r"<(?:int:)?[a-z_]+>", "1", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            served.add((method, path))
            if (method, path) in NOT_READ:
                continue
            if not any(m == method and p.match(example) for m, p in patterns):
                unchecked.append(f"{method} {path}")
    assert unchecked == []
    assert sorted(set(NOT_READ) - served) == []  # no stale entry
