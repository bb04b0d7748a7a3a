"""The VTEX transport: one account's httpx connection, credentials (rotated on a 401), retries and errors.

One instance per client (store). Base URLs are settings: templates with `{account}`, production
`https://{account}.vtexcommercestable.com.br` and `https://api.vtex.com/{account}` (pricing); the local
sandbox serves both under `http://127.0.0.1:8082/{account}`.

Failures are typed (errors.py). 429 honours Retry-After; 423, 5xx, timeouts and connection errors are
retried with the shared RetryPolicy (jittered backoff within a time budget); everything else raises at
once. A simulation that answers HTTP 200 with unavailable items is flagged on the result
(`unavailable_ids`) or raised as VtexUnavailableItem on request. The app key and token travel only in
headers; they never reach a log line or an exception text.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import quote

import httpx

from tiktok_vtex.clients.retry import RetryableError, RetryPolicy
from tiktok_vtex.clients.vtex.credentials import VtexCredentials
from tiktok_vtex.clients.vtex.errors import (
    VtexApiError,
    VtexAuthError,
    VtexTransportError,
    error_from_response,
)

PRODUCTION_BASE_URL_TEMPLATE = "https://{account}.vtexcommercestable.com.br"
PRODUCTION_PRICING_BASE_URL_TEMPLATE = "https://api.vtex.com/{account}"
MAX_SKU_PAGE_SIZE = 1000
DEFAULT_HOOK_STATUSES: tuple[str, ...] = (
    "order-accepted", "waiting-ffmt-authorization", "authorize-fulfillment", "window-to-cancel",
    "ready-for-handling", "start-handling", "handling", "invoice", "invoiced", "cancellation-requested",
    "cancel", "canceled",
)
"""Seller-flow statuses our `/vtex/orderhook` listens to by default."""

try:  # the layer always ships observability; keep the client importable on its own
    from tiktok_vtex.observability import count_by
    from tiktok_vtex.observability import logger as _logger
except ImportError:  # pragma: no cover
    import logging

    _logger = logging.getLogger("tiktok_vtex.clients.vtex")  # type: ignore[assignment]

    def count_by(name: str, value: float = 1, **dimensions: Any) -> None:  # type: ignore[misc]
        return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent/invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def path_segment(value: object) -> str:
    """One URL path segment (ids are quoted: a '/' in an id never reaches another route)."""
    return quote(str(value), safe="")


class VtexTransport:
    """One VTEX account's connection: credentials, base URLs, retries, concurrency limit, JSON.

    The API areas (logistics.py, catalog.py, ...) add their calls on top; VtexClient (client.py) is all of them.
    Thread-safe; at most `max_concurrency` requests in flight."""

    def __init__(
        self,
        credentials: VtexCredentials,
        *,
        base_url_template: str = PRODUCTION_BASE_URL_TEMPLATE,
        pricing_base_url_template: str = PRODUCTION_PRICING_BASE_URL_TEMPLATE,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 8,
        timeout: float = 10.0,
        reload_credentials: Callable[[], VtexCredentials] | None = None,
    ):
        if "{account}" not in base_url_template or "{account}" not in pricing_base_url_template:
            raise ValueError("VTEX base URL templates must contain {account}")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        self.credentials = credentials
        self.base_url = base_url_template.replace("{account}", credentials.account).rstrip("/")
        self.pricing_base_url = pricing_base_url_template.replace("{account}", credentials.account).rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
        )
        self.retry = retry or RetryPolicy()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._secrets = [credentials.app_key.get_secret_value(), credentials.app_token.get_secret_value()]
        # Called once on a 401: the key may have been rotated since this client was built.
        self._reload_credentials = reload_credentials
        self._credentials_lock = threading.Lock()

    def use_credentials(self, credentials: VtexCredentials) -> None:
        """Switches to rotated credentials of the same account (requests in flight keep the old ones)."""
        if credentials.account != self.credentials.account:
            raise ValueError("rotated credentials must name the same VTEX account")
        with self._credentials_lock:
            self.credentials = credentials
            # the old values stay scrubbed too: an answer to an older request may still echo them
            self._secrets = [*self._secrets, credentials.app_key.get_secret_value(),
                             credentials.app_token.get_secret_value()]

    # --- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VtexClient(account={self.credentials.account!r}, base_url={self.base_url!r})"

    # --- transport -----------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _request(
        self,
        method: str,
        path: str,
        *,
        pricing: bool = False,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        on_retry_error: list[VtexApiError] | None = None,
    ) -> httpx.Response:
        url = (self.pricing_base_url if pricing else self.base_url) + path
        content = None if body is None else json.dumps(body, default=_json_default).encode()
        query = {k: v for k, v in (params or {}).items() if v is not None}

        used: list[VtexCredentials] = []

        def attempt(number: int) -> httpx.Response:
            started = time.monotonic()
            used.append(self.credentials)
            headers = {"Accept": "application/json", "Content-Type": "application/json",
                       **used[-1].headers()}
            try:
                with self._slots:
                    response = self._http.request(method, url, params=query, content=content, headers=headers)
            except httpx.TimeoutException as exc:
                error: VtexApiError = VtexTransportError(None, "TIMEOUT", f"timeout ({type(exc).__name__})",
                                                         method=method, path=path)
                self._log_failure(error, number)
                if on_retry_error is not None:
                    on_retry_error.append(error)
                raise RetryableError(str(error), cause=error) from None
            except httpx.TransportError as exc:
                error = VtexTransportError(None, "CONNECTION", f"connection failed ({type(exc).__name__})",
                                           method=method, path=path)
                self._log_failure(error, number)
                if on_retry_error is not None:
                    on_retry_error.append(error)
                raise RetryableError(str(error), cause=error) from None
            if response.status_code < 400:
                _logger.debug("vtex call", extra={"method": method, "path": path, "status": response.status_code,
                                                  "ms": round((time.monotonic() - started) * 1000)})
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = error_from_response(response.status_code, self._scrub(response.text), method=method,
                                        path=path, retry_after=retry_after)
            self._log_failure(error, number)
            if error.retryable:
                if on_retry_error is not None:
                    on_retry_error.append(error)
                raise RetryableError(str(error), retry_after=retry_after, cause=error)
            raise error

        try:
            return self.retry.run(attempt)
        except VtexAuthError as error:
            if error.status != 401 or not self._reload_after_401(used[-1]):
                raise
        return self.retry.run(attempt)  # once more with the rotated key; a second 401 raises

    def _reload_after_401(self, current: VtexCredentials) -> bool:
        """Re-reads the credentials after `current` got a 401; True when they changed (a rotated key), so
        the request is worth repeating once. The same key refused again is a real auth failure."""
        if self._reload_credentials is None:
            return False
        with self._credentials_lock:
            if self.credentials != current:
                return True  # another request already picked up the rotated key
        try:
            fresh = self._reload_credentials()
        except Exception as error:  # the secret cannot be read now: the 401 stands
            _logger.warning("vtex credentials re-read failed", extra={"error": type(error).__name__})
            return False
        if fresh == current or fresh.account != current.account:
            return False
        self.use_credentials(fresh)
        _logger.info("vtex credentials rotated", extra={"account": current.account})
        return True

    def _log_failure(self, error: VtexApiError, attempt: int) -> None:
        count_by("ApiErrors", api="vtex", code=error.status or "network")
        if error.status == 429:  # HTTP Too Many Requests
            count_by("RateLimitWaits", api="vtex")
        _logger.warning("vtex call failed", extra={"method": error.method, "path": error.path,
                                                   "status": error.status, "code": error.code,
                                                   "attempt": attempt, "retryable": error.retryable})

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise VtexApiError(response.status_code, "INVALID_JSON", "VTEX answered with a body that is not JSON",
                               method=method, path=path) from None

    def _get(self, path: str, *, pricing: bool = False, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self._request("GET", path, pricing=pricing, params=params), "GET", path)

    def _fulfillment_params(self) -> dict[str, str]:
        return {"sc": self.credentials.sales_channel, "affiliateId": self.credentials.affiliate_id}
