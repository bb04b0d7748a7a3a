"""Many shops at once (issue 19): the first full stock sync of N shops through both sandboxes, with Lambda's
scaling modelled as template.yaml declares it.

What runs: one TikTok sandbox holding every shop (50 QPS per API per shop, 60 ms per inventory update) and one
VTEX sandbox per shop (each shop is its own VTEX account: 300 req/s and 30 ms per inventory read), on
ephemeral ports, in two processes of their own (benchmarks/sandbox_procs.py), time-scaled by k (every rate
limit / k, every latency x k, on both sides: the machine cannot serve 20 shops' 7,000 requests/s); the
production logic (StockSync.prepare_stock / fetch_and_dispatch / update, the real VtexClient and
TikTokShopClient). Lambda as the template declares it:

* StockFetchQueue is FIFO, MessageGroupId = client (as the template declares it; standard if the template says
  so: FETCH_CONTAINERS pollers, no order, `SimStandardQueue`): min(MaximumConcurrency, shops) pollers, at most
  one batch per shop in flight, batches of the fetch function's BatchSize; each fetch container has its own
  per-account VTEX bucket (VTEX_READS_PER_SECOND, VTEX_READS_BURST) before its 429 gate, settled after each
  batch (`RetryAfterGates.settle`, as `settle_limiters` does in Lambda);
* StockUpdateQueue is FIFO, MessageGroupId = client: at most one batch per shop in flight, order kept in a
  group, min(MaximumConcurrency, shops) pollers, batches of BatchSize, the records of a batch run on
  SYNC_BATCH_CONCURRENCY threads, one limiter per container (TIKTOK_QPS_PER_CONTAINER,
  TIKTOK_LIMITER_BURST) settled after each batch, and a group lands on whichever container is free.

Not simulated: DynamoDB (in-memory state with the same conditional semantics), cold starts, SQS latency.
`measure()` returns the counts as a dataclass (`multi_shop_model.MultiShopCounts`; the cost model may import
both); `run()` prints them.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from benchmarks.bench_stock_sync import (
    SKUS_PER_PRODUCT,
    TIKTOK_LATENCY_MS,
    TIKTOK_QPS,
    VTEX_CONCURRENCY,
    VTEX_LATENCY_MS,
    VTEX_RATE,
    _quiet,
)
from benchmarks.multi_shop_model import (
    MultiShopCounts,
    ShopCounts,
    SimFifoQueue,
    SimStandardQueue,
    TemplateScaling,
    offset_ids,
)
from benchmarks.sandbox_procs import SandboxProcess, SandboxSpec
from local.env import stack_env
from local.fixtures.demo_catalog import demo_catalog
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.tiktok import StaticAccessToken, TikTokShopClient, TokenBucketLimiter
from tiktok_vtex.clients.vtex.client import VtexClient
from tiktok_vtex.clients.vtex.credentials import parse_vtex_credentials
from tiktok_vtex.clients.vtex.throttle import RetryAfterGates
from tiktok_vtex.inventory.memory import MemoryChangeLog, MemoryStateStore
from tiktok_vtex.inventory.models import UpdateInventory
from tiktok_vtex.inventory.rules import WarehouseRoute
from tiktok_vtex.inventory.sync import ClientSyncContext, NoPendingOrders, StockSync
from tiktok_vtex.repositories.products import SellerSku

FETCH_CONTAINERS = 20  # a standard fetch queue's pollers (Lambda starts 5 and adds up to 300 a minute)
# Full size: 20 shops need 20 x (300 VTEX + 50 TikTok) = 7,000 requests/s at the real limits, about 10x what
# this 2-core machine serves (the connector's clients and the sandboxes' servers together). Time scaling by k
# brings it to 7,000 / k per second; wall / bound is invariant under it when the design is right.
FULL_TIME_SCALE = 20.0
SMOKE_TIME_SCALE = 1.0
# One TLS context for every client: httpx builds one per Client otherwise (~30 ms of CPU each), which here would
# be the harness's cost (hundreds of clients on 2 cores), not the connector's (one per Lambda container).
TLS = ssl.create_default_context()


class Shops:
    """N shops: each its own VTEX account and sandbox (all in one VTEX sandbox process), all in one TikTok
    sandbox (its own process); the connector's state in memory here."""

    def __init__(self, shops: int, products: int, time_scale: float = 1.0) -> None:
        self.env = dict(stack_env())
        self.products, self.time_scale = products, time_scale
        spec = SandboxSpec(shops=shops, products=products, skus_per_product=SKUS_PER_PRODUCT,
                           tiktok_qps=TIKTOK_QPS, tiktok_latency_ms=TIKTOK_LATENCY_MS, vtex_rate=VTEX_RATE,
                           vtex_latency_ms=VTEX_LATENCY_MS, time_scale=time_scale)
        self.processes = [SandboxProcess("tiktok", spec, self.env), SandboxProcess("vtex", spec, self.env)]
        try:
            tiktok, vtex = (process.wait() for process in self.processes)
        except BaseException:
            self.close()
            raise
        self.tiktok_url = tiktok["url"]
        base = demo_catalog(products=products, skus_per_product=SKUS_PER_PRODUCT)
        self.clients: list[dict[str, Any]] = []
        rows: list[SellerSku] = []
        for index, (shop, url) in enumerate(zip(tiktok["shops"], vtex["urls"], strict=True)):
            client_hash = f"bench-shop-{index:03d}"
            catalog = offset_ids(base, index)
            self.clients.append({
                "client_hash": client_hash, "shop": shop["shop"], "vtex_url": url, "token": shop["token"],
                "ctx": ClientSyncContext(client_hash, (WarehouseRoute("1_1", shop["warehouse"]),)),
                "skus": sum(len(p["skus"]) for p in catalog["products"]), "products": len(catalog["products"])})
            rows += [SellerSku(client_hash=client_hash, seller_sku=s["seller_sku"], product_id=str(p["id"]),
                               tik_tok_product_id=p["tiktok_product_id"], tik_tok_sku_id=s["tiktok_sku_id"],
                               vtex_sku_id=str(s["id"]))
                     for p in catalog["products"] for s in p["skus"]]
        self.state = MemoryStateStore(rows)
        self._count_lock = threading.Lock()
        self.credentials = parse_vtex_credentials({
            "account": self.env["VTEX_ACCOUNT"], "app_key": self.env["VTEX_APP_KEY"],
            "app_token": self.env["VTEX_APP_TOKEN"], "warehouse_ids": ["1_1"],
            "affiliate_id": self.env["VTEX_AFFILIATE_ID"]})

    def sandbox_cpu(self) -> float:
        return sum(process.cpu() for process in self.processes)

    def close(self) -> None:
        for process in self.processes:
            process.stop()

    def vtex_client(self, client: Mapping[str, Any], counter: list[int], gates: RetryAfterGates) -> VtexClient:
        # Each shop is its own VTEX account here (one sandbox each; the credentials' account name is the same), so
        # the container's gate and bucket are keyed by the shop.
        gate = gates.for_account(client["client_hash"])

        def count(_request: httpx.Request) -> None:
            with self._count_lock:
                counter[0] += 1

        http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=VTEX_CONCURRENCY), verify=TLS,
                            event_hooks={"request": [gate.before_request, count], "response": [gate.on_response]})
        k = self.time_scale  # the retry backoff is a duration too: x k, or a 429 gives up k times too early
        retry = RetryPolicy(base_delay=RetryPolicy.base_delay * k, max_delay=RetryPolicy.max_delay * k,
                            total_budget=RetryPolicy.total_budget * k)
        return VtexClient(self.credentials, base_url_template=client["vtex_url"] + "/{account}",
                          pricing_base_url_template=client["vtex_url"] + "/{account}", http=http,
                          max_concurrency=VTEX_CONCURRENCY, retry=retry)

    def tiktok_client(self, client: Mapping[str, Any], limiter: TokenBucketLimiter, counter: list[int],
                      http: httpx.Client) -> TikTokShopClient:
        return TikTokShopClient(app_key=self.env["TIKTOK_APP_KEY"], app_secret=self.env["TIKTOK_APP_SECRET"],
                                base_url=self.tiktok_url, shop_cipher=client["shop"]["cipher"],
                                tokens=StaticAccessToken(client["token"]), shop_id=client["shop"]["id"],
                                limiter=limiter, http=http)


