"""Every VTEX sandbox response the connector reads (simulation, place order, fulfill, OMS order and
receipts, inventory, pricing) matches the reference's schema (tests/contract/vtex_schemas.py: strict
types, no unknown field, cents where VTEX uses cents)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from tests.contract.vtex_schemas import SCHEMAS, OmsOrder, Simulation

from .test_vtex_orders_oms_hook import stocked  # noqa: F401 - the SKUs ordered have stock
from .vtex_shape_flow import Recorder, run_flow


@pytest.fixture
def recorded(sandbox, fake_time) -> Recorder:
    recorder = Recorder(sandbox.env["VTEX_ACCOUNT"])
    with httpx.Client(timeout=10, event_hooks={"response": [recorder.hook]}) as http:
        run_flow(sandbox, http, fake_time)
    return recorder


def test_every_response_the_connector_reads_matches_its_schema(recorded: Recorder) -> None:
    assert sorted(recorded.responses) == sorted(SCHEMAS)  # every schema was exercised
    failures = []
    for name, bodies in recorded.responses.items():
        for body in bodies:
            try:
                SCHEMAS[name].model_validate(body)
            except ValidationError as error:  # collected, reported together
                failures.append(f"{name}: {error}")
    assert failures == []
    assert len(recorded.responses["oms_receipt"]) >= 4  # cancel, invoice, tracking update, tracking events
    invoiced = [OmsOrder.model_validate(o) for o in recorded.responses["oms_order"]]
    assert any(o.packageAttachment.packages for o in invoiced)  # the invoice package shape was checked


def test_the_schemas_refuse_what_vtex_does_not_send() -> None:
    with pytest.raises(ValidationError):  # decimals where simulation uses cents
        Simulation.model_validate(
            {
                "items": [{"id": "1", "price": 14.99}],
                "logisticsInfo": [],
                "messages": [],
                "totals": [],
                "pickupPoints": [],
                "postalCode": None,
                "country": None,
                "allowMultipleDeliveries": True,
            }
        )
    with pytest.raises(ValidationError):  # an int SKU id in an order
        SCHEMAS["oms_receipt"].model_validate({"date": "x", "orderId": 1, "receipt": "r"})
