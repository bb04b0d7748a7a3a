"""The stock functions end to end: moto (queues, tables, secrets) + VTEX and TikTok sandboxes."""

from __future__ import annotations

import json
from typing import Any

import boto3
from stock import handler

from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository
from tiktok_vtex.settings import get_settings
from tiktok_vtex.sync_functions import handling

INVENTORY = "/inventory/update"


def full_sync(world: Any, **extra: Any) -> list[dict[str, Any]]:
    answer = world.invoke(handler, {"type": "triggerPrepareStock", "clientHash": world.client_hash, **extra})
    assert answer["statusCode"] == 200 and answer["body"]["status"] == "ok", answer
    fetch = world.deliver(handler, "StockFetchQueue", batch_size=5)
    assert all(r == {"batchItemFailures": []} for r in fetch), fetch
    return world.deliver(handler, "StockUpdateQueue")


def test_full_sync_then_unchanged_rerun_then_one_changed_sku(world: Any) -> None:
    updates = full_sync(world)
    assert all(r == {"batchItemFailures": []} for r in updates)
    products = len(world.catalog["products"])
    assert world.calls(INVENTORY) == products  # one TikTok call per product, not per SKU
    first = world.skus[0]
    expected = sum(first["stock"].values())
    assert world.tiktok_sku(first["tiktok_sku_id"])["inventory"][0]["quantity"] == expected

    # unchanged: no update message, no TikTok call
    full_sync(world)
    assert world.calls(INVENTORY) == products

    # one SKU changes in VTEX: exactly one call, carrying only that SKU
    changed, untouched = world.skus[6], world.skus[7]
    before_untouched = world.tiktok_sku(untouched["tiktok_sku_id"])["inventory"][0]["quantity"]
    world.set_vtex_stock(changed["id"], 42)
    full_sync(world)
    assert world.calls(INVENTORY) == products + 1
    assert world.tiktok_sku(changed["tiktok_sku_id"])["inventory"][0]["quantity"] == 42
    assert world.tiktok_sku(untouched["tiktok_sku_id"])["inventory"][0]["quantity"] == before_untouched

    settings = get_settings()
    row = ProductRepository(settings.tables.products_seller_sku).get(world.client_hash, changed["seller_sku"])
    assert row is not None and row.stock_sent == {world.warehouse: 42} and row.stock_read_at_ms
    logged = [e for e in LogRepository(settings.tables.log_stock).entries(world.client_hash)
              if e["kind"] == "stock_update" and e["subject"] == changed["seller_sku"]]
    assert [e["quantities"] for e in logged][-1] == {world.warehouse: 42}

    # force resends everything
    full_sync(world, force=True)
    assert world.calls(INVENTORY) == 2 * products + 1


def test_single_sku_trigger_goes_through_the_shops_fifo_group(world: Any) -> None:
    """Changed in issue 19: the legacy path invoked the TikTok function directly, beside the shop's FIFO
    group (one more container calling TikTok for the shop); now its update joins the group."""
    sku = world.skus[0]
    answer = world.invoke(handler, {"type": "triggerPepareSkuStock", "clientHash": world.client_hash,
                                    "sku": sku["seller_sku"]})
    assert answer["body"]["messages"] == 1
    record = world.only_message("StockUpdateQueue")
    assert world.invoke(handler, {"Records": [record]}) == {"batchItemFailures": []}
    assert world.calls(INVENTORY) == 1


def test_a_repeated_fetch_request_after_the_first_was_read_is_read_again(world: Any) -> None:
    """The fetch queue is FIFO (issue 19). A fetch message is a request ("read these SKUs"), so an identical one
    queued after the first was read (a second catalog change, a second notification) must be read again. With a
    deduplication id from the body SQS drops it for 5 minutes (moto models this while the first is still in the
    queue, i.e. in flight: Lambda deletes it only after the handler returned) and the second change is lost."""
    from .conftest import sqs_record

    sku = world.skus[0]
    request = {"type": "triggerPepareSkuStockBatch", "clientHash": world.client_hash, "sku": [sku["seller_sku"]]}
    fetch = handling.wiring().queue("SQS_BUSCA_ESTOQUE")  # what every sender to the fetch queue uses
    assert fetch.fifo
    sqs, url = boto3.client("sqs"), world.queue_url("StockFetchQueue")
    fetch.send([request])
    [first] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert first["Attributes"]["MessageGroupId"] == world.client_hash
    world.set_vtex_stock(sku["id"], 41)
    assert world.invoke(handler, {"Records": [sqs_record(first["Body"], first["MessageId"])]}) == {
        "batchItemFailures": []}  # read 41
    world.set_vtex_stock(sku["id"], 42)
    fetch.send([request])  # the second change's request, while the first is still in flight
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # Lambda deletes after the handler
    assert world.deliver(handler, "StockFetchQueue") == [{"batchItemFailures": []}], "the second request was lost"
    assert all(r == {"batchItemFailures": []} for r in world.deliver(handler, "StockUpdateQueue"))
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] == 42


