"""One observability setup for every function: Logger, Tracer, Metrics, and secret redaction.

Redaction is defence in depth: code must never log a token, secret or signature, but if one slips into
a log record (an exception text, a URL with `app_secret=` in it, a raw API response) it is replaced
before the record is written. Three rules apply to every string in a record, recursively:
known secret values (registered at load time), sensitive keys, and token-shaped substrings.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
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
    """Replaces secrets in log payloads. Thread-safe; secret values are registered once loaded.

    Registered values are bounded: only the `max_values` most recently registered (or re-registered)
    are kept (an LRU), so a warm container that refreshes tokens all day does not grow one ever longer
    regex. The pattern is rebuilt lazily, on the first redaction after a change, not on every register.
    A value evicted from the LRU is still masked when it is token-shaped (TikTok `TTP_` prefix) or sits
    under a sensitive key; live secrets (app secret, internal secrets) are re-registered on every load.
    """

    DEFAULT_MAX_VALUES = 512
    # The stack's own secrets (app secret, internal webhook and OAuth state secrets, app key) are few and
    # live for the container: they are pinned, outside the LRU, so a churn of tokens never evicts them.
    MAX_PINNED = 32

    def __init__(self, max_values: int = DEFAULT_MAX_VALUES) -> None:
        self.max_values = max_values
        self._values: OrderedDict[str, None] = OrderedDict()
        self._pinned: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._compiled: re.Pattern[str] | None = None
        self._dirty = False
        self.rebuilds = 0  # how many times the pattern was compiled (tests and diagnostics)

    def register(self, value: str | None, *, pinned: bool = False) -> None:
        # Very short values would redact ordinary words; real secrets are long.
        if not value or len(value) < 6:
            return
        store, cap = (self._pinned, self.MAX_PINNED) if pinned else (self._values, self.max_values)
        with self._lock:
            if value in store:
                store.move_to_end(value)  # still live: keep it among the most recent
                return
            store[value] = None
            while len(store) > cap:
                store.popitem(last=False)
            self._dirty = True

    def __len__(self) -> int:
        return len(self._values) + len(self._pinned)

    def _pattern(self) -> re.Pattern[str] | None:
        if not self._dirty:
            return self._compiled
        with self._lock:
            if self._dirty:
                ordered = sorted({*self._values, *self._pinned}, key=len, reverse=True)
                self._compiled = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None
                self._dirty = False
                self.rebuilds += 1
            return self._compiled

    def redact_text(self, text: str) -> str:
        compiled = self._pattern()
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


def register_secret(value: str | None, *, pinned: bool = False) -> None:
    """Registers a secret value (app secret, token, VTEX app token) so no log line can carry it.

    `pinned` for the few secrets that live as long as the container (the stack's app secrets); tokens
    and per-tenant credentials go to the bounded LRU (re-registering a value keeps it recent)."""
    redactor.register(value, pinned=pinned)


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

def tracing_enabled() -> bool:
    """Powertools' own rule (Tracer._is_tracer_disabled), read without importing the X-Ray SDK: tracing is
    on only inside Lambda (LAMBDA_TASK_ROOT), not under SAM local / Chalice, unless POWERTOOLS_TRACE_DISABLED."""
    if os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in {"1", "true", "yes", "on", "y"}:
        return False
    if os.getenv("AWS_SAM_LOCAL") or os.getenv("AWS_CHALICE_CLI_MODE"):
        return False
    return bool(os.getenv("LAMBDA_TASK_ROOT"))


class LazyTracer:
    """The Powertools Tracer, built on first use instead of at import.

    Building a Tracer imports the X-Ray SDK and patches botocore/httpx (about a third of a handler's import
    time). Handlers decorate with `tracer.capture_lambda_handler` at import; with tracing off (tests, the
    local stack, POWERTOOLS_TRACE_DISABLED) the handler is returned unchanged and X-Ray is never imported;
    with tracing on the real decorator is applied on the first invocation. Any other attribute
    (put_annotation, provider...) builds the real Tracer.
    """

    def __init__(self, factory: Callable[[], Any] | None = None, enabled: Callable[[], bool] = tracing_enabled):
        self._factory = factory
        self._enabled = enabled
        self._tracer: Any = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._tracer is not None

    def real(self) -> Any:
        if self._tracer is None:
            with self._lock:
                if self._tracer is None:
                    if self._factory is not None:
                        self._tracer = self._factory()
                    else:
                        from aws_lambda_powertools import Tracer

                        self._tracer = Tracer()
        return self._tracer

    def _lazy(self, decorator: str, function: Callable[..., Any] | None, options: dict[str, Any]) -> Any:
        if function is None:  # used with arguments: @tracer.capture_lambda_handler(capture_response=False)
            return lambda f: self._lazy(decorator, f, options)
        if not self._enabled():
            return function
        wrapped: list[Callable[..., Any]] = []

        @functools.wraps(function)
        def traced(*args: Any, **kwargs: Any) -> Any:
            if not wrapped:
                wrapped.append(getattr(self.real(), decorator)(function, **options))
            return wrapped[0](*args, **kwargs)

        return traced

    def capture_lambda_handler(self, lambda_handler: Callable[..., Any] | None = None, *,
                               capture_response: bool | None = None, capture_error: bool | None = None) -> Any:
        return self._lazy("capture_lambda_handler", lambda_handler,
                          {"capture_response": capture_response, "capture_error": capture_error})

    def capture_method(self, method: Callable[..., Any] | None = None, *, capture_response: bool | None = None,
                       capture_error: bool | None = None) -> Any:
        return self._lazy("capture_method", method,
                          {"capture_response": capture_response, "capture_error": capture_error})

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


logger = Logger(logger_formatter=RedactingFormatter())
tracer = LazyTracer()
metrics = Metrics()


def count_by(name: str, value: float = 1, **dimensions: Any) -> None:
    """A count with its own dimensions (type, outcome, api, code), written at once as its own EMF document.

    The function's other metrics keep their one `service` dimension set, which their alarms match exactly;
    these break a flow down for the dashboard. Dimension values must be bounded (a push type we know, an
    HTTP status, an API code), never a client or an id: each value set is a billed CloudWatch metric.
    """
    namespace = metrics.namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
    if not namespace:  # outside a function (operator tools): nothing to publish to
        return
    service = metrics.service or os.environ.get("POWERTOOLS_SERVICE_NAME") or "tiktok-vtex"
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=namespace,
                       default_dimensions={"service": service}) as metric:
        for key, item in dimensions.items():
            metric.add_dimension(name=key, value=str(item))


def emit_document(values: Iterable[tuple[str, str, float]], **dimensions: Any) -> None:
    """Metrics (name, unit, value) sharing their own bounded dimensions, written at once as one EMF document
    (like count_by; the function's `service`-only metrics are untouched)."""
    namespace = metrics.namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
    if not namespace:  # outside a function (operator tools, benchmarks): nothing to publish to
        return
    service = metrics.service or os.environ.get("POWERTOOLS_SERVICE_NAME") or "tiktok-vtex"
    from aws_lambda_powertools.metrics import EphemeralMetrics

    document = EphemeralMetrics(namespace=namespace, service=service)
    for key, item in dimensions.items():
        document.add_dimension(name=key, value=str(item))
    for name, unit, value in values:
        document.add_metric(name=name, unit=unit, value=value)
    document.flush_metrics()


def rate_limit_waited(api: str, seconds: float) -> None:
    """One client-side wait before a call (TikTok's token bucket, VTEX's shared Retry-After pause): the count and
    the seconds, dimensions service and api (bounded: "tiktok" / "vtex"; the shop or account waiting is never a
    dimension). Called where the wait happens, before the sleep."""
    emit_document([("RateLimitClientWaits", "Count", 1), ("RateLimitClientWaitSeconds", "Seconds", seconds)],
                  api=api)

def tiktok_rate_limit_waited(seconds: float) -> None:
    rate_limit_waited("tiktok", seconds)


def vtex_rate_limit_waited(seconds: float) -> None:
    rate_limit_waited("vtex", seconds)
