"""Client-side rate-limit waits are metered where they happen: the TikTok token bucket every client of a
container shares (process_limiter) and the VTEX Retry-After pause shared by an account's workers. Each wait is
one EMF document: RateLimitClientWaits (count) and RateLimitClientWaitSeconds, dimensions service and api."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes import FakeTime
from tiktok_vtex.clients.tiktok import rate_limit
from tiktok_vtex.clients.vtex.throttle import RetryAfterGate, RetryAfterGates
from tiktok_vtex.metric_catalog import BY_NAME


def _wait_documents(out: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [d for d in docs if "RateLimitClientWaits" in d]


def _value(doc: dict[str, Any], name: str) -> float:
    value = doc[name]
    (single,) = value if isinstance(value, list) else [value]  # EMF allows a value or a list of values
    return float(single)


def _assert_shape(doc: dict[str, Any], api: str) -> None:
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert sorted(directive["Dimensions"][0]) == sorted(BY_NAME["RateLimitClientWaits"].dimensions)
    assert directive["Namespace"] == "TikTokVtexConnectorTest"
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units == {"RateLimitClientWaits": "Count", "RateLimitClientWaitSeconds": "Seconds"}
    assert doc["api"] == api and doc["service"]
    assert BY_NAME["RateLimitClientWaitSeconds"].dimensions == BY_NAME["RateLimitClientWaits"].dimensions


def test_the_process_token_bucket_meters_each_wait(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(rate_limit, "_process_limiter", None)
    limiter = rate_limit.process_limiter(2)
    t = FakeTime()
    monkeypatch.setattr(limiter, "_clock", t.clock)
    monkeypatch.setattr(limiter, "_sleep", t.sleep)
    for _ in range(2):  # the burst: no wait, nothing metered
        limiter.acquire("7496:/product/202309/products/{product_id}")
    assert _wait_documents(capsys.readouterr().out) == []
    for _ in range(2):
        limiter.acquire("7496:/product/202309/products/{product_id}")
    docs = _wait_documents(capsys.readouterr().out)
    assert t.slept == [pytest.approx(0.5), pytest.approx(0.5)]
    assert [_value(d, "RateLimitClientWaits") for d in docs] == [1, 1]
    assert [_value(d, "RateLimitClientWaitSeconds") for d in docs] == [pytest.approx(0.5), pytest.approx(0.5)]
    _assert_shape(docs[0], "tiktok")
    assert "7496" not in json.dumps(docs)  # the shop in the key is never a dimension


def test_a_limiter_without_a_hook_stays_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    t = FakeTime()
    limiter = rate_limit.TokenBucketLimiter(rate_per_second=1, burst=1, clock=t.clock, sleep=t.sleep)
    limiter.acquire("k")
    limiter.acquire("k")
    assert t.slept == [pytest.approx(1.0)] and _wait_documents(capsys.readouterr().out) == []


def test_the_vtex_retry_after_pause_is_metered(capsys: pytest.CaptureFixture[str]) -> None:
    t = FakeTime()
    gates = RetryAfterGates(lambda: RetryAfterGate(clock=t.clock, sleep=t.sleep))
    gate = gates.for_account("lojademo")
    gate.wait()  # not paused: no wait
    assert _wait_documents(capsys.readouterr().out) == []
    gate.pause(3.0)  # a 429 with Retry-After: 3
    gate.wait()
    (doc,) = _wait_documents(capsys.readouterr().out)
    assert _value(doc, "RateLimitClientWaits") == 1
    assert _value(doc, "RateLimitClientWaitSeconds") == pytest.approx(3.0)
    _assert_shape(doc, "vtex")
    assert "lojademo" not in json.dumps(doc)
