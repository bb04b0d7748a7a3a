"""Counts per SKU for the cost model, measured by running the nightly stock flow in-process.

What runs: template.yaml provisioned into an in-process moto (tables, queues, KMS key, secrets), both
sandboxes on ephemeral ports with the demo catalog and the latencies of `bench_stock_sync` (VTEX 30 ms,
TikTok inventory update 60 ms, TikTok's 50 QPS per API per shop on), one client onboarded the production way
(shop link, VTEX secret, products, a KMS-encrypted token grant). Then the nightly exactly as the template
declares it: the `NightlyStock` schedule's Input invoked on StockFetchFunction (stage "nightly": it queues one
triggerPrepareStock per store to StockFetchQueue), that per-store message handled by the same handler (stage
"prepare": the store's SKU batches to StockFetchQueue), StockFetchQueue then drained into the same handler in
batches of that event source's BatchSize, StockUpdateQueue into StockUpdateFunction's handler in batches of
its BatchSize, each stage with its own function environment (the template's), as one warm container per
stage.

Counted: every AWS API call of the functions through botocore event hooks registered on each client as it
is created (`before-call` counts the call, `before-parameter-build` sizes writes and payloads, `after-call`
sizes what Query/Scan/BatchGetItem returned, for DynamoDB request units); the ReceiveMessage /
DeleteMessageBatch calls of the driver (Lambda's pollers in AWS) separately; TikTok and VTEX calls as the
sandboxes counted them; each invocation's duration rounded up to the millisecond (what Lambda bills).

`measure_counts() -> Counts` is the one entry point the model uses; another measurement (a multi-shop
benchmark) can replace it as long as it returns the same `Counts`.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.aws_calls import AwsCallCounter, StageCounts

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "functions") not in sys.path:  # the handlers' import root (Lambda's task root; pytest's pythonpath)
    sys.path.append(str(ROOT / "functions"))
TEMPLATE = ROOT / "template.yaml"
NIGHTLY, PREPARE, FETCH, UPDATE = "nightly", "prepare", "fetch", "update"
STAGES = (NIGHTLY, PREPARE, FETCH, UPDATE)
FETCH_FUNCTION, UPDATE_FUNCTION = "StockFetchFunction", "StockUpdateFunction"
NIGHTLY_INPUT_TYPE = "triggerPrepareStockAllClients"
SKUS_PER_PRODUCT = 5
MAX_RECEIVES = 5  # the fetch and update queues' RedrivePolicy maxReceiveCount (template.yaml)
AWS_CALL_MS = 6.0  # assumed in-region round trip of one DynamoDB / SQS / KMS call (moto's own time is removed)


@dataclass
class Counts:
    """A measured run, the model's only measured input."""

    stores: int
    skus: int
    products: int
    fetch_messages: int
    update_messages: int
    tiktok_calls: int
    vtex_calls: int
    stages: dict[str, StageCounts]
    cold_start_ms: dict[str, int] = field(default_factory=dict)  # extra ms of a stage's first (cold) run
    cold_calls: dict[str, Counter[str]] = field(default_factory=dict)  # extra AWS calls of that run (secrets...)
    poller_receives: int = 0  # ReceiveMessage calls that returned messages (Lambda's pollers)
    poller_deletes: int = 0  # DeleteMessageBatch calls (Lambda deletes what the batch handled)
    source: str = "in-process stock flow (benchmarks/cost_counts.py)"
    wall_s: float = 0.0


# --------------------------------------------------------------------------------------------- the run


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _reset_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from tiktok_vtex import aws
    from tiktok_vtex.settings import get_settings
    from tiktok_vtex.sync_functions import wiring

    aws.reset()
    get_settings.cache_clear()
    wiring.wiring.cache_clear()
    parameters.clear_caches()


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:cost-model"
    aws_request_id: str = "cost-model"


