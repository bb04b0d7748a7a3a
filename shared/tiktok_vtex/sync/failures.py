"""Failures of one SKU: how a VTEX read error or a TikTok answer becomes an ItemFailure (permanent or
retryable), and how failures are stored on their SKU and logged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tiktok_vtex.clients.tiktok.errors import (
    TikTokApiError,
    TikTokAuthError,
    TikTokInternalError,
    TikTokRateLimited,
    TikTokTimeout,
    TikTokTransportError,
)
from tiktok_vtex.clients.tiktok.models import ItemError
from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexAuthError, VtexNotFound
from tiktok_vtex.repositories.products import SellerSku, SyncKind
from tiktok_vtex.sync.outcomes import ItemFailure, SyncReport
from tiktok_vtex.sync.ports import ChangeLog, SyncStateStore

# TikTok per-item error codes worth one immediate retry (internal error, throttled, timeout).
RETRYABLE_TIKTOK_CODES = frozenset({36009002, 36009003, 36009007})

NOT_LINKED = "SKU not in ssxml_tik_tok_products_seller_sku with a TikTok product"


def linked_row(rows: Mapping[str, SellerSku], seller_sku: str, tiktok_sku_id: str | None,
               report: SyncReport) -> SellerSku | None:
    """The stored row of a SKU to update on TikTok; None (and a failure in `report`) when the SKU is not
    linked to a TikTok product or its TikTok SKU id is unknown."""
    row = rows.get(seller_sku)
    if row is None or not row.tik_tok_product_id:
        report.failures.append(ItemFailure(seller_sku, "SKU_NOT_LINKED", NOT_LINKED))
        return None
    if not (row.tik_tok_sku_id or tiktok_sku_id):
        report.failures.append(ItemFailure(seller_sku, "NO_TIKTOK_SKU_ID", "the TikTok SKU id is unknown"))
        return None
    return row


def record_failures(state: SyncStateStore, log: ChangeLog, client_hash: str, failures: Sequence[ItemFailure], *,
                    kind: SyncKind, log_kind: str, stage: str, at: int) -> None:
    """Each failure stored on its SKU (unless the SKU is not linked) and logged as `log_kind`."""
    for failure in failures:
        if failure.code != "SKU_NOT_LINKED":
            state.record_sync_error(client_hash, failure.seller_sku, kind, code=failure.code,
                                    message=failure.message, at=at)
        log.append(client_hash, log_kind, failure.seller_sku, {**failure.as_dict(), "stage": stage})


def vtex_failure(seller_sku: str, error: Exception) -> ItemFailure:
    """A VTEX read failure of one SKU: 404 / bad request are permanent, throttling and 5xx transient."""
    if isinstance(error, VtexNotFound):
        return ItemFailure(seller_sku, "VTEX_NOT_FOUND", "SKU not found in VTEX (404)")
    if isinstance(error, VtexAuthError):
        return ItemFailure(seller_sku, "VTEX_AUTH", f"VTEX refused the credentials ({error.status})")
    if isinstance(error, VtexApiError):
        return ItemFailure(seller_sku, f"VTEX_{error.status or 'TRANSPORT'}", str(error)[:300],
                           retryable=error.retryable)
    return ItemFailure(seller_sku, "VTEX_ERROR", f"{type(error).__name__}", retryable=True)


def errors_by_sku(result: Any, sku_ids: Iterable[str]) -> dict[str, Any]:
    """Per-item errors of a TikTok batch result keyed by TikTok SKU id; an error naming no SKU (or a
    failed envelope without items) applies to every SKU of the call."""
    keys = list(sku_ids)
    by_sku: dict[str, Any] = {}
    for item_error in result.errors:
        key = item_error.id_of("sku_id")
        if key is None:
            by_sku.update(dict.fromkeys(keys, item_error))
        else:
            by_sku[key] = item_error
    if result.code and not result.errors:
        by_sku = dict.fromkeys(keys, ItemError(code=result.code, message=result.message))
    return by_sku


def tiktok_call_retryable(error: TikTokApiError) -> bool:
    return isinstance(error, TikTokRateLimited | TikTokInternalError | TikTokTimeout | TikTokTransportError)


def tiktok_failure_code(error: TikTokApiError) -> str:
    if isinstance(error, TikTokAuthError):
        return f"TIKTOK_AUTH_{error.code}"
    return f"TIKTOK_{error.code}"


def item_failure(row: SellerSku, error: ItemError) -> ItemFailure:
    """A TikTok per-item error of one SKU (its extra_errors detail kept, bounded)."""
    detail = error.detail.get("extra_errors") if isinstance(error.detail, dict) else None
    message = error.message or "rejected"
    if detail:
        message += f" {detail}"[:200]
    return ItemFailure(row.seller_sku, f"TIKTOK_{error.code}", message[:300],
                       retryable=error.code in RETRYABLE_TIKTOK_CODES)


def call_failure(seller_sku: str, error: TikTokApiError) -> ItemFailure:
    """A TikTok call that failed as a whole, for one of its SKUs."""
    return ItemFailure(seller_sku, tiktok_failure_code(error), error.message[:300] or str(error)[:300],
                       tiktok_call_retryable(error))
