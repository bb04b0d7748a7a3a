"""Callback -> auth code -> tokens -> shop link, against moto (template tables) and the TikTok sandbox."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tiktok_vtex.auth.callback import handle_callback
from tiktok_vtex.auth.state import issue_state
from tiktok_vtex.auth.tokens import TokenCipher
from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.repositories.auth_codes import AuthCodeStatus, StateNonceStore, iso_utc
from tiktok_vtex.repositories.tokens import TOKEN_BUCKET_ACTIVE

from .conftest import AuthWorld, RecordingDispatcher

TOKEN_GET = "GET /api/v2/token/get"


def _callback(world: AuthWorld, query: dict[str, str], dispatcher: RecordingDispatcher | None = None,
              now: float | None = None) -> Any:
    settings = world.wiring.settings
    return handle_callback(query, state_secret=world.state_secret, codes=world.wiring.codes,
                           nonces=StateNonceStore(settings.tables.idempotency),
                           dispatcher=dispatcher or RecordingDispatcher(),
                           clock=(lambda: now) if now is not None else time.time)


def _state(world: AuthWorld, client_hash: str | None = None, now: float | None = None) -> str:
    return issue_state(client_hash or world.client_hash, secret=world.state_secret, now=now or time.time())


def test_callback_stores_code_and_processing_links_the_shop(auth_world: AuthWorld, captured_logs: Any) -> None:
    world = auth_world
    code = world.consent()
    dispatcher = RecordingDispatcher()

    outcome = _callback(world, {"code": code, "state": _state(world)}, dispatcher)

    assert outcome.http_status == 200 and outcome.result == "accepted"
    row = world.wiring.codes.get(code)
    assert row is not None and row.status == AuthCodeStatus.UNUSED and row.client_hash == world.client_hash
    # Processing starts at once (async invoke of GERENCIADOR-AUTH-CODES for this code only).
    assert dispatcher.sent == [{"action": "processAuthCodes", "auth_code": code}]

    summary = world.wiring.processor().process_pending(only=[code])
    assert summary.linked == 1 and summary.errors == 0

    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.TOKEN_GENERATED
    assert row.cipher and row.shop_id == world.shop_code
    link = world.wiring.clients.get_shop_link(world.client_hash)
    assert link.status == ShopLinkStatus.TOKEN_GENERATED
    assert link.shop_id == world.shop_id and link.tik_tok_shop_store_code == world.shop_code
    assert link.cipher == world.sandbox.shops[world.shop_id]["cipher"]
    assert link.tik_tok_shop_store_name == world.stack_env["DEMO_SHOP_NAME"]

    token_row = world.wiring.tokens.get(world.client_hash)
    assert token_row.token_bucket == TOKEN_BUCKET_ACTIVE
    assert TokenCipher.is_encrypted(token_row.access_token) and TokenCipher.is_encrypted(token_row.refresh_token)
    # Absolute timestamps, exactly as TikTok sent them.
    access_record = next(iter(world.sandbox.access_tokens.values()))
    assert token_row.access_token_expire_in == access_record["expires_at"]
    assert token_row.access_token_expire_in > time.time()

    # Every TikTok answer logged (legacy types), none with a token.
    logs = world.wiring.codes.logs(code)
    assert [entry["type"] for entry in logs] == ["getAccessToken", "getChipher"]
    assert all(entry["code"] == 0 for entry in logs)

    # No token value anywhere in the tables or the logs.
    dumped = world.dump_tables()
    for value in world.all_token_values():
        assert value not in dumped
        assert value not in captured_logs.text
    assert code not in captured_logs.text


def test_processing_a_code_twice_uses_it_once(auth_world: AuthWorld) -> None:
    world = auth_world
    code = world.consent()
    assert _callback(world, {"code": code, "state": _state(world)}).result == "accepted"
    first = world.wiring.processor().process_pending(only=[code])
    second = world.wiring.processor().process_pending()  # the hourly run afterwards
    assert first.linked == 1
    assert second.processed == 0
    assert world.calls(TOKEN_GET) == 1


def test_unknown_code_is_recorded_as_error(auth_world: AuthWorld) -> None:
    world = auth_world
    code = "ROW_unknowncode0000000000"
    assert _callback(world, {"code": code, "state": _state(world)}).result == "accepted"
    summary = world.wiring.processor().process_pending()
    assert summary.errors == 1
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ERROR
    assert row.error_reason == "auth_record_not_found" and row.error_code == 36004005
    assert world.wiring.tokens.get(world.client_hash) is None
    assert world.wiring.clients.get_shop_link(world.client_hash) is None
    assert world.wiring.codes.logs(code)[0]["code"] == 36004005


def test_code_already_used_at_tiktok_is_recorded_as_error(auth_world: AuthWorld) -> None:
    world = auth_world
    code = world.consent()
    world.wiring.auth_client.get_token(code)  # someone else used it
    _callback(world, {"code": code, "state": _state(world)})
    world.wiring.processor().process_pending(only=[code])
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ERROR and row.error_code == 36004005


def test_code_older_than_30_minutes_is_refused_without_calling_tiktok(auth_world: AuthWorld) -> None:
    world = auth_world
    code = world.consent()
    received = time.time() - 31 * 60
    world.wiring.codes.record_callback(code, client_hash=world.client_hash, state_nonce="n", now=received)
    world.wiring.processor().process_pending()
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ERROR and row.error_reason == "auth_code_expired"
    assert world.calls(TOKEN_GET) == 0


def test_code_expired_at_tiktok_is_recorded(auth_world: AuthWorld) -> None:
    world = auth_world
    code = world.consent()
    _callback(world, {"code": code, "state": _state(world)})
    world.http.post(f"{world.sandbox_url}/sandbox/clock", json={"advance_seconds": 31 * 60})
    world.wiring.processor().process_pending()
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ERROR and row.error_code == 36004005


def test_unknown_shop_code_is_recorded_and_nothing_linked(auth_world: AuthWorld) -> None:
    world = auth_world
    shop = world.http.post(f"{world.sandbox_url}/sandbox/shops",
                           json={"name": "Loja sem cadastro", "code": "BRNOTREGISTERED"}).json()
    code = world.consent(shop["id"])
    world.wiring.codes.record_callback(code, client_hash=None, state_nonce=None, now=time.time())
    world.wiring.processor().process_pending()
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ERROR and row.error_reason == "unknown_shop_code"
    assert row.shops[0]["shop_code"] == "BRNOTREGISTERED"
    assert world.wiring.clients.get_shop_link(world.client_hash) is None


def test_state_bound_to_another_client_is_not_linked(auth_world: AuthWorld) -> None:
    world = auth_world
    world.register_client("otherclient01", "BROTHERCODE1")
    code = world.consent()
    _callback(world, {"code": code, "state": _state(world, client_hash="otherclient01")})
    world.wiring.processor().process_pending()
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ERROR and row.error_reason == "client_mismatch"
    assert world.wiring.clients.get_shop_link("otherclient01") is None
    assert world.wiring.clients.get_shop_link(world.client_hash) is None


def test_authorization_with_several_shops_links_each(auth_world: AuthWorld) -> None:
    world = auth_world
    open_id = world.sandbox.shops[world.shop_id]["open_id"]
    second = world.http.post(f"{world.sandbox_url}/sandbox/shops", json={
        "name": "Segunda loja", "code": "BRSECONDSHOP", "open_id": open_id}).json()
    world.register_client("secondclient01", "BRSECONDSHOP")
    code = world.consent()
    world.wiring.codes.record_callback(code, client_hash=None, state_nonce=None, now=time.time())

    summary = world.wiring.processor().process_pending()

    assert summary.linked == 1
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.TOKEN_GENERATED
    assert sorted(row.model_extra["linked_clients"]) == sorted([world.client_hash, "secondclient01"])
    first_link = world.wiring.clients.get_shop_link(world.client_hash)
    second_link = world.wiring.clients.get_shop_link("secondclient01")
    assert first_link.shop_id == world.shop_id and second_link.shop_id == second["id"]
    assert second_link.cipher == second["cipher"] and second_link.status == ShopLinkStatus.TOKEN_GENERATED
    token_rows = [world.wiring.tokens.get(c) for c in (world.client_hash, "secondclient01")]
    assert all(r is not None and r.grant_id == token_rows[0].grant_id for r in token_rows)
    assert sorted(token_rows[0].grant_clients) == sorted([world.client_hash, "secondclient01"])


# ------------------------------------------------------------------------------------ bad callbacks

@pytest.mark.parametrize("tamper", ["forged", "expired", "other_secret", "missing"])
def test_bad_state_is_recorded_and_nothing_else_touched(auth_world: AuthWorld, tamper: str) -> None:
    world = auth_world
    code = world.consent()
    now = time.time()
    state = {
        "forged": _state(world)[:-3] + "AAA",
        "expired": issue_state(world.client_hash, secret=world.state_secret, now=now - 2 * 86400, ttl=3600),
        "other_secret": issue_state(world.client_hash, secret="not-the-stack-secret", now=now),
        "missing": "",
    }[tamper]
    dispatcher = RecordingDispatcher()

    outcome = _callback(world, {"code": code, "state": state}, dispatcher)

    assert outcome.http_status == 400 and outcome.result == "rejected"
    assert outcome.reason == {"forged": "state_bad_signature", "expired": "state_expired",
                              "other_secret": "state_bad_signature", "missing": "state_missing"}[tamper]
    assert dispatcher.sent == []
    assert world.wiring.codes.get(code) is None  # the code itself is not stored
    rejected = list(world.wiring.codes.iter_status(AuthCodeStatus.ERROR))
    assert len(rejected) == 1 and rejected[0].startswith("rejected#")
    record = world.wiring.codes.get(rejected[0])
    assert record.error_reason == outcome.reason
    assert code not in world.dump_tables()
    assert world.calls(TOKEN_GET) == 0


def test_replayed_state_with_another_code_is_refused(auth_world: AuthWorld) -> None:
    world = auth_world
    state = _state(world)
    first, second = world.consent(), world.consent()
    assert _callback(world, {"code": first, "state": state}).result == "accepted"
    outcome = _callback(world, {"code": second, "state": state})
    assert outcome.result == "rejected" and outcome.reason == "state_replayed"
    assert world.wiring.codes.get(second) is None


def test_same_redirect_twice_is_idempotent(auth_world: AuthWorld) -> None:
    world = auth_world
    code, state = world.consent(), _state(world)
    dispatcher = RecordingDispatcher()
    assert _callback(world, {"code": code, "state": state}, dispatcher).result == "accepted"
    again = _callback(world, {"code": code, "state": state}, dispatcher)
    assert again.http_status == 200 and again.result == "duplicate"
    assert len(dispatcher.sent) == 1


def test_auth_denied_is_recorded(auth_world: AuthWorld) -> None:
    world = auth_world
    outcome = _callback(world, {"code": "null", "error": "auth_denied", "state": _state(world)})
    assert outcome.http_status == 200 and outcome.result == "denied"
    rejected = list(world.wiring.codes.iter_status(AuthCodeStatus.ERROR))
    record = world.wiring.codes.get(rejected[0])
    assert record.error_reason == "auth_denied" and record.client_hash == world.client_hash
    assert list(world.wiring.codes.iter_unused()) == []


def test_rejected_records_expire_but_codes_do_not(auth_world: AuthWorld) -> None:
    world = auth_world
    now = time.time()
    _callback(world, {"code": "ROW_x", "state": "garbage"}, now=now)
    key = next(iter(world.wiring.codes.iter_status(AuthCodeStatus.ERROR)))
    assert world.wiring.codes.get(key).model_extra["expires_at"] == int(now) + 30 * 86400
    assert world.wiring.codes.get(key).created_at == iso_utc(now)


def test_shops_call_failing_after_the_code_was_spent_is_resumed_next_run(auth_world: AuthWorld) -> None:
    world = auth_world
    code = world.consent()
    world.wiring.codes.record_callback(code, client_hash=world.client_hash, state_nonce=None, now=time.time())
    # Every attempt of the client's retry budget fails with a 5xx.
    world.http.post(f"{world.sandbox_url}/sandbox/faults", json={
        "endpoint": "GET /authorization/202309/shops", "error_rate_5xx": 1.0, "count": 5}).raise_for_status()

    first = world.wiring.processor().process_pending()

    assert first.processed == 0 and first.skipped == 1
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.ACCESS
    assert TokenCipher.is_encrypted(row.pending_access_token)
    dumped = world.dump_tables()
    assert all(value not in dumped for value in world.all_token_values())

    second = world.wiring.processor().process_pending()  # the next hourly run

    assert second.linked == 1
    assert world.calls(TOKEN_GET) == 1  # the single-use code was exchanged once
    row = world.wiring.codes.get(code)
    assert row.status == AuthCodeStatus.TOKEN_GENERATED and row.pending_access_token is None
    assert world.wiring.clients.get_shop_link(world.client_hash).status == ShopLinkStatus.TOKEN_GENERATED
