"""Push parsing: every documented type validates; arbitrary JSON is either a Push or a PushError."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from events import generate
from tiktok_vtex.webhooks.models import DATA_MODELS, PushError, parse_push

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)


def test_every_sample_parses_into_its_typed_model() -> None:
    for name, body in generate.sample_pushes().items():
        push = parse_push(body)
        assert push.type == body["type"]
        assert (push.data is not None) == (body["type"] in DATA_MODELS), name
    push = parse_push(generate.vtex_order_created())
    assert push.subject_ids() == {"order_id": generate.ORDER_ID}


def test_numeric_ids_become_strings() -> None:
    push = parse_push(generate.sample_pushes()["type-05-product-status"])
    assert push.subject_ids()["product_id"] == "1729000000000000001"


@given(st.dictionaries(st.sampled_from(["type", "shop_id", "tts_notification_id", "timestamp", "data"]),
                       json_values) | json_values)
def test_arbitrary_json_never_escapes_as_another_error(document: Any) -> None:
    try:
        parse_push(document)
    except PushError as error:
        assert str(error)


@given(st.sampled_from(sorted(DATA_MODELS)), st.dictionaries(st.text(max_size=12), json_values, max_size=5))
def test_arbitrary_data_of_known_types(push_type: int, data: dict[str, Any]) -> None:
    try:
        parse_push({"type": push_type, "shop_id": "1", "data": data})
    except PushError as error:
        assert "data" in str(error) or "shop_id" in str(error)


def test_every_committed_sample_is_current_and_order_triggers_parse() -> None:
    from pydantic import TypeAdapter

    from tiktok_vtex.orders.models import GetOrdersMessage, OrderMessage, ReconcileMessage

    for name, event in generate.all_events().items():
        path = generate.ROOT / f"{name}.json"
        assert path.read_text(encoding="utf-8") == generate.render(event), f"{name}: run python -m events.generate"
    orders = TypeAdapter(OrderMessage)
    for name, event in generate.other_events().items():
        function, case = name.split("/")
        bodies = [json.loads(r["body"]) for r in event["Records"]] if "Records" in event else [event]
        for body in bodies:
            if function == "OrdersFunction" and not case.startswith("bad-"):
                assert orders.validate_python(body).client_hash
            elif function == "OrdersSearchFunction":
                assert GetOrdersMessage.model_validate(body).client_hash
            elif function == "OrdersSweepFunction":
                ReconcileMessage.model_validate(body)
