"""Stock sync VTEX -> TikTok against both sandboxes: first full sync and a re-sync after 5% of the stock changed.

What runs (`run`): one shop through the multi-shop model of benchmarks/bench_multi_shop.py, i.e. the design
template.yaml declares: the sandboxes in processes of their own with the demo catalog (full size: 2,000 products
x 5 SKUs = 10,000 SKUs), per-call latency injected (VTEX inventory 30 ms, TikTok inventory update 60 ms),
TikTok's 50 QPS per API per shop on, VTEX's inventory route limited to 300 req/s; the production logic
(StockSync.prepare_stock / fetch_and_dispatch / update, the real VtexClient and TikTokShopClient); the fetch
queue FIFO grouped per shop as the template declares it (one fetch container for the shop, BatchSize 5, its
VTEX bucket VTEX_READS_PER_SECOND settled after each batch), the update queue FIFO grouped per shop (one batch
of the shop in flight, BatchSize 10, the 10 records at once, the container's limiter 50/s burst 10 settled after
each batch).
Not simulated: DynamoDB (the sync state lives in memory with the same conditional semantics) and Lambda
cold starts, SQS latency.

`Harness` (in-process sandboxes, the same FIFO update side in `Harness.run`) is what
benchmarks/bench_realtime_sync.py builds on.

Reported per run: wall time, VTEX calls, TikTok calls, queue messages (+ SendMessageBatch calls), handler
invocations; next to them the legacy one-call-per-SKU design's counts computed from the catalog (1 VTEX
read, 1 queue message and 1 TikTok call per SKU, batches of 20 SKUs to the fetch queue, SendMessage one by
one, SQS BatchSize 10 assumed) and the rate-limit lower bound (TikTok calls / 50 QPS, and VTEX calls / its
limit; the larger wins).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.multi_shop_model import SimFifoQueue, SimQueue, TemplateScaling
from local.env import stack_env
from local.fixtures.demo_catalog import demo_catalog
from local.httpserver import serve_in_thread
from tiktok_vtex.clients.tiktok import StaticAccessToken, TikTokShopClient, TokenBucketLimiter
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.credentials import parse_vtex_credentials
from tiktok_vtex.clients.vtex.throttle import RetryAfterGate
from tiktok_vtex.inventory.memory import MemoryChangeLog, MemoryStateStore
from tiktok_vtex.inventory.models import UpdateInventory
from tiktok_vtex.inventory.rules import WarehouseRoute
from tiktok_vtex.inventory.sync import ClientSyncContext, NoPendingOrders, StockSync
from tiktok_vtex.repositories.products import SellerSku

TIKTOK_QPS = 50.0
VTEX_RATE = 300.0
VTEX_LATENCY_MS = 30
TIKTOK_LATENCY_MS = 60
FETCH_CONTAINERS = 4  # Harness.run (bench_realtime_sync's re-sync); run() uses bench_multi_shop's 20
FETCH_BATCH = 5  # template: StockFetchFunction SQS BatchSize
UPDATE_CONTAINERS = 5  # bench_realtime_sync's own update workers (the earlier design; Harness.run is FIFO)
UPDATE_BATCH = 10
VTEX_CONCURRENCY = 16  # per fetch container (tiktok_vtex/sync_functions/wiring.py)
SKUS_PER_FETCH_MESSAGE = 50
LEGACY_BATCH = 20
LEGACY_SQS_BATCH = 10
CLIENT = "bench-client"
SKUS_PER_PRODUCT = 5


@dataclass
class RunStats:
    wall: float = 0.0
    vtex_calls: int = 0
    tiktok_calls: int = 0
    tiktok_429: int = 0
    messages: int = 0
    send_calls: int = 0
    invocations: int = 0
    skus_sent: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)
    bound_s: float | None = None  # from the work (products, SKUs) when known: a 429's retry is no longer bound


class Harness:
    def __init__(self, products: int) -> None:
        self.env = dict(stack_env())
        from local.tiktok_sandbox import create_app as tiktok_app
        from local.tiktok_sandbox import sandbox_of
        from local.vtex_sandbox import create_app as vtex_app

        self.tiktok_app = tiktok_app({**self.env, "TIKTOK_SANDBOX_QPS": str(TIKTOK_QPS)})
        self.sandbox = sandbox_of(self.tiktok_app)
        self.vtex_app = vtex_app({**self.env, "VTEX_SANDBOX_SEED": "none"}, ticker=False)
        self.tiktok_url, self._stop_tiktok = serve_in_thread(self.tiktok_app)
        self.vtex_url, self._stop_vtex = serve_in_thread(self.vtex_app)
        self.admin = httpx.Client(timeout=120)
        self.catalog = demo_catalog(products=products, skus_per_product=SKUS_PER_PRODUCT)
        self.admin.post(f"{self.vtex_url}/sandbox/seed/demo",
                        json={"products": products, "skus_per_product": SKUS_PER_PRODUCT}).raise_for_status()
        self.admin.post(f"{self.tiktok_url}/sandbox/seed/demo", json={"catalog": self.catalog}).raise_for_status()
        self.admin.post(f"{self.vtex_url}/sandbox/faults", json={
            "route": "inventory_item", "latency_ms": VTEX_LATENCY_MS, "rate_limit_per_second": VTEX_RATE,
            "burst": VTEX_RATE}).raise_for_status()
        self.admin.post(f"{self.tiktok_url}/sandbox/faults", json={
            "endpoint": "POST /product/202309/products/{product_id}/inventory/update",
            "latency_ms": TIKTOK_LATENCY_MS}).raise_for_status()
        self.shop_id = self.env["DEMO_SHOP_ID"]
        self.shop = self.sandbox.shops[self.shop_id]
        self.token = self.sandbox.issue_tokens(self.shop_id)["access_token"]
        self.warehouse = self.env["DEMO_TIKTOK_WAREHOUSE_ID"]
        self.state = MemoryStateStore([
            SellerSku(client_hash=CLIENT, seller_sku=s["seller_sku"], product_id=str(p["id"]),
                      tik_tok_product_id=p["tiktok_product_id"], tik_tok_sku_id=s["tiktok_sku_id"],
                      vtex_sku_id=str(s["id"]))
            for p in self.catalog["products"] for s in p["skus"]])
        self.credentials = parse_vtex_credentials({
            "account": self.env["VTEX_ACCOUNT"], "app_key": self.env["VTEX_APP_KEY"],
            "app_token": self.env["VTEX_APP_TOKEN"], "warehouse_ids": ["1_1"],
            "affiliate_id": self.env["VTEX_AFFILIATE_ID"]})
        self.ctx = ClientSyncContext(CLIENT, (WarehouseRoute("1_1", self.warehouse),))
        self.limiter = TokenBucketLimiter(TIKTOK_QPS)  # one per shop, shared by the update containers

    @property
    def skus(self) -> list[dict[str, Any]]:
        return [s for p in self.catalog["products"] for s in p["skus"]]

    def close(self) -> None:
        self.admin.close()
        self._stop_tiktok()
        self._stop_vtex()
        self.vtex_app.extensions["vtex_sandbox"]["close"]()

    def _counts(self) -> tuple[int, int]:
        """Calls as the sandboxes counted them (retries included)."""
        vtex = self.admin.get(f"{self.vtex_url}/sandbox/calls").json()["calls"].get("inventory_item", 0)
        tiktok = self.admin.get(f"{self.tiktok_url}/sandbox/calls").json()["calls"]
        return vtex, sum(v for k, v in tiktok.items() if k.endswith("/inventory/update"))

    def vtex_client(self, gate: RetryAfterGate) -> VtexClient:
        http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=VTEX_CONCURRENCY),
                            event_hooks={"request": [gate.before_request], "response": [gate.on_response]})
        return VtexClient(self.credentials, base_url_template=self.vtex_url + "/{account}",
                          pricing_base_url_template=self.vtex_url + "/{account}", http=http,
                          max_concurrency=VTEX_CONCURRENCY)

    def tiktok_client(self, limiter: TokenBucketLimiter | None = None) -> TikTokShopClient:
        return TikTokShopClient(app_key=self.env["TIKTOK_APP_KEY"], app_secret=self.env["TIKTOK_APP_SECRET"],
                                base_url=self.tiktok_url, shop_cipher=self.shop["cipher"],
                                tokens=StaticAccessToken(self.token), shop_id=self.shop_id,
                                limiter=limiter or self.limiter, http=httpx.Client(timeout=30))

    def run(self) -> RunStats:  # noqa: PLR0915 - the simulated runtime (queues, pollers, containers) reads best in one place
        stats = RunStats()
        vtex_before, tiktok_before = self._counts()
        sync = StockSync(self.state, MemoryChangeLog(), max_concurrency=VTEX_CONCURRENCY,
                         fetch_batch_size=SKUS_PER_FETCH_MESSAGE)
        fetch_queue, update_queue = SimQueue(), SimFifoQueue()
        scaling = TemplateScaling.from_template()
        lock = threading.Lock()
        producing = threading.Event()

        def count(**values: int) -> None:
            with lock:
                for name, value in values.items():
                    setattr(stats, name, getattr(stats, name) + value)

        def poller(queue: SimQueue, batch: int, work: Callable[[list[dict[str, Any]]], None],
                   finished: Callable[[], bool]) -> None:
            while True:
                records = queue.receive(batch)
                if not records:
                    if finished():
                        return
                    continue
                try:
                    work(records)
                except Exception as error:  # a failed batch is reported, not hidden
                    with lock:
                        stats.errors.append(f"{type(error).__name__}: {error}"[:200])
                finally:
                    count(invocations=1)
                    queue.done(len(records))

        def fetch_worker() -> None:
            vtex = self.vtex_client(RetryAfterGate())

            def work(records: list[dict[str, Any]]) -> None:
                for record in records:
                    report = sync.fetch_and_dispatch(self.ctx, record["sku"], vtex, NoPendingOrders(), update_queue,
                                                     force=record.get("force", False))
                    count(failures=len(report.failures))

            poller(fetch_queue, FETCH_BATCH, work, lambda: not producing.is_set() and fetch_queue.idle)

        def update_worker() -> None:
            # The template's update container: FIFO group of the shop (one batch in flight), the batch's records
            # at once, its own limiter (the shop's share and burst) settled after each batch.
            limiter = TokenBucketLimiter(scaling.qps_per_container, burst=scaling.limiter_burst)
            tiktok = self.tiktok_client(limiter)
            pool = ThreadPoolExecutor(max_workers=max(1, scaling.batch_concurrency))

            def one(record: dict[str, Any]) -> None:
                report = sync.update(self.ctx, UpdateInventory.model_validate(record), tiktok)
                count(skus_sent=report.sent, failures=len(report.failures))

            try:
                while True:
                    records, groups = update_queue.receive(scaling.update_batch)
                    if not records:
                        update_queue.done(groups)
                        if fetch_done.is_set() and update_queue.idle:
                            return
                        continue
                    try:
                        for outcome in [pool.submit(one, r) for r in records]:
                            if outcome.exception() is not None:
                                with lock:
                                    stats.errors.append(f"{outcome.exception()}"[:200])
                    finally:
                        limiter.settle()
                        count(invocations=1)
                        update_queue.done(groups)
            finally:
                pool.shutdown()

        fetch_done = threading.Event()
        started = time.perf_counter()
        producing.set()
        fetchers = [threading.Thread(target=fetch_worker, name=f"fetch-{i}") for i in range(FETCH_CONTAINERS)]
        updaters = [threading.Thread(target=update_worker, name="update-0")]  # one shop: one group in flight
        for thread in fetchers + updaters:
            thread.start()
        sync.prepare_stock(CLIENT, fetch_queue)  # the triggerPrepareStock invocation
        count(invocations=1)
        producing.clear()
        for thread in fetchers:
            thread.join()
        fetch_done.set()
        for thread in updaters:
            thread.join()
        stats.wall = time.perf_counter() - started
        vtex_after, tiktok_after = self._counts()
        stats.vtex_calls = vtex_after - vtex_before
        stats.tiktok_calls = tiktok_after - tiktok_before
        stats.messages = fetch_queue.messages + update_queue.messages
        stats.send_calls = fetch_queue.calls + update_queue.calls
        return stats

    def change_stock(self, share: float, seed: int = 11) -> int:
        rng = random.Random(seed)
        chosen = rng.sample(self.skus, max(1, int(len(self.skus) * share)))
        for sku in chosen:
            current = int(sku["stock"].get("1_1", 0))
            self.admin.put(f"{self.vtex_url}/sandbox/inventory",
                           json={"sku_id": sku["id"], "warehouse_id": "1_1", "quantity": current + 7})
        return len(chosen)


def legacy_counts(skus: int) -> dict[str, float]:
    fetch_messages = math.ceil(skus / LEGACY_BATCH)
    return {
        "vtex_calls": skus,
        "tiktok_calls": skus,
        "messages": fetch_messages + skus,
        "send_calls": fetch_messages + skus,
        "invocations": 1 + math.ceil(fetch_messages / LEGACY_SQS_BATCH) + math.ceil(skus / LEGACY_SQS_BATCH),
        "bound": skus / TIKTOK_QPS,
    }


def bound(stats: RunStats) -> float:
    if stats.bound_s is not None:
        return stats.bound_s
    return max(stats.tiktok_calls / TIKTOK_QPS, stats.vtex_calls / VTEX_RATE)


def table(title: str, stats: RunStats, legacy: dict[str, float]) -> str:
    rows = [
        ("wall time (s)", f"{stats.wall:.1f}", f">= {legacy['bound']:.1f} (bound)"),
        ("rate-limit lower bound (s)", f"{bound(stats):.1f}", f"{legacy['bound']:.1f}"),
        ("wall / bound", f"{stats.wall / bound(stats):.2f}x" if bound(stats) else "-", "-"),
        ("VTEX calls", str(stats.vtex_calls), str(int(legacy["vtex_calls"]))),
        ("TikTok calls", str(stats.tiktok_calls), str(int(legacy["tiktok_calls"]))),
        ("queue messages", str(stats.messages), str(int(legacy["messages"]))),
        ("SQS send API calls", str(stats.send_calls), str(int(legacy["send_calls"]))),
        ("handler invocations", str(stats.invocations), str(int(legacy["invocations"]))),
        ("SKUs sent to TikTok", str(stats.skus_sent), str(int(legacy["tiktok_calls"]))),
        ("failures", str(stats.failures + len(stats.errors)), "-"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [title, f"  {'':<{width}}  {'this connector':>16}  {'legacy design':>16}"]
    lines += [f"  {name:<{width}}  {ours:>16}  {legacy_value:>16}" for name, ours, legacy_value in rows]
    return "\n".join(lines)


def _quiet() -> None:
    """Retries after VTEX 429s are expected here (the limit is on); keep the table readable."""
    import logging

    from tiktok_vtex.observability import logger

    logger.setLevel("ERROR")
    logging.getLogger("tiktok_vtex").setLevel(logging.ERROR)


def _stats(counts: Any) -> RunStats:
    """A multi-shop run of one shop as this table's row, at the real limits (scaled wall / k)."""
    k = counts.time_scale
    return RunStats(wall=counts.wall_s / k, vtex_calls=counts.vtex_calls, tiktok_calls=counts.tiktok_calls,
                    messages=counts.fetch_messages + counts.update_messages, send_calls=counts.send_calls,
                    invocations=counts.prepare_invocations + counts.fetch_invocations + counts.update_invocations,
                    skus_sent=counts.skus_sent, failures=counts.failures, errors=list(counts.errors),
                    bound_s=max(counts.tiktok_calls / TIKTOK_QPS, counts.skus / VTEX_RATE))


