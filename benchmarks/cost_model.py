"""Scale and cost model of the nightly stock sync: `python -m benchmarks.cost_model [--smoke]`.

Prints, for 1, 50 and 500 stores of 10,000 SKUs: nightly run time, peak Lambda concurrency, SQS requests,
DynamoDB reads and writes, Lambda GB-seconds, the monthly cost per store at list prices (PRICES, the one
price table) and the AWS / TikTok quota each size comes closest to, with the store count where each quota is
reached first and how to raise it.

Inputs, none hard-coded:
- template.yaml (local.template.load_template, Globals applied): per function MemorySize, Timeout, its SQS
  event's BatchSize and ScalingConfig.MaximumConcurrency, the queue's FifoQueue, the fetch message size
  (STOCK_FETCH_BATCH_SIZE), the per-container TikTok QPS (TIKTOK_QPS_PER_SHOP or TIKTOK_QPS_PER_CONTAINER),
  the nightly schedule (runs per month);
- a measured run (`benchmarks.cost_counts.measure_counts() -> Counts`): AWS calls, DynamoDB request units,
  TikTok / VTEX calls and billed milliseconds per SKU and per message, through the real handlers.

The model (one store's SKUs scale linearly from the measured run; stages overlap as a pipeline):
- the nightly all-clients invocation only queues one per-store prepare message to the fetch queue, 10 per
  SendMessageBatch (measured per call);
- each store's prepare (its SKU batches to the fetch queue) runs in a fetch consumer of its own, in parallel,
  capped by the fetch function's concurrency (MaximumConcurrency, or the SQS event source's 1,250);
- fetch consumers follow the prepares' output (Little's law: arrival rate / per-container rate), capped by
  MaximumConcurrency (or the SQS event source's 1,250) and by each store's VTEX rate (the fetch function's
  VTEX_READS_PER_SECOND, at most the account's VTEX_RATE); a FIFO fetch queue (MessageGroupId = store) gives
  each store one consumer at a time, so the stores are read in rounds of MaximumConcurrency;
- update consumers likewise; a standard queue shares its consumers between every store, a FIFO queue
  (MessageGroupId = shop) gives each store at most one consumer at a time; TikTok's 50 QPS per shop caps
  both;
- if the pipeline asks more than the account's concurrency, every stage is slowed in proportion.

Size (~500 lines): the template reading, the model and the report are one chain over the same dataclasses;
the measurement (cost_counts.py) and the AWS call counting (aws_calls.py) already live apart.
"""

from __future__ import annotations

import argparse
import importlib
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.aws_calls import StageCounts
from benchmarks.cost_counts import (
    FETCH,
    FETCH_FUNCTION,
    NIGHTLY,
    PREPARE,
    TEMPLATE,
    UPDATE,
    UPDATE_FUNCTION,
    Counts,
    measure_counts,
    nightly_event,
    sqs_event,
)

STORE_SIZES = (1, 50, 500)
SQS_BATCH_LIMIT = 10  # entries per SendMessageBatch: the nightly's per-store messages go 10 per call
SKUS_PER_STORE = 10_000


@dataclass(frozen=True)
class Prices:
    """AWS list prices, USD. The one place to change them (region, date)."""

    region: str = "us-east-1"
    as_of: str = "2026-12-01"
    source: str = ("aws.amazon.com/lambda/pricing, /sqs/pricing, /dynamodb/pricing (on-demand, after the "
                   "2024-11-01 cut), /kms/pricing, /secrets-manager/pricing, from stored copies, not read live; "
                   "free tiers ignored")
    lambda_requests_per_million: float = 0.20
    lambda_gb_second_arm64: float = 0.0000133334
    lambda_gb_second_x86: float = 0.0000166667
    sqs_standard_per_million: float = 0.40
    sqs_fifo_per_million: float = 0.50
    dynamodb_write_units_per_million: float = 0.625
    dynamodb_read_units_per_million: float = 0.125
    kms_per_10k: float = 0.03
    secrets_manager_per_10k: float = 0.05


PRICES = Prices()