def measure(shops: int = 20, products: int = 500, scaling: TemplateScaling | None = None,
            time_scale: float = 1.0) -> MultiShopCounts:
    """One first full sync of `shops` shops of `products` x 5 SKUs; the counts as a dataclass.

    `time_scale` k: every rate limit / k and every latency x k, on both sides (the sandboxes, the connector's
    limiter); counts (bursts, batch sizes, threads, containers) unchanged. The bound is computed at the scaled
    limits, so `ratio` compares like with like."""
    world = Shops(shops, products, time_scale)
    try:
        return sync_once(world, scaling)
    finally:
        world.close()


def sync_once(world: Shops, scaling: TemplateScaling | None = None) -> MultiShopCounts:  # noqa: PLR0915 - the simulated runtime reads best in one place
    """One full sync of every shop of `world` (the first, or a re-sync: the state persists between runs)."""
    scaling = scaling or TemplateScaling.from_template()
    time_scale = world.time_scale
    counts = MultiShopCounts(shops=len(world.clients), products_per_shop=world.products,
                             skus_per_shop=world.products * SKUS_PER_PRODUCT, scaling=scaling, time_scale=time_scale)
    shops = len(world.clients)
    by_client = {c["client_hash"]: c for c in world.clients}
    per_shop = {c["client_hash"]: ShopCounts(c["client_hash"], c["skus"], c["products"]) for c in world.clients}
    by_cipher = {c["shop"]["cipher"]: per_shop[c["client_hash"]] for c in world.clients}
    vtex_counters = {c["client_hash"]: [0] for c in world.clients}
    lock = threading.Lock()
    sync = StockSync(world.state, MemoryChangeLog(), max_concurrency=VTEX_CONCURRENCY,
                     fetch_batch_size=scaling.skus_per_fetch_message)
    fetch_queue: SimFifoQueue | SimStandardQueue = SimFifoQueue() if scaling.fetch_fifo else SimStandardQueue()
    update_queue = SimFifoQueue()
    producing = threading.Event()
    fetch_done = threading.Event()
    busy = [0]
    sandbox_cpu_started = world.sandbox_cpu()
    load_started = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()

    def error(exc: Exception) -> None:
        with lock:
            counts.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    def fetch_container() -> None:
        vtex: dict[str, VtexClient] = {}  # built on first use, as VtexClientCache does
        reads = (TokenBucketLimiter(scaling.vtex_reads_per_second / time_scale, burst=scaling.vtex_reads_burst)
                 if scaling.vtex_reads_per_second else None)
        gates = RetryAfterGates(reads=reads)  # SyncWiring's: one 429 gate and one bucket per account
        while True:
            received = fetch_queue.receive(scaling.fetch_batch)
            records, groups = received if isinstance(received, tuple) else (received, set())
            if not records:
                if isinstance(fetch_queue, SimFifoQueue):
                    fetch_queue.done(groups)
                if not producing.is_set() and fetch_queue.idle:
                    return
                continue
            try:
                for record in records:
                    client = by_client[record["clientHash"]]
                    if client["client_hash"] not in vtex:
                        vtex[client["client_hash"]] = world.vtex_client(client, vtex_counters[client["client_hash"]],
                                                                        gates)
                    report = sync.fetch_and_dispatch(client["ctx"], record["sku"], vtex[client["client_hash"]],
                                                     NoPendingOrders(), update_queue, force=record.get("force", False))
                    with lock:
                        counts.failures += len(report.failures)
            except Exception as exc:  # a failed batch is reported, not hidden
                error(exc)
            finally:
                wait = gates.settle()  # ConcurrentBatchProcessor's settle_limiters in Lambda
                with lock:
                    counts.fetch_invocations += 1
                    counts.fetch_settle_wait_s += wait
                if isinstance(fetch_queue, SimFifoQueue):
                    fetch_queue.done(groups)
                else:
                    fetch_queue.done(len(records))

    def count_tiktok(request: httpx.Request) -> None:
        shop = by_cipher.get(request.url.params.get("shop_cipher", ""))
        if shop is not None:
            with lock:
                shop.tiktok_calls += 1

    def update_container() -> None:
        # One Lambda container: its own limiter (the template's share and burst) and clients.
        limiter = TokenBucketLimiter(scaling.qps_per_container / time_scale, burst=scaling.limiter_burst)
        http = httpx.Client(timeout=30, event_hooks={"request": [count_tiktok]}, verify=TLS,
                            limits=httpx.Limits(max_connections=max(10, scaling.batch_concurrency)))
        clients: dict[str, TikTokShopClient] = {}
        pool = ThreadPoolExecutor(max_workers=max(1, scaling.batch_concurrency))

        def handle(record: dict[str, Any]) -> None:
            client_hash = record["clientHash"]
            if client_hash not in clients:
                clients[client_hash] = world.tiktok_client(by_client[client_hash], limiter, [0], http)
            began = time.perf_counter()
            report = sync.update(by_client[client_hash]["ctx"], UpdateInventory.model_validate(record),
                                 clients[client_hash])
            with lock:
                counts.failures += len(report.failures)
                counts.skus_sent += report.sent
                counts.update_record_s += time.perf_counter() - began

        try:
            while True:
                records, groups = update_queue.receive(scaling.update_batch)
                if not records:
                    update_queue.done(groups)
                    if fetch_done.is_set() and update_queue.idle:
                        return
                    continue
                with lock:
                    busy[0] += 1
                    counts.most_update_containers_busy = max(counts.most_update_containers_busy, busy[0])
                batch_started = time.perf_counter()
                try:
                    for outcome in [pool.submit(handle, r) for r in records]:
                        exc = outcome.exception()
                        if exc is not None:
                            error(exc)
                finally:
                    counts.settle_wait_s += limiter.settle()  # ConcurrentBatchProcessor does this in Lambda
                    now = time.perf_counter() - started
                    with lock:
                        busy[0] -= 1
                        counts.update_invocations += 1
                        counts.update_batch_s += time.perf_counter() - batch_started
                        for group in groups:
                            per_shop[group].finished_s = max(per_shop[group].finished_s, now)
                    update_queue.done(groups)
        finally:
            pool.shutdown()
            http.close()

    try:
        producing.set()
        fetch_pollers = min(scaling.fetch_max_concurrency, shops) if scaling.fetch_fifo else FETCH_CONTAINERS
        fetchers = [threading.Thread(target=fetch_container, name=f"fetch-{i}") for i in range(fetch_pollers)]
        counts.fetch_containers = fetch_pollers
        pollers = min(scaling.update_max_concurrency, shops) if scaling.update_fifo else scaling.update_max_concurrency
        updaters = [threading.Thread(target=update_container, name=f"update-{i}") for i in range(pollers)]
        for thread in fetchers + updaters:
            thread.start()
        for client in world.clients:  # the nightly fan-out: one triggerPrepareStock per client
            sync.prepare_stock(client["client_hash"], fetch_queue)
            counts.prepare_invocations += 1
        producing.clear()
        for thread in fetchers:
            thread.join()
        fetch_done.set()
        for thread in updaters:
            thread.join()
        counts.wall_s = time.perf_counter() - started
        counts.cpu_s = time.process_time() - cpu_started
        counts.sandbox_cpu_s = world.sandbox_cpu() - sandbox_cpu_started
        counts.load_average = (load_started, os.getloadavg()[0])
    finally:
        producing.clear()
        fetch_done.set()
    for client_hash, shop in per_shop.items():
        shop.vtex_calls = vtex_counters[client_hash][0]
    counts.per_shop = list(per_shop.values())
    counts.fetch_messages, counts.update_messages = fetch_queue.messages, update_queue.messages
    counts.send_calls = fetch_queue.calls + update_queue.calls
    # The work, not the calls made (a 429's retry is a call more, not a longer bound): one TikTok call per product,
    # one VTEX read per SKU, at the scaled limits.
    counts.bound_s = max(max(s.products / (TIKTOK_QPS / time_scale), s.skus / (VTEX_RATE / time_scale))
                         for s in counts.per_shop)
    return counts


