"""Decrypted token values of this process, so a warm Lambda does not call KMS for every message."""

from __future__ import annotations

import threading
from collections import OrderedDict


class PlaintextCache:
    """Decrypted values by (client, ciphertext), per process: a warm Lambda that opens a client per message
    does not call KMS each time. A ciphertext never changes meaning, so entries need no invalidation; the
    size bound keeps memory flat."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, client_hash: str, ciphertext: str) -> str | None:
        with self._lock:
            value = self._items.get((client_hash, ciphertext))
            if value is not None:
                self._items.move_to_end((client_hash, ciphertext))
            return value

    def put(self, client_hash: str, ciphertext: str, plaintext: str) -> None:
        with self._lock:
            self._items[(client_hash, ciphertext)] = plaintext
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


plaintexts = PlaintextCache()
