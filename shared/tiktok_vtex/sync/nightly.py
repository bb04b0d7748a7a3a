"""The nightly fan-out shared by the stock and price syncs: one full run per active client, where one
client failing does not stop the others. The handler passes what to run and what to do with a client
that cannot be served."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tiktok_vtex.observability import logger
from tiktok_vtex.sync.outcomes import ClientUnavailable, SyncReport


def prepare_all_clients(client_hashes: Iterable[str], prepare: Callable[[str], SyncReport],
                        on_unavailable: Callable[[ClientUnavailable], object], *, kind: str) -> dict[str, Any]:
    """`prepare(client_hash)` for every client; an unusable client goes to `on_unavailable`, any other
    error is logged ("nightly <kind> fan-out failed for a client") and reported by its type."""
    done: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for client_hash in client_hashes:
        try:
            report = prepare(client_hash)
            done.append({"clientHash": client_hash, "skus": report.read, "messages": report.messages})
        except ClientUnavailable as error:
            on_unavailable(error)
            failed.append({"clientHash": client_hash, "reason": error.reason})
        except Exception as error:
            logger.exception(f"nightly {kind} fan-out failed for a client", extra={"client_hash": client_hash})
            failed.append({"clientHash": client_hash, "reason": type(error).__name__})
    return {"status": "ok" if not failed else "partial", "clients": done, "failed": failed}