class StockFlowRun:
    """One nightly stock run through the real handler, stage by stage (see the module docstring)."""

    def __init__(self, products: int) -> None:
        self.products = products

    def measure(self) -> Counts:
        from moto import mock_aws

        from local.env import stack_env

        env = dict(stack_env())
        region = env["AWS_REGION"]
        aws_env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": region,
                   "AWS_REGION": region, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR",
                   "POWERTOOLS_METRICS_NAMESPACE": "TikTokVtexCostModel"}
        counter = AwsCallCounter()
        from tiktok_vtex.observability import metrics

        saved_namespace = metrics.namespace
        metrics.namespace = aws_env["POWERTOOLS_METRICS_NAMESPACE"]  # the shared Metrics object predates this env
        with _environment(aws_env), _without_endpoints(), counter.installed(), mock_aws(), _Sandboxes(env) as boxes:
            _reset_caches()
            try:
                return self._run(env, counter, boxes)
            finally:
                _reset_caches()
                metrics.namespace = saved_namespace

    def _run(self, env: dict[str, str], counter: AwsCallCounter, boxes: _Sandboxes) -> Counts:
        from local.provision import provision
        from local.template import load_template, parameters_from_stack_env

        template = load_template(TEMPLATE)
        stack = provision(TEMPLATE, parameters=parameters_from_stack_env(template, env), region=env["AWS_REGION"])
        overrides = {"TIKTOK_API_BASE_URL": boxes.tiktok_url, "TIKTOK_AUTH_BASE_URL": boxes.tiktok_url,
                     "VTEX_BASE_URL_TEMPLATE": boxes.vtex_url + "/{account}",
                     "VTEX_PRICING_BASE_URL_TEMPLATE": boxes.vtex_url + "/{account}"}

        def function_env(logical_id: str) -> dict[str, str]:
            return {**stack.function_environment(logical_id), **overrides}

        catalog = boxes.seed(self.products)
        # One warm process serves both stages (their environments merged, as tests/integration/inventory does):
        # the nightly runs twice and the second, warm run is what is counted; the first run's extra time per
        # stage is the cold start, billed once per container.
        environment = {**function_env(FETCH_FUNCTION), **function_env(UPDATE_FUNCTION)}
        resources = template["Resources"]
        schedule = nightly_event(resources[FETCH_FUNCTION]["Properties"])
        events = {FETCH: sqs_event(resources[FETCH_FUNCTION]["Properties"]),
                  UPDATE: sqs_event(resources[UPDATE_FUNCTION]["Properties"])}
        batches = {stage: int(event.get("BatchSize", 10)) for stage, event in events.items()}
        queues = {stage: stack.physical_ids[event["Queue"]["Fn::GetAtt"][0]] for stage, event in events.items()}
        for event in events.values():
            redrive = resources[event["Queue"]["Fn::GetAtt"][0]]["Properties"]["RedrivePolicy"]
            if int(redrive["maxReceiveCount"]) != MAX_RECEIVES:
                raise ValueError(f"MAX_RECEIVES is {MAX_RECEIVES}, the template's maxReceiveCount {redrive}")
        with _environment(environment):
            _reset_caches()
            _onboard(env, boxes, catalog)
            from stock import handler

            cold = self._nightly(handler, json.loads(schedule["Input"]), batches, queues, counter)
            tiktok_before, vtex_before = boxes.calls()
            counter.poller = StageCounts()
            started = time.perf_counter()
            warm = self._nightly(handler, json.loads(schedule["Input"]), batches, queues, counter)
            wall = time.perf_counter() - started
        tiktok_after, vtex_after = boxes.calls()
        skus = sum(len(p["skus"]) for p in catalog["products"])
        return Counts(stores=1, skus=skus, products=len(catalog["products"]), fetch_messages=warm[FETCH].messages,
                      update_messages=warm[UPDATE].messages, tiktok_calls=tiktok_after - tiktok_before,
                      vtex_calls=vtex_after - vtex_before, stages=warm,
                      cold_start_ms={s: max(0, cold[s].billed_ms - warm[s].billed_ms) for s in STAGES},
                      cold_calls={s: cold[s].aws - warm[s].aws for s in STAGES},
                      poller_receives=counter.poller.calls("sqs", "ReceiveMessage"),
                      poller_deletes=counter.poller.calls("sqs", "DeleteMessageBatch"), wall_s=wall)

    @staticmethod
    def _nightly(handler: Any, event: dict[str, Any], batches: Mapping[str, int], queues: Mapping[str, str],
                 counter: AwsCallCounter) -> dict[str, StageCounts]:
        stages = {stage: StageCounts() for stage in STAGES}
        counter.stages = stages
        _invoke(handler, event, stages[NIGHTLY], counter, NIGHTLY, FETCH_FUNCTION)
        # the one store's triggerPrepareStock: all the fetch queue holds after the nightly (the SKU batches it
        # queues are the fetch stage's)
        for batch in _poll(queues[FETCH], batches[FETCH], counter, limit=1):
            _invoke(handler, {"Records": batch}, stages[PREPARE], counter, PREPARE, FETCH_FUNCTION)
        for stage, function in ((FETCH, FETCH_FUNCTION), (UPDATE, UPDATE_FUNCTION)):
            for batch in _poll(queues[stage], batches[stage], counter):
                _invoke(handler, {"Records": batch}, stages[stage], counter, stage, function)
        return stages


