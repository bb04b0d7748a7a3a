"""ssxml_tik_tok_token: one row per client_hash with its (encrypted) access and refresh tokens.

Legacy rows held `access_token` / `refresh_token` in plain text. New rows keep the same attribute names
but hold KMS ciphertext with a version prefix (`kms1:`), so a legacy reader fails loudly instead of
sending garbage; `TokenCipher.is_encrypted` tells the two apart and the token provider migrates a plain
row on first read. This module never sees a plaintext token except in `replace_plain` (as a condition
value, never written).

Other attributes:
- `access_token_expire_in` / `refresh_token_expire_in`: absolute unix timestamps (numbers; the GSIs
  by_access_expiry / by_refresh_expiry are keyed on them).
- `token_bucket`: the constant "active" while the client's tokens should be renewed (GSI hash key);
  removed when the client is deauthorized so renewal stops finding it.
- `token_version`: incremented on every write of new tokens; the refresh lock is conditional on it so a
  caller that read an older version never refreshes twice.
- `refresh_lock_owner` / `refresh_lock_until_ms`: the single-flight refresh lock (a lease that expires,
  so a crashed holder cannot block refreshes forever).
- `grant_id`: fingerprint of the refresh token (sha256 prefix, not reversible) shared by every client
  linked by the same authorization (one authorization can return several shops); `grant_clients` lists
  them so a refresh can be propagated.
- `last_refresh_*`: outcome of the last refresh attempt, for operators.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable
from tiktok_vtex.repositories.lease import Lease

TOKEN_BUCKET_ACTIVE = "active"  # noqa: S105 (a GSI partition value, not a secret)
_REFRESH_ERROR = ("last_refresh_error", "last_refresh_error_code", "last_refresh_error_at_ms")


class StoredToken(BaseModel):
    """A token row as stored (token attributes are ciphertext, or plain text on unmigrated legacy rows)."""

    model_config = ConfigDict(extra="allow")

    client_hash: str
    access_token: str | None = None
    refresh_token: str | None = None
    access_token_expire_in: int | None = None
    refresh_token_expire_in: int | None = None
    auth_code: str | None = None
    token_bucket: str | None = None
    token_version: int = 0
    refresh_lock_owner: str | None = None
    refresh_lock_until_ms: int | None = None
    grant_id: str | None = None
    grant_clients: list[str] = Field(default_factory=list)
    open_id: str | None = None
    last_refresh_at: int | None = None
    last_refresh_error_at_ms: int | None = None
    last_refresh_error_code: int | None = None
    last_refresh_error: str | None = None

    @field_validator("access_token_expire_in", "refresh_token_expire_in", mode="before")
    @classmethod
    def _legacy_string_timestamps(cls, value: Any) -> Any:
        # The legacy Node code typed these as strings; some rows may hold "1735689600".
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value

    def __repr__(self) -> str:  # never print token attributes, even ciphertext
        return (f"StoredToken(client_hash={self.client_hash!r}, version={self.token_version}, "
                f"access_expires={self.access_token_expire_in}, refresh_expires={self.refresh_token_expire_in})")

    __str__ = __repr__

    def locked_by_other(self, owner: str, now_ms: int) -> bool:
        return bool(self.refresh_lock_owner and self.refresh_lock_owner != owner
                    and (self.refresh_lock_until_ms or 0) > now_ms)


class TokenRepository:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)
        self._refresh_lock = Lease(self._table, owner="refresh_lock_owner", until="refresh_lock_until_ms",
                                   version="token_version")

    @property
    def table(self) -> DynamoTable:
        return self._table

    def get(self, client_hash: str, *, consistent: bool = True) -> StoredToken | None:
        item = self._table.get({"client_hash": client_hash}, consistent=consistent)
        return StoredToken.model_validate(item) if item else None

    # --- new authorization --------------------------------------------------------------------
    def store_grant(self, client_hash: str, *, access_ciphertext: str, refresh_ciphertext: str,
                    access_expires: int, refresh_expires: int, auth_code: str, grant_id: str,
                    grant_clients: list[str], open_id: str | None, now: int) -> StoredToken:
        """Tokens of a fresh authorization: replaces the previous ones, clears any lock or error."""
        item = self._table.update_fields(
            {"client_hash": client_hash},
            {"access_token": access_ciphertext, "refresh_token": refresh_ciphertext,
             "access_token_expire_in": int(access_expires), "refresh_token_expire_in": int(refresh_expires),
             "auth_code": auth_code, "token_bucket": TOKEN_BUCKET_ACTIVE, "grant_id": grant_id,
             "grant_clients": grant_clients, "open_id": open_id or "", "authorized_at": int(now),
             "updated_at": int(now)},
            increment={"token_version": 1},
            remove=["refresh_lock_owner", "refresh_lock_until_ms", *_REFRESH_ERROR, "deactivated_at",
                    "deactivated_reason"],
        )
        return StoredToken.model_validate(item)

    # --- single-flight refresh (the lease in repositories/lease.py) ------------------------------
    def acquire_refresh_lock(self, client_hash: str, *, owner: str, seen_version: int, now_ms: int,
                             lease_ms: int, seen_error_at_ms: int | None = None) -> bool:
        """Takes the refresh lock if nobody holds a live lease and the row is still as the caller read it:
        same `token_version` (nobody refreshed since) and same last failure (nobody failed since)."""
        if seen_error_at_ms is None:
            error_unchanged, values = "attribute_not_exists(last_refresh_error_at_ms)", None
        else:
            error_unchanged, values = "last_refresh_error_at_ms = :err", {":err": int(seen_error_at_ms)}
        return self._refresh_lock.acquire(
            {"client_hash": client_hash}, owner=owner, now=now_ms, duration=lease_ms, must_exist=True,
            expected_version=seen_version, condition=error_unchanged, values=values) is not None

    def store_refreshed(self, client_hash: str, *, owner: str, access_ciphertext: str, refresh_ciphertext: str,
                        access_expires: int, refresh_expires: int, grant_id: str, now: int) -> StoredToken:
        """Writes refreshed tokens and releases the lock; raises ConditionFailed if the lease was lost."""
        item = self._refresh_lock.complete(
            {"client_hash": client_hash}, owner=owner,
            set_=self._refreshed(access_ciphertext, refresh_ciphertext, access_expires, refresh_expires,
                                 grant_id, now),
            increment={"token_version": 1}, remove=_REFRESH_ERROR,
        )
        return StoredToken.model_validate(item)

    def release_refresh_lock(self, client_hash: str, *, owner: str, now_ms: int, error_code: int | None,
                             error: str) -> None:
        """Releases the lock after a failed refresh and records why (no token in `error`). Nothing is
        written when the lease already expired and was taken over (nothing of ours to release)."""
        self._refresh_lock.release(
            {"client_hash": client_hash}, owner=owner,
            set_={"last_refresh_error": error[:500],
                  "last_refresh_error_code": int(error_code) if error_code is not None else -1,
                  "last_refresh_error_at_ms": now_ms})

    def propagate_to_sibling(self, client_hash: str, *, old_grant_id: str, access_ciphertext: str,
                             refresh_ciphertext: str, access_expires: int, refresh_expires: int,
                             grant_id: str, now: int) -> bool:
        """Copies a refresh to another client of the same authorization, only if it still holds the old grant."""
        try:
            self._table.update_fields(
                {"client_hash": client_hash},
                self._refreshed(access_ciphertext, refresh_ciphertext, access_expires, refresh_expires,
                                grant_id, now),
                increment={"token_version": 1}, condition="grant_id = :old", values={":old": old_grant_id},
                return_values="NONE",
            )
        except ConditionFailed:
            return False
        return True

    @staticmethod
    def _refreshed(access_ciphertext: str, refresh_ciphertext: str, access_expires: int, refresh_expires: int,
                   grant_id: str, now: int) -> dict[str, Any]:
        return {"access_token": access_ciphertext, "refresh_token": refresh_ciphertext,
                "access_token_expire_in": int(access_expires), "refresh_token_expire_in": int(refresh_expires),
                "grant_id": grant_id, "last_refresh_at": int(now), "updated_at": int(now)}

    # --- legacy plain rows --------------------------------------------------------------------
    def replace_plain(self, client_hash: str, *, plain_access: str | None, plain_refresh: str | None,
                      access_ciphertext: str | None, refresh_ciphertext: str | None, grant_id: str | None,
                      access_expires: int | None, refresh_expires: int | None, now: int,
                      activate: bool = True) -> bool:
        """Migrates a legacy row in one conditional write (conditional on the plain values still being there):
        plain tokens become ciphertext, string expiry timestamps become numbers (the expiry GSIs index
        numbers only) and, with `activate`, the row joins renewal (`token_bucket`)."""
        conditions = []
        values: dict[str, Any] = {}
        if access_ciphertext is not None:
            conditions.append("access_token = :pa")
            values[":pa"] = plain_access
        if refresh_ciphertext is not None:
            conditions.append("refresh_token = :pr")
            values[":pr"] = plain_refresh
        absent = {"token_bucket": TOKEN_BUCKET_ACTIVE if activate else None, "grant_id": grant_id or None}
        try:
            self._table.update_fields(
                {"client_hash": client_hash},
                {"updated_at": int(now), "migrated_at": int(now), "access_token": access_ciphertext,
                 "refresh_token": refresh_ciphertext,
                 "access_token_expire_in": int(access_expires) if access_expires is not None else None,
                 "refresh_token_expire_in": int(refresh_expires) if refresh_expires is not None else None},
                set_if_absent={k: v for k, v in absent.items() if v is not None},
                values=values, condition=" AND ".join(conditions) or "attribute_exists(client_hash)",
                return_values="NONE")
        except ConditionFailed:
            return False
        return True

    def scan_client_hashes(self) -> Iterator[str]:
        """Every row's client_hash: for the one-off legacy migration only (operator command, not a flow)."""
        for item in self._table.scan(ProjectionExpression="client_hash"):
            yield item["client_hash"]

    # --- renewal ------------------------------------------------------------------------------
    def iter_access_expiring(self, until: int) -> Iterator[tuple[str, int]]:
        """(client_hash, access_token_expire_in) of active rows whose access token expires at or before `until`."""
        for item in self._table.query(
                IndexName="by_access_expiry",
                KeyConditionExpression=Key("token_bucket").eq(TOKEN_BUCKET_ACTIVE)
                & Key("access_token_expire_in").lte(int(until))):
            yield item["client_hash"], int(item["access_token_expire_in"])

    def iter_refresh_expiring(self, until: int) -> Iterator[tuple[str, int]]:
        for item in self._table.query(
                IndexName="by_refresh_expiry",
                KeyConditionExpression=Key("token_bucket").eq(TOKEN_BUCKET_ACTIVE)
                & Key("refresh_token_expire_in").lte(int(until))):
            yield item["client_hash"], int(item["refresh_token_expire_in"])

    def deactivate(self, client_hash: str, *, reason: str, now: int) -> None:
        """Takes the row out of renewal (deauthorized client); tokens stay encrypted for audit."""
        with contextlib.suppress(ConditionFailed):
            self._table.update_fields({"client_hash": client_hash},
                                      {"deactivated_at": int(now), "deactivated_reason": reason[:500]},
                                      remove=["token_bucket"], condition="attribute_exists(client_hash)",
                                      return_values="NONE")
