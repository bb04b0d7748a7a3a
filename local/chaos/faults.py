"""Faults on both sandboxes and crash injection in the local runtime (when the runtime offers it).

TikTok sandbox (`POST /sandbox/faults`, every API endpoint): 10% HTTP 500, 5% 429 (36009002), 2% timeouts
(the sandbox holds the request `timeout_seconds` and answers 504 / 36009007, TikTok's request-timeout code),
and added latency on every call.
VTEX sandbox (`POST /sandbox/faults`, every route): 10% 503, 5% 429 with Retry-After, latency on every
call, and 2% 504 Gateway Timeout on the routes the connector calls (the VTEX sandbox has no hanging fault).
Crash injection: the runtime's `/_local/faults` control route if it exists (a worker killed mid-batch, a
function timing out after its side effect); otherwise the figures say it was not available.
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
CRASH_FAULTS = {"kill_worker_mid_batch": 0.02, "timeout_after_side_effect": 0.02}


@dataclass
class FaultState:
    tiktok: dict[str, Any]
    vtex: dict[str, Any]
    crash: str  # what the figures print about crash injection


def crash_injection(http: httpx.Client, lambda_url: str, *, enable: bool) -> str:
    """Turns the runtime's crash injection on/off if the runtime exposes it; says what happened."""
    try:
        probe = http.get(f"{lambda_url}/_local/faults")
    except httpx.HTTPError as exc:
        return f"crash injection: not available in this runtime ({type(exc).__name__})"
    if probe.status_code == 404 or probe.status_code >= 500:
        return "crash injection: not available in this runtime"
    if not enable:
        answer = http.delete(f"{lambda_url}/_local/faults")
        return f"crash injection: off (DELETE /_local/faults -> {answer.status_code})"
    answer = http.post(f"{lambda_url}/_local/faults", json=CRASH_FAULTS)
    if answer.status_code >= 300:
        return (f"crash injection: /_local/faults exists but refused {CRASH_FAULTS} "
                f"({answer.status_code}: {answer.text[:200]})")
    return f"crash injection: on via POST /_local/faults {CRASH_FAULTS}"


def faults_on(http: httpx.Client, tiktok_url: str, vtex_url: str, lambda_url: str) -> FaultState:
    http.post(f"{tiktok_url}/sandbox/faults", json=TIKTOK_FAULTS).raise_for_status()
    http.post(f"{vtex_url}/sandbox/faults", json=VTEX_FAULTS).raise_for_status()
    for route in VTEX_TIMEOUT_ROUTES:
        http.post(f"{vtex_url}/sandbox/faults", json={"route": route, **VTEX_TIMEOUTS}).raise_for_status()
    crash = crash_injection(http, lambda_url, enable=True)
    return FaultState(http.get(f"{tiktok_url}/sandbox/faults").json(), http.get(f"{vtex_url}/sandbox/faults").json(),
                      crash)


def faults_off(http: httpx.Client, tiktok_url: str, vtex_url: str, lambda_url: str) -> None:
    http.delete(f"{tiktok_url}/sandbox/faults").raise_for_status()
    http.delete(f"{vtex_url}/sandbox/faults").raise_for_status()
    crash_injection(http, lambda_url, enable=False)
