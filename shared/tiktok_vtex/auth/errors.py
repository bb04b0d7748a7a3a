"""Errors of the auth capability. Messages name the client, never a token or secret."""

from __future__ import annotations


class AuthError(Exception):
    """Base of the auth capability's errors."""


class ClientNotAuthorized(AuthError):
    """The client has no usable TikTok authorization (no shop link, no tokens, or link not active yet)."""

    def __init__(self, client_hash: str, detail: str = "no TikTok authorization") -> None:
        self.client_hash = client_hash
        self.detail = detail
        super().__init__(f"client {client_hash}: {detail}")


class ReauthorizationRequired(ClientNotAuthorized):
    """The refresh token was refused for good (36004001 rt expired, 36004005 no auth record): the seller
    must consent again. Flows stop for this client; an alert metric is raised."""

    def __init__(self, client_hash: str, code: int | None, detail: str) -> None:
        self.code = code
        super().__init__(client_hash, detail)


class ClientDeauthorized(AuthError):
    """The seller revoked the app (push type 6): every flow stops for this client."""

    def __init__(self, client_hash: str, reason: str | None) -> None:
        self.client_hash = client_hash
        self.reason = reason or ""
        super().__init__(f"client {client_hash} deauthorized the app: {self.reason or 'no reason given'}")


class TokenRefreshError(AuthError):
    """A refresh failed for a transient reason (TikTok unavailable, lock wait exceeded); retry later."""

    def __init__(self, client_hash: str, detail: str) -> None:
        self.client_hash = client_hash
        super().__init__(f"client {client_hash}: token refresh failed: {detail}")
