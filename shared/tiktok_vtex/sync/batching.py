"""Per-product grouping: one TikTok inventory / price call per product, fetch batches that never split a
product, and the fan-out step that queues them."""

from __future__ import annotations

from collections.abc import Iterable

from tiktok_vtex.repositories.products import SellerSku
from tiktok_vtex.sync.outcomes import SyncReport
from tiktok_vtex.sync.ports import Dispatcher, SyncStateStore


def group_by_product(rows: Iterable[SellerSku]) -> dict[str, list[SellerSku]]:
    """SKUs per TikTok product (one TikTok inventory / price call each); order of first appearance."""
    groups: dict[str, list[SellerSku]] = {}
    for row in rows:
        groups.setdefault(row.tik_tok_product_id or f"?{row.seller_sku}", []).append(row)
    return groups


def product_batches(rows: Iterable[SellerSku], max_skus: int) -> list[list[str]]:
    """Seller SKUs in batches of at most `max_skus`, never splitting a product (unless the product
    alone is larger), so a fetch message yields whole-product TikTok updates."""
    batches: list[list[str]] = []
    current: list[str] = []
    for skus in group_by_product(rows).values():
        names = [s.seller_sku for s in skus]
        if current and len(current) + len(names) > max_skus:
            batches.append(current)
            current = []
        while len(names) > max_skus:
            batches.append(names[:max_skus])
            names = names[max_skus:]
        current.extend(names)
    if current:
        batches.append(current)
    return batches


def prepare_batches(state: SyncStateStore, client_hash: str, fetch_queue: Dispatcher, *, message_type: str,
                    batch_size: int, force: bool = False, reconcile: bool = False) -> SyncReport:
    """The fan-out step: every linked SKU of the client (Query, paginated) in batches of whole products, one
    `message_type` message each, to the fetch queue. `reconcile` marks the nightly run's batches: their fetch
    reports how many SKUs it found out of date (issue 16: near 0 while VTEX notifications flow)."""
    rows = [r for r in state.iter_client_skus(client_hash) if r.tik_tok_product_id]
    extra = {"reconcile": True} if reconcile else {}
    messages = [{"type": message_type, "clientHash": client_hash, "sku": batch, "force": force, **extra}
                for batch in product_batches(rows, batch_size)]
    report = SyncReport(client_hash, read=len(rows), messages=len(messages))
    if messages:
        report.dispatch_calls = fetch_queue.send(messages)
    return report