@dataclass(frozen=True)
class Quotas:
    """The limits the model checks (defaults of a new account; TikTok's documented per-shop rate)."""

    account_concurrency: int = 1_000
    sqs_esm_max_concurrency: int = 1_250  # standard queue event source, without MaximumConcurrency
    fifo_msgs_per_s: int = 300  # per API action, without batching
    fifo_msgs_per_s_batched: int = 3_000  # with batches of 10 (high-throughput mode: far more)
    partition_rcu: int = 3_000
    partition_wcu: int = 1_000
    async_payload_bytes: int = 262_144  # Lambda async invoke (the local runtime enforces it too) and SQS body
    tiktok_qps_per_shop: float = 50.0
    vtex_reads_per_s_per_account: float = 300.0  # assumption, as benchmarks/bench_stock_sync.py
    idle_poll_requests_per_queue_month: int = 648_000  # 5 pollers x 20 s long polls x 30 days


QUOTAS = Quotas()


# --------------------------------------------------------------------------------------------- template


@dataclass(frozen=True)
class Consumer:
    """One SQS-triggered function as the template declares it."""

    function: str
    memory_mb: int
    timeout_s: int
    batch_size: int
    max_concurrency: int | None
    fifo: bool
    qps_per_container: float | None
    batch_concurrency: int = 1  # SYNC_BATCH_CONCURRENCY: records of a batch handled at once (shown; measured)
    vtex_reads_per_s: float | None = None  # VTEX_READS_PER_SECOND: the container's bucket per VTEX account


@dataclass(frozen=True)
class TemplateInputs:
    fetch: Consumer
    update: Consumer
    fetch_message_skus: int
    runs_per_month: float
    schedule: str


def _consumer(resources: Mapping[str, Any], function: str) -> Consumer:
    properties = resources[function]["Properties"]
    event = sqs_event(properties)
    queue = event["Queue"]["Fn::GetAtt"][0]
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    qps = variables.get("TIKTOK_QPS_PER_SHOP", variables.get("TIKTOK_QPS_PER_CONTAINER"))
    scaling = event.get("ScalingConfig") or {}
    return Consumer(function=function, memory_mb=int(properties["MemorySize"]), timeout_s=int(properties["Timeout"]),
                    batch_size=int(event.get("BatchSize", 10)),
                    max_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None,
                    fifo=str(resources[queue]["Properties"].get("FifoQueue", False)).lower() == "true",
                    qps_per_container=float(qps) if qps is not None else None,
                    batch_concurrency=int(variables.get("SYNC_BATCH_CONCURRENCY", 1)),
                    vtex_reads_per_s=float(variables["VTEX_READS_PER_SECOND"])
                    if variables.get("VTEX_READS_PER_SECOND") else None)


def runs_per_month(expression: str, days: float = 30.0) -> float:
    """EventBridge `cron(m h dom mon dow y)` run daily / `rate(n unit)` -> runs in a month of `days`."""
    rate = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", expression.strip())
    if rate:
        minutes = {"m": 1, "h": 60, "d": 1440}[rate.group(2)[0]] * int(rate.group(1))
        return days * 1440 / minutes
    cron = re.fullmatch(r"cron\((.+)\)", expression.strip())
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6 or fields[2] not in {"*", "?"} or fields[3] != "*" or fields[4] not in {"*", "?"}:
        raise ValueError(f"schedule {expression!r}: only daily crons and rate() are modelled")
    minute, hour = fields[0], fields[1]
    per_day = len(hour.split(",")) * len(minute.split(",")) if "/" not in hour + minute else None
    if per_day is None:
        raise ValueError(f"schedule {expression!r}: step values are not modelled")
    return days * per_day


def template_inputs(template: Mapping[str, Any]) -> TemplateInputs:
    resources = template["Resources"]
    fetch_properties = resources[FETCH_FUNCTION]["Properties"]
    schedule = nightly_event(fetch_properties)["Schedule"]
    variables = fetch_properties["Environment"]["Variables"]
    return TemplateInputs(fetch=_consumer(resources, FETCH_FUNCTION), update=_consumer(resources, UPDATE_FUNCTION),
                          fetch_message_skus=int(variables["STOCK_FETCH_BATCH_SIZE"]),
                          runs_per_month=runs_per_month(schedule), schedule=schedule)


def load_inputs(path: Path = TEMPLATE) -> TemplateInputs:
    from local.template import load_template

    return template_inputs(load_template(path))


