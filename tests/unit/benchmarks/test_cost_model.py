"""The cost model's arithmetic on a known input, and that it follows template.yaml (benchmarks/cost_model.py)."""

from __future__ import annotations

import copy
import dataclasses
import math
from collections import Counter
from typing import Any

import pytest

from benchmarks import cost_model as cm
from benchmarks.aws_calls import AwsCallCounter, StageCounts
from benchmarks.cost_counts import FETCH, NIGHTLY, PREPARE, UPDATE, Counts
from local.template import load_template
from tests.conftest import TEMPLATE_PATH


def known_counts() -> Counts:
    """1 store x 20 products x 5 SKUs, round numbers: every figure below follows from these by hand."""
    return Counts(
        stores=1, skus=100, products=20, fetch_messages=2, update_messages=20, tiktok_calls=20, vtex_calls=100,
        stages={
            # the nightly: one SendMessageBatch of per-store prepare messages (10 stores a call)
            NIGHTLY: StageCounts(invocations=1, messages=1, billed_ms=20, read_units=0.5,
                                 aws=Counter({"dynamodb.Query": 1, "sqs.SendMessageBatch": 1})),
            # one store's prepare: its SKU batches to the fetch queue
            PREPARE: StageCounts(invocations=1, messages=1, billed_ms=100, read_units=5.0,
                                 aws=Counter({"dynamodb.Query": 1, "sqs.SendMessageBatch": 1})),
            FETCH: StageCounts(invocations=1, messages=2, billed_ms=1000, read_units=50.0, write_units=100.0,
                               aws=Counter({"dynamodb.UpdateItem": 100, "sqs.SendMessageBatch": 2})),
            UPDATE: StageCounts(invocations=2, messages=20, billed_ms=2000, read_units=100.0, write_units=300.0,
                                aws=Counter({"dynamodb.UpdateItem": 200, "dynamodb.PutItem": 100,
                                             "kms.Decrypt": 1}), max_payload_bytes=2048),
        },
        cold_start_ms={NIGHTLY: 0, PREPARE: 0, FETCH: 0, UPDATE: 0},
        cold_calls={UPDATE: Counter({"secretsmanager.GetSecretValue": 2, "kms.Decrypt": 1})})


def known_inputs(**update: Any) -> cm.TemplateInputs:
    fetch = cm.Consumer("StockFetchFunction", memory_mb=1024, timeout_s=300, batch_size=5, max_concurrency=None,
                        fifo=False, qps_per_container=None)
    consumer = cm.Consumer("StockUpdateFunction", memory_mb=512, timeout_s=60, batch_size=10, max_concurrency=5,
                           fifo=False, qps_per_container=10.0)
    return cm.TemplateInputs(fetch=fetch, update=dataclasses.replace(consumer, **update), fetch_message_skus=50,
                             runs_per_month=30, schedule="cron(0 2 * * ? *)")


