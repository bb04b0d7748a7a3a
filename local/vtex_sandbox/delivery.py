"""How the VTEX sandbox sends what VTEX sends on its own (orders hook, marketplace callbacks, affiliate
notifications): POSTs from background worker threads, each retried with growing delays, every attempt
recorded on its delivery (`attempts[{attempt, at, status | error}]`, then `delivered`, `pending`).

One worker keeps deliveries in order (the hook: a consumer sees changes in order); several let them overlap
(affiliate notifications, as VTEX's do). Workers start when a delivery is queued and stop after 2 s idle. The
owner says which answers settle a delivery (`final`: e.g. a marketplace's 4xx is its answer, not a failure to
retry) and may be told the final status (`finished`, called outside the owner's lock, before `pending` drops,
so whatever it triggers is queued before the delivery counts as done).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from .records import now_iso

Delivery = dict[str, Any]


def succeeded(status: int) -> bool:
    return 200 <= status < 300


class DeliveryWorkers:
    def __init__(self, name: str, *, lock: threading.Lock, retry_delays: Callable[[], Sequence[float]],
                 workers: int = 1, timeout: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                 ok: Callable[[int], bool] = succeeded, final: Callable[[Delivery, int], bool] | None = None,
                 finished: Callable[[Delivery, int | None], None] | None = None,
                 before: Callable[[Delivery], None] | None = None, timestamp: Callable[[], str] = now_iso) -> None:
        self.name = name
        self._lock = lock  # the owner's: it guards the delivery records the owner lists
        self._retry_delays = retry_delays
        self._workers = max(1, workers)
        self._sleep = sleep
        self._ok = ok
        self._final = final or (lambda _delivery, status: ok(status))
        self._finished = finished
        self._before = before
        self._timestamp = timestamp
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self.http = httpx.Client(timeout=timeout, trust_env=False)

    def put(self, delivery: Delivery) -> None:
        """Queue one delivery; the caller holds the owner's lock."""
        self._queue.put(delivery)
        while len(self._threads) < self._workers and not self._queue.empty():
            thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self) -> None:
        while True:
            try:
                delivery = self._queue.get(timeout=2.0)
            except queue.Empty:
                with self._lock:  # idle: stop; put() starts workers again when needed
                    if self._queue.empty():
                        self._threads.remove(threading.current_thread())
                        return
                continue
            if delivery is None:
                return
            self._deliver(delivery)

    def _deliver(self, delivery: Delivery) -> None:
        if self._before is not None:
            self._before(delivery)
        final: int | None = None
        for number, delay in enumerate([0.0, *self._retry_delays()], start=1):
            if delay:
                self._sleep(delay)
            if self._closed.is_set():  # shutting down: the delivery stays undelivered
                break
            record: dict[str, Any] = {"attempt": number, "at": self._timestamp()}
            status: int | None = None
            try:
                response = self.http.post(delivery["url"], json=delivery["payload"],
                                          headers=delivery.get("headers") or {})
                status = record["status"] = response.status_code
            except httpx.HTTPError as error:
                record["error"] = type(error).__name__
            with self._lock:
                delivery["attempts"].append(record)
            if status is not None and (self._ok(status) or self._final(delivery, status)):
                final = status
                break
        try:
            if self._finished is not None:  # outside the lock: it may queue more deliveries
                self._finished(delivery, final)
        finally:
            with self._lock:
                delivery["delivered"] = final is not None and self._ok(final)
                delivery["pending"] = False

    def close(self) -> None:
        # Stop the workers before closing their HTTP client: a delivery in flight must not hit a closed client.
        self._closed.set()
        threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5.0)
        self.http.close()