# --------------------------------------------------------------------------------------------- model


@dataclass
class Scenario:
    stores: int
    skus_per_store: int
    run_s: float = 0.0
    stage_s: dict[str, float] = field(default_factory=dict)
    peak_concurrency: int = 0
    wanted_concurrency: int = 0
    consumers: dict[str, int] = field(default_factory=dict)
    lambda_requests: float = 0.0
    gb_seconds: float = 0.0
    sqs_requests: float = 0.0
    read_units: float = 0.0
    write_units: float = 0.0
    cost_month: dict[str, float] = field(default_factory=dict)  # whole fleet, per line
    quotas: dict[str, float] = field(default_factory=dict)  # utilisation, 1.0 = at the limit

    @property
    def cost_per_store_month(self) -> float:
        return sum(self.cost_month.values()) / self.stores


@dataclass(frozen=True)
class Rates:
    """What the measured run says per SKU, per message and per container second."""

    per_sku: Mapping[str, Mapping[str, float]]  # stage -> {"ms", "rru", "wru", "sqs", "kms", "secrets"}
    nightly: Mapping[str, float]  # the nightly invocation, per SendMessageBatch it made (the same keys)
    update_messages_per_sku: float
    tiktok_calls_per_update_message: float
    vtex_calls_per_sku: float
    fetch_skus_per_s: float  # SKUs one fetch container handles per second
    update_messages_per_s: float  # update messages one update container handles per second
    max_payload_bytes: int
    batched_sends: bool

    @classmethod
    def of(cls, counts: Counts) -> Rates:
        def per(measured: StageCounts, n: float) -> dict[str, float]:
            return {"ms": measured.billed_ms / n, "rru": measured.read_units / n, "wru": measured.write_units / n,
                    "sqs": measured.calls("sqs") / n, "kms": measured.calls("kms") / n,
                    "secrets": measured.calls("secretsmanager") / n}

        per_sku = {stage: per(measured, counts.skus) for stage, measured in counts.stages.items() if stage != NIGHTLY}
        nightly = counts.stages[NIGHTLY]
        nightly_rates = per(nightly, max(1, nightly.calls("sqs", "SendMessageBatch")))
        sends = sum(s.calls("sqs", "SendMessage", "SendMessageBatch") for s in counts.stages.values())
        return cls(per_sku=per_sku, nightly=nightly_rates, update_messages_per_sku=counts.update_messages / counts.skus,
                   tiktok_calls_per_update_message=counts.tiktok_calls / max(1, counts.update_messages),
                   vtex_calls_per_sku=counts.vtex_calls / counts.skus,
                   fetch_skus_per_s=counts.skus / (counts.stages[FETCH].billed_ms / 1000),
                   update_messages_per_s=counts.update_messages / (counts.stages[UPDATE].billed_ms / 1000),
                   max_payload_bytes=max(s.max_payload_bytes for s in counts.stages.values()),
                   batched_sends=sends < counts.fetch_messages + counts.update_messages)


def _cold(counts: Counts, containers: Mapping[str, int], service: str) -> float:
    """Calls a container makes once, at its cold start (secrets, KMS data keys), times the containers."""
    return float(sum(n * containers[stage] for stage, calls in counts.cold_calls.items()
                     for name, n in calls.items() if name.split(".")[0] == service))


def _cap(consumer: Consumer, quotas: Quotas) -> int:
    if consumer.max_concurrency is not None:
        return consumer.max_concurrency
    return quotas.sqs_esm_max_concurrency