def test_one_store_of_10000_skus_exact_figures() -> None:
    s = cm.model(known_inputs(), known_counts(), stores=1, skus_per_store=10_000)
    # 10,000 SKUs: the nightly, the store's prepare, 200 fetch messages (50 SKUs) -> 40 invocations (BatchSize
    # 5); 2,000 update messages -> 200
    assert s.lambda_requests == 1 + 1 + 40 + 200
    # billed: the nightly 20 ms (one SendMessageBatch); per SKU: prepare 1, fetch 10, update 20 ms -> 10 s
    # (1 GB), 100 s (1 GB), 200 s (0.5 GB)
    assert s.gb_seconds == pytest.approx(0.02 + 10 * 1 + 100 * 1 + 200 * 0.5)
    # the nightly sends 1, the functions 3 per 100 SKUs -> 300; pollers: a receive and a delete per batch,
    # the prepare's included -> 2 x 241
    assert s.sqs_requests == pytest.approx(1 + 300 + 482)
    assert (s.read_units, s.write_units) == (pytest.approx(15_500.5), pytest.approx(40_000))
    # time: the nightly 0.02 s, then the store's prepare 10 s; fetch containers follow it: 10,000 SKUs /
    # 10.02 s / 100 SKUs/s each = 10, but VTEX's 300 reads/s per account -> 33.3 s; update: 5 containers
    # (MaximumConcurrency) x 10 messages/s = 50/s (TikTok's cap is 50 calls/s too) -> 2,000 messages in 40 s
    assert s.stage_s == {NIGHTLY: pytest.approx(0.02), PREPARE: pytest.approx(10.02),
                         FETCH: pytest.approx(10_000 / 300), UPDATE: pytest.approx(40)}
    assert s.run_s == pytest.approx(40)
    assert s.consumers == {FETCH: 10, UPDATE: 5} and s.peak_concurrency == 16
    p = cm.PRICES
    lambda_cost = 30 * (242 * p.lambda_requests_per_million / 1e6 + 210.02 * p.lambda_gb_second_arm64)
    # fetch queue: 1 + 100 sends + 82 poller requests; update queue: 200 + 400; plus idle polling of 2 queues
    sqs_cost = (30 * (183 + 600) + 2 * cm.QUOTAS.idle_poll_requests_per_queue_month) * p.sqs_standard_per_million / 1e6
    ddb_cost = 30 * (15_500.5 * p.dynamodb_read_units_per_million + 40_000 * p.dynamodb_write_units_per_million) / 1e6
    # KMS: 1 Decrypt per 100 SKUs warm + 1 per update container cold start (5); Secrets Manager: 2 per container
    kms_cost = 30 * ((100 + 5) * p.kms_per_10k + 2 * 5 * p.secrets_manager_per_10k) / 10_000
    assert s.cost_month == {"lambda": pytest.approx(lambda_cost), "sqs": pytest.approx(sqs_cost),
                            "dynamodb": pytest.approx(ddb_cost), "kms+secrets": pytest.approx(kms_cost)}
    assert s.cost_per_store_month == pytest.approx(lambda_cost + sqs_cost + ddb_cost + kms_cost)
    # quotas: one shop gets 5 x 10 = 50 calls/s: exactly TikTok's limit; 2,000 update messages in 40 s carry
    # 40,000 WRU of one partition key -> 1,000 WRU/s: exactly the partition's limit
    assert s.quotas["TikTok QPS per shop"] == pytest.approx(1.0)
    assert s.quotas["DynamoDB partition WCU"] == pytest.approx(1.0)
    assert s.quotas["account concurrency"] == pytest.approx(16 / 1000)
    assert s.quotas["nightly queueing vs Timeout"] == pytest.approx(0.02 / 300)
    assert s.quotas["a store's prepare vs Timeout"] == pytest.approx(10 / 300)
    assert s.quotas["async invoke / message payload"] == pytest.approx(2048 / 262_144)
    assert s.quotas["SQS FIFO throughput"] == 0.0  # standard queues


def test_a_shared_standard_queue_makes_500_stores_take_500_times_as_long() -> None:
    # (an account with room: the 500 parallel prepares would otherwise take concurrency from the update stage)
    roomy = cm.Quotas(account_concurrency=100_000)
    one = cm.model(known_inputs(), known_counts(), stores=1, quotas=roomy)
    many = cm.model(known_inputs(), known_counts(), stores=500, quotas=roomy)
    assert many.consumers[UPDATE] == 5 and many.run_s == pytest.approx(500 * one.run_s)


