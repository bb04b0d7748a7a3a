"""template.yaml's scaling settings against TikTok's 50 QPS per API per shop (issue 19).

The bound: at any moment, the containers that may call TikTok for one shop, times each container's limiter
share (TIKTOK_QPS_PER_CONTAINER), stay within 50. A FIFO queue whose messages are grouped per shop gives one
container per shop (Lambda runs one batch per message group at a time); a standard queue gives up to
MaximumConcurrency containers for the same shop. The records of a FIFO batch run concurrently, so the batch
must be able to reach the shop's QPS, and it must fit the function's timeout.

The same for VTEX (the fetch queues, FIFO per client since issue 19): the containers that may read one store's
VTEX account at once, times each container's bucket (VTEX_READS_PER_SECOND), stay within the account's rate
(300 reads/s: what the sandbox models; VTEX publishes no logistics limit, vtex-api.md 1.3).
"""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_vtex.clients.tiktok.rate_limit import DEFAULT_QPS
from tiktok_vtex.dispatch import QueuePublisher

TIKTOK_QPS_PER_API_PER_SHOP = 50.0
SHOP_GROUPED = ("StockUpdateQueue", "PriceUpdateQueue")  # FIFO, MessageGroupId = client (QueuePublisher)
FETCH_GROUPED = ("StockFetchQueue", "PriceFetchQueue")  # FIFO, MessageGroupId = client (SyncWiring.queue)
VTEX_READS_PER_ACCOUNT = 300.0  # the modelled account rate (local/vtex_sandbox, benchmarks)
VTEX_READS_IN_FLIGHT = 16  # per container (sync_functions/wiring.py VTEX_CONCURRENCY)
TIKTOK_LATENCY_S = 0.2  # a TikTok answer at 200 ms (the benchmarks inject 60 ms)
# Event-driven per order (a push, an invoice, a package): standard queues without a cap, so an order never
# waits behind another order of the same shop; a shop's rate there is its order rate, far under 50/s, and a
# 429 is retried with Retry-After by clients/retry.py (README "Multi-shop scale": orders path).
ORDER_PATH = {"OrdersQueue", "InvoiceQueue", "ShippingQueue", "VtexOrdersQueue"}


def _calls_tiktok(resource: dict[str, Any]) -> bool:
    """Can sign TikTok calls: reads the app secret."""
    return "TikTokAppSecretStore" in str(resource["Properties"].get("Policies"))


