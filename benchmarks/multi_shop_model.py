"""The model of benchmarks/bench_multi_shop.py: the template's scaling settings, SQS FIFO as Lambda sees it,
and the counts a run measures (`MultiShopCounts`, which benchmarks/cost_model.py may import)."""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiktok_vtex.dispatch import SQS_BATCH_LIMIT, message_group_of

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
TIKTOK_QPS = 50.0  # benchmarks/bench_stock_sync.py
SKUS_PER_FETCH_MESSAGE = 50  # its default when the template names none
ID_STRIDE = 10**12  # per-shop offset of the catalog's TikTok ids (one TikTok sandbox holds every shop)


def offset_ids(catalog: dict[str, Any], index: int) -> dict[str, Any]:
    """The same demo store for every shop, with its own TikTok product and SKU ids."""
    products = [{**p, "tiktok_product_id": str(int(p["tiktok_product_id"]) + index * ID_STRIDE),
                 "skus": [{**s, "tiktok_sku_id": str(int(s["tiktok_sku_id"]) + index * ID_STRIDE)} for s in p["skus"]]}
                for p in catalog["products"]]
    return {**catalog, "products": products}


@dataclass(frozen=True)
class TemplateScaling:
    """What the template declares for the stock path (read from template.yaml, not copied)."""

    fetch_batch: int
    skus_per_fetch_message: int
    fetch_max_concurrency: int
    fetch_fifo: bool
    vtex_reads_per_second: float | None  # the fetch container's per-account bucket (None: the 429 gate alone)
    vtex_reads_burst: float | None
    update_batch: int
    update_max_concurrency: int
    update_fifo: bool
    qps_per_container: float
    limiter_burst: float
    batch_concurrency: int

    @classmethod
    def from_template(cls, path: Path = TEMPLATE) -> TemplateScaling:
        from local.template import load_template

        resources = load_template(path)["Resources"]
        fetch = resources["StockFetchFunction"]["Properties"]
        fetch_variables = fetch["Environment"]["Variables"]
        fetch_event = fetch["Events"]["FetchBatches"]["Properties"]
        fetch_queue = fetch_event["Queue"]["Fn::GetAtt"][0]
        update = resources["StockUpdateFunction"]["Properties"]
        variables = update["Environment"]["Variables"]
        event = update["Events"]["Updates"]["Properties"]
        reads = fetch_variables.get("VTEX_READS_PER_SECOND")
        return cls(fetch_batch=int(fetch_event["BatchSize"]),
                   skus_per_fetch_message=int(fetch_variables.get("STOCK_FETCH_BATCH_SIZE", SKUS_PER_FETCH_MESSAGE)),
                   fetch_max_concurrency=int(fetch_event.get("ScalingConfig", {}).get("MaximumConcurrency", 1250)),
                   fetch_fifo=str(resources[fetch_queue]["Properties"].get("FifoQueue")).lower() == "true",
                   vtex_reads_per_second=float(reads) if reads else None,
                   vtex_reads_burst=float(fetch_variables.get("VTEX_READS_BURST") or reads) if reads else None,
                   update_batch=int(event["BatchSize"]),
                   update_max_concurrency=int(event["ScalingConfig"]["MaximumConcurrency"]),
                   update_fifo=str(resources["StockUpdateQueue"]["Properties"].get("FifoQueue")).lower() == "true",
                   qps_per_container=float(variables.get("TIKTOK_QPS_PER_CONTAINER", TIKTOK_QPS)),
                   limiter_burst=float(variables.get("TIKTOK_LIMITER_BURST") or variables.get(
                       "TIKTOK_QPS_PER_CONTAINER", TIKTOK_QPS)),
                   batch_concurrency=int(variables.get("SYNC_BATCH_CONCURRENCY", 1)))


class SimFifoQueue:
    """SQS FIFO as Lambda sees it: a receive takes the oldest messages of groups not in flight (a group's
    messages together, in order); a group stays locked until its batch is done."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._groups: dict[str, deque[dict[str, Any]]] = {}
        self._order: deque[str] = deque()  # groups with messages, oldest first
        self._locked: set[str] = set()
        self.messages = 0
        self.calls = 0

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        calls = math.ceil(len(messages) / SQS_BATCH_LIMIT)
        with self._cond:
            for message in messages:
                group = message_group_of(message)  # what QueuePublisher sets as MessageGroupId
                if group not in self._groups or not self._groups[group]:
                    self._groups.setdefault(group, deque())
                    self._order.append(group)
                self._groups[group].append(dict(message))
            self.messages += len(messages)
            self.calls += calls
            self._cond.notify_all()
        return calls

    def receive(self, max_items: int, timeout: float = 0.05) -> tuple[list[dict[str, Any]], set[str]]:
        with self._cond:
            if not any(g not in self._locked for g in self._order):
                self._cond.wait(timeout)
            batch: list[dict[str, Any]] = []
            taken: set[str] = set()
            for group in list(self._order):
                if len(batch) >= max_items:
                    break
                if group in self._locked:
                    continue
                items = self._groups[group]
                while items and len(batch) < max_items:
                    batch.append(items.popleft())
                taken.add(group)
                if not items:
                    self._order.remove(group)
            self._locked |= taken
            return batch, taken

    def done(self, groups: set[str]) -> None:
        if not groups:  # an empty receive: waking every poller for nothing would make them spin (harness CPU)
            return
        with self._cond:
            self._locked -= groups
            self._cond.notify_all()

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._order and not self._locked


class SimQueue:
    """An SQS stand-in: SendMessageBatch accounting, batches received by pollers, in-flight tracking."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: deque[dict[str, Any]] = deque()
        self.in_flight = 0
        self.messages = 0
        self.calls = 0

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        calls = math.ceil(len(messages) / SQS_BATCH_LIMIT)
        with self._cond:
            self._items.extend(dict(m) for m in messages)
            self.messages += len(messages)
            self.calls += calls
            self._cond.notify_all()
        return calls

    def receive(self, max_items: int, timeout: float = 0.05) -> list[dict[str, Any]]:
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
            batch = self._take(min(max_items, len(self._items)))
            self.in_flight += len(batch)
            return batch

    def _take(self, count: int) -> list[dict[str, Any]]:
        return [self._items.popleft() for _ in range(count)]

    def done(self, count: int) -> None:
        with self._cond:
            self.in_flight -= count
            self._cond.notify_all()

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._items and self.in_flight == 0


