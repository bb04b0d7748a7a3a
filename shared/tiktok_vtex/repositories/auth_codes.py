"""ssxml_tik_tok_auth_token (auth codes and their processing status), ssxml_tik_tok_auth_token_logs
(every TikTok answer while processing a code, without token values) and the OAuth state nonces.

Auth code row (legacy attributes kept): `auth_code` (key), `status` unused -> access -> cipher ->
token_generated | error, `cipher`, `shop_id` (legacy: the shop CODE), `code`, `message`; new:
`created_at` (ISO-8601 UTC, GSI by_status range key), `client_hash` and `state_nonce` (from the signed
state), `source` (callback | legacy), `error_reason` / `error_code`, `shops` (every authorized shop and
what happened to it), token expiry timestamps (never the tokens), `processing_until_ms` (claim lease so
the async run and the hourly run never use a code twice), `expires_at` (TTL, rejected callbacks only).

Rejected callbacks (forged/expired/replayed state, denied consent, missing code) are stored under a
synthetic key `rejected#<uuid>` so they can never collide with, or block, a real auth code; the code
they carried is kept only as a fingerprint.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable
from tiktok_vtex.repositories.lease import Lease

REJECTED_PREFIX = "rejected#"
REJECTED_RETENTION_SECONDS = 30 * 86400
LOG_RETENTION_SECONDS = 180 * 86400
STATE_NONCE_PREFIX = "oauth-state#"


class AuthCodeStatus(StrEnum):
    UNUSED = "unused"
    ACCESS = "access"
    CIPHER = "cipher"
    TOKEN_GENERATED = "token_generated"  # noqa: S105 (a status name)
    ERROR = "error"


def iso_utc(epoch: float) -> str:
    """Legacy timestamp format: 2026-01-30T10:30:45.123Z (sortable as a string)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


