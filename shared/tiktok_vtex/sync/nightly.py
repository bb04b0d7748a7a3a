"""The nightly fan-out shared by the stock and price syncs: one per-client prepare message per active client,
queued to the function's own fetch queue, so each client's full run is its own invocation (issue 19: one
invocation preparing every store in turn passed the 300 s Timeout at ~190 stores of 10,000 SKUs). A client's
failure is then retried by SQS and ends in the DLQ with its reason; one client never delays another.

The run itself only queues messages (one SendMessageBatch per 10 clients), but it still watches its remaining
time: short of it, it queues itself again with a cursor (the last client queued) instead of losing the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tiktok_vtex.dispatch import SQS_BATCH_LIMIT
from tiktok_vtex.observability import logger
from tiktok_vtex.sync.ports import Dispatcher

# Time kept in hand before each SendMessageBatch: the call with its retries (botocore's standard mode) and the
# continuation's own send, with margin; the whole scan of 500 clients takes a few seconds.
DEFAULT_RESERVE_MS = 20_000


def queue_all_clients(client_hashes: Iterable[str], queue: Dispatcher, *,
                      client_message: Callable[[str], dict[str, Any]],
                      continuation: Callable[[str], dict[str, Any]], after: str | None = None,
                      remaining_ms: Callable[[], int] | None = None,
                      reserve_ms: int = DEFAULT_RESERVE_MS, kind: str = "") -> dict[str, Any]:
    """`client_message(hash)` for every client after `after`, in hash order, 10 per SendMessageBatch. Before
    each batch but the first (so every run moves on), when `remaining_ms()` is under `reserve_ms`, queues
    `continuation(last hash queued)` and stops. A refused send raises DispatchError: the invocation fails
    and is retried (a repeat re-queues clients already queued: their prepare is diff-only, so only cost)."""
    pending = sorted({h for h in client_hashes if after is None or h > after})
    queued: list[str] = []
    calls = 0
    cursor: str | None = None
    for start in range(0, len(pending), SQS_BATCH_LIMIT):
        if queued and remaining_ms is not None and remaining_ms() < reserve_ms:
            cursor = queued[-1]
            calls += queue.send([continuation(cursor)])
            logger.warning(f"nightly {kind} fan-out continued in a new run",
                           extra={"cursor": cursor, "queued": len(queued), "left": len(pending) - len(queued)})
            break
        chunk = pending[start:start + SQS_BATCH_LIMIT]
        calls += queue.send([client_message(h) for h in chunk])
        queued.extend(chunk)
    return {"status": "continued" if cursor else "ok", "clients": queued, "calls": calls, "cursor": cursor}
