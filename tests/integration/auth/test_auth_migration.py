"""`tiktok-vtex migrate-legacy-tokens`: legacy plain rows encrypted, made renewable, plain link copies
removed; idempotent; deauthorized rows stay out of renewal."""

from __future__ import annotations

import io
import time

from tiktok_vtex.auth.migration import migrate_legacy_tokens
from tiktok_vtex.auth.renewal import renew_tokens
from tiktok_vtex.auth.tokens import DynamoTokenProvider, TokenCipher
from tiktok_vtex.cli import main
from tiktok_vtex.repositories.base import DynamoTable
from tiktok_vtex.repositories.tokens import TOKEN_BUCKET_ACTIVE

from .conftest import AuthWorld


def _legacy_rows(world: AuthWorld) -> dict[str, str]:
    grant = world.sandbox.issue_tokens(world.shop_id)
    tokens = world.wiring.tokens.table
    tokens.put({"client_hash": world.client_hash, "access_token": grant["access_token"],
                "refresh_token": grant["refresh_token"],
                "access_token_expire_in": str(grant["access_token_expire_in"]),
                "refresh_token_expire_in": str(grant["refresh_token_expire_in"]), "auth_code": "ROW_legacy"})
    links = DynamoTable(world.wiring.settings.tables.client_tiktok)
    links.put({"client_hash": world.client_hash, "status": "token_generated", "cipher": "ROW_legacycipher",
               "tik_tok_shop_store_id": world.shop_id, "tik_tok_shop_store_code": world.shop_code,
               "access_token": grant["access_token"]})
    # A deauthorized client's row: encrypted too, but it must not rejoin renewal.
    tokens.put({"client_hash": "gone-client", "access_token": "TTP_gone_access_000000",
                "refresh_token": "TTP_gone_refresh_00000", "access_token_expire_in": int(time.time()),
                "refresh_token_expire_in": int(time.time()) + 86400, "deactivated_at": 1})
    return grant


def test_migration_encrypts_activates_and_scrubs(auth_world: AuthWorld) -> None:
    world = auth_world
    grant = _legacy_rows(world)
    settings = world.wiring.settings
    links = DynamoTable(settings.tables.client_tiktok)

    summary = migrate_legacy_tokens(tokens=world.wiring.tokens, links=links, cipher=world.wiring.cipher)

    assert summary.tokens_encrypted == 2 and summary.link_tokens_removed == 1
    dumped = world.dump_tables()
    for value in (grant["access_token"], grant["refresh_token"], "TTP_gone_access_000000"):
        assert value not in dumped
    row = world.wiring.tokens.get(world.client_hash)
    assert TokenCipher.is_encrypted(row.access_token) and row.token_bucket == TOKEN_BUCKET_ACTIVE
    assert world.wiring.tokens.table.get({"client_hash": world.client_hash})["access_token_expire_in"] == \
        grant["access_token_expire_in"]
    assert world.wiring.tokens.get("gone-client").token_bucket is None
    assert "access_token" not in links.get({"client_hash": world.client_hash})

    # Renewable now (found by the GSI Query) and still usable.
    now = int(time.time())
    renewal = renew_tokens(tokens=world.wiring.tokens, clients=world.wiring.clients,
                           provider_for=lambda c: DynamoTokenProvider(
                               c, token_repository=world.wiring.tokens, auth_client=world.wiring.auth_client,
                               cipher=world.wiring.cipher), clock=lambda: now,
                           window_days=8)  # wider than the fresh 7-day token's life: it must be found
    assert renewal.due == 1 and renewal.renewed == 1

    again = migrate_legacy_tokens(tokens=world.wiring.tokens, links=links, cipher=world.wiring.cipher)
    assert again.tokens_encrypted == 0 and again.link_tokens_removed == 0


def test_migration_command(auth_world: AuthWorld) -> None:
    world = auth_world
    _legacy_rows(world)
    settings = world.wiring.settings
    out = io.StringIO()
    assert main(["migrate-legacy-tokens", "--token-table", settings.tables.token, "--client-tiktok-table",
                 settings.tables.client_tiktok, "--kms-key-id", settings.token_kms_key_id], out) == 0
    assert "tokens_encrypted                 2" in out.getvalue()
    status = io.StringIO()
    assert main(["auth-status", world.client_hash, "--client-tiktok-table", settings.tables.client_tiktok,
                 "--token-table", settings.tables.token], status) == 0
    text = status.getvalue()
    assert "token_generated" in text and "access token       expires" in text and "TTP_" not in text