def table(counts: MultiShopCounts) -> str:
    first, last = counts.fairness
    calls = sorted(s.tiktok_calls for s in counts.per_shop)
    sc = counts.scaling
    k = counts.time_scale
    rows = [
        ("shops x products x SKUs", f"{counts.shops} x {counts.products_per_shop} x {SKUS_PER_PRODUCT} "
                                    f"= {counts.skus:,} SKUs"),
        ("template (update)", f"FIFO={sc.update_fifo} BatchSize={sc.update_batch} "
                              f"MaximumConcurrency={sc.update_max_concurrency} QPS/container={sc.qps_per_container:g} "
                              f"burst={sc.limiter_burst:g} batch threads={sc.batch_concurrency}"),
        ("template (fetch)", f"FIFO={sc.fetch_fifo} BatchSize={sc.fetch_batch} SKUs/message="
                             f"{sc.skus_per_fetch_message} MaximumConcurrency={sc.fetch_max_concurrency} "
                             f"containers={counts.fetch_containers} VTEX reads/s per account="
                             f"{sc.vtex_reads_per_second or '-'} burst={sc.vtex_reads_burst or '-'}"),
        ("time scale k", f"{k:g} (rate limits / k, latencies x k, both sides; counts unchanged)"),
        ("scaled limits", f"TikTok {TIKTOK_QPS / k:g} QPS per API per shop (burst 50), latency "
                          f"{TIKTOK_LATENCY_MS * k:g} ms; VTEX {VTEX_RATE / k:g}/s per account (burst "
                          f"{VTEX_RATE:g}), {VTEX_LATENCY_MS * k:g} ms"),
        ("wall time (s)", f"{counts.wall_s:.1f} (= {counts.model_wall_s:.2f} s at the real limits)"),
        ("per-shop rate-limit bound (s)", f"{counts.bound_s:.1f} scaled (largest shop; {counts.model_bound_s:.2f} s "
                                          "at the real limits)"),
        ("wall / bound", f"{counts.ratio:.2f}x (target <= 1.25x)"),
        ("shops finished first / last (s)", f"{first:.1f} / {last:.1f} scaled (spread "
                                            f"{(last - first) / max(counts.bound_s, 1e-9):.2f} bounds)"),
        ("TikTok calls per shop min / max", f"{calls[0]} / {calls[-1]} (total {counts.tiktok_calls:,})"),
        ("VTEX reads", f"{counts.vtex_calls:,} for {counts.skus:,} SKUs ({counts.vtex_calls - counts.skus:,} "
                       "retries after 429)"),
        ("fetch settle wait (container-s)", f"{counts.fetch_settle_wait_s:.1f}"),
        ("SQS messages (fetch + update)", f"{counts.fetch_messages:,} + {counts.update_messages:,} "
                                          f"= {counts.sqs_messages_per_sku:.3f} per SKU"),
        ("SQS send API calls", f"{counts.send_calls:,}"),
        ("invocations prepare / fetch / update", f"{counts.prepare_invocations} / {counts.fetch_invocations} / "
                                                 f"{counts.update_invocations}"),
        ("mean batch size fetch / update", f"{counts.mean_fetch_batch:.2f} / {counts.mean_update_batch:.2f}"),
        ("update containers busy at once (max)", str(counts.most_update_containers_busy)),
        ("mean update record (s)", f"{counts.update_record_s / max(1, counts.update_messages):.3f} (one TikTok "
                                   "call; 10 in flight per shop, so a shop gets at most 10 / this per second)"),
        ("limiter settle wait (container-s)", f"{counts.settle_wait_s:.1f}"),
        ("mean update batch time (s)", f"{counts.update_batch_s / max(1, counts.update_invocations):.3f} (the rate "
                                       f"allows {sc.update_batch / (TIKTOK_QPS / k):.3f} per batch of "
                                       f"{sc.update_batch})"),
        ("CPU connector / sandboxes (s)", f"{counts.cpu_s:.1f} / {counts.sandbox_cpu_s:.1f} = "
                                          f"{counts.cores_busy:.2f} cores busy of {os.cpu_count()} (sandboxes in "
                                          "processes of their own)"),
        ("machine load average start / end", f"{counts.load_average[0]:.1f} / {counts.load_average[1]:.1f} "
                                             "(shared with other work)"),
        ("failures", str(counts.failures + len(counts.errors))),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(["multi-shop first full sync"] + [f"  {name:<{width}}  {value}" for name, value in rows])


def run(smoke: bool = False, shops: int | None = None, products: int | None = None,
        time_scale: float | None = None) -> MultiShopCounts:
    shops = shops or (3 if smoke else 20)
    products = products or (20 if smoke else 500)
    k = time_scale or (SMOKE_TIME_SCALE if smoke else FULL_TIME_SCALE)
    print(f"real limits: VTEX latency {VTEX_LATENCY_MS} ms, {VTEX_RATE:.0f}/s per account; TikTok latency "
          f"{TIKTOK_LATENCY_MS} ms, {TIKTOK_QPS:.0f} QPS per API per shop. {shops} shops at the real limits: "
          f"{shops * (VTEX_RATE + TIKTOK_QPS):,.0f} requests/s, more than this {os.cpu_count()}-core machine serves "
          f"(clients and servers together, about 500/s) at 20 shops. Run at time scale k={k:g}: every rate limit / k "
          f"and every latency x k on both sides ({shops * (VTEX_RATE + TIKTOK_QPS) / k:,.0f} requests/s); wall / bound "
          "is invariant under the scaling when the design is right", flush=True)
    _quiet()  # here, not in measure(): a library call (tests, the cost model) must not change log levels
    counts = measure(shops, products, time_scale=k)
    print(table(counts), flush=True)
    print(f"target: wall {counts.ratio:.2f}x the per-shop bound: {'met' if counts.ratio <= 1.25 else 'NOT met'}"
          + (" [smoke size: indicative only]" if smoke else ""), flush=True)
    for message in counts.errors[:5]:
        print(f"  error: {message}")
    return counts


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="multi-shop stock sync benchmark (issue 19)")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--shops", type=int)
    parser.add_argument("--products", type=int)
    parser.add_argument("--time-scale", type=float, help=f"k (default {FULL_TIME_SCALE:g}, smoke {SMOKE_TIME_SCALE:g})")
    args = parser.parse_args(argv)
    counts = run(args.smoke, args.shops, args.products, args.time_scale)
    return 0 if counts.ratio <= 1.25 and not counts.errors and not counts.failures else 1


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["MultiShopCounts", "ShopCounts", "Shops", "SimFifoQueue", "TemplateScaling", "measure", "run", "sync_once",
           "table"]
