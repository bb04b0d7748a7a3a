"""Orders hook of the VTEX sandbox: configuration with its ping, deliveries on every status change the filter
selects, and the marketplace callbacks (invoice, tracking, cancel) to each order's marketplaceServicesEndpoint.

Deliveries run in one background thread (FIFO, so a consumer sees changes in order), each retried a few
times with growing delays (delivery.DeliveryWorkers, shared with the affiliate notifications), and every
attempt is recorded for `GET /sandbox/state/hook/deliveries`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from .delivery import Delivery, DeliveryWorkers
from .hook_filter import HookFilter, compile_filter

PING_BODY = {"hookConfig": "ping"}


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class HookDispatcher:
    def __init__(
        self,
        account: str,
        app_key: str,
        *,
        retry_delays: Sequence[float] = (0.2, 0.5, 1.0),
        timeout: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.account = account
        self.app_key = app_key
        self.retry_delays = list(retry_delays)
        self.timeout = timeout
        self._lock = threading.Lock()
        self.config: dict[str, Any] | None = None
        self.filter = HookFilter(None)
        # the order's OMS document at a change (set by the app: FromOrders expressions read it)
        self.order_lookup: Callable[[str], Mapping[str, Any] | None] = lambda _order_id: None
        self.deliveries: list[dict[str, Any]] = []
        self.callbacks: list[dict[str, Any]] = []  # marketplace callbacks (marketplaceServicesEndpoint)
        self._answers: dict[int, Callable[[int | None], None]] = {}  # delivery id -> who waits for its answer
        self._ids = itertools.count(1)
        self._workers = DeliveryWorkers("vtex-sandbox-hook", lock=self._lock, retry_delays=lambda: self.retry_delays,
                                        timeout=timeout, sleep=sleep, ok=lambda status: status == 200,
                                        final=_answered, finished=self._finished, timestamp=utc_now)

    # --- configuration -------------------------------------------------------------------------

    def ping(self, url: str, headers: Mapping[str, str]) -> tuple[bool, str]:
        try:
            response = self._workers.http.post(url, json=PING_BODY, headers=dict(headers))
        except httpx.HTTPError as error:
            return False, f"{type(error).__name__}"
        return response.status_code == 200, f"HTTP {response.status_code}"

    def set_config(self, config: dict[str, Any] | None) -> None:
        """`config["filter"]` is validated first (compile_filter raises VTEX's 400 / 409)."""
        hook_filter = compile_filter(config.get("filter")) if config else HookFilter(None)
        with self._lock:
            self.config = config
            self.filter = hook_filter

    # --- delivery ------------------------------------------------------------------------------

    def _wants(self, order_id: str, state: str) -> bool:
        if not self.config:
            return False
        return self.filter.wants(state, self.order_lookup(order_id) if self.filter.kind == "FromOrders" else None)

    def notify(
        self, order_id: str, state: str, last_state: str | None, last_change: str | None, current_change: str
    ) -> None:
        with self._lock:
            if not self._wants(order_id, state):
                return
            assert self.config is not None
            hook = self.config["hook"]
            delivery = {
                "id": next(self._ids),
                "url": hook["url"],
                "payload": {
                    "Domain": "Fulfillment",
                    "OrderId": order_id,
                    "State": state,
                    "LastState": last_state,
                    "LastChange": last_change,
                    "CurrentChange": current_change,
                    "Origin": {"Account": self.account, "Key": self.app_key},
                },
                "headers": dict(hook.get("headers") or {}),
                "attempts": [],
                "delivered": False,
                "pending": True,
            }
            self.deliveries.append(delivery)
            self._workers.put(delivery)

    # --- marketplace callbacks -----------------------------------------------------------------

    def marketplace(self, order: Mapping[str, Any], tail: str, body: Mapping[str, Any],
                    on_answer: Callable[[int | None], None] | None = None) -> None:
        """What VTEX does for a marketplace order: POST `{marketplaceServicesEndpoint}/pvt/orders/
        {marketplaceOrderId}/{tail}` (invoice, invoice/{n}, invoice/{n}/tracking, cancel), from the same FIFO
        thread as the hook (in order), retried on failure and recorded like a hook delivery (kind
        "marketplace", listed apart: `GET /sandbox/state/marketplace/deliveries`). Orders without an http(s)
        endpoint get nothing. The marketplace's answer decides: 200 is done, another 4xx (not 408 / 429) is
        final (not retried); `on_answer` gets that status, or None when it was never reached."""
        endpoint = str(order.get("marketplaceServicesEndpoint") or "")
        if not endpoint.startswith(("http://", "https://")) or not order.get("marketplaceOrderId"):
            return
        with self._lock:
            delivery = {
                "id": next(self._ids),
                "kind": "marketplace",
                "url": f"{endpoint.rstrip('/')}/pvt/orders/{order['marketplaceOrderId']}/{tail}",
                "payload": dict(body),
                "headers": {},
                "attempts": [],
                "delivered": False,
                "pending": True,
            }
            self.callbacks.append(delivery)
            if on_answer is not None:
                self._answers[delivery["id"]] = on_answer
            self._workers.put(delivery)

    def callback_snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**d, "attempts": list(d["attempts"])} for d in self.callbacks]

    def _finished(self, delivery: Delivery, status: int | None) -> None:
        with self._lock:
            answer = self._answers.pop(delivery["id"], None)
        if answer is not None:  # the store's handler may notify the hook again: called without our lock
            answer(status)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            # header values may carry the connector's hook secret: only their names are shown
            return [{**d, "headers": sorted(d["headers"]), "attempts": list(d["attempts"])} for d in self.deliveries]

    def clear(self) -> None:
        with self._lock:
            self.config = None
            self.filter = HookFilter(None)
            self.deliveries.clear()
            self.callbacks.clear()
            self._answers.clear()

    def idle(self) -> bool:
        with self._lock:
            return not any(d["pending"] for d in (*self.deliveries, *self.callbacks))

    def close(self) -> None:
        self._workers.close()


def _answered(delivery: Delivery, status: int) -> bool:
    """A marketplace's 4xx (not 408 / 429) is its answer (e.g. a cancel refused), not a failure to retry."""
    return delivery.get("kind") == "marketplace" and 400 <= status < 500 and status not in (408, 429)
