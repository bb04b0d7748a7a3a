"""Bounded concurrent reads (VTEX calls fanned out over a thread pool, every item answered or failed
alone) and the reading clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def concurrent_map(fn: Callable[[T], R], items: Sequence[T], *, max_workers: int) -> list[tuple[T, R | None,
                                                                                              Exception | None]]:
    """Runs `fn` over `items` with at most `max_workers` in flight; every item gets a result or its error."""

    def guarded(item: T) -> tuple[T, R | None, Exception | None]:
        try:
            return item, fn(item), None
        except Exception as error:  # each item fails alone; the caller classifies the error
            return item, None, error

    if max_workers <= 1 or len(items) <= 1:
        return [guarded(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items)), thread_name_prefix="vtex-read") as pool:
        return list(pool.map(guarded, items))


def now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)