def change_stock(vtex_url: str, catalog: Mapping[str, Any], share: float, seed: int = 11) -> int:
    skus = [s for p in catalog["products"] for s in p["skus"]]
    chosen = random.Random(seed).sample(skus, max(1, int(len(skus) * share)))
    with httpx.Client(timeout=30) as admin:
        for sku in chosen:
            admin.put(f"{vtex_url}/sandbox/inventory", json={
                "sku_id": sku["id"], "warehouse_id": "1_1",
                "quantity": int(sku["stock"].get("1_1", 0)) + 7}).raise_for_status()
    return len(chosen)


def run(smoke: bool = False, time_scale: float = 1.0) -> dict[str, Any]:
    """One shop through the multi-shop model (benchmarks/bench_multi_shop.py: the template's FIFO fetch and update
    queues, one batch of the shop in flight, 10 records at once, limiter 50/s burst 10 settled per batch, sandboxes in
    processes of their own), then a re-sync after 5% of the stock changed."""
    from benchmarks.bench_multi_shop import Shops, sync_once  # it imports this module's constants

    products = 40 if smoke else 2000
    _quiet()
    world = Shops(1, products, time_scale)
    try:
        skus = world.clients[0]["skus"]
        print(f"catalog: {products} products, {skus} SKUs; VTEX latency {VTEX_LATENCY_MS} ms, limit "
              f"{VTEX_RATE:.0f}/s; TikTok latency {TIKTOK_LATENCY_MS} ms, limit {TIKTOK_QPS:.0f} QPS per API; "
              f"design: template.yaml's (FIFO update queue per shop); time scale k={time_scale:g}", flush=True)
        legacy = legacy_counts(skus)
        first_counts = sync_once(world)
        first = _stats(first_counts)
        print(table("first full sync", first, legacy), flush=True)
        print(f"  (update batches {first_counts.update_invocations}, limiter settle wait "
              f"{first_counts.settle_wait_s / time_scale:.1f} s, mean TikTok record "
              f"{first_counts.update_record_s / max(1, first_counts.update_messages) / time_scale:.3f} s, "
              f"{first_counts.cores_busy:.2f} cores busy)", flush=True)
        changed = change_stock(world.clients[0]["vtex_url"], demo_catalog(products=products,
                                                                          skus_per_product=SKUS_PER_PRODUCT), 0.05)
        resync = _stats(sync_once(world))
        print(table(f"re-sync after {changed} SKUs ({changed / skus:.0%}) changed", resync, legacy), flush=True)
        first_ratio = first.wall / bound(first) if bound(first) else float("inf")
        fewer = legacy["tiktok_calls"] / max(1, resync.tiktok_calls)
        print(f"targets: first sync {first_ratio:.2f}x the rate-limit bound (target <= 1.25x: "
              f"{'met' if first_ratio <= 1.25 else 'NOT met'}); re-sync TikTok calls {fewer:.1f}x fewer than legacy "
              f"(target >= 20x: {'met' if fewer >= 20 else 'NOT met'})" + (" [smoke size: indicative only]"
                                                                           if smoke else ""), flush=True)
        for error in (first.errors + resync.errors)[:5]:
            print(f"  error: {error}")
        return {"first": first, "resync": resync, "first_ratio": first_ratio, "fewer": fewer}
    finally:
        world.close()
