"""VTEX side of orders, integrated: the orders flow world (moto in-process, both sandboxes on loopback) plus
VTEX-ORDERHOOK served over HTTP (the VTEX sandbox pings it and delivers the hook to it), VTEX-ORDERS-processor
and ORDERHOOK-MANAGEMENT in-process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from flask import Flask, Response, request

from tests.integration.orders.conftest import FlowWorld, flow, sqs_record  # noqa: F401 (fixture)
from tests.unit.orders.fakes_orders import LambdaContextStub


def gateway_app(hook_handler: Any, marketplace_handler: Any) -> Flask:
    """POST /vtex/orderhook/<client_hash> -> VTEX-ORDERHOOK, POST /vtex/marketplace/... -> VTEX-MARKETPLACE, with
    HTTP API v2 events (what API Gateway does)."""
    from events.generate import http_event

    app = Flask("vtex-orderhook-under-test")

    @app.post("/vtex/marketplace/<path:rest>")
    def marketplace(rest: str) -> Response:
        event = http_event(request.get_data(), {k.lower(): v for k, v in request.headers.items()})
        path = f"/vtex/marketplace/{rest}"
        event.update(rawPath=path, routeKey=f"POST {path}")
        event["requestContext"]["http"]["path"] = path
        answer = marketplace_handler.lambda_handler(event, LambdaContextStub())
        return Response(answer["body"], status=answer["statusCode"], content_type="application/json")

    @app.post("/vtex/orderhook/<client_hash>")
    def orderhook(client_hash: str) -> Response:
        event = http_event(request.get_data(), {k.lower(): v for k, v in request.headers.items()})
        path = f"/vtex/orderhook/{client_hash}"
        event.update(routeKey="POST /vtex/orderhook/{client_hash}", rawPath=path,
                     pathParameters={"client_hash": client_hash})
        event["requestContext"]["http"]["path"] = path
        answer = hook_handler.lambda_handler(event, LambdaContextStub())
        return Response(answer["body"], status=answer["statusCode"], content_type="application/json")

    return app


@dataclass
class VtexWorld:
    flow: FlowWorld
    handlers: dict[str, Any]
    gateway_url: str

    def manage(self, action: str = "configure", client_hash: str | None = None) -> dict[str, Any]:
        answer = self.handlers["management"].lambda_handler(
            {"clientHash": client_hash or self.flow.client_hash, "action": action}, LambdaContextStub())
        return answer

    def hook_state(self) -> Any:
        answer = self.flow.http.get(f"{self.flow.vtex.base_url}/sandbox/state/hook")
        return answer.json()["config"]

    def deliveries(self) -> list[dict[str, Any]]:
        return self.flow.http.get(f"{self.flow.vtex.base_url}/sandbox/state/hook/deliveries").json()["deliveries"]

    def callbacks(self) -> list[dict[str, Any]]:
        return self.flow.http.get(f"{self.flow.vtex.base_url}/sandbox/state/marketplace/deliveries").json()[
            "deliveries"]

    def wait_deliveries(self, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.deliveries()
            if not any(d["pending"] for d in [*found, *self.callbacks()]):
                return found
            time.sleep(0.05)
        raise AssertionError("VTEX sandbox hook deliveries still pending")

    def advance(self, vtex_order_id: str, to: str) -> dict[str, Any]:
        answer = self.flow.http.post(f"{self.flow.vtex.base_url}/sandbox/orders/{vtex_order_id}/advance",
                                     json={"to": to})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def pump(self) -> None:
        """The flow's queues and the VTEX orders queue, into their consumers, until idle."""
        while True:
            self.flow.pump()
            records = self.flow.drain("VtexOrdersQueue")
            for record in records:
                answer = self.handlers["worker"].lambda_handler({"Records": [record]}, LambdaContextStub())
                assert answer == {"batchItemFailures": []}, answer
            if not records:
                return

    def push(self, type_: int, data: dict[str, Any], notification_id: str) -> None:
        """A signed TikTok push to WEBHOOK, retried at once on a non-200 (a loaded machine can make the
        first answer miss the sandbox's timeout; the idempotency layer makes the retry safe)."""
        answer = self.flow.http.post(f"{self.flow.tiktok.base_url}/sandbox/webhooks/push", json={
            "url": self.flow.webhook_url, "type": type_, "shop_id": self.flow.shop_id, "data": data,
            "tts_notification_id": notification_id, "retry": True, "time_scale": 0})
        assert answer.status_code == 200, answer.text
        [attempts] = answer.json()["deliveries"]
        assert attempts[-1]["status"] == 200, attempts

    def invoice_messages(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.flow.drain("InvoiceQueue")]

    def order_record(self, order_id: str) -> dict[str, Any]:
        table = boto3.resource("dynamodb").Table(self.flow.stack.physical_ids["OrdersTable"])
        return table.get_item(Key={"client_hash": self.flow.client_hash, "order_id": order_id}).get("Item", {})


@pytest.fixture
def vtex_world(flow: FlowWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[VtexWorld]:  # noqa: F811
    from orders import wiring as orders_wiring
    from vtex_orders import hook, management, marketplace, worker
    from vtex_orders import wiring as vtex_wiring

    from local.httpserver import serve_in_thread
    from tiktok_vtex.settings import get_settings

    for logical_id in ("VtexOrderHookFunction", "VtexOrdersProcessorFunction", "OrderHookManagementFunction",
                       "VtexMarketplaceFunction"):
        for key, value in flow.stack.function_environment(logical_id).items():
            if key not in ("VTEX_BASE_URL_TEMPLATE", "VTEX_PRICING_BASE_URL_TEMPLATE", "TIKTOK_API_BASE_URL",
                           "TIKTOK_AUTH_BASE_URL", "PUBLIC_BASE_URL"):
                monkeypatch.setenv(key, value)
    base_url, stop = serve_in_thread(gateway_app(hook, marketplace))
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    caches: list[Callable[..., Any]] = [get_settings, hook.intake, hook.once, vtex_wiring.wiring,
                                        orders_wiring.wiring, marketplace.callbacks]
    for cache in caches:
        cache.cache_clear()  # type: ignore[attr-defined]
    yield VtexWorld(flow, {"hook": hook, "worker": worker, "management": management}, base_url)
    stop()
    for cache in caches:
        cache.cache_clear()  # type: ignore[attr-defined]


__all__ = ["VtexWorld", "sqs_record"]
