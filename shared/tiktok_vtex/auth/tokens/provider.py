"""`DynamoTokenProvider`: the access token of one client, refreshed single-flight across processes.

- Refresh is single-flight across processes: a caller that needs a refresh takes a conditional lock on
  the token row (conditional on the row's `token_version` and on no live lease); the others wait,
  re-read the row, and reuse the token the winner wrote. A lease expires, so a crashed holder cannot
  block refreshes forever.
- Legacy rows with plain-text tokens are encrypted in place on first read.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.auth.errors import ClientNotAuthorized, ReauthorizationRequired, TokenRefreshError
from tiktok_vtex.auth.tokens.cipher import TokenCipher, grant_fingerprint
from tiktok_vtex.clients.tiktok.auth import TikTokAuthClient
from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokAuthError, TikTokTokenGrantError
from tiktok_vtex.clients.tiktok.models import TokenGrant
from tiktok_vtex.observability import logger, metrics, register_secret
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.tokens import StoredToken, TokenRepository

EXPIRY_SKEW_SECONDS = 60  # refresh a token this close to expiry rather than send it and get 105002
METRIC_REFRESH_FAILED = "TokenRefreshFailed"
GRANT_ERROR_CODES = frozenset({36004001, 36004005})
# After TikTok refused a refresh token, callers do not ask again for this long (the seller must consent
# again; the hourly renewal retries once per run in case the refusal was spurious).
GRANT_ERROR_COOLDOWN_S = 3600
# After a transient refresh failure, callers wait this long before trying again (no stampede on TikTok).
TRANSIENT_ERROR_COOLDOWN_S = 5
METRIC_REFRESHED = "TokenRefreshed"


@dataclass(frozen=True)
class DecryptedTokens:
    version: int
    access_token: str
    access_expires: int
    refresh_token: str
    refresh_expires: int
    grant_id: str | None
    last_error_code: int | None = None
    last_error_at_ms: int | None = None

    def __repr__(self) -> str:
        return f"DecryptedTokens(version={self.version}, access_expires={self.access_expires})"


def migrate_row(row: StoredToken, repo: TokenRepository, cipher: TokenCipher, *, now: int,
                plain_access: str | None, plain_refresh: str | None) -> bool:
    """Encrypts a legacy row's plain tokens and normalises its timestamps in one conditional write. A row
    taken out of renewal (deauthorized client) stays out."""
    for value in (plain_access, plain_refresh):
        register_secret(value)
    client_hash = row.client_hash
    return repo.replace_plain(
        client_hash,
        plain_access=plain_access,
        plain_refresh=plain_refresh,
        access_ciphertext=cipher.encrypt(client_hash, plain_access) if plain_access else None,
        refresh_ciphertext=cipher.encrypt(client_hash, plain_refresh) if plain_refresh else None,
        grant_id=grant_fingerprint(plain_refresh) if plain_refresh else None,
        access_expires=row.access_token_expire_in,
        refresh_expires=row.refresh_token_expire_in,
        now=now,
        activate=not (row.model_extra or {}).get("deactivated_at"),
    )


class DynamoTokenProvider:
    """`AccessTokenProvider` of one client backed by ssxml_tik_tok_token, with single-flight refresh.

    `get_access_token()` returns the stored token (refreshing first if it expired);
    `refresh_access_token(rejected)` is called by the TikTok client on 105002: if the stored token
    differs from the rejected one (someone refreshed already) it is returned, otherwise one refresh runs.
    """

    def __init__(
        self,
        client_hash: str,
        *,
        token_repository: TokenRepository,
        auth_client: TikTokAuthClient,
        cipher: TokenCipher,
        clock: Callable[[], float] = time.time,
        lock_wait: float = 20.0,
        lock_lease: float = 30.0,
        poll_interval: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
        owner: str | None = None,
    ) -> None:
        self.client_hash = client_hash
        self._repo = token_repository
        self._auth = auth_client
        self._cipher = cipher
        self._clock = clock
        self._lock_wait = lock_wait
        self._lease_ms = int(lock_lease * 1000)
        self._poll = poll_interval
        self._sleep = sleep
        self._owner = owner or uuid.uuid4().hex
        self._cached: DecryptedTokens | None = None
        self._local = threading.Lock()  # threads of one process share one refresh too
        self.refresh_calls = 0  # refreshes this instance sent to TikTok (tests, benchmarks)

    def __repr__(self) -> str:
        return f"DynamoTokenProvider(client_hash={self.client_hash!r})"

    # ------------------------------------------------------------------ AccessTokenProvider

    def get_access_token(self) -> str:
        cached = self._cached
        if cached is not None and not self._expired(cached.access_expires):
            return cached.access_token
        with self._local:
            tokens = self._load()
            if self._expired(tokens.access_expires):
                tokens = self._refresh(tokens, reason="expired")
            return tokens.access_token

    def refresh_access_token(self, rejected_token: str) -> str:
        with self._local:
            tokens = self._load()
            if tokens.access_token != rejected_token and not self._expired(tokens.access_expires):
                return tokens.access_token  # another caller refreshed already
            return self._refresh(tokens, reason="rejected").access_token

    # ------------------------------------------------------------------ for the renewal job

    def refresh_if_expiring(self, until: int) -> bool:
        """Refreshes once if the stored access token expires at or before `until` (renewal window).

        Returns False when the token is outside the window (e.g. another caller refreshed meanwhile).
        """
        with self._local:
            tokens = self._load()
            if tokens.access_expires > until:
                return False
            # The hourly renewal is the one caller that retries a refused refresh (it may have been spurious).
            self._refresh(tokens, reason="renewal window", after_failure=True)
            return True

    def status(self) -> StoredToken | None:
        """The stored row (ciphertext only) for reports."""
        return self._repo.get(self.client_hash)

    # ------------------------------------------------------------------ internals

    def _expired(self, expires_at: int) -> bool:
        return expires_at - EXPIRY_SKEW_SECONDS <= self._clock()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _load(self) -> DecryptedTokens:
        row = self._repo.get(self.client_hash, consistent=True)
        if row is None or not row.access_token or not row.refresh_token:
            raise ClientNotAuthorized(self.client_hash, "no TikTok tokens stored")
        tokens = self._decrypt(row)
        self._cached = tokens
        return tokens

    def _decrypt(self, row: StoredToken) -> DecryptedTokens:
        access, refresh = row.access_token or "", row.refresh_token or ""
        plain_access = None if TokenCipher.is_encrypted(access) else access
        plain_refresh = None if TokenCipher.is_encrypted(refresh) else refresh
        if plain_access is not None or plain_refresh is not None:
            self._migrate(row, plain_access, plain_refresh)
        access_value = plain_access if plain_access is not None else self._cipher.decrypt(self.client_hash, access)
        refresh_value = (plain_refresh if plain_refresh is not None
                         else self._cipher.decrypt(self.client_hash, refresh))
        return DecryptedTokens(
            version=row.token_version,
            access_token=access_value,
            access_expires=int(row.access_token_expire_in or 0),
            refresh_token=refresh_value,
            refresh_expires=int(row.refresh_token_expire_in or 0),
            grant_id=row.grant_id,
            last_error_code=row.last_refresh_error_code,
            last_error_at_ms=row.last_refresh_error_at_ms,
        )

    def _migrate(self, row: StoredToken, plain_access: str | None, plain_refresh: str | None) -> None:
        """Legacy rows stored tokens in plain text: encrypt them in place (conditional on the old values)."""
        migrated = migrate_row(row, self._repo, self._cipher, now=int(self._clock()),
                               plain_access=plain_access, plain_refresh=plain_refresh)
        logger.info("legacy plain-text token row encrypted", extra={"client_hash": self.client_hash,
                                                                   "migrated": migrated})

    def _refresh(self, seen: DecryptedTokens, *, reason: str, after_failure: bool = False) -> DecryptedTokens:
        """Single flight: take the lock at `seen.version`, or wait for whoever holds it and reuse their token."""
        started_ms = self._now_ms()
        if not after_failure:
            self._check_recent_failure(seen, started_ms)
        deadline = self._clock() + self._lock_wait
        poll = self._poll
        while True:
            if self._repo.acquire_refresh_lock(self.client_hash, owner=self._owner, seen_version=seen.version,
                                               now_ms=self._now_ms(), lease_ms=self._lease_ms,
                                               seen_error_at_ms=seen.last_error_at_ms):
                return self._refresh_locked(seen, reason)
            # Not ours: wait for the holder, then use what it wrote (or learn that it failed).
            while True:
                row = self._repo.get(self.client_hash, consistent=True)
                if row is None:
                    raise ClientNotAuthorized(self.client_hash, "tokens removed while refreshing")
                if row.token_version != seen.version:
                    # Someone refreshed (or re-authorized) since we read: use theirs.
                    fresh = self._decrypt(row)
                    self._cached = fresh
                    if not self._expired(fresh.access_expires):
                        return fresh
                    seen = fresh
                    break
                if not row.locked_by_other(self._owner, self._now_ms()):
                    if row.last_refresh_error_at_ms != seen.last_error_at_ms:
                        # The holder we waited for failed: do not repeat the same refresh at TikTok.
                        code = row.last_refresh_error_code
                        detail = row.last_refresh_error or "refresh failed"
                        if code in GRANT_ERROR_CODES:
                            raise ReauthorizationRequired(self.client_hash, code, detail)
                        raise TokenRefreshError(self.client_hash, detail)
                    if self._clock() >= deadline:
                        raise TokenRefreshError(self.client_hash, "could not take the refresh lock in time")
                    break  # lock free (or its lease expired) and nothing written: try to take it
                if self._clock() >= deadline:
                    raise TokenRefreshError(self.client_hash, "timed out waiting for another refresh")
                self._sleep(poll)
                poll = min(poll * 1.5, 0.5)  # waiters back off so the holder is not starved

    def _check_recent_failure(self, seen: DecryptedTokens, now_ms: int) -> None:
        """A refresh that just failed is not repeated by every caller that finds the token expired."""
        if not seen.last_error_at_ms:
            return
        age_s = (now_ms - seen.last_error_at_ms) / 1000
        if seen.last_error_code in GRANT_ERROR_CODES and age_s < GRANT_ERROR_COOLDOWN_S:
            raise ReauthorizationRequired(self.client_hash, seen.last_error_code,
                                          "TikTok refused the refresh token; the seller must authorize again")
        if age_s < TRANSIENT_ERROR_COOLDOWN_S:
            raise TokenRefreshError(self.client_hash, "a refresh failed moments ago; retry shortly")

    def _refresh_locked(self, seen: DecryptedTokens, reason: str) -> DecryptedTokens:
        now = int(self._clock())
        if seen.refresh_expires and seen.refresh_expires <= now:
            self._fail(36004001, "refresh token expired; the seller must authorize again")
        try:
            self.refresh_calls += 1
            grant: TokenGrant = self._auth.refresh_token(seen.refresh_token)
        except TikTokTokenGrantError as error:
            self._fail(error.code, f"TikTok refused the refresh token ({error.code})")
        except TikTokAuthError as error:
            self._fail(error.code, f"TikTok refused the refresh ({error.code})")
        except TikTokApiError as error:
            self._release(error.code, f"TikTok error {error.code} during refresh")
            raise TokenRefreshError(self.client_hash, f"TikTok error {error.code}") from None
        except Exception as error:
            self._release(None, f"{type(error).__name__} during refresh")
            raise
        access = grant.access_token.get_secret_value()
        refresh = grant.refresh_token.get_secret_value()
        register_secret(access)
        register_secret(refresh)
        new_grant_id = grant_fingerprint(refresh)
        encrypted_access = self._cipher.encrypt(self.client_hash, access)
        encrypted_refresh = self._cipher.encrypt(self.client_hash, refresh)
        try:
            row = self._repo.store_refreshed(
                self.client_hash, owner=self._owner, access_ciphertext=encrypted_access,
                refresh_ciphertext=encrypted_refresh, access_expires=grant.access_token_expire_in,
                refresh_expires=grant.refresh_token_expire_in, grant_id=new_grant_id, now=int(self._clock()))
        except ConditionFailed:
            # Our lease expired mid-refresh and another caller took over; its write wins.
            raise TokenRefreshError(self.client_hash, "refresh lease lost; retry") from None
        metrics.add_metric(name=METRIC_REFRESHED, unit=MetricUnit.Count, value=1)
        logger.info("tiktok token refreshed", extra={
            "client_hash": self.client_hash, "reason": reason,
            "access_token_expire_in": grant.access_token_expire_in,
            "refresh_token_expire_in": grant.refresh_token_expire_in})
        tokens = DecryptedTokens(row.token_version, access, grant.access_token_expire_in, refresh,
                                 grant.refresh_token_expire_in, new_grant_id)
        self._cached = tokens
        self._propagate(row, seen, tokens)
        return tokens

    def _propagate(self, row: StoredToken, seen: DecryptedTokens, tokens: DecryptedTokens) -> None:
        """One authorization can link several clients (several shops): they share the grant, so copy it."""
        siblings = [c for c in row.grant_clients if c != self.client_hash]
        if not siblings or not seen.grant_id:
            return
        for sibling in siblings:
            try:
                self._repo.propagate_to_sibling(
                    sibling, old_grant_id=seen.grant_id,
                    access_ciphertext=self._cipher.encrypt(sibling, tokens.access_token),
                    refresh_ciphertext=self._cipher.encrypt(sibling, tokens.refresh_token),
                    access_expires=tokens.access_expires, refresh_expires=tokens.refresh_expires,
                    grant_id=tokens.grant_id or "", now=int(self._clock()))
            except Exception:  # a sibling refreshes itself on its next use; never fail this caller
                logger.exception("could not propagate a refresh to a sibling client",
                                 extra={"client_hash": self.client_hash, "sibling": sibling})

    def _release(self, code: int | None, detail: str) -> None:
        self._repo.release_refresh_lock(self.client_hash, owner=self._owner, now_ms=self._now_ms(),
                                        error_code=code, error=detail)

    def _fail(self, code: int | None, detail: str) -> None:
        self._release(code, detail)
        metrics.add_metric(name=METRIC_REFRESH_FAILED, unit=MetricUnit.Count, value=1)
        logger.error("tiktok token refresh refused; seller must re-authorize",
                     extra={"client_hash": self.client_hash, "code": code, "event": "token_refresh_refused"})
        raise ReauthorizationRequired(self.client_hash, code, detail)
