"""The committed samples of the VTEX side of orders are current and say what they claim."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from events import vtex_orders
from events.generate import render
from tiktok_vtex.vtex_orders.callback_auth import verified_client
from tiktok_vtex.vtex_orders.hook_config import HookConfigMessage
from tiktok_vtex.vtex_orders.models import HookNotification, VtexHookMessage


def test_committed_samples_are_current() -> None:
    for name, event in vtex_orders.vtex_order_events().items():
        path = vtex_orders.ROOT / f"{name}.json"
        assert path.read_text(encoding="utf-8") == render(event), f"{name}: run python -m events.vtex_orders"


def test_samples_parse_and_refusals_are_refusals(stack_env: dict[str, str]) -> None:
    events = vtex_orders.vtex_order_events()
    for name, event in events.items():
        function, case = name.split("/")
        if function == "OrderHookManagementFunction":
            if case.startswith("bad-"):
                with pytest.raises(ValidationError):
                    HookConfigMessage.model_validate(event)
            else:
                assert HookConfigMessage.model_validate(event).action == case
        elif function == "VtexOrdersProcessorFunction":
            assert all(VtexHookMessage.model_validate(json.loads(r["body"])) for r in event["Records"])
        elif function == "VtexOrderHookFunction" and case.startswith("delivery"):
            assert HookNotification.model_validate(json.loads(event["body"])).OrderId.endswith("-01")
        elif function == "VtexMarketplaceFunction":
            segment = event["pathParameters"]["client_hash"]
            client = verified_client(segment, stack_env["INTERNAL_WEBHOOK_SECRET"])
            assert (client is None) == case.startswith("bad-"), name
    text = json.dumps(events)
    for key in ("INTERNAL_WEBHOOK_SECRET", "TIKTOK_APP_SECRET", "VTEX_APP_TOKEN", "VTEX_APP_KEY"):
        assert stack_env[key] not in text
