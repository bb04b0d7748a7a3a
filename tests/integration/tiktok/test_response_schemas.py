"""Every sandbox response the connector's client reads matches TikTok's documented schema
(tests/contract/tiktok_schemas.py: strict types, no unknown field) and carries no null: an optional
field that does not apply is absent. One flow (shape_flow.py) calls every endpoint of the version table."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.contract.tiktok_schemas import SCHEMAS, Envelope
from tiktok_vtex.clients.tiktok.versions import API_VERSIONS

from .conftest import CATALOG, Env
from .shape_flow import Recorder, run_flow
from .test_orders_fulfillment import NFE


def _nulls(value: Any, path: str = "data") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in _nulls(v, f"{path}[{i}]")]
    return []


@pytest.fixture
def recorded(tt: Env) -> Recorder:
    clients: list[httpx.Client] = []

    def factory(recorder: Recorder) -> httpx.Client:
        clients.append(httpx.Client(timeout=10, event_hooks={"response": [recorder.hook]}))
        return clients[-1]

    try:
        return run_flow(tt, factory)
    finally:
        for client in clients:
            client.close()


def test_every_endpoint_of_the_table_has_a_schema_and_was_exercised(recorded: Recorder) -> None:
    assert set(API_VERSIONS) <= set(SCHEMAS)
    assert sorted(set(SCHEMAS) - set(recorded.responses)) == []


def test_every_response_matches_its_schema_and_has_no_null(recorded: Recorder) -> None:
    failures = []
    for key, envelopes in recorded.responses.items():
        model = SCHEMAS[key]
        for envelope in envelopes:
            Envelope.model_validate(envelope)
            data = envelope.get("data", {})
            nulls = _nulls(data)
            if nulls:
                failures.append(f"{key}: null at {nulls[:3]}")
            try:
                model.model_validate(data)
            except ValidationError as error:  # collected, reported together
                failures.append(f"{key}: {error}")
    assert failures == []


def test_documented_shapes_the_issue_names(recorded: Recorder) -> None:
    products = [e["data"] for e in recorded.responses[("GET", "/product/{version}/products/{product_id}")]]
    assert all("brand_id" not in p for p in products)
    assert any("brand" in p for p in products) and any("brand" not in p for p in products)
    assert any("package_dimensions" in p for p in products) and any("package_dimensions" not in p for p in products)
    states = {
        o["need_upload_invoice"]
        for e in recorded.responses[("GET", "/order/{version}/orders")]
        for o in e["data"]["orders"]
    }
    assert states == {"NEED_INVOICE", "NO_NEED", "INVOICE_UPLOADED"}


def test_a_null_or_an_unknown_field_fails_the_schema() -> None:
    from tests.contract.tiktok_schemas import Order, Product

    with pytest.raises(ValidationError):
        Product.model_validate({"id": "1", "brand_id": "2"})
    order = {"need_upload_invoice": True}
    with pytest.raises(ValidationError) as info:
        Order.model_validate(order)
    assert any(e["loc"] == ("need_upload_invoice",) for e in info.value.errors())
    assert _nulls({"a": [{"b": None}]}) == ["data.a[0].b"]


def test_need_upload_invoice_follows_the_package_invoice(seeded: Env) -> None:
    client = seeded.client()
    sku = CATALOG["products"][0]["skus"][0]["seller_sku"]
    order = seeded.post("/sandbox/orders", {"items": [{"seller_sku": sku}], "need_upload_invoice": "NEED_INVOICE"})
    assert order["need_upload_invoice"] == "NEED_INVOICE"
    seeded.post("/sandbox/config", {"invoice_outcome": "PROCESSING"})
    assert client.upload_invoice(order["packages"][0]["id"], [order["id"]], NFE).ok
    assert client.get_order_details([order["id"]])[0]["need_upload_invoice"] == "INVOICE_PROCESSING"
    seeded.post(f"/sandbox/invoices/{order['packages'][0]['id']}/status", {"status": "SUCCESS"})
    assert client.get_order_details([order["id"]])[0]["need_upload_invoice"] == "INVOICE_UPLOADED"
    no_need = seeded.post("/sandbox/orders", {"items": [{"seller_sku": sku}], "need_upload_invoice": "NO_NEED"})
    assert client.get_order_details([no_need["id"]])[0]["need_upload_invoice"] == "NO_NEED"
    bad = seeded.admin.post("/sandbox/orders", json={"items": [{"seller_sku": sku}], "need_upload_invoice": "YES"})
    assert bad.status_code == 400


def test_every_api_endpoint_the_sandbox_serves_has_a_schema() -> None:
    """Each (method, path) the sandbox answers, at every version it serves, is one of SCHEMAS' keys."""
    import re

    from local.tiktok_sandbox.api import ENDPOINTS

    served = {(e.method, re.sub(r"^/(\w+)/20\d{4}/", r"/\1/{version}/", e.template)) for e in ENDPOINTS}
    assert sorted(served - set(SCHEMAS)) == []
