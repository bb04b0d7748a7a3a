"""One-off migration of the legacy token data, run once by an operator after the first deploy
(`tiktok-vtex migrate-legacy-tokens`). It scans (a one-off, not a flow) because it must see every row:

- ssxml_tik_tok_token: plain-text tokens become KMS ciphertext, string `*_expire_in` become numbers, and
  rows join renewal (`token_bucket`), without which the hourly job's GSI Query would never find them;
- ssxml_client_tiktok: the legacy plain `access_token` copy is removed.

Each write is conditional on the value it replaces, so running it twice, or while flows run, is safe.
Flows also migrate a token row on first read; this command covers clients no flow touches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tiktok_vtex.auth.tokens import TokenCipher, migrate_row
from tiktok_vtex.observability import logger
from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable
from tiktok_vtex.repositories.tokens import TokenRepository


@dataclass
class MigrationSummary:
    token_rows: int = 0
    tokens_encrypted: int = 0
    rows_activated_or_normalised: int = 0
    link_rows: int = 0
    link_tokens_removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def migrate_legacy_tokens(*, tokens: TokenRepository, links: DynamoTable, cipher: TokenCipher,
                          clock: Callable[[], float] = time.time) -> MigrationSummary:
    summary = MigrationSummary()
    for client_hash in tokens.scan_client_hashes():
        summary.token_rows += 1
        raw = tokens.table.get({"client_hash": client_hash}, consistent=True) or {}
        row = tokens.get(client_hash)
        if row is None:
            continue
        plain_access = row.access_token if row.access_token and not cipher.is_encrypted(row.access_token) else None
        plain_refresh = (row.refresh_token if row.refresh_token and not cipher.is_encrypted(row.refresh_token)
                         else None)
        string_times = any(isinstance(raw.get(k), str) for k in ("access_token_expire_in", "refresh_token_expire_in"))
        inactive = not row.token_bucket and not (row.model_extra or {}).get("deactivated_at")
        if not (plain_access or plain_refresh or string_times or inactive):
            continue
        if migrate_row(row, tokens, cipher, now=int(clock()), plain_access=plain_access, plain_refresh=plain_refresh):
            if plain_access or plain_refresh:
                summary.tokens_encrypted += 1
            else:
                summary.rows_activated_or_normalised += 1
    for item in _scan(links, "client_hash, access_token"):
        summary.link_rows += 1
        value = item.get("access_token")
        if not value:
            continue
        try:
            links.update_fields({"client_hash": item["client_hash"]}, remove=["access_token"],
                                values={":old": value}, condition="access_token = :old", return_values="NONE")
            summary.link_tokens_removed += 1
        except ConditionFailed:
            pass  # changed meanwhile (re-linked): the new value is never a token
    logger.info("legacy token migration done", extra=summary.as_dict())
    return summary


def _scan(table: DynamoTable, projection: str) -> Any:
    return table.scan(ProjectionExpression=projection)
