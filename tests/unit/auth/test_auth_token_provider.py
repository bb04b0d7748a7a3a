"""DynamoTokenProvider edge cases against an in-memory token table with DynamoDB's conditional semantics:
lease takeover after a crashed holder, lock wait timeout, transient and permanent refresh failures,
propagation to clients of the same authorization, the skew before expiry."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from pydantic import SecretStr

from tiktok_vtex.auth.errors import ClientNotAuthorized, ReauthorizationRequired, TokenRefreshError
from tiktok_vtex.auth.tokens import CIPHERTEXT_PREFIX, DynamoTokenProvider, grant_fingerprint
from tiktok_vtex.clients.tiktok.errors import TikTokInternalError, TikTokTokenGrantError
from tiktok_vtex.clients.tiktok.models import TokenGrant
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.tokens import StoredToken

NOW = 1_800_000_000


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeCipher:
    """Reversible and bound to the client like KMS with an encryption context."""

    def encrypt(self, client_hash: str, plaintext: str) -> str:
        return f"{CIPHERTEXT_PREFIX}{client_hash}|{plaintext[::-1]}"

    def decrypt(self, client_hash: str, value: str) -> str:
        owner, _, body = value[len(CIPHERTEXT_PREFIX):].partition("|")
        assert owner == client_hash, "decrypted with another client's context"
        return body[::-1]

    @staticmethod
    def is_encrypted(value: str | None) -> bool:
        return bool(value) and str(value).startswith(CIPHERTEXT_PREFIX)


class FakeTokenRepository:
    """The TokenRepository methods the provider uses, with the same conditions."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def get(self, client_hash: str, *, consistent: bool = True) -> StoredToken | None:
        with self.lock:
            row = self.rows.get(client_hash)
            return StoredToken.model_validate(copy.deepcopy(row)) if row else None

    def acquire_refresh_lock(self, client_hash: str, *, owner: str, seen_version: int, now_ms: int,
                             lease_ms: int, seen_error_at_ms: int | None = None) -> bool:
        with self.lock:
            row = self.rows.get(client_hash)
            if (row is None or row.get("refresh_lock_until_ms", -1) >= now_ms
                    or row.get("token_version", 0) != seen_version
                    or row.get("last_refresh_error_at_ms") != seen_error_at_ms):
                return False
            row.update(refresh_lock_owner=owner, refresh_lock_until_ms=now_ms + lease_ms)
            return True

    def store_refreshed(self, client_hash: str, *, owner: str, access_ciphertext: str, refresh_ciphertext: str,
                        access_expires: int, refresh_expires: int, grant_id: str, now: int) -> StoredToken:
        with self.lock:
            row = self.rows[client_hash]
            if row.get("refresh_lock_owner") != owner:
                raise ConditionFailed("lease lost")
            row.update(access_token=access_ciphertext, refresh_token=refresh_ciphertext,
                       access_token_expire_in=access_expires, refresh_token_expire_in=refresh_expires,
                       grant_id=grant_id, token_version=row.get("token_version", 0) + 1, last_refresh_at=now)
            for key in ("refresh_lock_owner", "refresh_lock_until_ms", "last_refresh_error",
                        "last_refresh_error_code", "last_refresh_error_at_ms"):
                row.pop(key, None)
            return StoredToken.model_validate(copy.deepcopy(row))

    def release_refresh_lock(self, client_hash: str, *, owner: str, now_ms: int, error_code: int | None,
                             error: str) -> None:
        with self.lock:
            row = self.rows[client_hash]
            if row.get("refresh_lock_owner") == owner:
                row.pop("refresh_lock_owner")
                row.pop("refresh_lock_until_ms")
                row.update(last_refresh_error=error, last_refresh_error_code=error_code or -1,
                           last_refresh_error_at_ms=now_ms)

    def propagate_to_sibling(self, client_hash: str, *, old_grant_id: str, access_ciphertext: str,
                             refresh_ciphertext: str, access_expires: int, refresh_expires: int, grant_id: str,
                             now: int) -> bool:
        with self.lock:
            row = self.rows.get(client_hash)
            if row is None or row.get("grant_id") != old_grant_id:
                return False
            row.update(access_token=access_ciphertext, refresh_token=refresh_ciphertext,
                       access_token_expire_in=access_expires, refresh_token_expire_in=refresh_expires,
                       grant_id=grant_id, token_version=row.get("token_version", 0) + 1)
            return True


