"""Drives the chaos workload against the whole local stack from outside, through its public interfaces.

The stack runs on free ports (`ephemeral_stack_env`), so the suite never collides with `make local`.
Onboarding is the demo's (client row, VTEX secret, both sandboxes' demo store, the seller's consent through
the real callback). Orders are created in the TikTok sandbox without its automatic pushes; the driver sends
the pushes itself through `POST /sandbox/webhooks/push` (signed, retried by the sandbox like TikTok when the
answer is not 200) so it decides which are duplicated, out of order or missing. Stock changes are written
to the VTEX sandbox and notified with async invokes of the stock function, as VTEX's notification does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from local.chaos.workload import OrderPlan, StockChange, Workload

PUSH_WORKERS = 8


@dataclass
class DriveLog:
    """What the driver did (the figures' 'created' side)."""

    tiktok_orders: dict[int, str] = field(default_factory=dict)  # plan index -> TikTok order id
    pushes_sent: int = 0
    pushes_skipped: int = 0
    push_statuses: dict[int, int] = field(default_factory=dict)  # final HTTP status -> count
    pushes_out_of_order: int = 0
    stock_writes: int = 0
    stock_notifications: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_status(self, status: int) -> None:
        with self.lock:
            self.push_statuses[status] = self.push_statuses.get(status, 0) + 1


class Driver:
    def __init__(self, *, env: dict[str, str], lambda_invoke: Callable[[str, dict[str, Any]], None],
                 wait_idle: Callable[[float], bool], client_hash: str) -> None:
        self.env = env
        self.http = httpx.Client(timeout=60)
        self.tiktok_url = env["TIKTOK_API_BASE_URL"]
        self.vtex_url = f"http://127.0.0.1:{env['VTEX_SANDBOX_PORT']}"
        self.webhook_url = f"{env['PUBLIC_BASE_URL']}/tiktok/webhook"
        self.shop_id = env["DEMO_SHOP_ID"]
        self.warehouse = env["VTEX_WAREHOUSE_ID"]
        self.client_hash = client_hash
        self.invoke_async = lambda_invoke
        self.wait_idle = wait_idle
        self.log = DriveLog()
        self._pool = ThreadPoolExecutor(max_workers=PUSH_WORKERS, thread_name_prefix="chaos-push")
        self._pending: list[Future[None]] = []
        self._deferred: dict[int, list[tuple[str, int, str]]] = {}  # out-of-order pushes held back

    # ------------------------------------------------------------------ TikTok side

    def _create(self, plan: OrderPlan) -> dict[str, Any]:
        status = "AWAITING_SHIPMENT" if plan.path == "paid" else "UNPAID"
        answer = self.http.post(f"{self.tiktok_url}/sandbox/orders", json={
            "shop_id": self.shop_id, "status": status, "notify": False, "shipping_fee": "9.90",
            "buyer": {"cpf": plan.cpf},
            "items": [{"seller_sku": sku, "quantity": quantity} for sku, quantity in plan.items]})
        if answer.status_code != 201:
            raise RuntimeError(f"TikTok sandbox refused order {plan.index}: {answer.status_code} {answer.text[:200]}")
        return answer.json()

    def _set_status(self, plan: OrderPlan, status: str) -> dict[str, Any]:
        order_id = self.log.tiktok_orders[plan.index]
        answer = self.http.post(f"{self.tiktok_url}/sandbox/orders/{order_id}/status",
                                json={"status": status, "notify": False})
        answer.raise_for_status()
        return answer.json()

    def _push_now(self, order_id: str, status: str, update_time: int, behaviour: str) -> None:
        data = {"order_id": order_id, "order_status": status, "is_on_hold_order": False, "update_time": update_time}
        body = {"url": self.webhook_url, "type": 1, "shop_id": self.shop_id, "data": data,
                "retry": True, "time_scale": 0}
        sends = [{**body, "repeat": 2}] if behaviour == "duplicate" else [body] * (2 if behaviour == "resend" else 1)

        def deliver() -> None:
            for send in sends:
                try:
                    answer = self.http.post(f"{self.tiktok_url}/sandbox/webhooks/push", json=send)
                    answer.raise_for_status()
                    for attempts in answer.json()["deliveries"]:
                        self.log.count_status(int(attempts[-1].get("status") or 0))
                except Exception as exc:  # recorded in the figures; the run goes on
                    with self.log.lock:
                        self.log.errors.append(f"push {order_id} {status}: {type(exc).__name__}: {exc}"[:300])

        with self.log.lock:
            self.log.pushes_sent += 1
        self._pending.append(self._pool.submit(deliver))

    def _event(self, plan: OrderPlan, status: str, update_time: int) -> None:
        """One status change on TikTok and its push (or none, or held back to go out of order)."""
        behaviour = plan.pushes.get(status, "once")
        order_id = self.log.tiktok_orders[plan.index]
        if behaviour == "missing":
            with self.log.lock:
                self.log.pushes_skipped += 1
            return
        held = self._deferred.get(plan.index)
        if plan.out_of_order and held is None:
            self._deferred[plan.index] = [(status, update_time, behaviour)]  # goes out after the next one
            return
        self._push_now(order_id, status, update_time, behaviour)
        if held:
            self._deferred[plan.index] = []
            with self.log.lock:
                self.log.pushes_out_of_order += len(held)
            for old_status, old_time, old_behaviour in held:
                self._push_now(order_id, old_status, old_time, old_behaviour)

    def _flush_deferred(self) -> None:
        for index, held in self._deferred.items():
            for status, update_time, behaviour in held:
                self._push_now(self.log.tiktok_orders[index], status, update_time, behaviour)
            self._deferred[index] = []

    # ------------------------------------------------------------------ VTEX side

    def _stock(self, waves: list[list[StockChange]], stop: threading.Event, pace_s: float) -> None:
        for wave in waves:
            changed: list[str] = []
            for change in wave:
                answer = self.http.put(f"{self.vtex_url}/sandbox/inventory", json={
                    "sku_id": int(change.sku), "warehouse_id": self.warehouse, "quantity": change.quantity})
                if answer.status_code >= 300:
                    self.log.errors.append(f"VTEX inventory {change.sku}: {answer.status_code}")
                    continue
                self.log.stock_writes += 1
                if change.sku not in changed:
                    changed.append(change.sku)
            for start in range(0, len(changed), 20):  # the fetch batch size the stock function takes
                self.invoke_async("ESTOQUE-VTEX-busca-estoque-sku", {
                    "type": "triggerPepareSkuStockBatch", "clientHash": self.client_hash,
                    "sku": changed[start: start + 20]})
                self.log.stock_notifications += 1
            if stop.wait(pace_s):
                pace_s = 0.0  # the orders are done: send the rest without pauses

    # ------------------------------------------------------------------ the run

    def run(self, workload: Workload, *, settle_timeout_s: float, stock_spread_s: float) -> dict[str, float]:
        """Every phase of the workload; returns phase durations (seconds)."""
        timings: dict[str, float] = {}
        started = time.monotonic()
        stop = threading.Event()
        pace = max(0.05, stock_spread_s / max(1, len(workload.stock_waves)))
        stock = threading.Thread(target=self._stock, args=(workload.stock_waves, stop, pace), daemon=True,
                                 name="chaos-stock")
        stock.start()
        plans = workload.orders
        created_at: dict[int, int] = {}
        for plan in plans:  # phase A: every order appears on TikTok, its first push goes out
            order = self._create(plan)
            self.log.tiktok_orders[plan.index] = order["id"]
            created_at[plan.index] = int(order["update_time"])
            self._event(plan, order["status"], int(order["update_time"]))
        timings["create"] = time.monotonic() - started
        _next_second()  # TikTok's update_time has a one-second resolution: keep the statuses apart
        for plan in plans:  # phase B: payments, cancellations before payment, cancellations just after payment
            if plan.path == "unpaid_then_paid":
                order = self._set_status(plan, "AWAITING_SHIPMENT")
                self._event(plan, "AWAITING_SHIPMENT", int(order["update_time"]))
            elif plan.path == "unpaid_then_cancelled" or (plan.path == "paid" and plan.cancel_phase == "after_payment"):
                order = self._set_status(plan, "CANCELLED")
                self._event(plan, "CANCELLED", int(order["update_time"]))
        _next_second()
        for plan in plans:  # phase C: cancellations while the connector is placing the orders
            late_payment = plan.path == "unpaid_then_paid" and plan.cancel_phase == "after_payment"
            if plan.cancel_phase == "during_placement" or late_payment:
                order = self._set_status(plan, "CANCELLED")
                self._event(plan, "CANCELLED", int(order["update_time"]))
        timings["status_changes"] = time.monotonic() - started - timings["create"]
        late = [p for p in plans if p.cancel_phase == "after_settle"]
        self._wait_in_vtex([self.log.tiktok_orders[p.index] for p in late], settle_timeout_s / 3)
        for plan in late:  # phase D: cancellations once the order is in VTEX (or a third of the budget passed)
            if plan.cancel_phase == "after_settle":
                order = self._set_status(plan, "CANCELLED")
                self._event(plan, "CANCELLED", int(order["update_time"]))
        self._flush_deferred()
        for future in list(self._pending):
            future.result()
        stop.set()
        stock.join()
        timings["workload"] = time.monotonic() - started
        return timings

    def _wait_in_vtex(self, order_ids: list[str], timeout_s: float) -> None:
        """Until every order named has a VTEX order (the stock keeps flowing: "idle" would not come)."""
        deadline = time.monotonic() + timeout_s
        wanted = set(order_ids)
        while wanted and time.monotonic() < deadline:
            orders = self.http.get(f"{self.vtex_url}/sandbox/state/orders").json()
            wanted -= {str(o["marketplaceOrderId"]) for o in orders}
            time.sleep(0.5)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.http.close()


def _next_second() -> None:
    time.sleep(1.05 - (time.time() % 1.0) + 0.05)


def write_log_file(path: Path, lines: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for source, line in lines:
            handle.write(f"{source} | {line}\n")