def sqs_event(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    """A function's one SQS event source (its Properties), whatever the template names it."""
    events = [e["Properties"] for e in (properties.get("Events") or {}).values() if e.get("Type") == "SQS"]
    if len(events) != 1:
        raise ValueError(f"expected one SQS event source, found {len(events)}")
    return events[0]


def nightly_event(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    """The Schedule event whose Input is the all-clients nightly."""
    for event in (properties.get("Events") or {}).values():
        if event.get("Type") == "Schedule" and json.loads(event["Properties"].get("Input") or "{}").get(
                "type") == NIGHTLY_INPUT_TYPE:
            return event["Properties"]
    raise ValueError(f"no Schedule event with Input type {NIGHTLY_INPUT_TYPE}")


def _invoke(handler: Any, event: dict[str, Any], stage: StageCounts, counter: AwsCallCounter, name: str,
            function: str, receives: int = 1) -> Any:
    # the EMF metric lines the handlers print are CloudWatch's input, not this report's
    calls_before, moto_before = sum(stage.aws.values()), stage.moto_ms
    with counter.billing(name), contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        answer = handler.lambda_handler(event, LambdaContext(function))
        elapsed_ms = (time.perf_counter() - started) * 1000
    # moto answers in-process (its CPU would be billed as ours); AWS answers in AWS_CALL_MS instead
    aws_ms = (sum(stage.aws.values()) - calls_before) * AWS_CALL_MS
    stage.billed_ms += max(1, math.ceil(elapsed_ms - (stage.moto_ms - moto_before) + aws_ms))
    stage.invocations += 1
    stage.messages += len(event.get("Records", [])) or 1
    failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])} \
        if isinstance(answer, dict) else set()
    if failed:
        # A record a batch reports failed (a transient SKU failure raises RetryLater) is what SQS hands over
        # again after the visibility timeout, up to the DLQ's maxReceiveCount: the same here, counted and
        # printed, so a rare transient failure is a redelivery in the table, not a failed run.
        reasons = [f"{e[0].__name__}: {e[1]}"[:300] for e in _batch_exceptions(handler)]
        stage.failure_reasons += reasons
        if receives >= MAX_RECEIVES:
            raise RuntimeError(f"{function}: {len(failed)} records failed {receives} times in the measured run: "
                               f"{reasons}")
        records = [r for r in event["Records"] if r["messageId"] in failed]
        stage.redelivered += len(records)
        stage.messages -= len(records)  # counted once, as messages; the redelivery is its own count
        _invoke(handler, {"Records": records}, stage, counter, name, function, receives + 1)
    return answer


def _batch_exceptions(handler: Any) -> list[Any]:
    """The exceptions the handler's Powertools batch processor caught in its last batch (exc_info tuples)."""
    processor = getattr(getattr(handler, "FUNCTION", None), "processor", None)
    return list(getattr(processor, "exceptions", []) or [])