def test_the_stores_prepares_run_in_parallel_and_no_longer_pace_the_pipeline() -> None:
    """Changed in issue 19: the nightly used to prepare every store in turn (50 x 10 s = 500 s, the run's pace);
    now it queues 5 SendMessageBatch calls and the 50 prepares run at once in fetch consumers."""
    fifo = known_inputs(fifo=True, max_concurrency=None)
    fifty = cm.model(fifo, known_counts(), stores=50)
    assert fifty.stage_s[NIGHTLY] == pytest.approx(5 * 0.02) and fifty.stage_s[PREPARE] == pytest.approx(10.1)
    # fetch: 500,000 SKUs in 10.1 s at 100 SKUs/s each -> 496 containers, VTEX 300/s per store -> 33.3 s; update:
    # one consumer per shop (FIFO), 50 x 10 messages/s -> 100,000 messages in 200 s (2,000 a store at 10/s)
    assert fifty.consumers == {FETCH: 496, UPDATE: 50} and fifty.run_s == pytest.approx(200)
    assert fifty.wanted_concurrency == 1 + 496 + 50
    # the prepares are capped by the fetch function's concurrency: 2,000 stores at 1,250 -> two rounds
    capped = cm.model(fifo, known_counts(), stores=2_000, quotas=cm.Quotas(account_concurrency=100_000))
    assert capped.stage_s[PREPARE] == pytest.approx(200 * 0.02 + 2 * 10)


def test_fifo_per_shop_groups_scale_with_stores_until_the_account_limit() -> None:
    fifo = known_inputs(fifo=True, max_concurrency=None)
    counts = known_counts()
    counts.stages[PREPARE].billed_ms = 1  # prepares that keep up: 0.01 ms per SKU, 0.1 s a store
    fifty = cm.model(fifo, counts, stores=50)
    # fetch: 500,000 SKUs arrive in 0.2 s (nightly 0.1 s + the prepares 0.1 s): the 1,250 containers of the
    # SQS event source's cap wanted, VTEX 300/s per store -> 33.3 s; update: one consumer per message group
    # (shop) wanted, 50; 1,301 in all is over the account's 1,000, so both stages get 999/1,300 of theirs:
    # 960 and 38 consumers -> 100,000 messages at 380/s
    assert fifty.wanted_concurrency == 1 + 1_250 + 50 and fifty.peak_concurrency == 1_000
    assert fifty.quotas["account concurrency"] == pytest.approx(1.301)
    assert fifty.consumers == {FETCH: 960, UPDATE: 38}
    assert fifty.run_s == pytest.approx(100_000 / 380)
    unlimited = cm.model(fifo, counts, stores=50, quotas=cm.Quotas(account_concurrency=10_000))
    assert unlimited.consumers[UPDATE] == 50 and unlimited.run_s == pytest.approx(200)  # 2,000 a store at 10/s


def test_stores_at_limit_finds_the_first_store_count() -> None:
    assert cm.stores_at_limit("x", lambda s: s / 70) == 70
    assert cm.stores_at_limit("x", lambda s: 0.5) is None
    limits = cm.first_limits(known_inputs(), known_counts())
    # 20 ms a SendMessageBatch of 10 stores: 15,000 calls fill the 300 s Timeout (the run then continues itself)
    assert limits["nightly queueing vs Timeout"] == 149_991
    assert limits["a store's prepare vs Timeout"] is None  # 10 s a store of 10,000 SKUs, whatever the count


def test_schedules() -> None:
    assert cm.runs_per_month("cron(0 2 * * ? *)") == 30
    assert cm.runs_per_month("cron(0,30 2 * * ? *)") == 60
    assert cm.runs_per_month("rate(15 minutes)") == 30 * 96
    with pytest.raises(ValueError, match="only daily"):
        cm.runs_per_month("cron(0 2 ? * MON *)")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


def _sqs_event(template: dict[str, Any], function: str) -> dict[str, Any]:
    events = template["Resources"][function]["Properties"]["Events"]
    return next(e["Properties"] for e in events.values() if e["Type"] == "SQS")