def model(inputs: TemplateInputs, counts: Counts, stores: int, skus_per_store: int = SKUS_PER_STORE,  # noqa: PLR0915 - one pipeline, read top to bottom
          prices: Prices = PRICES, quotas: Quotas = QUOTAS) -> Scenario:
    rates = Rates.of(counts)
    scenario = Scenario(stores, skus_per_store)
    skus = stores * skus_per_store
    fetch_messages_store = math.ceil(skus_per_store / inputs.fetch_message_skus)
    update_messages_store = skus_per_store * rates.update_messages_per_sku
    fetch_invocations = stores * math.ceil(fetch_messages_store / inputs.fetch.batch_size)
    update_invocations = stores * math.ceil(update_messages_store / inputs.update.batch_size)
    update_messages = stores * update_messages_store

    # --- time and concurrency (a pipeline: each stage follows the one before)
    nightly_calls = math.ceil(stores / SQS_BATCH_LIMIT)  # the nightly only queues the per-store prepares
    nightly_s = rates.nightly["ms"] * nightly_calls / 1000
    store_prepare_s = rates.per_sku[PREPARE]["ms"] * skus_per_store / 1000  # one store's prepare invocation
    fetch_cap = _cap(inputs.fetch, quotas)
    prepare_wanted = max(1, min(fetch_cap, stores))  # every store's prepare in a fetch consumer of its own
    prepare_s = nightly_s + store_prepare_s * math.ceil(stores / prepare_wanted)
    store_vtex = min(inputs.fetch.vtex_reads_per_s or quotas.vtex_reads_per_s_per_account,
                     quotas.vtex_reads_per_s_per_account)  # reads/s one store's account gets
    vtex_cap = stores * store_vtex / rates.vtex_calls_per_sku  # SKUs/s
    tiktok_cap = stores * quotas.tiktok_qps_per_shop / rates.tiktok_calls_per_update_message  # messages/s
    # one container reading one store: the measured container rate, at most the store's VTEX rate
    store_fetch_rate = min(rates.fetch_skus_per_s, store_vtex / rates.vtex_calls_per_sku)

    def fetch_time(consumers: int) -> float:
        if inputs.fetch.fifo:  # one consumer per store at a time: the stores in rounds of `consumers`
            return max(prepare_s, skus_per_store / store_fetch_rate * math.ceil(stores / consumers))
        return max(prepare_s, skus / min(consumers * rates.fetch_skus_per_s, vtex_cap))

    if inputs.fetch.fifo:
        fetch_cap = min(fetch_cap, stores)
    fetch_wanted = min(fetch_cap, fetch_invocations,
                       math.ceil(skus / max(prepare_s, 1e-9) / rates.fetch_skus_per_s))
    fetch_wanted = max(1, fetch_wanted)
    fetch_s = fetch_time(fetch_wanted)
    arrival = update_messages / fetch_s
    update_cap = _cap(inputs.update, quotas)
    if inputs.update.fifo:  # one consumer per message group (shop) at a time
        update_cap = min(update_cap, stores)
    update_wanted = max(1, min(update_cap, update_invocations, math.ceil(arrival / rates.update_messages_per_s)))
    # the prepares end before most fetches start, in the same (fetch) function: its peak is the larger of both
    fetch_function_wanted = max(prepare_wanted, fetch_wanted)
    wanted = 1 + fetch_function_wanted + update_wanted
    share = min(1.0, (quotas.account_concurrency - 1) / (fetch_function_wanted + update_wanted))
    fetch_consumers = max(1, math.floor(fetch_wanted * share))
    update_consumers = max(1, math.floor(update_wanted * share))
    if share < 1.0:  # throttled by the account: the stages slow down in proportion
        fetch_s = fetch_time(fetch_consumers)
    update_rate = min(update_consumers * rates.update_messages_per_s, tiktok_cap)
    update_s = max(fetch_s, update_messages / update_rate)
    if inputs.update.fifo:  # a store's messages never go faster than one consumer
        update_s = max(update_s, update_messages_store / rates.update_messages_per_s)
    if inputs.fetch.fifo and inputs.update.fifo:  # the last round's stores: their updates follow their reads
        update_s = max(update_s, fetch_s + update_messages_store / rates.update_messages_per_s
                       - skus_per_store / store_fetch_rate)
    scenario.stage_s = {NIGHTLY: nightly_s, PREPARE: prepare_s, FETCH: fetch_s, UPDATE: update_s}
    scenario.run_s = update_s
    scenario.wanted_concurrency = wanted
    scenario.peak_concurrency = min(wanted, quotas.account_concurrency)
    scenario.consumers = {FETCH: fetch_consumers, UPDATE: update_consumers}

    # --- requests and units of one run
    def total(key: str) -> float:
        return sum(rates.per_sku[s][key] for s in rates.per_sku) * skus + rates.nightly[key] * nightly_calls

    prepare_invocations = stores  # one per store (a batch may carry several; with the consumers idle it does not)
    scenario.lambda_requests = 1 + prepare_invocations + fetch_invocations + update_invocations
    memory = {NIGHTLY: inputs.fetch.memory_mb, PREPARE: inputs.fetch.memory_mb, FETCH: inputs.fetch.memory_mb,
              UPDATE: inputs.update.memory_mb}
    # each cold once a night
    containers = {NIGHTLY: 1, PREPARE: prepare_wanted, FETCH: fetch_consumers, UPDATE: update_consumers}
    billed_ms = {**{s: rates.per_sku[s]["ms"] * skus for s in rates.per_sku}, NIGHTLY: nightly_s * 1000}
    scenario.gb_seconds = sum((billed_ms[s] + counts.cold_start_ms.get(s, 0) * containers[s])
                              / 1000 * memory[s] / 1024 for s in billed_ms)
    # one ReceiveMessage + one DeleteMessageBatch a batch
    pollers = 2 * (prepare_invocations + fetch_invocations + update_invocations)
    fetch_queue_requests = (rates.nightly["sqs"] * nightly_calls + rates.per_sku[PREPARE]["sqs"] * skus
                            + 2 * (prepare_invocations + fetch_invocations))
    update_queue_requests = (rates.per_sku[FETCH]["sqs"] + rates.per_sku[UPDATE]["sqs"]) * skus + 2 * update_invocations
    scenario.sqs_requests = total("sqs") + pollers
    scenario.read_units, scenario.write_units = total("rru"), total("wru")

    # --- cost of a month (whole fleet)
    runs = inputs.runs_per_month
    million = 1_000_000

    def sqs_price(consumer: Consumer) -> float:
        return (prices.sqs_fifo_per_million if consumer.fifo else prices.sqs_standard_per_million) / million

    idle = quotas.idle_poll_requests_per_queue_month
    scenario.cost_month = {
        "lambda": runs * (scenario.lambda_requests * prices.lambda_requests_per_million / million
                          + scenario.gb_seconds * prices.lambda_gb_second_arm64),
        "sqs": runs * (fetch_queue_requests * sqs_price(inputs.fetch)
                       + update_queue_requests * sqs_price(inputs.update))
        + idle * (sqs_price(inputs.fetch) + sqs_price(inputs.update)),
        "dynamodb": runs * (scenario.read_units * prices.dynamodb_read_units_per_million
                            + scenario.write_units * prices.dynamodb_write_units_per_million) / million,
        "kms+secrets": runs * (
            (total("kms") + _cold(counts, containers, "kms")) * prices.kms_per_10k
            + (total("secrets") + _cold(counts, containers, "secretsmanager")) * prices.secrets_manager_per_10k)
        / 10_000,
    }

    # --- quotas (utilisation: 1.0 = at the limit)
    wru_store = (rates.per_sku[FETCH]["wru"] + rates.per_sku[UPDATE]["wru"]) * skus_per_store
    rru_store = sum(rates.per_sku[s]["rru"] for s in rates.per_sku) * skus_per_store
    store_s = update_s  # every store's rows are written over the update stage (one partition key a store)
    fifo_limit = quotas.fifo_msgs_per_s_batched if rates.batched_sends else quotas.fifo_msgs_per_s
    fifo_rates = [r for r, c in ((skus / inputs.fetch_message_skus / fetch_s, inputs.fetch),
                                 (update_messages / update_s, inputs.update)) if c.fifo]
    per_shop_qps = (update_consumers if not inputs.update.fifo else 1) * rates.update_messages_per_s \
        * rates.tiktok_calls_per_update_message
    scenario.quotas = {
        "account concurrency": wanted / quotas.account_concurrency,
        "SQS FIFO throughput": max(fifo_rates, default=0.0) / fifo_limit,
        "DynamoDB partition WCU": wru_store / store_s / quotas.partition_wcu,
        "DynamoDB partition RCU": rru_store / store_s / quotas.partition_rcu,
        "async invoke / message payload": rates.max_payload_bytes / quotas.async_payload_bytes,
        "TikTok QPS per shop": min(per_shop_qps, update_rate * rates.tiktok_calls_per_update_message)
        / quotas.tiktok_qps_per_shop,
        "nightly queueing vs Timeout": nightly_s / inputs.fetch.timeout_s,
        "a store's prepare vs Timeout": store_prepare_s / inputs.fetch.timeout_s,
    }
    return scenario