def _poll(queue_url: str, batch_size: int, counter: AwsCallCounter,
          limit: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Lambda's SQS poller: receive up to BatchSize, hand the batch over, delete it (DeleteMessageBatch); until
    the queue is empty, or `limit` messages were handed over."""
    from tiktok_vtex import aws

    sqs = aws.client("sqs")
    left = limit
    while left is None or left > 0:
        with counter.polling():
            answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, batch_size, left or 10),
                                         AttributeNames=["All"])
        messages = answer.get("Messages", [])
        if not messages:
            counter.poller.aws["sqs.ReceiveMessage"] -= 1  # the empty receive that ends the drain
            return
        if left is not None:
            left -= len(messages)
        yield [_sqs_record(m, queue_url) for m in messages]
        with counter.polling():
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])


def _sqs_record(message: Mapping[str, Any], queue_url: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                           "SentTimestamp": attributes.get("SentTimestamp", "1"), "SenderId": "cost-model",
                           "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "1")},
            "messageAttributes": {}, "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue_url.rsplit('/', 1)[-1]}",
            "awsRegion": "us-east-1"}


@contextlib.contextmanager
def _without_endpoints() -> Iterator[None]:
    """Nothing escapes to a local stack or real AWS: moto in-process only."""
    saved = {n: os.environ.pop(n) for n in list(os.environ)
             if n.startswith("AWS_ENDPOINT_URL") or n in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}}
    try:
        yield
    finally:
        os.environ.update(saved)


class _Sandboxes:
    """Both sandboxes in-process with bench_stock_sync's latencies and limits."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self._stops: list[Callable[[], None]] = []

    def __enter__(self) -> _Sandboxes:
        import httpx

        from benchmarks.bench_stock_sync import TIKTOK_QPS
        from local.httpserver import serve_in_thread
        from local.tiktok_sandbox import create_app as tiktok_app
        from local.tiktok_sandbox import sandbox_of
        from local.vtex_sandbox import create_app as vtex_app

        self.tiktok_app = tiktok_app({**self.env, "TIKTOK_SANDBOX_QPS": str(TIKTOK_QPS)})
        self.sandbox = sandbox_of(self.tiktok_app)
        self.vtex_app = vtex_app({**self.env, "VTEX_SANDBOX_SEED": "none"}, ticker=False)
        self.tiktok_url, stop_tiktok = serve_in_thread(self.tiktok_app)
        self._stops.append(stop_tiktok)
        self.vtex_url, stop_vtex = serve_in_thread(self.vtex_app)
        self._stops.append(stop_vtex)
        self.http = httpx.Client(timeout=60)
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()
        for stop in reversed(self._stops):
            stop()
        self.vtex_app.extensions["vtex_sandbox"]["close"]()

    def seed(self, products: int) -> dict[str, Any]:
        from benchmarks.bench_stock_sync import TIKTOK_LATENCY_MS, VTEX_LATENCY_MS, VTEX_RATE
        from local.fixtures.demo_catalog import demo_catalog

        catalog = demo_catalog(products=products, skus_per_product=SKUS_PER_PRODUCT)
        self.http.post(f"{self.vtex_url}/sandbox/seed/demo",
                       json={"products": products, "skus_per_product": SKUS_PER_PRODUCT}).raise_for_status()
        self.http.post(f"{self.tiktok_url}/sandbox/seed/demo", json={"catalog": catalog}).raise_for_status()
        self.http.post(f"{self.vtex_url}/sandbox/faults", json={
            "route": "inventory_item", "latency_ms": VTEX_LATENCY_MS, "rate_limit_per_second": VTEX_RATE,
            "burst": VTEX_RATE}).raise_for_status()
        self.http.post(f"{self.tiktok_url}/sandbox/faults", json={
            "endpoint": "POST /product/202309/products/{product_id}/inventory/update",
            "latency_ms": TIKTOK_LATENCY_MS}).raise_for_status()
        return catalog

    def calls(self) -> tuple[int, int]:
        tiktok = self.http.get(f"{self.tiktok_url}/sandbox/calls").json()["calls"]
        vtex = self.http.get(f"{self.vtex_url}/sandbox/calls").json()["calls"]
        return sum(tiktok.values()), sum(vtex.values())


def _onboard(env: Mapping[str, str], boxes: _Sandboxes, catalog: Mapping[str, Any]) -> None:
    """The rows and secrets production holds for an authorized client (as tests/integration/inventory does),
    with the token grant KMS-encrypted in TokenTable, so the functions take their real token path."""
    import boto3

    from tiktok_vtex.auth.tokens.cipher import TokenCipher
    from tiktok_vtex.clients.vtex.credentials import vtex_secret_name
    from tiktok_vtex.models.client import ClientSettings, ShopLink, ShopLinkStatus
    from tiktok_vtex.repositories.clients import ClientRepository
    from tiktok_vtex.repositories.products import ProductRepository, SellerSku
    from tiktok_vtex.repositories.tokens import TokenRepository
    from tiktok_vtex.settings import get_settings

    settings = get_settings()
    client_hash, shop_id = env["DEMO_CLIENT_HASH"], env["DEMO_SHOP_ID"]
    shop = boxes.sandbox.shops[shop_id]
    warehouse = env["DEMO_TIKTOK_WAREHOUSE_ID"]
    ClientRepository(settings.tables.client, settings.tables.client_tiktok).put_shop_link(ShopLink(
        client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED, cipher=shop["cipher"],
        tik_tok_shop_store_id=shop_id, connector_settings=ClientSettings(warehouse_map={"1_1": warehouse})))
    secret = {"account": env["VTEX_ACCOUNT"], "app_key": env["VTEX_APP_KEY"], "app_token": env["VTEX_APP_TOKEN"],
              "warehouse_ids": ["1_1"], "sales_channel": env["VTEX_SALES_CHANNEL"],
              "affiliate_id": env["VTEX_AFFILIATE_ID"]}
    boto3.client("secretsmanager").create_secret(Name=vtex_secret_name(client_hash, settings.vtex_secret_prefix),
                                                 SecretString=json.dumps(secret))
    ProductRepository(settings.tables.products_seller_sku).put_many([
        SellerSku(client_hash=client_hash, seller_sku=s["seller_sku"], product_id=str(p["id"]),
                  tik_tok_product_id=p["tiktok_product_id"], tik_tok_sku_id=s["tiktok_sku_id"],
                  vtex_sku_id=str(s["id"]))
        for p in catalog["products"] for s in p["skus"]])
    tokens = boxes.sandbox.issue_tokens(shop_id)
    cipher, now = TokenCipher(settings.token_kms_key_id), int(time.time())
    TokenRepository(settings.tables.token).store_grant(
        client_hash, access_ciphertext=cipher.encrypt(client_hash, tokens["access_token"]),
        refresh_ciphertext=cipher.encrypt(client_hash, tokens["refresh_token"]),
        access_expires=now + 7 * 86400, refresh_expires=now + 30 * 86400, auth_code="cost-model",
        grant_id="cost-model", grant_clients=[client_hash], open_id=shop.get("open_id"), now=now)


def measure_counts(products: int = 100) -> Counts:
    """The measured counts the cost model scales (1 store x `products` x 5 SKUs)."""
    with _quiet_logs(), warnings.catch_warnings():  # Powertools warns about invocations without metrics
        warnings.simplefilter("ignore", UserWarning)
        return StockFlowRun(products).measure()


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Expected retries (VTEX 429s with the limit on) stay out of the table; the levels are put back after,
    so a caller's logging (a test's caplog in the same process) is as it was."""
    import logging

    from tiktok_vtex.observability import logger

    package = logging.getLogger("tiktok_vtex")
    saved = (logger.log_level, package.level)
    logger.setLevel("ERROR")
    package.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(saved[0])
        package.setLevel(saved[1])