def test_inputs_are_the_template_values(template: dict[str, Any]) -> None:
    inputs = cm.template_inputs(template)
    resources = template["Resources"]
    for consumer in (inputs.fetch, inputs.update):
        properties = resources[consumer.function]["Properties"]
        event = _sqs_event(template, consumer.function)
        assert consumer.memory_mb == properties["MemorySize"] and consumer.timeout_s == properties["Timeout"]
        assert consumer.batch_size == event["BatchSize"]
        assert consumer.max_concurrency == (event.get("ScalingConfig") or {}).get("MaximumConcurrency")
        queue = resources[event["Queue"]["Fn::GetAtt"][0]]["Properties"]
        assert consumer.fifo == bool(queue.get("FifoQueue", False))
    variables = resources["StockFetchFunction"]["Properties"]["Environment"]["Variables"]
    assert inputs.fetch_message_skus == int(variables["STOCK_FETCH_BATCH_SIZE"])
    assert inputs.schedule == resources["StockFetchFunction"]["Properties"]["Events"]["NightlyStock"][
        "Properties"]["Schedule"]


def test_the_printed_numbers_follow_the_template(template: dict[str, Any]) -> None:
    # 500 stores (the template's FIFO update queue serves at most one consumer per store: at 50 stores its
    # MaximumConcurrency is not what binds) in an account with room (the account's share would blur the 2x)
    # The fetch stage's own cap lifted too, so that the update stage's MaximumConcurrency is what binds.
    counts, stores, roomy = known_counts(), 500, cm.Quotas(account_concurrency=100_000)
    template = copy.deepcopy(template)
    _sqs_event(template, "StockFetchFunction").pop("ScalingConfig", None)
    base = cm.model(cm.template_inputs(template), counts, stores=stores, quotas=roomy)
    changed = copy.deepcopy(template)
    scaling = _sqs_event(changed, "StockUpdateFunction").setdefault("ScalingConfig", {})
    scaling["MaximumConcurrency"] = 2 * (scaling.get("MaximumConcurrency") or 5)
    faster = cm.model(cm.template_inputs(changed), counts, stores=stores, quotas=roomy)
    assert faster.consumers[UPDATE] == 2 * base.consumers[UPDATE]
    assert faster.run_s < base.run_s and faster.peak_concurrency > base.peak_concurrency
    event = _sqs_event(changed, "StockUpdateFunction")
    event["BatchSize"] = event["BatchSize"] // 2
    smaller = cm.model(cm.template_inputs(changed), counts, stores=stores, quotas=roomy)
    assert smaller.lambda_requests > faster.lambda_requests and smaller.sqs_requests > faster.sqs_requests
    changed["Resources"]["StockFetchFunction"]["Properties"]["MemorySize"] = 2048
    assert cm.model(cm.template_inputs(changed), counts, stores=stores, quotas=roomy).gb_seconds > smaller.gb_seconds
    report = cm.report(cm.template_inputs(changed), counts)
    assert f"MaximumConcurrency {scaling['MaximumConcurrency']}" in report and "first limit hit" in report


def test_the_counter_bills_calls_and_units_to_the_current_stage() -> None:
    """The botocore hooks on a real client (no network: botocore's Stubber answers)."""
    import boto3
    from botocore.stub import Stubber

    counter = AwsCallCounter()
    counter.stages = {FETCH: StageCounts()}
    with counter.installed():
        client = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x",
                                       aws_secret_access_key="x").client("dynamodb")
    with Stubber(client) as stub, counter.billing(FETCH):
        stub.add_response("put_item", {}, {"TableName": "t", "Item": {"k": {"S": "v" * 1500}}})
        stub.add_response("get_item", {}, {"TableName": "t", "Key": {"k": {"S": "v"}}, "ConsistentRead": True})
        stub.add_response("query", {"Items": [{"k": {"S": "v"}}] * 3}, {"TableName": "t"})
        client.put_item(TableName="t", Item={"k": {"S": "v" * 1500}})
        client.get_item(TableName="t", Key={"k": {"S": "v"}}, ConsistentRead=True)
        client.query(TableName="t")
    with Stubber(client) as stub:  # outside a stage: not billed
        stub.add_response("get_item", {}, {"TableName": "t", "Key": {"k": {"S": "v"}}})
        client.get_item(TableName="t", Key={"k": {"S": "v"}})
    fetch = counter.stages[FETCH]
    assert fetch.aws == Counter({"dynamodb.PutItem": 1, "dynamodb.GetItem": 1, "dynamodb.Query": 1})
    assert fetch.write_units == math.ceil(1500 / 1024)  # an item over 1 KB costs 2 WRU
    assert fetch.read_units == 1.0 + 0.5  # a consistent GetItem + one eventually consistent 4 KB Query page