def test_the_nightly_continuation_has_a_group_of_its_own_on_the_fifo_fetch_queue(world: Any) -> None:
    """The continuation names no client: it goes to the `nightly` group instead of being refused."""
    fetch = handling.wiring().queue("SQS_BUSCA_ESTOQUE")
    fetch.send([{"type": "triggerPrepareStockAllClients", "force": True, "cursor": world.client_hash}])
    sqs = boto3.client("sqs")
    [message] = sqs.receive_message(QueueUrl=world.queue_url("StockFetchQueue"), AttributeNames=["All"])["Messages"]
    assert message["Attributes"]["MessageGroupId"] == "nightly"


def test_batch_reports_only_the_malformed_record_as_failed(world: Any) -> None:
    from .conftest import sqs_record

    good = sqs_record(json.dumps({"type": "triggerPepareSkuStockBatch", "clientHash": world.client_hash,
                                  "sku": [world.skus[0]["seller_sku"], "999999"]}), "good")
    bad = sqs_record(json.dumps({"type": "triggerPepareSkuStockBatch", "clientHash": world.client_hash}), "bad")
    not_json = sqs_record("{nope", "notjson")
    unknown = sqs_record(json.dumps({"type": "triggerPepareSkuStockBatch", "clientHash": "nobody",
                                     "sku": ["1"]}), "unknown-client")
    answer = world.invoke(handler, {"Records": [good, bad, not_json, unknown]})
    assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == ["bad", "notjson"]
    # the good record still produced its update (the SKU missing in VTEX did not block it)
    assert len(world.drain("StockUpdateQueue")) == 1
    settings = get_settings()
    kinds = {e["kind"] for e in LogRepository(settings.tables.log_stock).entries("nobody")}
    assert kinds == {"client_unavailable"}


def test_vtex_429_with_retry_after_is_honoured(world: Any) -> None:
    world.http.post(f"{world.vtex.base_url}/sandbox/faults",
                    json={"route": "inventory_item", "fail_next": [{"status": 429, "retry_after": 0}] * 2})
    sku = world.skus[0]["seller_sku"]
    answer = world.invoke(handler, {"type": "triggerPepareSkuStockBatch", "clientHash": world.client_hash,
                                    "sku": [sku]})
    assert answer["body"]["failed"] == 0 and answer["body"]["messages"] == 1
    from tiktok_vtex.sync_functions.wiring import wiring

    assert wiring().gate.throttled == 2


def test_deauthorized_client_is_recorded_and_not_retried(world: Any) -> None:
    from tiktok_vtex.models.client import ShopLinkStatus
    from tiktok_vtex.repositories.clients import ClientRepository

    settings = get_settings()
    ClientRepository(settings.tables.client, settings.tables.client_tiktok).set_status(
        world.client_hash, ShopLinkStatus.DEAUTHORIZED)
    answer = world.invoke(handler, {"type": "triggerPrepareStock", "clientHash": world.client_hash})
    assert answer["body"]["status"] == "client_unavailable" and "deauthorized" in answer["body"]["reason"]
    assert world.drain("StockFetchQueue") == []


def test_invalid_invoke_is_a_400(world: Any) -> None:
    answer = world.invoke(handler, {"type": "triggerSomething", "clientHash": world.client_hash})
    assert answer["statusCode"] == 400 and "unknown stock message type" in answer["body"]["message"]


def test_count_stock(world: Any) -> None:
    answer = world.invoke(handler, {"type": "triggerCountStock", "client_hash": world.client_hash})
    body = answer["body"]
    expected_zero = sum(1 for s in world.skus if s["stock"].get("1_1", 0) == 0)
    assert body["vtexWarehouses"]["1_1"]["skus"] == len(world.skus)
    assert body["vtexWarehouses"]["1_1"]["zeroStock"] == expected_zero
    assert body["vtexWarehouses"]["1_1"]["units"] == sum(s["stock"].get("1_1", 0) for s in world.skus)


