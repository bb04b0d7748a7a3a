"""The VTEX clients of a warm container, one per client (store), without tying tenants together:

- credentials are re-read through a max-age cache (Powertools Parameters, CREDENTIALS_MAX_AGE), so a
  rotated app key / token is picked up without a cold start; a 401 re-reads the secret at once and the
  request is repeated once with the new key (a second 401 is a real auth failure);
- each VTEX account has its own 429 / Retry-After gate: one store's throttling never pauses another's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.vtex.client import (
    PRODUCTION_BASE_URL_TEMPLATE,
    PRODUCTION_PRICING_BASE_URL_TEMPLATE,
    VtexClient,
)
from tiktok_vtex.clients.vtex.credentials import (
    DEFAULT_SECRET_PREFIX,
    VtexCredentials,
    fetch_vtex_secret,
    load_vtex_credentials,
)
from tiktok_vtex.clients.vtex.throttle import RetryAfterGate, RetryAfterGates


class SecretReader(Protocol):
    """Reads a secret by name, from a max-age cache unless `force` (fetch_vtex_secret implements it)."""

    def __call__(self, name: str, *, force: bool = False) -> Mapping[str, Any] | str: ...


class VtexClientCache:
    def __init__(self, get_secret: SecretReader = fetch_vtex_secret, *, secret_prefix: str = DEFAULT_SECRET_PREFIX,
                 base_url_template: str = PRODUCTION_BASE_URL_TEMPLATE,
                 pricing_base_url_template: str = PRODUCTION_PRICING_BASE_URL_TEMPLATE, max_concurrency: int = 8,
                 timeout: float = 10.0, gates: RetryAfterGates | None = None, retry: RetryPolicy | None = None,
                 client_factory: Callable[..., VtexClient] = VtexClient) -> None:
        self._get_secret = get_secret
        self._prefix = secret_prefix
        self._base_url_template = base_url_template
        self._pricing_base_url_template = pricing_base_url_template
        self._max_concurrency = max_concurrency
        self._timeout = timeout
        self._retry = retry
        self.gates = gates or RetryAfterGates()
        self._factory = client_factory
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[VtexClient, httpx.Client]] = {}

    def credentials(self, client_hash: str, *, force: bool = False) -> VtexCredentials:
        """The client's credentials as the secret holds them now (at most CREDENTIALS_MAX_AGE old, or read at
        once with `force`). Raises VtexCredentialsError."""
        return load_vtex_credentials(client_hash, lambda name: self._get_secret(name, force=force), self._prefix)

    def client(self, client_hash: str) -> VtexClient:
        """The client's VtexClient, switched to rotated credentials when the secret changed."""
        credentials = self.credentials(client_hash)
        with self._lock:
            entry = self._clients.get(client_hash)
            if entry is not None and entry[0].credentials.account != credentials.account:
                entry[1].close()  # the store moved to another VTEX account: new base URLs, new gate
                entry = None
            if entry is None:
                entry = self._clients[client_hash] = self._build(client_hash, credentials)
        client = entry[0]
        if client.credentials != credentials:
            client.use_credentials(credentials)
        return client

    def _build(self, client_hash: str, credentials: VtexCredentials) -> tuple[VtexClient, httpx.Client]:
        gate: RetryAfterGate = self.gates.for_account(credentials.account)
        http = httpx.Client(
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
            limits=httpx.Limits(max_connections=self._max_concurrency,
                                max_keepalive_connections=self._max_concurrency),
            event_hooks={"request": [gate.before_request], "response": [gate.on_response]},
        )
        client = self._factory(credentials, base_url_template=self._base_url_template,
                               pricing_base_url_template=self._pricing_base_url_template, http=http,
                               max_concurrency=self._max_concurrency, retry=self._retry,
                               reload_credentials=lambda: self.credentials(client_hash, force=True))
        return client, http

    def close(self) -> None:
        with self._lock:
            entries, self._clients = list(self._clients.values()), {}
        for _client, http in entries:
            http.close()