HOW_TO_RAISE = {
    "account concurrency": "Service Quotas: Lambda 'Concurrent executions' (L-B99A9384) increase request; "
                           "or cap StockFetchFunction with ScalingConfig.MaximumConcurrency",
    "SQS FIFO throughput": "high-throughput FIFO (DeduplicationScope=messageGroup, "
                           "FifoThroughputLimit=perMessageGroupId); keep SendMessageBatch",
    "DynamoDB partition WCU": "hard per-partition limit: shard the partition key (client_hash#n) or write fewer "
                              "rows per SKU; adaptive capacity splits hot keys only by sort-key range",
    "DynamoDB partition RCU": "as WCU: shard the key, or read with BatchGetItem / eventually consistent",
    "async invoke / message payload": "hard limit: keep messages per product (they are); large data by reference",
    "TikTok QPS per shop": "TikTok's limit (not ours to raise: partner manager); keep the limiter shares "
                           "<= 50 QPS per shop",
    "nightly queueing vs Timeout": "not a hard limit: short of time, the nightly queues its continuation "
                                   "(a cursor: the last store queued) and the next invocation goes on",
    "a store's prepare vs Timeout": "one store's SKU Query + batches in one invocation: page it with a cursor "
                                    "(or raise the Timeout, at most 900 s) for stores this size",
}