def parse_iso_utc(value: str) -> float | None:
    try:
        parsed = datetime.strptime(value.split("#", maxsplit=1)[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        return parsed.replace(tzinfo=UTC).timestamp()
    except (ValueError, AttributeError):
        return None


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


class AuthCodeRecord(BaseModel):
    model_config = ConfigDict(extra="allow")

    auth_code: str
    status: AuthCodeStatus = AuthCodeStatus.UNUSED
    created_at: str | None = None
    client_hash: str | None = None
    state_nonce: str | None = None
    source: str | None = None
    error_reason: str | None = None
    error_code: int | None = None
    code: int | None = None
    message: str | None = None
    cipher: str | None = None
    shop_id: str | None = None
    shops: list[dict[str, Any]] = Field(default_factory=list)
    access_token_expire_in: int | None = None
    refresh_token_expire_in: int | None = None
    processing_until_ms: int | None = None
    last_error: str | None = None
    pending_access_token: str | None = None  # ciphertext (TokenCipher), only while status is access
    pending_refresh_token: str | None = None

    def __repr__(self) -> str:  # the auth code is single-use but still a credential until used
        return f"AuthCodeRecord(code={fingerprint(self.auth_code)}, status={self.status.value})"

    __str__ = __repr__

    def created_epoch(self) -> float | None:
        return parse_iso_utc(self.created_at) if self.created_at else None


class AuthCodeRepository:
    def __init__(self, table_name: str, logs_table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)
        self._processing = Lease(self._table, owner="processing_owner", until="processing_until_ms")
        self._logs = DynamoTable(logs_table_name, resource)

    @property
    def table(self) -> DynamoTable:
        return self._table

    # --- callback -----------------------------------------------------------------------------
    def record_callback(self, auth_code: str, *, client_hash: str | None, state_nonce: str | None,
                        now: float) -> bool:
        """Stores a new code as `unused`. False if the code was already stored (nothing is overwritten)."""
        try:
            self._table.put({
                "auth_code": auth_code,
                "status": AuthCodeStatus.UNUSED.value,
                "created_at": iso_utc(now),
                "client_hash": client_hash,
                "state_nonce": state_nonce,
                "source": "callback",
                "code": 0,
                "message": "received",
            }, condition="attribute_not_exists(auth_code)")
        except ConditionFailed:
            return False
        return True

    def record_rejected(self, *, reason: str, detail: str, now: float, client_hash: str | None = None,
                        received_code: str | None = None, extra: Mapping[str, Any] | None = None) -> str:
        """A refused callback, kept for operators (status error + reason) and expired after 30 days."""
        key = f"{REJECTED_PREFIX}{uuid.uuid4().hex}"
        self._table.put({
            "auth_code": key,
            "status": AuthCodeStatus.ERROR.value,
            "created_at": iso_utc(now),
            "client_hash": client_hash,
            "source": "callback",
            "error_reason": reason,
            "message": detail[:500],
            "received_code_fingerprint": fingerprint(received_code) if received_code else None,
            "expires_at": int(now) + REJECTED_RETENTION_SECONDS,
            **dict(extra or {}),
        })
        return key

    # --- processing ---------------------------------------------------------------------------
    def get(self, auth_code: str) -> AuthCodeRecord | None:
        item = self._table.get({"auth_code": auth_code}, consistent=True)
        return AuthCodeRecord.model_validate(item) if item else None

    def iter_unused(self) -> Iterator[str]:
        """Unused codes, oldest first, by Query on GSI by_status (the legacy code did a Scan)."""
        for item in self._table.query(IndexName="by_status",
                                      KeyConditionExpression=Key("status").eq(AuthCodeStatus.UNUSED.value)):
            yield item["auth_code"]

    def iter_pending(self) -> Iterator[str]:
        """What a run must process: unused codes, then codes left in `access` by a transient failure."""
        yield from self.iter_unused()
        yield from self.iter_status(AuthCodeStatus.ACCESS)

    def iter_status(self, status: AuthCodeStatus) -> Iterator[str]:
        for item in self._table.query(IndexName="by_status", KeyConditionExpression=Key("status").eq(status.value)):
            yield item["auth_code"]

    def claim(self, auth_code: str, *, owner: str, now_ms: int, lease_ms: int) -> bool:
        """Exclusive right to process an unused code, or to resume one whose tokens were obtained (`access`)
        before a transient failure (codes work once; the async and hourly runs may overlap)."""
        return self._processing.acquire(
            {"auth_code": auth_code}, owner=owner, now=now_ms, duration=lease_ms,
            condition="#s = :unused OR #s = :access", names={"#s": "status"},
            values={":unused": AuthCodeStatus.UNUSED.value, ":access": AuthCodeStatus.ACCESS.value}) is not None

    def release(self, auth_code: str, *, owner: str, last_error: str) -> None:
        """Gives an unused code back (transient failure: the next run retries while it is still valid)."""
        self._processing.release({"auth_code": auth_code}, owner=owner, set_={"last_error": last_error[:500]})

    def _set(self, auth_code: str, attributes: Mapping[str, Any], *, remove: tuple[str, ...] = ()) -> None:
        self._table.update_fields({"auth_code": auth_code}, attributes, remove=remove, return_values="NONE")

    def mark_access(self, auth_code: str, *, access_expires: int, refresh_expires: int, open_id: str,
                    seller_name: str, granted_scopes: list[str], now: float, access_ciphertext: str,
                    refresh_ciphertext: str) -> None:
        """Tokens obtained. They are kept here encrypted (never plain) until the shops are linked, so a
        transient failure after the single-use code was spent can be resumed by the next run."""
        self._set(auth_code, {"status": AuthCodeStatus.ACCESS.value, "code": 0, "message": "success",
                              "access_token_expire_in": int(access_expires),
                              "refresh_token_expire_in": int(refresh_expires), "open_id": open_id,
                              "seller_name": seller_name, "granted_scopes": granted_scopes,
                              "access_at": iso_utc(now), "pending_access_token": access_ciphertext,
                              "pending_refresh_token": refresh_ciphertext})

    def mark_cipher(self, auth_code: str, *, cipher: str, shop_code: str, shops: list[dict[str, Any]],
                    now: float) -> None:
        self._set(auth_code, {"status": AuthCodeStatus.CIPHER.value, "cipher": cipher, "shop_id": shop_code,
                              "shops": shops, "cipher_at": iso_utc(now)})

    def mark_token_generated(self, auth_code: str, *, shops: list[dict[str, Any]], client_hashes: list[str],
                             now: float) -> None:
        self._set(auth_code, {"status": AuthCodeStatus.TOKEN_GENERATED.value, "shops": shops,
                              "linked_clients": client_hashes, "processed_at": iso_utc(now)},
                  remove=("processing_owner", "processing_until_ms", "pending_access_token", "pending_refresh_token"))

    def mark_error(self, auth_code: str, *, reason: str, message: str, now: float, error_code: int | None = None,
                   shops: list[dict[str, Any]] | None = None) -> None:
        self._set(auth_code, {"status": AuthCodeStatus.ERROR.value, "error_reason": reason,
                              "error_code": error_code, "code": error_code if error_code is not None else -1,
                              "message": message[:500], "shops": shops, "processed_at": iso_utc(now)},
                  remove=("processing_owner", "processing_until_ms", "pending_access_token", "pending_refresh_token"))

    # --- ssxml_tik_tok_auth_token_logs --------------------------------------------------------
    def log_response(self, auth_code: str, *, kind: str, code: int, message: str, data: Mapping[str, Any] | None,
                     request_id: str | None, now: float) -> None:
        """One TikTok answer (legacy type getAccessToken / getChipher). `data` must not hold tokens."""
        self._logs.put({
            "auth_code": auth_code,
            # Unique and still sortable by time when two answers land in the same millisecond.
            "created_at": f"{iso_utc(now)}#{uuid.uuid4().hex[:6]}",
            "type": kind,
            "code": int(code),
            "message": message[:1000],
            "data": dict(data or {}),
            "request_id": request_id,
            "expires_at": int(now) + LOG_RETENTION_SECONDS,
        })

    def logs(self, auth_code: str) -> list[dict[str, Any]]:
        return list(self._logs.query(KeyConditionExpression=Key("auth_code").eq(auth_code)))


class StateNonceStore:
    """Makes a signed OAuth state usable once (conditional put in the idempotency table, TTL `expiration`)."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = DynamoTable(table_name, resource)

    def consume(self, nonce: str, *, auth_code: str | None, expires_at: int,
                clock: Any = time.time) -> tuple[bool, str | None]:
        """(True, None) the first time; (False, code it was used with) afterwards."""
        key = {"id": f"{STATE_NONCE_PREFIX}{nonce}"}
        marker = fingerprint(auth_code) if auth_code else "none"
        try:
            self._table.put({**key, "used_with": marker, "used_at": int(clock()), "expiration": int(expires_at)},
                            condition="attribute_not_exists(id)")
        except ConditionFailed:
            item = self._table.get(key, consistent=True) or {}
            return False, item.get("used_with")
        return True, None

    @staticmethod
    def marker(auth_code: str | None) -> str:
        return fingerprint(auth_code) if auth_code else "none"
