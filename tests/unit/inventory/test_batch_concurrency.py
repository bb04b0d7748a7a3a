"""The update functions handle the records of one SQS batch at once (FIFO per shop: one container holds the
shop's whole 50 QPS; template.yaml SYNC_BATCH_CONCURRENCY), failures still reported per record."""

from __future__ import annotations

import json
import threading
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from stock.handler import STOCK

from tiktok_vtex.inventory.models import UPDATE_INVENTORY
from tiktok_vtex.sync_functions.handling import ConcurrentBatchProcessor, message_parser


def record(message_id: str, client: str) -> dict[str, Any]:
    body = {"type": UPDATE_INVENTORY, "clientHash": client, "productId": "p",
            "skus": [{"sellerSku": f"sku-{message_id}", "tiktokSkuId": "1", "readAtMs": 1,
                      "inventory": [{"warehouseIdTTK": "w1", "quantity": 3}]}]}
    return {"messageId": message_id, "receiptHandle": "rh", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1735700000000", "SenderId": "x",
                           "ApproximateFirstReceiveTimestamp": "1735700000000", "MessageGroupId": client},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q.fifo", "awsRegion": "us-east-1"}


def processor(workers: int) -> ConcurrentBatchProcessor:
    parser = message_parser(STOCK)
    return ConcurrentBatchProcessor(parser, parser.record_model(), raise_on_entire_batch_failure=False,
                                    workers=lambda: workers)


def test_the_records_of_a_batch_run_at_once_and_fail_alone() -> None:
    # Every handler waits until all 4 are in flight: one after another would break the barrier (timeout).
    barrier = threading.Barrier(4, timeout=5)
    seen: list[str] = []

    def handle(record: Any) -> None:  # Powertools passes `record=`
        barrier.wait()
        seen.append(record.body.skus[0].seller_sku)
        if record.messageId == "m2":
            raise RuntimeError("TikTok throttled this shop")

    records = [record(f"m{i}", "shop-a" if i % 2 else "shop-b") for i in range(4)]
    answer = process_partial_response(event={"Records": records}, processor=processor(10), record_handler=handle)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert sorted(seen) == ["sku-m0", "sku-m1", "sku-m2", "sku-m3"]


def test_one_worker_keeps_records_in_order() -> None:
    seen: list[str] = []
    records = [record(f"m{i}", "shop-a") for i in range(5)]
    batch = processor(1)
    process_partial_response(event={"Records": records}, processor=batch,
                             record_handler=lambda record: seen.append(record.messageId))
    assert batch.exceptions == []
    assert seen == ["m0", "m1", "m2", "m3", "m4"]


