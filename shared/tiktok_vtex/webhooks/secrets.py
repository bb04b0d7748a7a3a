"""The webhook's secrets with a max age, so a rotated app secret is picked up by warm containers.

Without it a container verifies with the secret it read at cold start for its whole life (hours): after a
rotation in Secrets Manager every push would get 401 until the container is recycled, and TikTok drops a
push after ~15 h of retries. Two rules:
- a value is used at most `max_age` seconds (default 5 minutes), then read again;
- a signature that does not verify may trigger one early re-read, at most once per `retry_interval`
  (default 1 minute), so a flood of forged pushes cannot turn into a flood of Secrets Manager calls.
A failed re-read keeps the value in hand (logged): Secrets Manager being slow must not refuse valid pushes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tiktok_vtex.observability import logger

DEFAULT_MAX_AGE_SECONDS = 300
DEFAULT_RETRY_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class WebhookSecrets:
    app_key: str
    app_secret: str
    internal_secret: str


class RotatingSecrets:
    def __init__(self, load: Callable[[], WebhookSecrets], *, max_age: float = DEFAULT_MAX_AGE_SECONDS,
                 retry_interval: float = DEFAULT_RETRY_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._max_age = max_age
        self._retry_interval = retry_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._value: WebhookSecrets | None = None
        self._loaded_at = 0.0
        self._last_forced = float("-inf")
        self.reads = 0

    def get(self) -> WebhookSecrets:
        """The secrets, read again when older than max_age (the first read's failure propagates)."""
        with self._lock:
            if self._value is None or self._clock() - self._loaded_at >= self._max_age:
                self._read(keep_on_failure=self._value is not None)
            assert self._value is not None
            return self._value

    def refresh_after_failure(self) -> WebhookSecrets | None:
        """After a signature failure: the secrets read again if the last early re-read is older than
        retry_interval and the value changed; None otherwise (nothing new to try)."""
        with self._lock:
            now = self._clock()
            if now - self._last_forced < self._retry_interval or now - self._loaded_at < 1:
                return None
            self._last_forced = now
            before = self._value
            self._read(keep_on_failure=before is not None)
            return self._value if self._value != before else None

    def _read(self, *, keep_on_failure: bool) -> None:
        try:
            self.reads += 1
            self._value = self._load()
        except Exception as error:
            if not keep_on_failure:
                raise
            logger.warning("could not re-read the webhook secrets; keeping the current ones",
                           extra={"error_type": type(error).__name__})
        self._loaded_at = self._clock()
