"""Auth code -> tokens -> authorized shops -> shop link (legacy getListAuthCode / getAccessToken /
getShopCipher / setClienFeedsData / setTikTokToken).

Per code: claim it (codes work once; the async and the hourly runs may overlap), refuse it if older than
30 minutes, exchange it (status `access`), list the authorized shops (status `cipher`), then for every
shop find the client by shop code (GSI on ssxml_client), store its encrypted tokens in
ssxml_tik_tok_token and link it in ssxml_client_tiktok (status `token_generated`). Every TikTok answer
is logged in ssxml_tik_tok_auth_token_logs without token values. An authorization returning several
shops links each shop that maps to a client; the code ends `token_generated` if at least one was
linked, else `error` with the reason.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.auth.tokens import TokenCipher, grant_fingerprint
from tiktok_vtex.clients.tiktok.auth import TikTokAuthClient
from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.clients.tiktok.models import AuthorizedShop, TokenGrant
from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.observability import logger, metrics, register_secret
from tiktok_vtex.repositories.auth_codes import AuthCodeRecord, AuthCodeRepository, AuthCodeStatus, fingerprint
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.tokens import TokenRepository

AUTH_CODE_TTL_SECONDS = 30 * 60
CLAIM_LEASE_MS = 5 * 60 * 1000
LOG_TYPE_TOKEN = "getAccessToken"  # noqa: S105 (a log type name)
LOG_TYPE_SHOPS = "getChipher"  # (sic) the legacy log type value
METRIC_AUTH_CODE_FAILED = "AuthCodeFailed"
METRIC_SHOP_LINKED = "ShopLinked"

# TikTok codes seen on the token endpoint / shops call -> the reason recorded on the auth code row.
ERROR_REASONS = {
    36004005: "auth_record_not_found",  # unknown, already used or expired code
    36004001: "token_expired",
    105002: "access_token_expired",
    105005: "missing_scope",
}

ShopLister = Callable[[str], list[AuthorizedShop]]
"""Lists the shops an access token is authorized for (GET /authorization/202309/shops)."""


def pending_context(auth_code: str) -> str:
    """Encryption-context id of tokens kept on an auth code row (not a client: the code's fingerprint)."""
    return f"authcode-{fingerprint(auth_code)}"


@dataclass(frozen=True)
class ObtainedTokens:
    access_token: str
    refresh_token: str
    access_expires: int
    refresh_expires: int
    open_id: str

    def __repr__(self) -> str:
        return f"ObtainedTokens(access_expires={self.access_expires})"


@dataclass
class AuthCodeResult:
    auth_code_fingerprint: str
    status: str
    reason: str | None = None
    linked_clients: list[str] = field(default_factory=list)
    shops: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProcessSummary:
    processed: int = 0
    linked: int = 0
    errors: int = 0
    skipped: int = 0
    results: list[AuthCodeResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"processed": self.processed, "linked": self.linked, "errors": self.errors, "skipped": self.skipped}


@dataclass
class AuthCodeProcessor:
    """Logic of processAuthCodes; every adapter is passed in (tests use moto + the sandbox or fakes)."""

    codes: AuthCodeRepository
    tokens: TokenRepository
    clients: ClientRepository
    auth_client: TikTokAuthClient
    list_shops: ShopLister
    cipher: TokenCipher
    clock: Callable[[], float] = time.time
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    # ------------------------------------------------------------------ batch

    def process_pending(self, *, only: Iterable[str] | None = None, limit: int = 200,
                        should_stop: Callable[[], bool] = lambda: False) -> ProcessSummary:
        """Every unused code (GSI Query), or just the given ones (the callback's async invoke)."""
        summary = ProcessSummary()
        candidates = list(only) if only is not None else self.codes.iter_pending()
        seen: set[str] = set()
        for auth_code in candidates:
            if auth_code in seen:
                continue  # given back to `access` earlier in this run: the next run retries it
            if len(seen) >= limit or should_stop():
                break  # the next hourly run continues; a Lambda must finish in time
            seen.add(auth_code)
            result = self.process(auth_code)
            summary.results.append(result)
            if result.status == "skipped":
                summary.skipped += 1
                continue
            summary.processed += 1
            if result.status == AuthCodeStatus.TOKEN_GENERATED:
                summary.linked += 1
            elif result.status == AuthCodeStatus.ERROR:
                summary.errors += 1
        return summary

    # ------------------------------------------------------------------ one code

    def process(self, auth_code: str) -> AuthCodeResult:
        tag = fingerprint(auth_code)
        record = self.codes.get(auth_code)
        if record is None or record.status not in (AuthCodeStatus.UNUSED, AuthCodeStatus.ACCESS):
            return AuthCodeResult(tag, "skipped", "not a pending auth code")
        now_ms = int(self.clock() * 1000)
        if not self.codes.claim(auth_code, owner=self.owner, now_ms=now_ms, lease_ms=CLAIM_LEASE_MS):
            return AuthCodeResult(tag, "skipped", "being processed by another run")
        try:
            return self._process_claimed(record, tag)
        except Exception as error:  # never leave a claimed code behind without a status
            logger.exception("auth code processing failed unexpectedly", extra={"code_fingerprint": tag})
            self.codes.release(auth_code, owner=self.owner, last_error=f"{type(error).__name__}")
            raise

    def _process_claimed(self, record: AuthCodeRecord, tag: str) -> AuthCodeResult:
        auth_code = record.auth_code
        # 1. auth code -> tokens (or, for a code left in `access`, the tokens kept encrypted on its row)
        obtained = self._exchange(record, tag) if record.status == AuthCodeStatus.UNUSED else self._resume(record, tag)
        if isinstance(obtained, AuthCodeResult):
            return obtained

        # 2. tokens -> authorized shops (cipher, id, code, name)
        try:
            shops = self.list_shops(obtained.access_token)
        except TikTokApiError as error:
            self._log(auth_code, LOG_TYPE_SHOPS, error.code, error.message, None, error.request_id)
            if error.retryable:
                # The code is spent but the tokens are kept (encrypted): the next run resumes from here.
                self.codes.release(auth_code, owner=self.owner, last_error=f"TikTok error {error.code}")
                return AuthCodeResult(tag, "skipped", f"transient TikTok error {error.code}; resumed next run")
            return self._error(record, tag, ERROR_REASONS.get(error.code, "shops_request_failed"),
                               error.message, error.code)
        shop_rows = [{"id": s.id, "code": s.code, "name": s.name, "cipher": s.cipher, "region": s.region}
                     for s in shops]
        self._log(auth_code, LOG_TYPE_SHOPS, 0, "success", {"shops": shop_rows}, None)
        if not shops:
            return self._error(record, tag, "no_authorized_shops", "the authorization returned no shop")
        self.codes.mark_cipher(auth_code, cipher=shops[0].cipher, shop_code=shops[0].code, shops=shop_rows,
                               now=self.clock())

        # 3. shop code -> client_hash (GSI), tokens and link
        outcomes = [self._resolve(shop, record.client_hash) for shop in shops]
        clients = [o["client_hash"] for o in outcomes if o["result"] == "linked"]
        for outcome in outcomes:
            if outcome["result"] == "linked":
                self._link(outcome["client_hash"], outcome["shop"], obtained, auth_code, clients)
        results = [{k: v for k, v in o.items() if k != "shop"} for o in outcomes]
        if not clients:
            reasons = sorted({o["result"] for o in outcomes})
            return self._error(record, tag, reasons[0] if len(reasons) == 1 else "no_shop_linked",
                               "no authorized shop could be linked to a client: " + ", ".join(
                                   f"{o['shop_code']}={o['result']}" for o in results), shops=results)
        self.codes.mark_token_generated(auth_code, shops=results, client_hashes=clients, now=self.clock())
        logger.info("auth code processed", extra={"code_fingerprint": tag, "linked_clients": clients,
                                                  "shops": len(shops)})
        return AuthCodeResult(tag, AuthCodeStatus.TOKEN_GENERATED.value, None, clients, results)

    def _exchange(self, record: AuthCodeRecord, tag: str) -> ObtainedTokens | AuthCodeResult:
        auth_code = record.auth_code
        created = record.created_epoch()
        if created is not None and self.clock() - created > AUTH_CODE_TTL_SECONDS:
            return self._error(record, tag, "auth_code_expired",
                               "the auth code is older than 30 minutes (TikTok codes expire)")
        try:
            grant = self.auth_client.get_token(auth_code)
        except TikTokApiError as error:
            self._log(auth_code, LOG_TYPE_TOKEN, error.code, error.message, None, error.request_id)
            if error.retryable:
                self.codes.release(auth_code, owner=self.owner, last_error=f"TikTok error {error.code}")
                return AuthCodeResult(tag, "skipped", f"transient TikTok error {error.code}; retried next run")
            return self._error(record, tag, ERROR_REASONS.get(error.code, "token_request_failed"),
                               error.message, error.code)
        obtained = ObtainedTokens(grant.access_token.get_secret_value(), grant.refresh_token.get_secret_value(),
                                  grant.access_token_expire_in, grant.refresh_token_expire_in, grant.open_id)
        register_secret(obtained.access_token)
        register_secret(obtained.refresh_token)
        self._log(auth_code, LOG_TYPE_TOKEN, 0, "success", _grant_summary(grant), None)
        context = pending_context(auth_code)
        self.codes.mark_access(auth_code, access_expires=grant.access_token_expire_in,
                               refresh_expires=grant.refresh_token_expire_in, open_id=grant.open_id,
                               seller_name=grant.seller_name, granted_scopes=list(grant.granted_scopes),
                               now=self.clock(),
                               access_ciphertext=self.cipher.encrypt(context, obtained.access_token),
                               refresh_ciphertext=self.cipher.encrypt(context, obtained.refresh_token))
        return obtained

    def _resume(self, record: AuthCodeRecord, tag: str) -> ObtainedTokens | AuthCodeResult:
        if not record.pending_access_token or not record.pending_refresh_token:
            return self._error(record, tag, "tokens_not_kept",
                               "the code was exchanged but its tokens were not kept; the seller must authorize again")
        if (record.access_token_expire_in or 0) <= self.clock():
            return self._error(record, tag, "access_token_expired",
                               "the tokens of this code expired before the shop could be linked")
        context = pending_context(record.auth_code)
        return ObtainedTokens(self.cipher.decrypt(context, record.pending_access_token),
                              self.cipher.decrypt(context, record.pending_refresh_token),
                              int(record.access_token_expire_in or 0), int(record.refresh_token_expire_in or 0),
                              str((record.model_extra or {}).get("open_id") or ""))

    def _resolve(self, shop: AuthorizedShop, state_client: str | None) -> dict[str, Any]:
        base = {"shop_id": shop.id, "shop_code": shop.code, "shop_name": shop.name, "shop": shop}
        client_hash = self.clients.find_client_hash_by_shop_code(shop.code) if shop.code else None
        if client_hash is None:
            return {**base, "client_hash": None, "result": "unknown_shop_code"}
        if state_client and state_client != client_hash:
            # The link was issued for another client than the one this shop is registered to.
            return {**base, "client_hash": client_hash, "result": "client_mismatch"}
        return {**base, "client_hash": client_hash, "result": "linked"}

    def _link(self, client_hash: str, shop: AuthorizedShop, obtained: ObtainedTokens, auth_code: str,
              grant_clients: list[str]) -> None:
        now = int(self.clock())
        # Tokens first: a link never says token_generated without tokens behind it.
        self.tokens.store_grant(
            client_hash, access_ciphertext=self.cipher.encrypt(client_hash, obtained.access_token),
            refresh_ciphertext=self.cipher.encrypt(client_hash, obtained.refresh_token),
            access_expires=obtained.access_expires, refresh_expires=obtained.refresh_expires,
            auth_code=auth_code, grant_id=grant_fingerprint(obtained.refresh_token), grant_clients=grant_clients,
            open_id=obtained.open_id, now=now)
        previous = self.clients.get_shop_link(client_hash)
        self.clients.update_shop_link(
            client_hash,
            status=ShopLinkStatus.TOKEN_GENERATED.value,
            auth_code=auth_code,
            cipher=shop.cipher,
            tik_tok_shop_store_id=shop.id,
            tik_tok_shop_store_name=shop.name,
            tik_tok_shop_store_code=shop.code,
            authorized_at=now,
            authorization_expires_at=obtained.refresh_expires,
            # Never a token here: the legacy rows had the plain access token in this attribute.
            access_token="",
        )
        metrics.add_metric(name=METRIC_SHOP_LINKED, unit=MetricUnit.Count, value=1)
        logger.info("shop linked to client", extra={
            "client_hash": client_hash, "shop_id": shop.id, "shop_code": shop.code,
            "reauthorized": bool(previous and previous.status == ShopLinkStatus.DEAUTHORIZED)})

    # ------------------------------------------------------------------ helpers

    def _error(self, record: AuthCodeRecord, tag: str, reason: str, message: str, code: int | None = None,
               shops: list[dict[str, Any]] | None = None) -> AuthCodeResult:
        self.codes.mark_error(record.auth_code, reason=reason, message=message, error_code=code, now=self.clock(),
                              shops=shops)
        metrics.add_metric(name=METRIC_AUTH_CODE_FAILED, unit=MetricUnit.Count, value=1)
        logger.warning("auth code not processed", extra={"code_fingerprint": tag, "reason": reason,
                                                         "tiktok_code": code, "client_hash": record.client_hash})
        return AuthCodeResult(tag, AuthCodeStatus.ERROR.value, reason, [], shops or [])

    def _log(self, auth_code: str, kind: str, code: int, message: str, data: dict[str, Any] | None,
             request_id: str | None) -> None:
        self.codes.log_response(auth_code, kind=kind, code=code, message=message, data=data,
                                request_id=request_id, now=self.clock())


def _grant_summary(grant: TokenGrant) -> dict[str, Any]:
    """The token answer without its token values (legacy logged `data` whole, tokens included)."""
    return {
        "access_token_expire_in": grant.access_token_expire_in,
        "refresh_token_expire_in": grant.refresh_token_expire_in,
        "open_id": grant.open_id,
        "seller_name": grant.seller_name,
        "seller_base_region": grant.seller_base_region,
        "user_type": grant.user_type,
        "granted_scopes": list(grant.granted_scopes),
    }
