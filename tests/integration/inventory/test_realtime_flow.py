"""Near-real-time stock and price (issue 16) end to end in-process: the VTEX sandbox notifies the affiliate's
search endpoint, which forwards to the real intake handler (moto queue), the worker's batch runs the stock and
price fetch steps, the update functions call the TikTok sandbox. And the nightly run repairing a lost one."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from flask import Flask, request
from prices import handler as price_handler
from stock import handler as stock_handler

from events import vtex_notifications
from local.httpserver import serve_in_thread
from tiktok_vtex.notifications.token import notification_endpoint
from tiktok_vtex.sync_functions import handling


@pytest.fixture
def realtime(world: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from notifications import handler, worker

    from tiktok_vtex.settings import get_settings

    for key, value in world.stack.function_environment("VtexNotificationFunction").items():
        if key.startswith("VTEX_NOTIFICATION"):
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    handler.intake.cache_clear()
    worker.realtime.cache_clear()
    app = Flask("search_endpoint_forwarder")
    answers: list[int] = []

    @app.post("/vtex/notification/<client_hash>/<token>/<path:rest>")
    def forward(client_hash: str, token: str, rest: str) -> tuple[str, int]:
        event = vtex_notifications.http_event(client_hash, token, request.get_data(), rest=rest)
        answer = handler.lambda_handler(event, _Context())
        answers.append(answer["statusCode"])
        return answer["body"], answer["statusCode"]

    base_url, stop = serve_in_thread(app)
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(
        SecretId=get_settings().app_secret_name)["SecretString"])["internal_webhook_secret"]
    endpoint = notification_endpoint(base_url, world.client_hash, secret)
    env = _stack_env()
    vtex_headers = {"X-VTEX-API-AppKey": env["VTEX_APP_KEY"], "X-VTEX-API-AppToken": env["VTEX_APP_TOKEN"]}
    account = env["VTEX_ACCOUNT"]
    world.http.put(f"{world.vtex.base_url}/{account}/api/fulfillment/pvt/affiliates/TTK", headers=vtex_headers,
                   json={"name": "TikTok Shop", "salesChannel": "1", "followUpEmail": "ops@example.com",
                         "searchURIEndpoint": endpoint, "searchURIEndpointVersion": "1.x.x"}).raise_for_status()
    try:
        yield type("Realtime", (), {"handler": handler, "worker": worker, "answers": answers})
    finally:
        stop()
        handler.intake.cache_clear()
        worker.realtime.cache_clear()


class _Context:
    function_name = "VTEX-notificacao"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:VTEX-notificacao"
    aws_request_id = "req"


def _stack_env() -> dict[str, str]:
    from local.env import stack_env

    return dict(stack_env())


def wait_notified(world: Any, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = world.http.get(f"{world.vtex.base_url}/sandbox/state/notifications").json()
        if state["delivered"] + state["dropped"] >= count and state["pending"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError(state)


def vtex_calls(world: Any) -> dict[str, int]:
    return httpx.get(f"{world.vtex.base_url}/sandbox/calls").json()["calls"]


def full_stock_sync(world: Any) -> None:
    world.invoke(stock_handler, {"type": "triggerPrepareStock", "clientHash": world.client_hash})
    world.deliver(stock_handler, "StockFetchQueue", batch_size=5)
    world.deliver(stock_handler, "StockUpdateQueue")


def test_stock_and_price_changed_in_vtex_reach_tiktok_without_a_trigger(world: Any, realtime: Any) -> None:
    stocked, priced = world.skus[0], world.skus[1]
    world.http.delete(f"{world.vtex.base_url}/sandbox/calls")
    world.set_vtex_stock(stocked["id"], 31)
    world.http.put(f"{world.vtex.base_url}/sandbox/prices",
                   json={"sku_id": priced["id"], "selling_price": "123.40"}).raise_for_status()
    wait_notified(world, 2)
    # a delivery slower than the sandbox's 5 s timeout is sent again (as VTEX does): both are merged below
    assert len(realtime.answers) >= 2 and set(realtime.answers) == {200}
    [answer] = world.deliver(realtime.worker, "VtexNotificationQueue", batch_size=500)
    assert answer == {"batchItemFailures": []}
    calls = vtex_calls(world)
    assert calls.get("inventory_item") == 1 and calls.get("computed_price") == 1  # only what changed
    assert world.deliver(stock_handler, "StockUpdateQueue") == [{"batchItemFailures": []}]
    assert world.deliver(price_handler, "PriceUpdateQueue") == [{"batchItemFailures": []}]
    assert world.tiktok_sku(stocked["tiktok_sku_id"])["inventory"][0]["quantity"] == 31
    assert world.tiktok_sku(priced["tiktok_sku_id"])["price"]["sale_price"] in ("123.40", "123.4")


def test_removed_from_the_affiliate_zeroes_tiktok_stock(world: Any, realtime: Any) -> None:
    sku = world.skus[2]
    full_stock_sync(world)
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] > 0
    world.http.post(f"{world.vtex.base_url}/sandbox/notifications/emit", json={"sku_id": sku["id"], "removed": True})
    wait_notified(world, 1)
    world.deliver(realtime.worker, "VtexNotificationQueue", batch_size=500)
    world.deliver(stock_handler, "StockUpdateQueue")
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] == 0


def test_a_lost_notification_is_repaired_by_the_nightly_run(world: Any, realtime: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    full_stock_sync(world)
    sku = world.skus[3]
    world.http.post(f"{world.vtex.base_url}/sandbox/notifications/config", json={"drop_rate": 1.0})
    world.set_vtex_stock(sku["id"], 2)
    wait_notified(world, 1)
    assert world.drain("VtexNotificationQueue") == []  # VTEX never sent it
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] != 2
    recorded: list[tuple[str, float]] = []
    real = handling.metrics.add_metric
    monkeypatch.setattr(handling.metrics, "add_metric", lambda name, unit, value: (
        recorded.append((name, value)), real(name=name, unit=unit, value=value))[1])
    world.invoke(stock_handler, {"type": "triggerPrepareStockAllClients"})
    # issue 19: the nightly queues the client's triggerPrepareStock; its run queues the SKU batches
    assert world.deliver(stock_handler, "StockFetchQueue", batch_size=5) == [{"batchItemFailures": []}]
    world.deliver(stock_handler, "StockFetchQueue", batch_size=5)
    world.deliver(stock_handler, "StockUpdateQueue")
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] == 2
    assert sum(v for n, v in recorded if n == "StockReconcileOutOfDate") == 1  # the one the notification missed