def _sqs_consumers(template: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(function, event properties, queue) of every SQS source of a function that calls TikTok."""
    out = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function" or not _calls_tiktok(resource):
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                out.append((logical_id, event["Properties"], event["Properties"]["Queue"]["Fn::GetAtt"][0]))
    return out


def _is_fifo(template: dict[str, Any], queue: str) -> bool:
    return str(template["Resources"][queue]["Properties"].get("FifoQueue", "false")).lower() == "true"


def _variables(template: dict[str, Any], function: str) -> dict[str, str]:
    return template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})


def shop_rate(template: dict[str, Any], function: str, event: dict[str, Any], queue: str) -> float:
    """The most TikTok calls per second per API one shop can get from this event source."""
    qps = float(_variables(template, function).get("TIKTOK_QPS_PER_CONTAINER", DEFAULT_QPS))
    if _is_fifo(template, queue):
        return qps  # one batch per message group (shop) in flight
    maximum = event.get("ScalingConfig", {}).get("MaximumConcurrency")
    assert maximum is not None or qps * 1250 <= TIKTOK_QPS_PER_API_PER_SHOP, (
        f"{function}: a standard queue without MaximumConcurrency scales to ~1,250 containers")
    return qps * int(maximum or 1250)


def test_no_shop_can_exceed_50_qps_per_api(template: dict[str, Any]) -> None:
    consumers = _sqs_consumers(template)
    assert {"StockUpdateQueue", "PriceUpdateQueue"} <= {queue for _, _, queue in consumers}
    for function, event, queue in consumers:
        if queue in ORDER_PATH:
            assert not _is_fifo(template, queue) and "ScalingConfig" not in event, queue
            continue
        assert shop_rate(template, function, event, queue) <= TIKTOK_QPS_PER_API_PER_SHOP, function


def test_the_bound_fails_when_a_share_or_a_standard_queue_is_raised(template: dict[str, Any]) -> None:
    """The check above is not vacuous: a container share above 50, or a shop-grouped queue turned standard
    with its MaximumConcurrency, breaks the bound."""
    import copy

    raised = copy.deepcopy(template)
    _variables(raised, "StockUpdateFunction")["TIKTOK_QPS_PER_CONTAINER"] = "60"
    event = raised["Resources"]["StockUpdateFunction"]["Properties"]["Events"]["Updates"]["Properties"]
    assert shop_rate(raised, "StockUpdateFunction", event, "StockUpdateQueue") > TIKTOK_QPS_PER_API_PER_SHOP
    standard = copy.deepcopy(template)
    standard["Resources"]["PriceUpdateQueue"]["Properties"].pop("FifoQueue")
    event = standard["Resources"]["PriceUpdateFunction"]["Properties"]["Events"]["Updates"]["Properties"]
    assert shop_rate(standard, "PriceUpdateFunction", event, "PriceUpdateQueue") > TIKTOK_QPS_PER_API_PER_SHOP


@pytest.mark.parametrize("queue", SHOP_GROUPED)
def test_shop_grouped_queues_are_fifo_with_fifo_dlqs_and_per_group_limits(template: dict[str, Any],
                                                                           queue: str) -> None:
    props = template["Resources"][queue]["Properties"]
    assert _is_fifo(template, queue)
    assert props["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert props["DeduplicationScope"] == "messageGroup" and props["FifoThroughputLimit"] == "perMessageGroupId"
    dlq = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert _is_fifo(template, dlq), "a FIFO queue's DLQ must be FIFO"


@pytest.mark.parametrize("queue", SHOP_GROUPED)
def test_a_shop_grouped_batch_reaches_the_shops_qps_and_fits_the_timeout(template: dict[str, Any],
                                                                          queue: str) -> None:
    [(function, event, _)] = [c for c in _sqs_consumers(template) if c[2] == queue]
    batch = int(event["BatchSize"])
    assert batch <= 10, "FIFO event sources take at most 10 records"
    assert "MaximumBatchingWindowInSeconds" not in event, "not supported on FIFO event sources"
    assert int(event["ScalingConfig"]["MaximumConcurrency"]) >= 2
    variables = _variables(template, function)
    qps = float(variables["TIKTOK_QPS_PER_CONTAINER"])
    concurrency = int(variables["SYNC_BATCH_CONCURRENCY"])
    assert 1 <= concurrency <= batch
    # A shop's group moves between containers; each settles its buckets after a batch (rate_limit.settle), so
    # the shop's calls fit one bucket of this burst: at most TikTok's, and no more than a batch needs.
    assert 1 <= float(variables["TIKTOK_LIMITER_BURST"]) <= min(batch, TIKTOK_QPS_PER_API_PER_SHOP)
    # One batch per shop at a time: `concurrency` calls of TIKTOK_LATENCY_S each must be able to fill the
    # shop's QPS, else the FIFO design caps a shop below its limit.
    assert concurrency / TIKTOK_LATENCY_S >= qps == TIKTOK_QPS_PER_API_PER_SHOP
    # A batch's calls, spaced by the limiter, plus a retry budget of a few slow calls, fit the timeout.
    timeout = int(template["Resources"][function]["Properties"]["Timeout"])
    assert batch / qps + 3 * 10 * TIKTOK_LATENCY_S <= timeout


@pytest.mark.parametrize("queue", SHOP_GROUPED + FETCH_GROUPED)
def test_every_producer_of_a_shop_grouped_queue_groups_by_client(queue: str) -> None:
    """Every producer goes through QueuePublisher (SyncWiring.queue); a FIFO URL gets the client's group."""
    sent: list[dict[str, Any]] = []

    class Sqs:
        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            sent.extend(Entries)
            return {"Successful": [{"Id": e["Id"]} for e in Entries]}

    QueuePublisher(f"https://sqs/1/{queue}.fifo", Sqs()).send(
        [{"type": "t", "clientHash": "shop-a", "n": 1}, {"type": "t", "client_hash": "shop-b", "n": 2}])
    assert [e["MessageGroupId"] for e in sent] == ["shop-a", "shop-b"]
    assert all(len(e["MessageDeduplicationId"]) == 32 for e in sent)


def _vtex_readers(template: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(function, event properties, queue) of every SQS source of a function with a VTEX read bucket."""
    out = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function" or "VTEX_READS_PER_SECOND" not in _variables(
                template, logical_id):
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                out.append((logical_id, event["Properties"], event["Properties"]["Queue"]["Fn::GetAtt"][0]))
    return out


def account_rate(template: dict[str, Any], function: str, event: dict[str, Any], queue: str) -> float:
    """The most VTEX reads per second one store's account can get from this event source: one container per
    store on a FIFO queue grouped per client, else MaximumConcurrency containers (each its own bucket)."""
    reads = float(_variables(template, function)["VTEX_READS_PER_SECOND"])
    if _is_fifo(template, queue):
        return reads
    return reads * int(event.get("ScalingConfig", {}).get("MaximumConcurrency", 1250))


def test_no_store_can_exceed_its_vtex_accounts_read_rate(template: dict[str, Any]) -> None:
    readers = _vtex_readers(template)
    assert {queue for _, _, queue in readers} == set(FETCH_GROUPED)
    for function, event, queue in readers:
        assert account_rate(template, function, event, queue) <= VTEX_READS_PER_ACCOUNT, function
        variables = _variables(template, function)
        # the bucket's burst: no more than the account's, and enough for the reads a container keeps in flight
        assert VTEX_READS_IN_FLIGHT <= float(variables["VTEX_READS_BURST"]) <= VTEX_READS_PER_ACCOUNT, function
        # a batch's reads at the bucket's rate fit the timeout with room for retries (5 messages x 50 SKUs)
        reads = int(event["BatchSize"]) * int(variables.get("STOCK_FETCH_BATCH_SIZE")
                                              or variables.get("PRICE_FETCH_BATCH_SIZE") or 50)
        assert reads / float(variables["VTEX_READS_PER_SECOND"]) * 3 <= int(
            template["Resources"][function]["Properties"]["Timeout"]), function


def test_the_vtex_bound_fails_when_a_fetch_queue_is_standard_or_the_rate_raised(template: dict[str, Any]) -> None:
    import copy

    standard = copy.deepcopy(template)
    standard["Resources"]["StockFetchQueue"]["Properties"].pop("FifoQueue")
    event = standard["Resources"]["StockFetchFunction"]["Properties"]["Events"]["FetchBatches"]["Properties"]
    assert account_rate(standard, "StockFetchFunction", event, "StockFetchQueue") > VTEX_READS_PER_ACCOUNT
    raised = copy.deepcopy(template)
    _variables(raised, "PriceFetchFunction")["VTEX_READS_PER_SECOND"] = "400"
    event = raised["Resources"]["PriceFetchFunction"]["Properties"]["Events"]["FetchBatches"]["Properties"]
    assert account_rate(raised, "PriceFetchFunction", event, "PriceFetchQueue") > VTEX_READS_PER_ACCOUNT


@pytest.mark.parametrize("queue", FETCH_GROUPED)
def test_fetch_queues_are_fifo_with_fifo_dlqs_and_per_group_limits(template: dict[str, Any], queue: str) -> None:
    test_shop_grouped_queues_are_fifo_with_fifo_dlqs_and_per_group_limits(template, queue)
    [(function, event, _)] = [c for c in _vtex_readers(template) if c[2] == queue]
    assert int(event["BatchSize"]) <= 10 and "MaximumBatchingWindowInSeconds" not in event
    # the nightly queues one prepare per store at once: the cap is what keeps the account's concurrency
    assert 2 <= int(event["ScalingConfig"]["MaximumConcurrency"]) <= 1000, function