def test_the_fifo_update_queue_of_the_template_changes_scaling_and_price(template: dict[str, Any]) -> None:
    """The template's update queue is FIFO per shop (issue 19); the same template with a standard queue."""
    counts = known_counts()
    base = cm.model(cm.template_inputs(template), counts, stores=50)
    assert cm.template_inputs(template).update.fifo
    changed = copy.deepcopy(template)
    event = _sqs_event(changed, "StockUpdateFunction")
    changed["Resources"][event["Queue"]["Fn::GetAtt"][0]]["Properties"]["FifoQueue"] = False
    standard = cm.template_inputs(changed)
    assert not standard.update.fifo and standard.update.max_concurrency == base_cap(template)
    scenario = cm.model(standard, counts, stores=50)
    # FIFO: one consumer per shop at a time (50); standard: the MaximumConcurrency shared by every shop
    assert base.consumers[UPDATE] == 50 < scenario.consumers[UPDATE] and scenario.run_s < base.run_s
    assert scenario.cost_month["sqs"] < base.cost_month["sqs"]  # FIFO requests cost more
    # the fetch queue is FIFO too (issue 19): both queues standard leave no FIFO throughput to watch
    assert base.quotas["SQS FIFO throughput"] > 0 < scenario.quotas["SQS FIFO throughput"]
    fetch_event = _sqs_event(changed, "StockFetchFunction")
    changed["Resources"][fetch_event["Queue"]["Fn::GetAtt"][0]]["Properties"]["FifoQueue"] = False
    both = cm.model(cm.template_inputs(changed), counts, stores=50)
    assert both.quotas["SQS FIFO throughput"] == 0


def test_a_fifo_fetch_queue_reads_each_store_in_one_container_at_its_vtex_rate() -> None:
    """Issue 19: the fetch queue FIFO per store: one consumer per store at a time, at the function's
    VTEX_READS_PER_SECOND (the container's bucket), so MaximumConcurrency caps the stores read at once."""
    inputs = known_inputs(fifo=True, max_concurrency=None)
    counts = known_counts()
    fetch = dataclasses.replace(inputs.fetch, fifo=True, max_concurrency=2, vtex_reads_per_s=50.0)
    capped = cm.model(dataclasses.replace(inputs, fetch=fetch), counts, stores=5)
    vtex_per_sku = counts.vtex_calls / counts.skus
    assert capped.consumers[FETCH] == 2  # min(MaximumConcurrency, stores), never two on one store
    assert capped.stage_s[FETCH] == pytest.approx(3 * 10_000 / (50.0 / vtex_per_sku))  # 5 stores, 3 rounds
    wide = cm.model(dataclasses.replace(inputs, fetch=dataclasses.replace(fetch, max_concurrency=100)), counts,
                    stores=5)
    assert wide.consumers[FETCH] == 5 and wide.stage_s[FETCH] == pytest.approx(10_000 / (50.0 / vtex_per_sku))
    assert wide.run_s < capped.run_s


def base_cap(template: dict[str, Any]) -> int:
    return _sqs_event(template, "StockUpdateFunction")["ScalingConfig"]["MaximumConcurrency"]
