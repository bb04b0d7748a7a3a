"""The core every API group of TikTokShopClient builds on (``client.py`` composes the groups).

Each call is signed (``signing.py``), sent with the token in ``x-tts-access-token``, rate limited per
(shop, endpoint), retried on 429 / 36009002 / 36009003 / 5xx / timeouts with jittered backoff within
the RetryPolicy's budget, and refreshes the token once on 105002. Per-item failures of batch writes
come back as ``BatchResult.errors``; nothing is swallowed. Paths are written ``/group/{version}/...`` and
take their version from the one table in ``versions.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.observability import logger, register_secret

from .errors import TikTokTokenExpired
from .models import BatchResult, ItemError, Page
from .rate_limit import RateLimiter, limiter_key, process_limiter
from .signing import signed_query
from .tokens import AccessTokenProvider
from .transport import default_http, json_bytes, send_once
from .versions import VERSION_PLACEHOLDER, versioned

Json = dict[str, Any]


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def clean(mapping: Mapping[str, Any] | None) -> Json:
    return {k: v for k, v in (mapping or {}).items() if v is not None}


def iter_pages(fetch: Callable[[str | None], Page]) -> Iterator[Page]:
    """Follow ``next_page_token`` from the first page (no token) until it is empty or absent."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(token)
        yield page
        token = page.next_page_token or None
        if not token:
            return
        if token in seen:  # a server that loops would otherwise never end
            raise RuntimeError("pagination token repeated; stopping")
        seen.add(token)


def iter_items(fetch: Callable[[str | None], Page]) -> Iterator[Json]:
    for page in iter_pages(fetch):
        yield from page.items


class ClientCore:
    """Transport of one shop (``shop_cipher``) of one app. Thread-safe if its httpx client is."""

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str,
        shop_cipher: str | None,
        tokens: AccessTokenProvider,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        shop_id: str | None = None,
    ):
        self._app_key = app_key
        self._app_secret = app_secret
        register_secret(app_secret)
        self._base_url = base_url.rstrip("/")
        self.shop_cipher = shop_cipher
        self.shop_id = shop_id
        self._tokens = tokens
        self._http = http or default_http()
        self._limiter = limiter if limiter is not None else process_limiter()
        self._retry = retry or RetryPolicy()
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r}, shop_id={self.shop_id!r})"

    # ------------------------------------------------------------------ core

    def call(
        self,
        method: str,
        template: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
        shop_scoped: bool = True,
        accept_item_errors: bool = False,
    ) -> Json:
        """Send one API call and return the envelope (``code == 0``, or item errors if accepted).

        ``template`` is the path with ``{name}`` placeholders; its ``{version}`` comes from the version
        table (a template naming its version itself is sent as written: for probing other versions).
        The resolved template is also the rate-limit key. ``shop_scoped`` adds ``shop_cipher``
        (endpoints that do not take it must not get it).
        """
        if VERSION_PLACEHOLDER in template:
            template = versioned(method, template)
        path = template.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        endpoint = f"{method} {template}"
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if shop_scoped:
            if not self.shop_cipher:
                raise ValueError(f"{endpoint} needs a shop_cipher; this client has none")
            params["shop_cipher"] = self.shop_cipher
        multipart = files is not None
        body_bytes = None if multipart or body is None else json_bytes(body)
        key = limiter_key(self.shop_id or self.shop_cipher, template)
        url = self._base_url + path

        def attempt(token: str) -> Json:
            self._limiter.acquire(key)
            signed = signed_query(
                app_key=self._app_key,
                app_secret=self._app_secret,
                path=path,
                timestamp=int(self._clock()),
                query=params,
                body=body_bytes,
            )
            headers = {"x-tts-access-token": token}
            if body_bytes is not None:
                headers["Content-Type"] = "application/json"

            def send() -> httpx.Response:
                if multipart:
                    return self._http.request(
                        method,
                        url,
                        params=signed,
                        headers=headers,
                        files=dict(files or {}),
                        data=dict(form or {}),
                    )
                return self._http.request(method, url, params=signed, headers=headers, content=body_bytes)

            return send_once(send, endpoint, secrets=(self._app_secret, token), accept_item_errors=accept_item_errors)

        token = self._tokens.get_access_token()
        try:
            return self._retry.run(lambda _n: attempt(token))
        except TikTokTokenExpired:
            logger.info("tiktok access token expired; refreshing once", extra={"endpoint": endpoint})
            token = self._tokens.refresh_access_token(token)
            return self._retry.run(lambda _n: attempt(token))

    def _data(self, *args: Any, **kwargs: Any) -> Json:
        return self.call(*args, **kwargs).get("data") or {}

    def _batch(self, *args: Any, **kwargs: Any) -> BatchResult:
        envelope = self.call(*args, accept_item_errors=True, **kwargs)
        data = envelope.get("data") or {}
        errors = data.get("errors") or [] if isinstance(data, dict) else []
        return BatchResult(
            code=int(envelope.get("code") or 0),
            message=str(envelope.get("message") or ""),
            request_id=envelope.get("request_id"),
            data=data if isinstance(data, dict) else {},
            errors=[ItemError.model_validate(e) for e in errors],
        )

    @staticmethod
    def _merge(results: Sequence[BatchResult]) -> BatchResult:
        if len(results) == 1:
            return results[0]
        merged = BatchResult()
        for result in results:
            merged.errors.extend(result.errors)
            if result.code and not merged.code:
                merged.code, merged.message = result.code, result.message
            merged.request_id = merged.request_id or result.request_id
        return merged

    def _page(
        self,
        method: str,
        template: str,
        items_key: str,
        *,
        page_size: int,
        page_token: str | None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        path_params: Mapping[str, Any] | None = None,
    ) -> Page:
        q = {**clean(query), "page_size": page_size, "page_token": page_token or None}
        data = self._data(method, template, query=q, body=body, path_params=path_params)
        return Page(
            items=list(data.get(items_key) or []),
            next_page_token=data.get("next_page_token") or None,
            total_count=data.get("total_count"),
        )
