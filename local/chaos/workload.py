"""The chaos workload as data: what happens to each TikTok order and which stock changes VTEX sees.

Everything comes from one seeded `random.Random`, so a size and a seed always give the same plan (the
faults the sandboxes inject are random per call; the invariants must hold whatever they pick).

Orders (per order, drawn independently):
- path: paid at once (AWAITING_SHIPMENT), or UNPAID then paid, or UNPAID then cancelled before payment;
  a share of paid orders is cancelled later, at a random phase (just after payment, while the connector
  is placing it, or after it settled in VTEX);
- each status change gets a push behaviour: delivered once, duplicated (same tts_notification_id twice),
  re-sent (same status, a new tts_notification_id), or missing (TikTok gave up: only the sweep finds it);
- with two pushes, the later one may be delivered first (out of order).
Stock: `changes` writes of a SKU's VTEX quantity, a share of them change-backs (A -> B -> A in a row, the
sequence issue 10 item 5 describes), in waves; after each wave the changed SKUs are notified to the
connector (`triggerPepareSkuStockBatch`, as VTEX's affiliate notification does).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

PUSH_BEHAVIOURS = ("once", "duplicate", "resend", "missing")
PUSH_WEIGHTS = (0.65, 0.15, 0.08, 0.12)
CANCEL_PHASES = ("after_payment", "during_placement", "after_settle")


@dataclass(frozen=True)
class ChaosSize:
    name: str
    orders: int
    stock_changes: int
    settle_timeout_s: float  # bounded waits: the run reports "not settled" instead of hanging
    stock_spread_s: float  # the stock waves are spread over this time while the orders flow
    # LOCAL_VISIBILITY_TIMEOUT_SCALE of the run: a failed message is retried after VisibilityTimeout x this
    visibility_scale: float
    # local.chaos.faults.CRASH_FAULTS name -> (every n-th invocation, at most count times)
    crash_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # warm workers (and SQS pollers) per function: placements under faults wait out retries and Retry-After,
    # so at full size throughput is bound by how many wait at once, not by the CPU
    pool_size: int = 2
    products: int | None = None  # the demo catalog's size (None: the demo's 80 products, 324 SKUs)


SIZES = {
    # smoke: no orders timeout (it hangs 180 s and holds its claim 240 s: the full size covers it)
    "smoke": ChaosSize("smoke", orders=20, stock_changes=200, settle_timeout_s=45.0, stock_spread_s=4.0,
                       visibility_scale=0.01,
                       crash_counts={"kill_webhook_processor": (3, 1), "kill_stock_update": (3, 1),
                                     "timeout_webhook": (5, 1)}, products=12),
    # full: 1/3 keeps every source queue's visibility timeout at or above its function's Timeout (the template
    # has 3-6 x), as AWS requires: at 0.1 on a loaded machine batches outlived their 36 s visibility and 630
    # webhook / stock-update messages reached the DLQs after 5 receives while still being processed
    "full": ChaosSize("full", orders=1000, stock_changes=10_000, settle_timeout_s=1800.0, stock_spread_s=60.0,
                      visibility_scale=1 / 3,
                      crash_counts={"kill_webhook_processor": (9, 10), "kill_stock_update": (15, 5),
                                    "timeout_webhook": (40, 5), "timeout_orders": (60, 3)}, pool_size=5),
}


@dataclass
class OrderPlan:
    index: int
    items: list[tuple[str, int]]
    cpf: str
    path: str  # "paid" | "unpaid_then_paid" | "unpaid_then_cancelled"
    cancel_phase: str | None  # for paid orders cancelled later
    pushes: dict[str, str] = field(default_factory=dict)  # status event -> behaviour
    out_of_order: bool = False

    @property
    def cancelled(self) -> bool:
        return self.path == "unpaid_then_cancelled" or self.cancel_phase is not None


@dataclass
class StockChange:
    sku: str
    quantity: int
    change_back: bool = False  # the second write of an A -> B -> A pair


@dataclass
class Workload:
    orders: list[OrderPlan]
    stock_waves: list[list[StockChange]]

    @property
    def stock_changes(self) -> int:
        return sum(len(w) for w in self.stock_waves)


def cpf(rng: random.Random) -> str:
    """A CPF with valid check digits (the connector validates them before placing an order)."""
    digits = [rng.randrange(10) for _ in range(9)]
    while len(set(digits)) == 1:
        digits = [rng.randrange(10) for _ in range(9)]
    for length in (9, 10):
        total = sum(d * (length + 1 - i) for i, d in enumerate(digits[:length]))
        digits.append((total * 10 % 11) % 10)
    return "".join(map(str, digits))


def build_workload(size: ChaosSize, skus: list[str], *, seed: int, waves: int = 10) -> Workload:
    rng = random.Random(seed)
    orders = []
    for index in range(size.orders):
        lines = rng.sample(skus, k=rng.choice((1, 1, 2)))
        items = [(sku, rng.choice((1, 1, 2))) for sku in lines]
        roll = rng.random()
        path = "paid" if roll < 0.7 else ("unpaid_then_paid" if roll < 0.9 else "unpaid_then_cancelled")
        cancel_phase = rng.choice(CANCEL_PHASES) if path != "unpaid_then_cancelled" and rng.random() < 0.2 else None
        plan = OrderPlan(index, items, cpf(rng), path, cancel_phase)
        events = ["AWAITING_SHIPMENT"] if path == "paid" else ["UNPAID"]
        if path == "unpaid_then_paid":
            events.append("AWAITING_SHIPMENT")
        if plan.cancelled:
            events.append("CANCELLED")
        plan.pushes = {e: rng.choices(PUSH_BEHAVIOURS, PUSH_WEIGHTS)[0] for e in events}
        plan.out_of_order = len(events) > 1 and rng.random() < 0.25
        orders.append(plan)
    changes: list[StockChange] = []
    while len(changes) < size.stock_changes:
        sku = rng.choice(skus)
        if rng.random() < 0.1 and len(changes) + 2 <= size.stock_changes:
            first, second = rng.randint(20, 300), rng.randint(20, 300)
            changes += [StockChange(sku, second), StockChange(sku, first, change_back=True)]
            changes.insert(len(changes) - 2, StockChange(sku, first))  # A, B, A in a row
            if len(changes) > size.stock_changes:
                changes = changes[: size.stock_changes]
        else:
            changes.append(StockChange(sku, rng.randint(20, 300)))
    per_wave = max(1, -(-len(changes) // waves))
    stock_waves = [changes[i: i + per_wave] for i in range(0, len(changes), per_wave)]
    return Workload(orders, stock_waves)
