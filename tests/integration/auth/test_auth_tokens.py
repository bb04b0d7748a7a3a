"""Token provider (single-flight refresh), renewal window, refresh-expiry alert, deauthorization stop,
push 7 and legacy plain-row migration, against moto and the TikTok sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import httpx
import pytest

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized, ReauthorizationRequired
from tiktok_vtex.auth.lifecycle import handle_authorization_expiring, handle_seller_deauthorization
from tiktok_vtex.auth.renewal import renew_tokens
from tiktok_vtex.auth.shop_access import open_shop_client
from tiktok_vtex.auth.tokens import DynamoTokenProvider, TokenCipher
from tiktok_vtex.clients.tiktok import TikTokAuthClient
from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.observability import metrics
from tiktok_vtex.repositories.tokens import TOKEN_BUCKET_ACTIVE, TokenRepository

from .conftest import AuthWorld

REFRESH = "GET /api/v2/token/refresh"
DAY = 86400


@pytest.fixture(autouse=True)
def _clean_metrics() -> Iterator[None]:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


def link(world: AuthWorld) -> None:
    code = world.consent()
    world.wiring.codes.record_callback(code, client_hash=world.client_hash, state_nonce=None, now=time.time())
    assert world.wiring.processor().process_pending(only=[code]).linked == 1


def set_expiry(world: AuthWorld, client_hash: str, *, access: int | None = None, refresh: int | None = None) -> None:
    sets, values = [], {}
    if access is not None:
        sets.append("access_token_expire_in = :a")
        values[":a"] = access
    if refresh is not None:
        sets.append("refresh_token_expire_in = :r")
        values[":r"] = refresh
    world.wiring.tokens.table.update({"client_hash": client_hash}, "SET " + ", ".join(sets), values=values)


def provider(world: AuthWorld, clock: Any = time.time, **kwargs: Any) -> DynamoTokenProvider:
    return DynamoTokenProvider(
        world.client_hash,
        token_repository=world.wiring.tokens,
        auth_client=world.wiring.auth_client,
        cipher=world.wiring.cipher,
        clock=clock,
        **kwargs,
    )


def metric_count(name: str) -> int:
    return len(metrics.metric_set.get(name, {}).get("Value", []))


# ------------------------------------------------------------------------------ single flight


def test_fifty_concurrent_callers_with_an_expired_token_cause_one_refresh(
    auth_world: AuthWorld, atomic_moto_writes: None, captured_logs: Any
) -> None:
    world = auth_world
    link(world)
    old = provider(world).get_access_token()
    set_expiry(world, world.client_hash, access=int(time.time()) - 10)
    version_before = world.wiring.tokens.get(world.client_hash).token_version
    before = world.calls(REFRESH)
    settings, secrets = world.wiring.settings, world.wiring.secrets
    callers = 50
    barrier = threading.Barrier(callers)

    # One provider per caller, each with its own DynamoDB resource, KMS client and HTTP client: 50 separate
    # "Lambdas". One session loads the service models once (boto3 resources are not thread-safe; clients are).
    # httpx clients are thread-safe and costly to build (TLS context): one pool serves every caller.
    session = boto3.session.Session()
    http = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=callers))

    def build(_: int) -> DynamoTokenProvider:
        return DynamoTokenProvider(
            world.client_hash,
            token_repository=TokenRepository(settings.tables.token, session.resource("dynamodb")),
            auth_client=TikTokAuthClient(
                secrets.app_key,
                secrets.app_secret.get_secret_value(),
                settings.tiktok_auth_base_url,
                http=http,
            ),
            cipher=TokenCipher(settings.token_kms_key_id, kms=session.client("kms")),
            poll_interval=0.02,
        )

    providers = [build(i) for i in range(callers)]

    def call(p: DynamoTokenProvider) -> str:
        barrier.wait()
        return p.get_access_token()

    with ThreadPoolExecutor(callers) as pool:
        tokens = list(pool.map(call, providers))

    assert world.calls(REFRESH) - before == 1  # counted at the sandbox
    assert sum(p.refresh_calls for p in providers) == 1
    assert len(set(tokens)) == 1 and tokens[0] != old
    assert tokens[0] in world.sandbox.access_tokens
    row = world.wiring.tokens.get(world.client_hash)
    assert row.token_version == version_before + 1 and row.refresh_lock_owner is None
    assert row.access_token_expire_in > time.time()
    dumped = world.dump_tables()
    for value in world.all_token_values():
        assert value not in captured_logs.text
        assert value not in dumped


def test_rejected_token_already_replaced_is_not_refreshed_again(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    first = provider(world)
    old = first.get_access_token()
    fresh = first.refresh_access_token(old)  # 105002 seen by the first caller
    before = world.calls(REFRESH)
    # A second caller still holding the old token gets 105002 too: it reuses the new token.
    assert provider(world).refresh_access_token(old) == fresh
    assert world.calls(REFRESH) == before


def test_refresh_refused_by_tiktok_requires_reauthorization(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    world.sandbox.revoke(world.shop_id)  # the seller's grant is gone at TikTok
    set_expiry(world, world.client_hash, access=int(time.time()) - 10)
    with pytest.raises(ReauthorizationRequired) as raised:
        provider(world).get_access_token()
    assert raised.value.code == 36004005
    row = world.wiring.tokens.get(world.client_hash)
    assert row.last_refresh_error_code == 36004005 and row.refresh_lock_owner is None
    assert metric_count("TokenRefreshFailed") == 1


def test_waiters_do_not_repeat_a_refused_refresh(auth_world: AuthWorld, atomic_moto_writes: None) -> None:
    world = auth_world
    link(world)
    world.sandbox.revoke(world.shop_id)
    set_expiry(world, world.client_hash, access=int(time.time()) - 10)
    before = world.calls(REFRESH)
    callers = 10
    barrier = threading.Barrier(callers)
    settings = world.wiring.settings

    session = boto3.session.Session()

    def call(_: int) -> str:
        p = DynamoTokenProvider(
            world.client_hash,
            token_repository=TokenRepository(settings.tables.token, session.resource("dynamodb")),
            auth_client=world.wiring.auth_client,
            cipher=TokenCipher(settings.token_kms_key_id, kms=session.client("kms")),
            poll_interval=0.02,
        )
        barrier.wait()
        try:
            p.get_access_token()
        except ReauthorizationRequired:
            return "reauthorize"
        return "token"

    with ThreadPoolExecutor(callers) as pool:
        outcomes = list(pool.map(call, range(callers)))
    assert outcomes == ["reauthorize"] * callers
    # The holder asks once; the waiters read its failure instead of asking again.
    assert world.calls(REFRESH) - before == 1


def test_provider_without_tokens_says_not_authorized(auth_world: AuthWorld) -> None:
    with pytest.raises(ClientNotAuthorized):
        provider(auth_world).get_access_token()


# ------------------------------------------------------------------------------ renewal window


@pytest.mark.parametrize(
    ("offset", "renewed"),
    [
        (8 * DAY, True),  # exactly at the end of the window
        (8 * DAY + 1, False),  # one second outside
        (-3600, True),  # already expired: still renewable with the refresh token
        (DAY, True),
    ],
)
def test_renewal_window_edges(auth_world: AuthWorld, offset: int, renewed: bool) -> None:
    world = auth_world
    link(world)
    now = int(time.time())
    set_expiry(world, world.client_hash, access=now + offset)
    before = world.calls(REFRESH)

    summary = renew_tokens(
        tokens=world.wiring.tokens,
        clients=world.wiring.clients,
        provider_for=lambda c: DynamoTokenProvider(
            c,
            token_repository=world.wiring.tokens,
            auth_client=world.wiring.auth_client,
            cipher=world.wiring.cipher,
            clock=lambda: now,
        ),
        clock=lambda: now,
        window_days=8,
    )

    assert summary.renewed == (1 if renewed else 0)
    assert world.calls(REFRESH) - before == (1 if renewed else 0)
    row = world.wiring.tokens.get(world.client_hash)
    assert (row.access_token_expire_in != now + offset) is renewed


def test_renewal_window_is_configurable(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    now = int(time.time())
    set_expiry(world, world.client_hash, access=now + 5 * DAY)
    summary = renew_tokens(
        tokens=world.wiring.tokens,
        clients=world.wiring.clients,
        provider_for=lambda c: provider(world),
        clock=lambda: now,
        window_days=3,
    )
    assert summary.due == 0 and summary.renewed == 0


@pytest.mark.parametrize(("days", "alert"), [(29, True), (30, True), (31, False)])
def test_refresh_token_expiring_within_30_days_raises_the_alert(
    auth_world: AuthWorld, days: int, alert: bool, captured_logs: Any
) -> None:
    world = auth_world
    link(world)
    now = int(time.time())
    set_expiry(world, world.client_hash, access=now + 20 * DAY, refresh=now + days * DAY)
    summary = renew_tokens(
        tokens=world.wiring.tokens,
        clients=world.wiring.clients,
        provider_for=lambda c: provider(world),
        clock=lambda: now,
    )
    assert bool(summary.refresh_expiring) is alert
    assert metric_count("RefreshTokenExpiring") == (1 if alert else 0)
    assert ("refresh_token_expiring" in captured_logs.text) is alert
    if alert:
        assert summary.refresh_expiring[0]["days_left"] == days


def test_renewal_of_one_client_failing_does_not_stop_the_others(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    now = int(time.time())
    # A second client whose grant TikTok no longer knows (legacy row, revoked at TikTok).
    shop = world.http.post(f"{world.sandbox_url}/sandbox/shops", json={"name": "Outra", "code": "BROTHER00001"}).json()
    world.register_client("client-two", "BROTHER00001")
    code = world.consent(shop["id"])
    world.wiring.codes.record_callback(code, client_hash="client-two", state_nonce=None, now=now)
    world.wiring.processor().process_pending(only=[code])
    world.sandbox.revoke(shop["id"])
    set_expiry(world, world.client_hash, access=now + DAY)
    set_expiry(world, "client-two", access=now - DAY)

    summary = renew_tokens(
        tokens=world.wiring.tokens,
        clients=world.wiring.clients,
        provider_for=lambda c: DynamoTokenProvider(
            c, token_repository=world.wiring.tokens, auth_client=world.wiring.auth_client, cipher=world.wiring.cipher
        ),
        clock=lambda: now,
    )
    assert summary.due == 2 and summary.renewed == 1 and summary.failed == 1
    assert summary.failures[0]["client_hash"] == "client-two"
    assert metric_count("TokenRenewalFailed") == 1


# ------------------------------------------------------------------------------ pushes 6 and 7


def test_deauthorization_stops_every_flow_and_renewal(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    settings, secrets = world.wiring.settings, world.wiring.secrets
    shop_client = open_shop_client(
        world.client_hash, settings=settings, secrets=secrets, clients=world.wiring.clients, http=world.wiring.http
    )
    assert shop_client.get_warehouses()  # works before

    message = f"Shop_id {world.shop_id} is deauthorized from your APP by merchant."
    result = handle_seller_deauthorization(
        world.client_hash, world.shop_id, message, clients=world.wiring.clients, clock=lambda: 1_800_000_000
    )
    assert result.changed
    link_row = world.wiring.clients.get_shop_link(world.client_hash)
    assert link_row.status == ShopLinkStatus.DEAUTHORIZED
    assert link_row.deauthorized_reason == message and link_row.deauthorized_at == 1_800_000_000

    with pytest.raises(ClientDeauthorized) as stopped:
        open_shop_client(world.client_hash, settings=settings, secrets=secrets, clients=world.wiring.clients)
    assert stopped.value.reason == message
    assert metric_count("SellerDeauthorized") == 1

    # Renewal skips it and takes the row out of renewal.
    set_expiry(world, world.client_hash, access=int(time.time()))
    before = world.calls(REFRESH)
    summary = renew_tokens(
        tokens=world.wiring.tokens, clients=world.wiring.clients, provider_for=lambda c: provider(world)
    )
    assert summary.skipped == 1 and world.calls(REFRESH) == before
    assert world.wiring.tokens.get(world.client_hash).token_bucket is None

    # A repeated push changes nothing.
    again = handle_seller_deauthorization(world.client_hash, world.shop_id, message, clients=world.wiring.clients)
    assert not again.changed

    # The seller consents again: active again, renewable again.
    link(world)
    assert world.wiring.clients.get_shop_link(world.client_hash).status == ShopLinkStatus.TOKEN_GENERATED
    assert world.wiring.tokens.get(world.client_hash).token_bucket == TOKEN_BUCKET_ACTIVE


def test_deauthorization_for_another_shop_does_not_stop_the_client(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    with pytest.raises(ClientNotAuthorized):
        handle_seller_deauthorization(world.client_hash, "7000000000000000000", "x", clients=world.wiring.clients)
    assert world.wiring.clients.get_shop_link(world.client_hash).status == ShopLinkStatus.TOKEN_GENERATED


def test_upcoming_expiration_records_the_time_and_alerts(auth_world: AuthWorld, captured_logs: Any) -> None:
    world = auth_world
    link(world)
    expires = int(time.time()) + 30 * DAY
    result = handle_authorization_expiring(
        world.client_hash, world.shop_id, str(expires), "expires soon", clients=world.wiring.clients
    )
    assert result.status == "token_generated"
    assert world.wiring.clients.get_shop_link(world.client_hash).authorization_expires_at == expires
    assert metric_count("AuthorizationExpiring") == 1
    assert "authorization_expiring" in captured_logs.text
    with pytest.raises(ValueError, match="unix timestamp"):
        handle_authorization_expiring(world.client_hash, world.shop_id, "soon", None, clients=world.wiring.clients)


# ------------------------------------------------------------------------------ legacy rows


def test_legacy_plain_row_is_encrypted_on_first_read(auth_world: AuthWorld) -> None:
    world = auth_world
    grant = world.sandbox.issue_tokens(world.shop_id)
    world.wiring.tokens.table.put(
        {
            "client_hash": world.client_hash,
            "access_token": grant["access_token"],
            "refresh_token": grant["refresh_token"],
            # The legacy Node code stored these as strings.
            "access_token_expire_in": str(grant["access_token_expire_in"]),
            "refresh_token_expire_in": str(grant["refresh_token_expire_in"]),
        }
    )

    assert provider(world).get_access_token() == grant["access_token"]

    row = world.wiring.tokens.get(world.client_hash)
    assert TokenCipher.is_encrypted(row.access_token) and TokenCipher.is_encrypted(row.refresh_token)
    assert row.token_bucket == TOKEN_BUCKET_ACTIVE
    raw = world.wiring.tokens.table.get({"client_hash": world.client_hash})
    assert raw["access_token_expire_in"] == grant["access_token_expire_in"]  # a number now
    assert grant["access_token"] not in world.dump_tables()
    assert provider(world).get_access_token() == grant["access_token"]


def test_renewal_stops_when_the_lambda_runs_out_of_time(auth_world: AuthWorld) -> None:
    world = auth_world
    link(world)
    now = int(time.time())
    set_expiry(world, world.client_hash, access=now + DAY)
    before = world.calls(REFRESH)
    summary = renew_tokens(tokens=world.wiring.tokens, clients=world.wiring.clients,
                           provider_for=lambda c: provider(world), clock=lambda: now, should_stop=lambda: True)
    assert summary.deferred == 1 and summary.renewed == 0 and world.calls(REFRESH) == before


def test_ciphertext_is_bound_to_its_client(auth_world: AuthWorld) -> None:
    from tiktok_vtex.auth import tokens as tokens_module

    cipher = auth_world.wiring.cipher
    ciphertext = cipher.encrypt("client-a", "TTP_bound_to_client_a")
    tokens_module._plaintexts.clear()  # force a KMS call
    assert cipher.decrypt("client-a", ciphertext) == "TTP_bound_to_client_a"
    with pytest.raises(Exception, match="InvalidCiphertext"):
        cipher.decrypt("client-b", ciphertext)  # KMS encryption context {client_hash} differs
