"""The per-client secret VTEX sends in a custom header on every orders-hook delivery (and on its ping).

Stored in Secrets Manager as `{secret_prefix}/vtex-hook/{client_hash}`, a JSON object
`{"current": ..., "previous": ..., "previous_until": unix seconds, "rotated_at": unix seconds}`. Its own
secret, not a field of the client's VTEX credentials (`.../vtex/{client_hash}`, written by the backend):
ORDERHOOK-MANAGEMENT generates and rotates it without touching what the backend owns.

Rotation keeps the previous value valid for PREVIOUS_GRACE_SECONDS: VTEX may still be delivering with the
old header while the hook configuration is replaced (and a failed replace must not lock deliveries out).

The intake reads the secret through `HookSecretCache`: at most every `max_age` seconds per client, and
after a refused delivery an early re-read (a rotation is seen at once), at most `early_reads` per client per
`retry_interval`, and a refused value presented again within the interval costs none: one forged delivery
(or a forger repeating one value) cannot use up the re-read the next real rotation needs, and a flood of
forged deliveries is not a flood of Secrets Manager calls. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as random_secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tiktok_vtex.observability import logger, register_secret

HOOK_SECRET_HEADER = "X-Connector-Hook-Secret"  # noqa: S105 - a header name, not a secret
PREVIOUS_GRACE_SECONDS = 3600
SECRET_BYTES = 32


class HookSecretMissing(LookupError):
    """No hook secret exists for this client (ORDERHOOK-MANAGEMENT was never run for it)."""


@dataclass(frozen=True)
class HookSecret:
    current: str
    previous: str | None = None
    previous_until: int = 0
    rotated_at: int = 0

    def accepts(self, presented: str | None, now: float) -> bool:
        """Constant-time compare with the current value, and with the previous one during its grace."""
        if not presented:
            return False
        given = presented.strip().encode("utf-8", "replace")
        ok = hmac.compare_digest(self.current.encode(), given)
        if self.previous and now < self.previous_until:
            ok = hmac.compare_digest(self.previous.encode(), given) or ok
        return ok

    def document(self) -> dict[str, Any]:
        return {"current": self.current, "previous": self.previous, "previous_until": self.previous_until,
                "rotated_at": self.rotated_at}

    @classmethod
    def from_document(cls, data: Mapping[str, Any]) -> HookSecret:
        current = data.get("current")
        if not isinstance(current, str) or len(current) < 16:
            raise ValueError("hook secret document has no usable 'current' value")
        previous = data.get("previous") if isinstance(data.get("previous"), str) else None
        return cls(current=current, previous=previous or None, previous_until=int(data.get("previous_until") or 0),
                   rotated_at=int(data.get("rotated_at") or 0))


def hook_secret_name(secret_prefix: str, client_hash: str) -> str:
    return f"{secret_prefix}/vtex-hook/{client_hash}"


def new_secret_value() -> str:
    return random_secrets.token_urlsafe(SECRET_BYTES)


class HookSecretStore:
    """Secrets Manager access for the hook secrets (boto3 client injected; moto in tests)."""

    def __init__(self, secretsmanager: Any, secret_prefix: str, *, clock: Callable[[], float] = time.time) -> None:
        self._sm = secretsmanager
        self._prefix = secret_prefix
        self._clock = clock

    def name(self, client_hash: str) -> str:
        return hook_secret_name(self._prefix, client_hash)

    def get(self, client_hash: str) -> HookSecret:
        try:
            answer = self._sm.get_secret_value(SecretId=self.name(client_hash))
        except self._sm.exceptions.ResourceNotFoundException:
            raise HookSecretMissing(client_hash) from None
        secret = HookSecret.from_document(json.loads(answer["SecretString"]))
        for value in (secret.current, secret.previous):
            if value:
                register_secret(value)
        return secret

    def ensure(self, client_hash: str) -> tuple[HookSecret, bool]:
        """The client's secret, created when absent. (secret, created). Safe to re-run: an existing
        secret is returned unchanged (a concurrent creator's value wins: it is read back)."""
        try:
            return self.get(client_hash), False
        except HookSecretMissing:
            pass
        secret = HookSecret(current=new_secret_value(), rotated_at=int(self._clock()))
        try:
            self._sm.create_secret(Name=self.name(client_hash), SecretString=json.dumps(secret.document()),
                                   Description="VTEX orders hook header secret (ORDERHOOK-MANAGEMENT)")
        except self._sm.exceptions.ResourceExistsException:
            return self.get(client_hash), False
        register_secret(secret.current)
        return secret, True

    def rotate(self, client_hash: str) -> HookSecret:
        """A new current value; the old one stays valid for PREVIOUS_GRACE_SECONDS."""
        old, created = self.ensure(client_hash)
        if created:
            return old
        now = int(self._clock())
        secret = HookSecret(current=new_secret_value(), previous=old.current,
                            previous_until=now + PREVIOUS_GRACE_SECONDS, rotated_at=now)
        self._sm.put_secret_value(SecretId=self.name(client_hash), SecretString=json.dumps(secret.document()))
        register_secret(secret.current)
        return secret

    def delete(self, client_hash: str) -> bool:
        try:
            self._sm.delete_secret(SecretId=self.name(client_hash), RecoveryWindowInDays=7)
        except self._sm.exceptions.ResourceNotFoundException:
            return False
        return True


class HookSecretCache:
    """Per-client cache in front of a loader (HookSecretStore.get). Unknown clients are cached too."""

    def __init__(self, load: Callable[[str], HookSecret], *, max_age: float = 300, retry_interval: float = 60,
                 missing_ttl: float = 60, cold_reads_per_minute: int = 120, early_reads: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._cold_limit = cold_reads_per_minute
        self._cold_minute = -1
        self._cold_reads = 0
        self._max_age = max_age
        self._retry_interval = retry_interval
        self._missing_ttl = missing_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, tuple[HookSecret | None, float]] = {}
        self._early_reads = max(1, early_reads)
        self._forced: dict[str, list[float]] = {}  # client -> times of its early re-reads (last interval)
        self._refused: dict[str, dict[bytes, float]] = {}  # client -> digest of a refused value -> when
        self.reads = 0

    def get(self, client_hash: str) -> HookSecret | None:
        with self._lock:
            cached = self._values.get(client_hash)
            now = self._clock()
            if cached is not None:
                value, loaded_at = cached
                ttl = self._max_age if value is not None else self._missing_ttl
                if now - loaded_at < ttl:
                    return value
            elif not self._cold_read_allowed(now):
                # client hashes come from the URL: unknown ones must not cost a Secrets Manager call each
                logger.warning("hook secret look-ups over budget; refusing unknown client",
                               extra={"client_hash": client_hash})
                return None
            return self._read(client_hash, keep=cached[0] if cached else None)

    def _cold_read_allowed(self, now: float) -> bool:
        minute = int(now // 60)
        if minute != self._cold_minute:
            self._cold_minute, self._cold_reads = minute, 0
        self._cold_reads += 1
        return self._cold_reads <= self._cold_limit

    def refresh_after_failure(self, client_hash: str, presented: str | None = None) -> HookSecret | None:
        """A new value when a re-read is allowed and found something different; None otherwise.

        `presented`: the refused header value. Without it (a caller that cannot tell values apart) one early
        re-read per interval is allowed."""
        with self._lock:
            now = self._clock()
            before = self._values.get(client_hash, (None, 0.0))[0]
            if before is None:
                # Not known when last read: ORDERHOOK-MANAGEMENT may have just created it (VTEX pings at once).
                # Bounded by the shared cold-read budget, not the per-client interval: a refused delivery
                # just before the configuration must not make VTEX's ping fail for a minute.
                if not self._cold_read_allowed(now):
                    return None
            elif not self._early_read_allowed(client_hash, presented, now):
                return None
            after = self._read(client_hash, keep=before)
            return after if after is not None and after != before else None

    def _early_read_allowed(self, client_hash: str, presented: str | None, now: float) -> bool:
        recent = [t for t in self._forced.get(client_hash, ()) if now - t < self._retry_interval]
        digest = hashlib.sha256(presented.encode()).digest() if presented else None
        refused = {d: t for d, t in self._refused.get(client_hash, {}).items() if now - t < self._retry_interval}
        if digest is not None and digest in refused:
            return False  # re-read since this value was refused: reading again cannot make it valid
        if len(recent) >= (self._early_reads if digest is not None else 1):
            return False
        if len(self._forced) > 10_000:  # bounded like the values: client hashes come from the URL
            self._forced.clear()
            self._refused.clear()
        self._forced[client_hash] = [*recent, now]
        if digest is not None:
            self._refused[client_hash] = {**dict(list(refused.items())[-15:]), digest: now}
        return True

    def _read(self, client_hash: str, *, keep: HookSecret | None) -> HookSecret | None:
        self.reads += 1
        try:
            value: HookSecret | None = self._load(client_hash)
        except HookSecretMissing:
            value = None
        except Exception as error:
            if keep is None:
                raise
            logger.warning("could not re-read the hook secret; keeping the current one",
                           extra={"client_hash": client_hash, "error_type": type(error).__name__})
            value = keep
        if len(self._values) > 10_000:  # bounded: client hashes come from the URL, anyone can vary them
            self._values.clear()
        self._values[client_hash] = (value, self._clock())
        return value
