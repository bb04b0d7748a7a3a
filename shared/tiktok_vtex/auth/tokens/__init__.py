"""The one way every function obtains a TikTok access token: `DynamoTokenProvider`.

- Tokens are stored KMS-encrypted (`TokenCipher`, stack key TOKEN_KMS_KEY_ID, encryption context
  {"client_hash": ...}) and decrypted only in memory; every decrypted value is registered with the log
  redactor.
- Refresh is single-flight across processes: a caller that needs a refresh takes a conditional lock on
  the token row (conditional on the row's `token_version` and on no live lease); the others wait,
  re-read the row, and reuse the token the winner wrote. A lease expires, so a crashed holder cannot
  block refreshes forever.
- Legacy rows with plain-text tokens are encrypted in place on first read.

One module per job: cipher.py (KMS), cache.py (decrypted values of this process), provider.py
(the provider and the legacy-row migration); every name stays importable from `tiktok_vtex.auth.tokens`.
"""

from tiktok_vtex.auth.tokens.cache import PlaintextCache
from tiktok_vtex.auth.tokens.cache import plaintexts as _plaintexts
from tiktok_vtex.auth.tokens.cipher import CIPHERTEXT_PREFIX, TokenCipher, grant_fingerprint
from tiktok_vtex.auth.tokens.provider import (
    EXPIRY_SKEW_SECONDS,
    GRANT_ERROR_CODES,
    GRANT_ERROR_COOLDOWN_S,
    METRIC_REFRESH_FAILED,
    METRIC_REFRESHED,
    TRANSIENT_ERROR_COOLDOWN_S,
    DecryptedTokens,
    DynamoTokenProvider,
    migrate_row,
)

__all__ = ["CIPHERTEXT_PREFIX", "EXPIRY_SKEW_SECONDS", "GRANT_ERROR_CODES", "GRANT_ERROR_COOLDOWN_S",
           "METRIC_REFRESHED", "METRIC_REFRESH_FAILED", "TRANSIENT_ERROR_COOLDOWN_S", "DecryptedTokens",
           "DynamoTokenProvider", "PlaintextCache", "TokenCipher", "_plaintexts", "grant_fingerprint", "migrate_row"]
