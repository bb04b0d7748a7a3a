"""Token calls on the auth host: GET /api/v2/token/get and /api/v2/token/refresh (not signed)."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from tiktok_vtex.clients.retry import RetryPolicy
from tiktok_vtex.observability import register_secret

from .errors import TRANSPORT_ERROR, TikTokTransportError
from .models import TokenGrant
from .transport import default_http, send_once

TOKEN_GET_PATH = "/api/v2/token/get"  # noqa: S105 (a path, not a secret)
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"  # noqa: S105

__all__ = ["TOKEN_GET_PATH", "TOKEN_REFRESH_PATH", "TikTokAuthClient", "TokenGrant"]


class TikTokAuthClient:
    """Exchanges an auth code for tokens and refreshes them.

    Errors raise typed TikTokApiError subclasses (e.g. TikTokTokenGrantError for 36004001 "rt has
    expired" / 36004005 "can not find related auth record"); internal errors and timeouts are retried.
    """

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        auth_base_url: str,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ):
        self._app_key = app_key
        self._app_secret = app_secret
        register_secret(app_secret)
        self._base_url = auth_base_url.rstrip("/")
        self._http = http or default_http()
        self._retry = retry or RetryPolicy()

    def __repr__(self) -> str:
        return f"TikTokAuthClient(auth_base_url={self._base_url!r})"

    def _token_call(self, path: str, params: dict[str, str]) -> TokenGrant:
        query = {"app_key": self._app_key, "app_secret": self._app_secret, **params}
        secrets = [self._app_secret, *params.values()]

        def attempt(_: int) -> TokenGrant:
            envelope = send_once(
                lambda: self._http.get(self._base_url + path, params=query),
                f"GET {path}",
                secrets=secrets,
            )
            try:
                return TokenGrant.model_validate(envelope.get("data") or {})
            except ValidationError:
                # pydantic's message would echo the input (tokens): say only which fields failed.
                raise TikTokTransportError(
                    TRANSPORT_ERROR,
                    "token answer without the expected fields",
                    envelope.get("request_id"),
                    None,
                    endpoint=f"GET {path}",
                ) from None

        return self._retry.run(attempt)

    def get_token(self, auth_code: str) -> TokenGrant:
        return self._token_call(TOKEN_GET_PATH, {"auth_code": auth_code, "grant_type": "authorized_code"})

    def refresh_token(self, refresh_token: str) -> TokenGrant:
        return self._token_call(TOKEN_REFRESH_PATH, {"refresh_token": refresh_token, "grant_type": "refresh_token"})
