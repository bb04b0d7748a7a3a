"""AuthCodeProcessor's error paths with in-memory adapters: TikTok errors 36004001 / 36004005 / 105002 on
either call, transient failures (code given back for the next run), no shops, claim contention; and the
status checks of ensure_client_active."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from tiktok_vtex.auth.codes import AuthCodeProcessor
from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.auth.shop_access import ensure_client_active
from tiktok_vtex.clients.tiktok.errors import (
    TikTokApiError,
    TikTokInternalError,
    TikTokTokenExpired,
    TikTokTokenGrantError,
)
from tiktok_vtex.clients.tiktok.models import AuthorizedShop, TokenGrant
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.auth_codes import AuthCodeRecord, AuthCodeStatus, iso_utc

NOW = 1_800_000_000.0


class FakeCodes:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.logs: list[dict[str, Any]] = []
        self.claimed: set[str] = set()

    def add(self, code: str, created: float = NOW - 60) -> None:
        self.rows[code] = {"auth_code": code, "status": "unused", "created_at": iso_utc(created)}

    def get(self, code: str) -> AuthCodeRecord | None:
        row = self.rows.get(code)
        return AuthCodeRecord.model_validate(row) if row else None

    def iter_pending(self) -> list[str]:
        return [c for c, r in self.rows.items() if r["status"] in ("unused", "access")]

    def claim(self, code: str, **_: Any) -> bool:
        if code in self.claimed:
            return False
        self.claimed.add(code)
        return True

    def release(self, code: str, *, owner: str, last_error: str) -> None:
        self.claimed.discard(code)
        self.rows[code]["last_error"] = last_error

    def mark_access(self, code: str, **kw: Any) -> None:
        self.rows[code].update(status="access", access_token_expire_in=kw["access_expires"],
                               refresh_token_expire_in=kw["refresh_expires"], open_id=kw["open_id"],
                               pending_access_token=kw["access_ciphertext"],
                               pending_refresh_token=kw["refresh_ciphertext"])

    def mark_cipher(self, code: str, **kw: Any) -> None:
        self.rows[code].update(status="cipher", cipher=kw["cipher"], shop_id=kw["shop_code"])

    def mark_token_generated(self, code: str, **kw: Any) -> None:
        self.rows[code].update(status="token_generated", shops=kw["shops"])
        self.rows[code].pop("pending_access_token", None)
        self.rows[code].pop("pending_refresh_token", None)

    def mark_error(self, code: str, *, reason: str, message: str, now: float, error_code: int | None = None,
                   shops: Any = None) -> None:
        self.rows[code].update(status="error", error_reason=reason, error_code=error_code, message=message)

    def log_response(self, auth_code: str, **kw: Any) -> None:
        self.logs.append({"auth_code": auth_code, **kw})


class FakeTokens:
    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}

    def store_grant(self, client_hash: str, **kw: Any) -> None:
        self.stored[client_hash] = kw


class FakeClients:
    def __init__(self, by_code: dict[str, str]) -> None:
        self.by_code = by_code
        self.links: dict[str, dict[str, Any]] = {}

    def find_client_hash_by_shop_code(self, code: str) -> str | None:
        return self.by_code.get(code)

    def get_shop_link(self, client_hash: str) -> ShopLink | None:
        row = self.links.get(client_hash)
        return ShopLink.model_validate(row) if row else None

    def update_shop_link(self, client_hash: str, **attrs: Any) -> ShopLink:
        self.links.setdefault(client_hash, {"client_hash": client_hash}).update(attrs)
        return ShopLink.model_validate(self.links[client_hash])


class FakeCipher:
    def encrypt(self, client_hash: str, value: str) -> str:
        return "kms1:" + client_hash + ":" + value[::-1]

    def decrypt(self, client_hash: str, value: str) -> str:
        prefix = "kms1:" + client_hash + ":"
        assert value.startswith(prefix), "decrypted with another context"
        return value[len(prefix):][::-1]


class FakeAuth:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls = 0

    def get_token(self, code: str) -> TokenGrant:
        self.calls += 1
        if self.error:
            raise self.error
        return TokenGrant(access_token=SecretStr("TTP_aaaaaaaaaaaa"), refresh_token=SecretStr("TTP_rrrrrrrrrrrr"),
                          access_token_expire_in=int(NOW) + 7 * 86400, refresh_token_expire_in=int(NOW) + 365 * 86400,
                          open_id="oid", seller_name="Seller")


SHOP = AuthorizedShop(id="749000", name="Loja", cipher="ROW_cipher", code="BRCODE1", region="BR")


def processor(auth: FakeAuth, shops: Any, clients: FakeClients | None = None) -> tuple[AuthCodeProcessor, FakeCodes]:
    codes = FakeCodes()
    codes.add("ROW_code")

    def list_shops(_: str) -> list[AuthorizedShop]:
        if isinstance(shops, Exception):
            raise shops
        return shops

    proc = AuthCodeProcessor(codes=codes, tokens=FakeTokens(), clients=clients or FakeClients({"BRCODE1": "c1"}),  # type: ignore[arg-type]
                             auth_client=auth, list_shops=list_shops, cipher=FakeCipher(), clock=lambda: NOW)  # type: ignore[arg-type]
    return proc, codes


@pytest.mark.parametrize(("error", "reason"), [
    (TikTokTokenGrantError(36004005, "can not find related auth record"), "auth_record_not_found"),
    (TikTokTokenGrantError(36004001, "rt has expired"), "token_expired"),
    (TikTokApiError(36009004, "Invalid app_key or app_secret"), "token_request_failed"),
])
def test_token_call_errors_are_recorded(error: Exception, reason: str) -> None:
    proc, codes = processor(FakeAuth(error), [SHOP])
    result = proc.process("ROW_code")
    assert result.status == "error" and result.reason == reason
    assert codes.rows["ROW_code"]["error_code"] == error.code  # type: ignore[attr-defined]
    assert codes.logs[0]["kind"] == "getAccessToken" and codes.logs[0]["code"] == error.code  # type: ignore[attr-defined]


def test_expired_access_token_on_the_shops_call_is_recorded() -> None:
    proc, codes = processor(FakeAuth(), TikTokTokenExpired(105002, "access token is expired"))
    result = proc.process("ROW_code")
    assert result.reason == "access_token_expired"
    assert codes.rows["ROW_code"]["status"] == "error" and codes.rows["ROW_code"]["error_code"] == 105002
    assert [log["kind"] for log in codes.logs] == ["getAccessToken", "getChipher"]
    # Token logs never hold the tokens.
    assert "TTP_" not in repr(codes.logs)


def test_transient_token_error_gives_the_code_back() -> None:
    proc, codes = processor(FakeAuth(TikTokInternalError(36009003, "internal error")), [SHOP])
    result = proc.process("ROW_code")
    assert result.status == "skipped"
    assert codes.rows["ROW_code"]["status"] == AuthCodeStatus.UNUSED and "ROW_code" not in codes.claimed


def test_no_shops_is_an_error() -> None:
    proc, _codes = processor(FakeAuth(), [])
    assert proc.process("ROW_code").reason == "no_authorized_shops"


def test_code_claimed_elsewhere_is_skipped() -> None:
    proc, codes = processor(FakeAuth(), [SHOP])
    codes.claimed.add("ROW_code")
    assert proc.process("ROW_code").status == "skipped"
    assert codes.rows["ROW_code"]["status"] == "unused"


def test_success_links_and_encrypts() -> None:
    clients = FakeClients({"BRCODE1": "c1"})
    proc, codes = processor(FakeAuth(), [SHOP], clients)
    result = proc.process("ROW_code")
    assert result.status == "token_generated" and result.linked_clients == ["c1"]
    link = clients.links["c1"]
    assert link["status"] == "token_generated" and link["cipher"] == "ROW_cipher" and link["access_token"] == ""
    stored = proc.tokens.stored["c1"]  # type: ignore[attr-defined]
    assert stored["access_ciphertext"].startswith("kms1:c1:")
    # The tokens kept on the code row while linking are gone once it is linked.
    assert "pending_access_token" not in codes.rows["ROW_code"]


def test_limit_bounds_a_run() -> None:
    proc, codes = processor(FakeAuth(), [SHOP])
    for i in range(5):
        codes.add(f"ROW_more{i}")
    summary = proc.process_pending(limit=2)
    assert summary.processed == 2


@pytest.mark.parametrize(("status", "error"), [
    (ShopLinkStatus.DEAUTHORIZED, ClientDeauthorized),
    (ShopLinkStatus.UNUSED, ClientNotAuthorized),
])
def test_ensure_client_active_refuses(status: ShopLinkStatus, error: type[Exception]) -> None:
    link = ShopLink(client_hash="c1", status=status, cipher="ROW_c", deauthorized_reason="merchant left")
    with pytest.raises(error):
        ensure_client_active(link)


def test_ensure_client_active() -> None:
    with pytest.raises(ClientNotAuthorized):
        ensure_client_active(None, "c1")
    with pytest.raises(ClientNotAuthorized, match="cipher"):
        ensure_client_active(ShopLink(client_hash="c1", status=ShopLinkStatus.TOKEN_GENERATED))
    link = ShopLink(client_hash="c1", status=ShopLinkStatus.TOKEN_GENERATED, cipher="ROW_c")
    assert ensure_client_active(link) is link


def test_transient_shops_failure_is_resumed_without_spending_the_code_again() -> None:
    auth = FakeAuth()
    calls = {"n": 0}

    def flaky_shops(_: str) -> list[AuthorizedShop]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise TikTokInternalError(36009003, "internal error")
        return [SHOP]

    clients = FakeClients({"BRCODE1": "c1"})
    proc, codes = processor(auth, [SHOP], clients)
    proc.list_shops = flaky_shops
    first = proc.process("ROW_code")
    assert first.status == "skipped"
    row = codes.rows["ROW_code"]
    assert row["status"] == "access" and row["pending_access_token"].startswith("kms1:authcode-")
    assert "TTP_" not in repr(row)  # kept encrypted, never plain

    second = proc.process_pending()  # the next run resumes from the shops step
    assert second.linked == 1 and auth.calls == 1  # the single-use code was not sent again
    assert clients.links["c1"]["status"] == "token_generated"
    assert proc.tokens.stored["c1"]["access_ciphertext"] == "kms1:c1:" + "TTP_aaaaaaaaaaaa"[::-1]  # type: ignore[attr-defined]


def test_access_row_whose_tokens_expired_is_an_error() -> None:
    proc, codes = processor(FakeAuth(), [SHOP])
    codes.rows["ROW_code"].update(status="access", access_token_expire_in=int(NOW) - 1,
                                  pending_access_token="kms1:x", pending_refresh_token="kms1:y")
    assert proc.process("ROW_code").reason == "access_token_expired"
