"""Concurrency (issue 10, "Suites"): 20 concurrent deliveries of the same push cause one effect.

Each stage runs its real logic in 20 threads at once against moto (conditional writes made atomic per item,
as DynamoDB does): the WEBHOOK hot path (`intake().handle`, Powertools idempotency) gets the same signed push
20 times; the WEBHOOK-processor's record handler gets the queued message 20 times (SQS delivers at least
once, and a redelivery can overlap the first delivery); the orders function's record handler gets every
create message at once, 20 times over. The one effect: one queue message, one ledger row, one VTEX order,
authorized once. (The stack-level probe of local/chaos sends the same 20 deliveries over HTTP.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from tests.integration.orders.conftest import FlowWorld, LambdaContextStub, sqs_record
from tiktok_vtex.repositories.orders import OrderRepository, SyncState

DELIVERIES = 20


def _at_once(work: Callable[[int], Any], count: int = DELIVERIES) -> list[Any]:
    """`work(i)` in `count` threads released together; exceptions are returned, not raised."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # the test inspects what each delivery got
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _signed_push(flow: FlowWorld, order: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps({"type": 1, "tts_notification_id": f"7311{order['id'][-12:]}", "shop_id": flow.shop_id,
                      "timestamp": int(time.time()),
                      "data": {"order_id": order["id"], "order_status": order["status"], "is_on_hold_order": False,
                               "update_time": order["update_time"]}}, separators=(",", ":")).encode()
    env = flow.stack_env
    signature = hmac.new(env["TIKTOK_APP_SECRET"].encode(), env["TIKTOK_APP_KEY"].encode() + raw,
                         hashlib.sha256).hexdigest()
    return raw, {"authorization": signature, "content-type": "application/json"}


def test_twenty_concurrent_deliveries_of_one_push_cause_one_effect(flow: FlowWorld) -> None:
    from orders import handler as orders_handler
    from webhook import handler as webhook_handler
    from webhook import worker

    skus = [s["seller_sku"] for s in flow.catalog["products"][0]["skus"]]
    # warm every cached client once (as a warm container would be): boto3's default session is not
    # thread-safe while it creates clients, and that is not what this test is about
    warm = flow.create_order([(skus[1], 1)])
    flow.push(1, {"order_id": warm["id"], "order_status": warm["status"], "is_on_hold_order": False,
                  "update_time": warm["update_time"]})
    flow.pump()
    assert len(flow.vtex_orders(warm["id"])) == 1

    order = flow.create_order([(skus[0], 1)])
    raw, headers = _signed_push(flow, order)
    intake = webhook_handler.intake()
    answers = _at_once(lambda _i: intake.handle(raw, headers))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses  # 409: "being handled, retry later"
    queued = flow.drain("WebhookQueue")
    assert len(queued) == 1  # one push, one queue message

    # each delivery as Lambda makes it: a one-record SQS batch through the function (Powertools' parser)
    answers = _at_once(lambda _i: worker.lambda_handler({"Records": [queued[0]]}, LambdaContextStub()))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert all(a == {"batchItemFailures": []} for a in answers), answers
    ledger = boto3.resource("dynamodb").Table(flow.stack.physical_ids["WebhookEventsTable"]).query(
        KeyConditionExpression=Key("shop_id").eq(flow.shop_id))["Items"]
    assert len([e for e in ledger if order["id"] in json.dumps(e, default=str)]) == 1

    creates = flow.drain("OrdersQueue")
    assert creates and all(json.loads(r["body"])["orderId"] == order["id"] for r in creates)
    deliveries = [creates[i % len(creates)] for i in range(DELIVERIES)]  # every create message, 20 times in all
    outcomes = _at_once(lambda i: orders_handler.lambda_handler({"Records": [sqs_record(deliveries[i]["body"])]},
                                                                LambdaContextStub()))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert all(o == {"batchItemFailures": []} for o in outcomes), outcomes
    flow.pump()
    [vtex_order] = flow.vtex_orders(order["id"])  # one VTEX order
    record = OrderRepository(flow.stack.physical_ids["OrdersTable"]).get(flow.client_hash, order["id"])
    assert record is not None and record.sync_state == SyncState.AUTHORIZED
    assert record.vtex_order == vtex_order["orderId"]
    assert vtex_order["status"] != "waiting-ffmt-authorization"
