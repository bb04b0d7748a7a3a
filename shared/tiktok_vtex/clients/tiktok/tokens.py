"""Where the client gets its access token from, and how it asks for a fresh one.

The production implementation (DynamoDB, single-flight refresh) lives with the auth capability;
``StaticAccessToken`` serves tests and scripts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable


@runtime_checkable
class AccessTokenProvider(Protocol):
    def get_access_token(self) -> str:
        """The current access token of this shop."""
        ...

    def refresh_access_token(self, rejected_token: str) -> str:
        """Called once when the API answers 105002 with ``rejected_token``; returns a fresh token."""
        ...


class StaticAccessToken:
    """A fixed token. ``refresh`` (optional) is called on 105002; without it the token is returned again."""

    def __init__(self, token: str, refresh: Callable[[str], str] | None = None):
        self._token = token
        self._refresh = refresh
        self._lock = threading.Lock()
        self.refresh_count = 0

    def get_access_token(self) -> str:
        return self._token

    def refresh_access_token(self, rejected_token: str) -> str:
        with self._lock:
            if self._refresh is not None and rejected_token == self._token:
                self._token = self._refresh(rejected_token)
                self.refresh_count += 1
            return self._token

    def __repr__(self) -> str:
        return "StaticAccessToken(token=***)"
