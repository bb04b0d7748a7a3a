"""One observability setup for every function: Logger, Tracer, Metrics, and secret redaction.

Redaction is defence in depth: code must never log a token, secret or signature, but if one slips into
a log record (an exception text, a URL with `app_secret=` in it, a raw API response) it is replaced
before the record is written. Three rules apply to every string in a record, recursively:
known secret values (registered at load time), sensitive keys, and token-shaped substrings.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

REDACTED = "***"

_SENSITIVE_KEY = re.compile(
    r"(token|secret|password|passwd|authorization|signature|^sign$|app_?key|apptoken|api[-_]?key|cookie"
    r"|embedded_?invoice|cpf|document$)",
    re.IGNORECASE,
)
_SENSITIVE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # TikTok access / refresh tokens
    re.compile(r"\bTTP_[A-Za-z0-9_\-+/=]{8,}"),
    # query-string or JSON-ish key=value pairs of secrets (token endpoint URLs carry app_secret)
    re.compile(
        r"(?i)((?:access_token|refresh_token|app_secret|auth_code|sign|x-tts-access-token|apptoken)"
        r"[\"']?\s*[=:]\s*[\"']?)([^&\"'\s,}]+)"
    ),
    # bearer-like headers
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._\-]+)"),
)


class Redactor:
    """Replaces secrets in log payloads. Thread-safe; secret values are registered once loaded."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._compiled: re.Pattern[str] | None = None

    def register(self, value: str | None) -> None:
        # Very short values would redact ordinary words; real secrets are long.
        if not value or len(value) < 6:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                ordered = sorted(self._values, key=len, reverse=True)
                self._compiled = re.compile("|".join(re.escape(v) for v in ordered))

    def redact_text(self, text: str) -> str:
        compiled = self._compiled
        if compiled is not None:
            text = compiled.sub(REDACTED, text)
        for pattern in _SENSITIVE_PATTERNS:
            if pattern.groups >= 2:
                text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
            else:
                text = pattern.sub(REDACTED, text)
        return text

    def redact(self, value: Any, key: str | None = None) -> Any:
        if key is not None and _SENSITIVE_KEY.search(key) and value not in (None, "", [], {}):
            return REDACTED
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, dict):
            return {k: self.redact(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self.redact(v) for v in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        # Anything else (exception objects in stack traces, URLs, models) is logged as its text.
        return self.redact_text(str(value))


redactor = Redactor()


def register_secret(value: str | None) -> None:
    """Registers a secret value (app secret, token, VTEX app token) so no log line can carry it."""
    redactor.register(value)


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        redactor.register(value)


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, with every field passed through the redactor."""

    def serialize(self, log: dict[str, Any]) -> str:
        return super().serialize(redactor.redact(log))


class RedactingFilter(logging.Filter):
    """For third-party loggers (httpx, botocore) that do not go through our formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redactor.redact_text(record.getMessage())
        record.args = None
        return True


def _quiet_third_party() -> None:
    # httpx logs every request URL at INFO; the token endpoints carry secrets in the query string.
    for name in ("httpx", "httpcore", "botocore", "urllib3"):
        third_party = logging.getLogger(name)
        third_party.setLevel(logging.WARNING)
        if not any(isinstance(f, RedactingFilter) for f in third_party.filters):
            third_party.addFilter(RedactingFilter())


_quiet_third_party()

logger = Logger(logger_formatter=RedactingFormatter())
tracer = Tracer()
metrics = Metrics()