def test_nightly_schedule_fans_out_every_active_client(world: Any, monkeypatch: Any) -> None:
    """Changed in issue 19: the nightly invocation no longer prepares every client itself (300 s Timeout at
    ~190 stores); it queues one triggerPrepareStock per client, whose own invocation queues the SKU batches."""
    answer = world.invoke(handler, {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
    assert answer["status"] == "ok" and answer["clients"] == [world.client_hash] and answer["cursor"] is None
    [record] = world.drain("StockFetchQueue")
    assert json.loads(record["body"]) == {"type": "triggerPrepareStock", "clientHash": world.client_hash,
                                          "force": False, "reconcile": True}
    recorded: list[str] = []
    real = handling.metrics.add_metric
    monkeypatch.setattr(handling.metrics, "add_metric", lambda name, unit, value: (
        recorded.append(name), real(name=name, unit=unit, value=value))[1])
    assert world.invoke(handler, {"Records": [record]}) == {"batchItemFailures": []}
    messages = [json.loads(r["body"]) for r in world.drain("StockFetchQueue")]
    assert sum(len(m["sku"]) for m in messages) == len(world.skus)
    assert {(m["type"], m["reconcile"]) for m in messages} == {("triggerPepareSkuStockBatch", True)}
    # the out-of-date count is the SKU batches' (they read VTEX); the prepare reads nothing
    assert "StockSkusSent" in recorded and "StockReconcileOutOfDate" not in recorded


def _batches_by_client(world: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for record in world.drain("StockFetchQueue"):
        body = json.loads(record["body"])
        assert body["type"] == "triggerPepareSkuStockBatch" and body["reconcile"] is True and body["force"] is True
        out.setdefault(body["clientHash"], []).extend(body["sku"])
    return out


def test_nightly_queues_one_prepare_per_client_each_run_in_its_own_record(world: Any) -> None:
    from .conftest import add_client

    add_client(world, "client-b")
    add_client(world, "client-c", vtex_secret=False)  # misconfigured: recorded by its own message, not retried
    answer = world.invoke(handler, {"type": "triggerPrepareStockAllClients", "force": True})
    clients = sorted([world.client_hash, "client-b", "client-c"])
    assert answer["body"] == {"status": "ok", "clients": clients, "calls": 1, "cursor": None}
    records = world.drain("StockFetchQueue")
    assert sorted(json.loads(r["body"])["clientHash"] for r in records) == clients
    assert {json.loads(r["body"])["type"] for r in records} == {"triggerPrepareStock"}
    assert world.invoke(handler, {"Records": records}) == {"batchItemFailures": []}
    skus = sorted(s["seller_sku"] for s in world.skus)
    batches = _batches_by_client(world)
    assert {c: sorted(v) for c, v in batches.items()} == {world.client_hash: skus, "client-b": skus}
    entries = LogRepository(get_settings().tables.log_stock).entries("client-c")
    assert [(e["kind"], e["type"]) for e in entries] == [("client_unavailable", "triggerPrepareStock")]


def test_one_failing_clients_prepare_fails_alone_and_the_others_batches_are_queued(
        world: Any, monkeypatch: Any) -> None:
    from botocore.exceptions import ClientError

    from tiktok_vtex.inventory.sync import StockSync

    from .conftest import add_client

    add_client(world, "client-b")
    add_client(world, "client-c")
    real = StockSync.prepare_stock

    def prepare_stock(self: StockSync, client_hash: str, *args: Any, **kwargs: Any) -> Any:
        if client_hash == "client-b":  # its products Query throttled beyond botocore's retries
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                              "Query")
        return real(self, client_hash, *args, **kwargs)

    monkeypatch.setattr(StockSync, "prepare_stock", prepare_stock)
    world.invoke(handler, {"type": "triggerPrepareStockAllClients", "force": True})
    records = world.drain("StockFetchQueue")
    failing = [r["messageId"] for r in records if json.loads(r["body"])["clientHash"] == "client-b"]
    answer = world.invoke(handler, {"Records": records})
    assert answer == {"batchItemFailures": [{"itemIdentifier": failing[0]}]}  # SQS redelivers it, then its DLQ
    skus = sorted(s["seller_sku"] for s in world.skus)
    assert {c: sorted(v) for c, v in _batches_by_client(world).items()} == {world.client_hash: skus,
                                                                           "client-c": skus}


def test_a_nightly_short_of_time_queues_its_continuation_and_the_continuation_queues_the_rest(world: Any) -> None:
    from .conftest import LambdaContext, add_client

    others = [f"client-{i:02d}" for i in range(11)]
    for client_hash in others:
        add_client(world, client_hash, vtex_secret=False, products=False)
    every = sorted([world.client_hash, *others])
    short = LambdaContext(remaining_ms=5_000)  # under the reserve: one SendMessageBatch, then the continuation
    answer = handler.lambda_handler({"type": "triggerPrepareStockAllClients", "force": True}, short)["body"]
    assert answer == {"status": "continued", "clients": every[:10], "calls": 2, "cursor": every[9]}
    records = world.drain("StockFetchQueue")
    bodies = [json.loads(r["body"]) for r in records]
    assert sorted(b["clientHash"] for b in bodies if "clientHash" in b) == every[:10]
    [continuation] = [r for r, b in zip(records, bodies, strict=True) if "clientHash" not in b]
    assert json.loads(continuation["body"]) == {"type": "triggerPrepareStockAllClients", "force": True,
                                                "cursor": every[9]}
    # the continuation, consumed from the fetch queue with a full invocation ahead, queues the rest
    assert world.invoke(handler, {"Records": [continuation]}) == {"batchItemFailures": []}
    rest = [json.loads(r["body"]) for r in world.drain("StockFetchQueue")]
    assert rest == [{"type": "triggerPrepareStock", "clientHash": h, "force": True, "reconcile": True}
                    for h in every[10:]]


def test_pending_orders_are_subtracted_from_the_orders_table(world: Any) -> None:
    settings = get_settings()
    table = boto3.resource("dynamodb").Table(settings.tables.orders)
    sku = world.skus[1]
    # what the orders capability writes (OrderRepository.set_units)
    table.put_item(Item={"client_hash": world.client_hash, "order_id": "o-1", "sync_state": "NEW",
                         "updated_at": 1, "sku_units": {sku["seller_sku"]: 2}, "units_update_time": 1})
    table.put_item(Item={"client_hash": world.client_hash, "order_id": "o-2", "sync_state": "PLACED_IN_VTEX",
                         "updated_at": 1, "sku_units": {sku["seller_sku"]: 5}, "units_update_time": 1})
    world.set_vtex_stock(sku["id"], 10)
    world.invoke(handler, {"type": "triggerPepareSkuStockBatch", "clientHash": world.client_hash,
                           "sku": [sku["seller_sku"]]})
    [record] = world.drain("StockUpdateQueue")
    assert json.loads(record["body"])["skus"][0]["inventory"][0]["quantity"] == 8


def test_tiktok_down_fails_the_record_for_redelivery_and_the_retry_sends_it(world: Any) -> None:
    from .conftest import sqs_record

    endpoint = "POST /product/202309/products/{product_id}/inventory/update"
    world.http.post(f"{world.tiktok.base_url}/sandbox/faults",
                    json={"endpoint": endpoint, "error_rate_5xx": 1.0}).raise_for_status()
    world.invoke(handler, {"type": "triggerPepareSkuStockBatch", "clientHash": world.client_hash,
                           "sku": [s["seller_sku"] for s in world.catalog["products"][0]["skus"]]})
    [record] = world.drain("StockUpdateQueue")
    answer = world.invoke(handler, {"Records": [record]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    settings = get_settings()
    row = ProductRepository(settings.tables.products_seller_sku).get(
        world.client_hash, world.catalog["products"][0]["skus"][0]["seller_sku"])
    assert row is not None and row.stock_sent is None and row.stock_error["code"].startswith("TIKTOK_")
    world.http.delete(f"{world.tiktok.base_url}/sandbox/faults").raise_for_status()
    assert world.invoke(handler, {"Records": [sqs_record(record["body"], "again")]}) == {"batchItemFailures": []}
    row = ProductRepository(settings.tables.products_seller_sku).get(
        world.client_hash, world.catalog["products"][0]["skus"][0]["seller_sku"])
    assert row is not None and row.stock_sent is not None and row.stock_error is None


def test_legacy_sqs_update_uses_its_queue_time_and_never_beats_a_newer_reading(world: Any) -> None:
    from .conftest import sqs_record

    sku = world.skus[0]
    newer = {"type": "triggerUpdateInventoryBySellerSku", "clientHash": world.client_hash,
             "sellerSku": sku["seller_sku"], "quantity": 5, "warehouseIdTTK": world.warehouse,
             "readAtMs": 2_000_000_000_000}
    assert world.invoke(handler, newer)["body"]["sent"] == 1
    legacy = sqs_record(json.dumps({k: v for k, v in newer.items() if k != "readAtMs"} | {"quantity": 99}), "old")
    legacy["attributes"]["SentTimestamp"] = "1900000000000"  # queued before the newer reading was taken
    assert world.invoke(handler, {"Records": [legacy]}) == {"batchItemFailures": []}
    assert world.tiktok_sku(sku["tiktok_sku_id"])["inventory"][0]["quantity"] == 5
    assert world.calls(INVENTORY) == 1