class SimStandardQueue(SimQueue):
    """SQS standard as Lambda sees it, for the fetch queue: no order (SQS gives best-effort ordering only; a
    receive samples some of the queue's servers), so a backlog the nightly fan-out queued shop after shop is
    not served shop after shop. Seeded: runs are repeatable."""

    def __init__(self, seed: int = 19) -> None:
        super().__init__()
        self._random = random.Random(seed)

    def _take(self, count: int) -> list[dict[str, Any]]:
        batch = []
        for _ in range(count):
            index = self._random.randrange(len(self._items))
            self._items[index], self._items[-1] = self._items[-1], self._items[index]
            batch.append(self._items.pop())
        return batch


@dataclass
class ShopCounts:
    client_hash: str
    skus: int
    products: int
    tiktok_calls: int = 0
    vtex_calls: int = 0
    finished_s: float = 0.0  # since the run started: the end of the shop's last update batch


@dataclass
class MultiShopCounts:
    """What one multi-shop run measured (benchmarks/cost_model.py may import `measure`)."""

    shops: int
    products_per_shop: int
    skus_per_shop: int
    scaling: TemplateScaling
    time_scale: float = 1.0  # k: every rate limit / k and every latency x k on both sides (wall / bound invariant)
    wall_s: float = 0.0  # measured (scaled time: wall_s / time_scale is the run at the real limits)
    bound_s: float = 0.0  # the largest shop's bound at the scaled limits: max(calls / (50/k), reads / (300/k))
    per_shop: list[ShopCounts] = field(default_factory=list)
    fetch_messages: int = 0
    update_messages: int = 0
    send_calls: int = 0
    fetch_invocations: int = 0
    update_invocations: int = 0
    prepare_invocations: int = 0
    most_update_containers_busy: int = 0
    settle_wait_s: float = 0.0
    fetch_settle_wait_s: float = 0.0  # the fetch containers' VTEX bucket settles (container-seconds)
    fetch_containers: int = 0
    update_batch_s: float = 0.0  # summed time of the update batches (receive to done: records and settle)
    update_record_s: float = 0.0  # summed time of the update records (one TikTok call each, limiter waits in)
    cpu_s: float = 0.0  # CPU seconds of the connector's process during the run
    sandbox_cpu_s: float = 0.0  # CPU seconds of the sandbox processes during the run
    load_average: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load at start and end (shared machine)
    skus_sent: int = 0  # SKUs the update step sent to TikTok (a re-sync sends only what changed)
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def skus(self) -> int:
        return sum(s.skus for s in self.per_shop)

    @property
    def tiktok_calls(self) -> int:
        return sum(s.tiktok_calls for s in self.per_shop)

    @property
    def vtex_calls(self) -> int:
        return sum(s.vtex_calls for s in self.per_shop)

    @property
    def sqs_messages_per_sku(self) -> float:
        return (self.fetch_messages + self.update_messages) / max(1, self.skus)

    @property
    def mean_fetch_batch(self) -> float:
        return self.fetch_messages / max(1, self.fetch_invocations)

    @property
    def mean_update_batch(self) -> float:
        return self.update_messages / max(1, self.update_invocations)

    @property
    def model_wall_s(self) -> float:
        """The wall time at the real limits (the measured one divided by the time scale)."""
        return self.wall_s / self.time_scale

    @property
    def model_bound_s(self) -> float:
        return self.bound_s / self.time_scale

    @property
    def cores_busy(self) -> float:
        return (self.cpu_s + self.sandbox_cpu_s) / max(self.wall_s, 1e-9)

    @property
    def ratio(self) -> float:
        return self.wall_s / self.bound_s if self.bound_s else float("inf")

    @property
    def fairness(self) -> tuple[float, float]:
        finished = [s.finished_s for s in self.per_shop]
        return min(finished), max(finished)
