"""Faults on both sandboxes and crash injection in the local runtime (when the runtime offers it).

TikTok sandbox (`POST /sandbox/faults`, every API endpoint): 10% HTTP 500, 5% 429 (36009002), 2% timeouts
(the sandbox holds the request `timeout_seconds` and answers 504 / 36009007, TikTok's request-timeout code),
and added latency on every call.
VTEX sandbox (`POST /sandbox/faults`, every route): 10% 503, 5% 429 with Retry-After, latency on every
call, and 2% 504 Gateway Timeout on the routes the connector calls (the VTEX sandbox has no hanging fault).
Crash injection: the runtime's `/_local/faults` control route (local.runtime.faults): workers killed mid-batch
and functions timing out after their side effect, before their state write (CRASH_FAULTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

TIKTOK_FAULTS = {"endpoint": "*", "error_rate_5xx": 0.10, "rate_429": 0.05, "timeout": 0.02,
                 "timeout_seconds": 2, "latency_ms": 15}
VTEX_FAULTS = {"route": "*", "error_rate_5xx": 0.10, "status_5xx": 503, "rate_429": 0.05, "latency_ms": 15}
VTEX_TIMEOUT_ROUTES = ("inventory_sku", "inventory_item", "simulation", "place_order", "fulfill", "get_order",
                       "cancel_order", "computed_price", "price")
VTEX_TIMEOUTS = {"error_rate_5xx": 0.02, "status_5xx": 504}
# Crash injection through the runtime's real hooks (`/_local/faults`, local.runtime.faults). Each size gives
# (every, count) per fault: every n-th invocation of the function, at most `count` times.
CRASH_FAULTS: dict[str, dict[str, Any]] = {
    # a worker killed mid-batch: the webhook processor (batches of 10) dies after its 3rd AWS call; SQS
    # redelivers the whole batch (what was done before the crash is done again, idempotently)
    "kill_webhook_processor": {"function": "WebhookProcessorFunction", "kill_after_aws_calls": 3},
    # the same for the stock update function (batches of 10 TikTok inventory updates)
    "kill_stock_update": {"function": "StockUpdateFunction", "kill_after_aws_calls": 4},
    # timing out after the side effect, before the state write: the webhook's queue send happened, its
    # idempotency record's COMPLETED write hangs past the 10 s Timeout; TikTok retries the push
    "timeout_webhook": {"function": "WebhookFunction", "timeout_before": "dynamodb.UpdateItem"},
    # the orders function placed the VTEX order, its mark-placed write hangs past the 180 s Timeout: the order
    # stays CLAIMED (lease 240 s); the redelivery finds the claim, the sweep re-queues it after the lease and
    # the retry links the VTEX order it finds instead of placing a second one
    "timeout_orders": {"function": "OrdersFunction", "timeout_before": "dynamodb.UpdateItem",
                       "timeout_params": "*vtex_order = :vo*"},
}


@dataclass
class FaultState:
    tiktok: dict[str, Any]
    vtex: dict[str, Any]
    crash: str  # what the figures print about crash injection


def crash_specs(counts: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    specs = []
    for name, (every, count) in counts.items():
        spec = CRASH_FAULTS[name]
        kind = "timeout_every" if "timeout_before" in spec else "kill_worker_every"
        specs.append({**spec, kind: every, "count": count})
    return specs


def crash_injection(http: httpx.Client, lambda_url: str, counts: dict[str, tuple[int, int]]) -> str:
    """Arms the runtime's crash injection (`POST /_local/faults`); a refusal is an error, not a figure."""
    answer = http.post(f"{lambda_url}/_local/faults", json=crash_specs(counts))
    if answer.status_code != 200:
        raise RuntimeError(f"/_local/faults refused the crash faults: {answer.status_code} {answer.text[:300]}")
    return ", ".join(f"{name} (every {every}, max {count})" for name, (every, count) in counts.items()) or "none"


def crash_outcome(http: httpx.Client, lambda_url: str) -> list[dict[str, Any]]:
    """What the runtime injected (per function: invocations seen, faults injected)."""
    return list(http.get(f"{lambda_url}/_local/faults").json()["faults"])


def faults_on(http: httpx.Client, tiktok_url: str, vtex_url: str, lambda_url: str,
              crash_counts: dict[str, tuple[int, int]]) -> FaultState:
    http.post(f"{tiktok_url}/sandbox/faults", json=TIKTOK_FAULTS).raise_for_status()
    http.post(f"{vtex_url}/sandbox/faults", json=VTEX_FAULTS).raise_for_status()
    for route in VTEX_TIMEOUT_ROUTES:
        http.post(f"{vtex_url}/sandbox/faults", json={"route": route, **VTEX_TIMEOUTS}).raise_for_status()
    crash = crash_injection(http, lambda_url, crash_counts)
    return FaultState(http.get(f"{tiktok_url}/sandbox/faults").json(), http.get(f"{vtex_url}/sandbox/faults").json(),
                      crash)


def faults_off(http: httpx.Client, tiktok_url: str, vtex_url: str, lambda_url: str) -> None:
    http.delete(f"{tiktok_url}/sandbox/faults").raise_for_status()
    http.delete(f"{vtex_url}/sandbox/faults").raise_for_status()
    http.delete(f"{lambda_url}/_local/faults").raise_for_status()
