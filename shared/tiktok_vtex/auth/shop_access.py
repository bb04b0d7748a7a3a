"""How every flow gets a TikTok client for a client_hash, and the one check that stops deauthorized clients.

`open_shop_client` reads the shop link (ssxml_client_tiktok): no link or a link not yet active ->
`ClientNotAuthorized`; status deauthorized -> `ClientDeauthorized` (push type 6 was received). Flows
catch these two, record them for the client and move on to the next client: nothing is retried for a
client that cannot be served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.auth.tokens import DynamoTokenProvider, TokenCipher
from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.clients.tiktok.auth import TikTokAuthClient
from tiktok_vtex.clients.tiktok.client import TikTokShopClient
from tiktok_vtex.clients.tiktok.rate_limit import RateLimiter, process_limiter
from tiktok_vtex.clients.tiktok.transport import default_http
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.tokens import TokenRepository
from tiktok_vtex.settings import AppSecrets, Settings

__all__ = [
    "ClientDeauthorized",
    "ClientNotAuthorized",
    "ensure_client_active",
    "open_shop_client",
    "process_http",
    "token_provider_for",
]



_http_lock = threading.Lock()
_http: httpx.Client | None = None


def process_http() -> httpx.Client:
    """One HTTP connection pool per process for TikTok calls (building a client costs ~0.1 s of TLS setup;
    flows open a shop client per message)."""
    global _http  # noqa: PLW0603 (a process-wide singleton on purpose)
    with _http_lock:
        if _http is None or _http.is_closed:
            _http = default_http()
        return _http


def ensure_client_active(link: ShopLink | None, client_hash: str | None = None) -> ShopLink:
    """The link if the client may be served; raises ClientNotAuthorized / ClientDeauthorized otherwise."""
    if link is None:
        raise ClientNotAuthorized(client_hash or "?", "no TikTok shop link")
    if link.status == ShopLinkStatus.DEAUTHORIZED:
        raise ClientDeauthorized(link.client_hash, link.deauthorized_reason)
    if link.status != ShopLinkStatus.TOKEN_GENERATED:
        raise ClientNotAuthorized(link.client_hash, f"shop link status is {link.status.value}")
    if not link.cipher:
        raise ClientNotAuthorized(link.client_hash, "shop link has no shop cipher")
    return link


def token_provider_for(
    client_hash: str,
    *,
    settings: Settings,
    secrets: AppSecrets,
    token_repository: TokenRepository | None = None,
    cipher: TokenCipher | None = None,
    auth_client: TikTokAuthClient | None = None,
    http: httpx.Client | None = None,
    clock: Callable[[], float] = time.time,
) -> DynamoTokenProvider:
    """The DynamoTokenProvider of a client, wired from settings (adapters overridable for tests)."""
    http = http or process_http()
    return DynamoTokenProvider(
        client_hash,
        token_repository=token_repository or TokenRepository(settings.tables.token),
        auth_client=auth_client or TikTokAuthClient(
            secrets.app_key, secrets.app_secret.get_secret_value(), settings.tiktok_auth_base_url, http=http),
        cipher=cipher or TokenCipher(settings.token_kms_key_id),
        clock=clock,
    )


def open_shop_client(
    client_hash: str,
    *,
    settings: Settings,
    secrets: AppSecrets,
    clients: ClientRepository,
    token_repository: TokenRepository | None = None,
    cipher: TokenCipher | None = None,
    auth_client: TikTokAuthClient | None = None,
    http: httpx.Client | None = None,
    limiter: RateLimiter | None = None,
    retry: RetryPolicy | None = None,
    clock: Callable[[], float] = time.time,
    link: ShopLink | None = None,
    **client_kwargs: Any,
) -> TikTokShopClient:
    """A TikTokShopClient for the client's shop, after checking the link is active.

    Raises ClientNotAuthorized (no link / not yet authorized) or ClientDeauthorized (push 6 received).
    """
    link = ensure_client_active(link if link is not None else clients.get_shop_link(client_hash), client_hash)
    http = http or process_http()
    provider = token_provider_for(client_hash, settings=settings, secrets=secrets,
                                  token_repository=token_repository, cipher=cipher, auth_client=auth_client,
                                  http=http, clock=clock)
    return TikTokShopClient(
        app_key=secrets.app_key,
        app_secret=secrets.app_secret.get_secret_value(),
        base_url=settings.tiktok_api_base_url,
        shop_cipher=link.cipher,
        tokens=provider,
        http=http,
        limiter=limiter if limiter is not None else process_limiter(
            settings.tiktok_qps_per_container, float(settings.extra.get("TIKTOK_LIMITER_BURST") or 0) or None),
        retry=retry,
        clock=clock,
        shop_id=link.shop_id,
        **client_kwargs,
    )
