"""Refused requests (401/400 on the webhook and the OAuth callback): a metric always, a record sometimes.

Writing one DynamoDB row per refusal lets anyone on the internet make us pay a write per request (issue
10, defect 12). Choice: a per-container cap of `limit` sampled records per minute (default 10; the
records also get a short TTL, 7 days), and a CloudWatch metric for every refusal, with the count of those
not recorded. An operator sees the rate on the metric and has real examples in the ledger; the cost of a
flood is bounded by containers x limit writes per minute, however many requests arrive. No write is
needed to decide (an aggregate row updated with ADD would still be a write per request).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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