def stores_at_limit(quota: str, utilisation: Callable[[int], float], ceiling: int = 1_000_000) -> int | None:
    """Smallest store count where the quota is reached (utilisation >= 1), or None below `ceiling`."""
    if utilisation(ceiling) < 1.0:
        return None
    low, high = 1, ceiling
    if utilisation(low) >= 1.0:
        return low
    while high - low > 1:
        middle = (low + high) // 2
        if utilisation(middle) >= 1.0:
            high = middle
        else:
            low = middle
    return high


def first_limits(inputs: TemplateInputs, counts: Counts, skus_per_store: int = SKUS_PER_STORE,
                 quotas: Quotas = QUOTAS) -> dict[str, int | None]:
    names = list(model(inputs, counts, 1, skus_per_store, quotas=quotas).quotas)
    return {name: stores_at_limit(name, lambda s, n=name: model(inputs, counts, s, skus_per_store,
                                                                  quotas=quotas).quotas[n]) for name in names}


# --------------------------------------------------------------------------------------------- report


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def report(inputs: TemplateInputs, counts: Counts, sizes: Sequence[int] = STORE_SIZES,
           skus_per_store: int = SKUS_PER_STORE, prices: Prices = PRICES) -> str:
    scenarios = [model(inputs, counts, s, skus_per_store, prices) for s in sizes]
    f, u = inputs.fetch, inputs.update
    lines = [
        f"template: fetch {f.memory_mb} MB, BatchSize {f.batch_size}, MaximumConcurrency {f.max_concurrency}, "
        f"{'FIFO' if f.fifo else 'standard'} queue, {inputs.fetch_message_skus} SKUs a message, "
        f"{f.vtex_reads_per_s or '-'} VTEX reads/s a store; update "
        f"{u.memory_mb} MB, BatchSize {u.batch_size}, MaximumConcurrency {u.max_concurrency}, "
        f"{'FIFO' if u.fifo else 'standard'} queue, {u.qps_per_container} TikTok QPS a container, "
        f"{u.batch_concurrency} records at once; nightly "
        f"{inputs.schedule} ({inputs.runs_per_month:.0f} runs a month)",
        f"measured ({counts.source}): {counts.stores} store x {counts.products} products x "
        f"{counts.skus // max(1, counts.products)} SKUs in {counts.wall_s:.1f} s: "
        f"{counts.tiktok_calls} TikTok calls, {counts.vtex_calls} VTEX calls, {counts.fetch_messages} fetch + "
        f"{counts.update_messages} update messages"
        + (f"; {sum(st.redelivered for st in counts.stages.values())} records redelivered after a transient "
           f"failure ({'; '.join(sorted({r for st in counts.stages.values() for r in st.failure_reasons}))[:400]})"
           if any(st.redelivered for st in counts.stages.values()) else "; no record redelivered"),
        f"prices: {prices.region}, {prices.as_of} ({prices.source})",
        "",
    ]
    header = f"  {'':<34}" + "".join(f"{f'{s.stores} store' + ('s' if s.stores > 1 else ''):>16}" for s in scenarios)
    rows: list[tuple[str, Callable[[Scenario], str]]] = [
        ("nightly run time", lambda s: _duration(s.run_s)),
        ("peak Lambda concurrency", lambda s: f"{s.peak_concurrency:,}" + (
            f" (wants {s.wanted_concurrency:,})" if s.wanted_concurrency > s.peak_concurrency else "")),
        ("Lambda invocations / run", lambda s: _number(s.lambda_requests)),
        ("Lambda GB-seconds / run", lambda s: _number(s.gb_seconds)),
        ("SQS requests / run", lambda s: _number(s.sqs_requests)),
        ("DynamoDB read units / run", lambda s: _number(s.read_units)),
        ("DynamoDB write units / run", lambda s: _number(s.write_units)),
        ("cost per store / month (USD)", lambda s: f"{s.cost_per_store_month:.3f}"),
        ("  of which Lambda", lambda s: f"{s.cost_month['lambda'] / s.stores:.3f}"),
        ("  of which SQS", lambda s: f"{s.cost_month['sqs'] / s.stores:.3f}"),
        ("  of which DynamoDB", lambda s: f"{s.cost_month['dynamodb'] / s.stores:.3f}"),
        ("  of which KMS + Secrets Manager", lambda s: f"{s.cost_month['kms+secrets'] / s.stores:.4f}"),
    ]
    lines.append(header)
    lines += [f"  {name:<34}" + "".join(f"{cell(s):>16}" for s in scenarios) for name, cell in rows]
    lines += ["", "  quota (share of the limit used)" + " " * 2 + "".join(
        f"{f'{s.stores} store' + ('s' if s.stores > 1 else ''):>16}" for s in scenarios) + "   reached at"]
    limits = first_limits(inputs, counts, skus_per_store)
    for name in scenarios[0].quotas:
        reached = limits[name]
        lines.append(f"  {name:<34}" + "".join(f"{s.quotas[name]:>15.0%} " for s in scenarios)
                     + f"  {f'{reached:,} stores' if reached else 'not below 1,000,000 stores'}")
    hit = sorted(((n, r) for n, r in limits.items() if r is not None), key=lambda item: item[1])
    if hit:
        name, at = hit[0]
        lines += ["", f"first limit hit: {name} at {at:,} stores of {skus_per_store:,} SKUs -> {HOW_TO_RAISE[name]}"]
        lines += [f"  then: {n} at {r:,} stores -> {HOW_TO_RAISE[n]}" for n, r in hit[1:]]
    return "\n".join(lines)