class FakeAuthClient:
    def __init__(self, clock: Clock, fail: Exception | None = None) -> None:
        self.clock = clock
        self.fail = fail
        self.calls: list[str] = []

    def refresh_token(self, refresh_token: str) -> TokenGrant:
        self.calls.append(refresh_token)
        if self.fail is not None:
            raise self.fail
        n = len(self.calls)
        return TokenGrant(access_token=SecretStr(f"TTP_access_{n}"), refresh_token=SecretStr(refresh_token),
                          access_token_expire_in=int(self.clock()) + 7 * 86400,
                          refresh_token_expire_in=int(self.clock()) + 300 * 86400)


@pytest.fixture
def world() -> tuple[Clock, FakeTokenRepository, FakeCipher]:
    clock, repo, cipher = Clock(), FakeTokenRepository(), FakeCipher()
    return clock, repo, cipher


def seed(repo: FakeTokenRepository, cipher: FakeCipher, client_hash: str = "c1", *, access: str = "TTP_access_0",
         access_expires: int = NOW + 3600, refresh_expires: int = NOW + 300 * 86400, **extra: Any) -> None:
    repo.rows[client_hash] = {
        "client_hash": client_hash, "access_token": cipher.encrypt(client_hash, access),
        "refresh_token": cipher.encrypt(client_hash, "TTP_refresh"), "access_token_expire_in": access_expires,
        "refresh_token_expire_in": refresh_expires, "token_version": 1, "token_bucket": "active",
        "grant_id": grant_fingerprint("TTP_refresh"), **extra}


def make(world: Any, auth: FakeAuthClient, client_hash: str = "c1", **kwargs: Any) -> DynamoTokenProvider:
    clock, repo, cipher = world
    return DynamoTokenProvider(client_hash, token_repository=repo, auth_client=auth, cipher=cipher,  # type: ignore[arg-type]
                               clock=clock, sleep=clock.sleep, **kwargs)


def test_valid_token_is_returned_without_refresh(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher)
    auth = FakeAuthClient(clock)
    assert make(world, auth).get_access_token() == "TTP_access_0"
    assert auth.calls == []


def test_token_within_the_skew_is_refreshed(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW + 30)  # 30 s left: would expire in flight
    auth = FakeAuthClient(clock)
    assert make(world, auth).get_access_token() == "TTP_access_1"
    assert repo.rows["c1"]["token_version"] == 2


def test_crashed_holder_lease_is_taken_over(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 1, refresh_lock_owner="crashed", refresh_lock_until_ms=(NOW - 1) * 1000)
    auth = FakeAuthClient(clock)
    assert make(world, auth).get_access_token() == "TTP_access_1"
    assert len(auth.calls) == 1 and "refresh_lock_owner" not in repo.rows["c1"]


def test_live_lease_of_another_caller_is_waited_for_until_the_deadline(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 1, refresh_lock_owner="other", refresh_lock_until_ms=(NOW + 600) * 1000)
    auth = FakeAuthClient(clock)
    with pytest.raises(TokenRefreshError, match="timed out"):
        make(world, auth, lock_wait=5).get_access_token()
    assert auth.calls == []
    assert clock.now >= NOW + 5  # waited on the injected clock, no real sleep


def test_transient_refresh_error_releases_the_lock(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 1)
    auth = FakeAuthClient(clock, fail=TikTokInternalError(36009003, "internal error"))
    with pytest.raises(TokenRefreshError):
        make(world, auth).get_access_token()
    row = repo.rows["c1"]
    assert "refresh_lock_owner" not in row and row["last_refresh_error_code"] == 36009003
    # Later, TikTok is back: the next caller refreshes normally.
    auth.fail = None
    clock.now += 60
    assert make(world, auth).get_access_token().startswith("TTP_access_")


