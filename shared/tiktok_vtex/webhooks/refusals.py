"""Refused requests (401/400 on the webhook and the OAuth callback): a metric always, a record sometimes.

Writing one DynamoDB row per refusal lets anyone on the internet make us pay a write per request (issue
10, defect 12). Choice: a per-container cap of `limit` sampled records per minute (default 10; the
records also get a short TTL, 7 days), and a CloudWatch metric for every refusal, with the count of those
not recorded. An operator sees the rate on the metric and has real examples in the ledger; the cost of a
flood is bounded by containers x limit writes per minute, however many requests arrive. No write is
needed to decide (an aggregate row updated with ADD would still be a write per request).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.webhook_events import WebhookEvent, WebhookEventRepository, event_key

DEFAULT_LIMIT_PER_MINUTE = 10
SAMPLE_RETENTION_SECONDS = 7 * 86400


class RefusalSampler:
    def __init__(self, limit_per_minute: int = DEFAULT_LIMIT_PER_MINUTE, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit = limit_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._minute = -1
        self._recorded = 0

    def allow(self) -> bool:
        """True while this container has recorded fewer than `limit` refusals in the current minute."""
        with self._lock:
            minute = int(self._clock() // 60)
            if minute != self._minute:
                self._minute, self._recorded = minute, 0
            if self._recorded >= self.limit:
                return False
            self._recorded += 1
            return True


def record_refusal(sampler: RefusalSampler, ledger: Callable[[], WebhookEventRepository], *, source: str,
                   label: str, noun: str, partition: str, status: int, reason: str, raw_body: bytes, received_ms: int,
                   log_extra: Mapping[str, Any], keep_bytes: int = 2000, **fields: Any) -> None:
    """The refusal path of an HTTP intake (TikTok's webhook, VTEX's orders hook and marketplace callbacks):
    metrics `{source}Refused` and `{source}Refused{status}` always; a warning `{label} refused`; a ledger row
    under `partition` (7-day TTL, at most `keep_bytes` of the unauthenticated body, none when 0, `fields`
    added) only when the sampler allows it, else the metric `{source}RefusalNotRecorded`. A failed write is
    logged (`could not record the refused {noun}`): it never turns a 4xx into a 500."""
    metrics.add_metric(name=f"{source}Refused", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name=f"{source}Refused{status}", unit=MetricUnit.Count, value=1)
    sampled = sampler.allow()
    logger.warning(f"{label} refused", extra={"status": status, "reason": reason, **log_extra, "recorded": sampled})
    if not sampled:
        metrics.add_metric(name=f"{source}RefusalNotRecorded", unit=MetricUnit.Count, value=1)
        return
    try:
        key = "sha256:" + hashlib.sha256(raw_body).hexdigest()
        received_at = received_ms // 1000
        ledger().record(WebhookEvent(
            shop_id=partition, event_key=event_key(received_ms, key), dedup_key=key, received_at=received_at,
            outcome=f"refused_{status}", detail=reason, expires_at=received_at + SAMPLE_RETENTION_SECONDS,
            # an unauthenticated body is kept short: it is evidence, not something to replay
            payload=raw_body[:keep_bytes].decode("utf-8", "replace") if keep_bytes > 0 else None, **fields))
    except Exception:  # recording must never turn a 4xx into a 500
        logger.exception(f"could not record the refused {noun}")


@dataclass(kw_only=True)
class SampledRefusals:
    """Base of an HTTP intake: the ledger its sampled refusals go to, its clock and its sampler (one per
    container: the cap is per minute and container)."""

    ledger: Callable[[], WebhookEventRepository]
    clock: Callable[[], float] = time.time
    sampler: RefusalSampler | None = None

    def __post_init__(self) -> None:
        if self.sampler is None:
            self.sampler = RefusalSampler(clock=self.clock)

    def record_refusal(self, **details: Any) -> None:
        """record_refusal() with this intake's sampler and ledger."""
        assert self.sampler is not None
        record_refusal(self.sampler, self.ledger, **details)
