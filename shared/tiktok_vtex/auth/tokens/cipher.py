"""KMS encryption of token values at rest (stack key TOKEN_KMS_KEY_ID, context {"client_hash": ...}),
and the fingerprint that names an authorization without storing its token."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from tiktok_vtex import aws
from tiktok_vtex.auth.tokens.cache import plaintexts as _plaintexts
from tiktok_vtex.observability import register_secret

CIPHERTEXT_PREFIX = "kms1:"


class TokenCipher:
    """KMS Encrypt/Decrypt of token values, bound to the client by the encryption context."""

    def __init__(self, key_id: str, kms: Any | None = None) -> None:
        if not key_id:
            raise ValueError("TokenCipher needs the stack's KMS key id (TOKEN_KMS_KEY_ID)")
        self._key_id = key_id
        self._kms = kms

    def _client(self) -> Any:
        if self._kms is None:
            self._kms = aws.client("kms")
        return self._kms

    def __repr__(self) -> str:
        return f"TokenCipher(key_id={self._key_id!r})"

    @staticmethod
    def is_encrypted(value: str | None) -> bool:
        return bool(value) and str(value).startswith(CIPHERTEXT_PREFIX)

    def encrypt(self, client_hash: str, plaintext: str) -> str:
        register_secret(plaintext)
        response = self._client().encrypt(KeyId=self._key_id, Plaintext=plaintext.encode("utf-8"),
                                          EncryptionContext={"client_hash": client_hash})
        ciphertext = CIPHERTEXT_PREFIX + base64.b64encode(response["CiphertextBlob"]).decode("ascii")
        _plaintexts.put(client_hash, ciphertext, plaintext)
        return ciphertext

    def decrypt(self, client_hash: str, value: str) -> str:
        if not self.is_encrypted(value):
            raise ValueError("value is not a TokenCipher ciphertext")
        cached = _plaintexts.get(client_hash, value)
        if cached is not None:
            return cached
        blob = base64.b64decode(value[len(CIPHERTEXT_PREFIX):])
        response = self._client().decrypt(CiphertextBlob=blob, KeyId=self._key_id,
                                          EncryptionContext={"client_hash": client_hash})
        plaintext = response["Plaintext"].decode("utf-8")
        register_secret(plaintext)
        _plaintexts.put(client_hash, value, plaintext)
        return plaintext




def grant_fingerprint(refresh_token: str) -> str:
    """Identifies an authorization without storing its token: a sha256 prefix (not reversible)."""
    return hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()[:24]