@pytest.mark.parametrize("code", [36004001, 36004005])
def test_refused_refresh_token_requires_reauthorization(world: Any, code: int) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 1)
    auth = FakeAuthClient(clock, fail=TikTokTokenGrantError(code, "rt has expired"))
    with pytest.raises(ReauthorizationRequired) as error:
        make(world, auth).get_access_token()
    assert error.value.code == code and error.value.client_hash == "c1"


def test_expired_refresh_token_is_not_sent(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 10, refresh_expires=NOW - 1)
    auth = FakeAuthClient(clock)
    with pytest.raises(ReauthorizationRequired):
        make(world, auth).get_access_token()
    assert auth.calls == []


def test_missing_row_is_not_authorized(world: Any) -> None:
    clock, _, _ = world
    with pytest.raises(ClientNotAuthorized):
        make(world, FakeAuthClient(clock)).get_access_token()


def test_refresh_of_a_rejected_token_runs_once_and_others_reuse(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher)
    auth = FakeAuthClient(clock)
    first, second = make(world, auth), make(world, auth)
    assert first.get_access_token() == second.get_access_token() == "TTP_access_0"
    fresh = first.refresh_access_token("TTP_access_0")
    assert second.refresh_access_token("TTP_access_0") == fresh
    assert len(auth.calls) == 1


def test_refresh_if_expiring_respects_the_window(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW + 9 * 86400)
    auth = FakeAuthClient(clock)
    assert make(world, auth).refresh_if_expiring(NOW + 8 * 86400) is False
    assert make(world, auth).refresh_if_expiring(NOW + 9 * 86400) is True
    assert len(auth.calls) == 1


def test_refresh_is_copied_to_clients_of_the_same_authorization(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, "c1", access_expires=NOW - 1, grant_clients=["c1", "c2"])
    seed(repo, cipher, "c2", grant_clients=["c1", "c2"])
    seed(repo, cipher, "c3")  # same refresh token fingerprint but not a sibling: untouched
    auth = FakeAuthClient(clock)
    token = make(world, auth, "c1").get_access_token()
    assert make(world, auth, "c2").get_access_token() == token  # decrypted with c2's own context
    assert make(world, auth, "c3").get_access_token() == "TTP_access_0"
    assert len(auth.calls) == 1


def test_repr_never_shows_tokens(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher)
    provider = make(world, FakeAuthClient(clock))
    provider.get_access_token()
    assert "TTP_" not in repr(provider) and "TTP_" not in repr(repo.get("c1"))


def test_a_refused_refresh_is_not_repeated_by_later_callers(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 1)
    auth = FakeAuthClient(clock, fail=TikTokTokenGrantError(36004005, "can not find related auth record"))
    with pytest.raises(ReauthorizationRequired):
        make(world, auth).get_access_token()
    clock.now += 600
    with pytest.raises(ReauthorizationRequired):
        make(world, auth).get_access_token()  # within the cool-down: TikTok is not asked again
    assert len(auth.calls) == 1
    # The hourly renewal retries once (the refusal may have been spurious); here it succeeds.
    auth.fail = None
    assert make(world, auth).refresh_if_expiring(NOW + 8 * 86400) is True
    assert len(auth.calls) == 2
    assert make(world, auth).get_access_token() == "TTP_access_2"


def test_a_transient_failure_is_not_retried_by_a_stampede(world: Any) -> None:
    clock, repo, cipher = world
    seed(repo, cipher, access_expires=NOW - 1)
    auth = FakeAuthClient(clock, fail=TikTokInternalError(36009003, "internal error"))
    with pytest.raises(TokenRefreshError):
        make(world, auth).get_access_token()
    for _ in range(5):
        with pytest.raises(TokenRefreshError, match="moments ago"):
            make(world, auth).get_access_token()
    assert len(auth.calls) == 1