def run(smoke: bool = False, counts: Counts | None = None, inputs: TemplateInputs | None = None) -> dict[str, Any]:
    counts = counts or measure_counts(products=20 if smoke else 100)
    inputs = inputs or load_inputs()
    print(report(inputs, counts), flush=True)
    return {"counts": counts, "scenarios": [model(inputs, counts, s) for s in STORE_SIZES]}


def counts_from(module: str) -> Counts:
    """`measure_counts()` of another measurement (e.g. benchmarks.bench_multi_shop), returning a Counts."""
    counts = importlib.import_module(module).measure_counts()
    if not isinstance(counts, Counts):
        raise TypeError(f"{module}.measure_counts() returned {type(counts).__name__}, not cost_counts.Counts")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="measure at 20 products instead of 100")
    parser.add_argument("--counts-from", metavar="MODULE",
                        help="take the counts from MODULE.measure_counts() instead of benchmarks.cost_counts")
    args = parser.parse_args(argv)
    run(smoke=args.smoke, counts=counts_from(args.counts_from) if args.counts_from else None)
    return 0


__all__ = ["PRICES", "QUOTAS", "Counts", "Prices", "Quotas", "TemplateInputs", "load_inputs", "model", "report", "run",
           "template_inputs"]

if __name__ == "__main__":
    sys.exit(main())
