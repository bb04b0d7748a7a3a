"""PRODUTOS-compara-xml, the run: the new feed compared with the last accepted state (or the old feed),
and each change sent where it belongs.

One pass over the new feed: every raw item is fingerprinted and compared (FeedDiff) and spooled by group
(Grouper, memory flat), so the groups that need a product edit can be sent with all their items. Then:

* price-only / availability-only changes -> the price / stock flows (`triggerPrepareSkuPriceBatch` /
  `triggerPepareSkuStockBatch` for those SKUs: those flows read VTEX, which owns prices and stock); their
  new state is stored once the messages are queued;
* content changes, new variants of a listed product and variants gone from it -> one
  `triggerUpdateProductGroup` per product on the update queue (a partial edit with only the changed fields;
  tiktok_vtex.catalog_updates.edit), whose consumer stores the state once TikTok accepted;
* a new item whose group is not on TikTok -> the listing flow (`triggerListProductGroup`, the same message
  PRODUTOS-lista-produtos queues); once the listing wrote its SKU rows, the next run finds the item "added"
  with a SKU row and stores its state (so a listing the pre-flight blocked is tried again each run);
* products whose every item left the feed -> `triggerDeactivateProducts` in batches of 20;
* an item back in the feed after it left it -> `triggerRestoreItems`: its row unmarked, its product activated
  again if it had been deactivated, its stock handed to the stock flow;
* an item moved to another item_group_id -> reported (`product_update_refused`), its state not advanced.

Audit awareness: an edit queued for a product under review (its SKU rows' audit state from pushes 37 / 5:
AUDITING, PENDING) is listed in the report (`under_review`), and edits that touch audited fields are counted
(`audit_edits`: TikTok reviews the product again); the consumer checks the state again before the edit.

Nothing is stored for what was not taken: the next run compares it again.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from tiktok_vtex.catalog.creation import PRICE_BATCH, STOCK_BATCH
from tiktok_vtex.catalog.feed import FeedReader, item_fields
from tiktok_vtex.catalog.grouping import Grouper
from tiktok_vtex.catalog.messages import LIST_GROUP
from tiktok_vtex.catalog_updates.diff import ChangeKind, FeedDiff, ItemChange, Route
from tiktok_vtex.catalog_updates.edit import sends_to_audit, under_review
from tiktok_vtex.catalog_updates.fingerprint import Fingerprint
from tiktok_vtex.catalog_updates.messages import DEACTIVATE_BATCH, DEACTIVATE_PRODUCTS, RESTORE_ITEMS, UPDATE_GROUP
from tiktok_vtex.catalog_updates.raw_state import RawFeedState
from tiktok_vtex.dispatch import Dispatcher
from tiktok_vtex.repositories.feed_state import FeedStateRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository, SellerSku

SYNC_CHUNK = 100  # SKUs per stock / price trigger message (as the listing hands new SKUs over)


@dataclass
class UpdateQueues:
    updates: Dispatcher   # the update queue (edits, deactivations)
    listing: Dispatcher   # PRODUTOS-lista-produtos' queue (new products)
    stock: Dispatcher     # SQS_BUSCA_ESTOQUE
    price: Dispatcher     # SQS_BUSCA_PRECO


@dataclass
class UpdateReport:
    run_id: str
    counts: dict[str, int] = field(default_factory=dict)  # added / changed / removed / unchanged
    price_skus: int = 0
    stock_skus: int = 0
    product_edits: int = 0
    new_products: int = 0
    deactivations: int = 0
    restored: int = 0
    stored: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)
    # Audit awareness: edits of products under review (per pushes 5 / 37), and edits TikTok will audit again.
    under_review: list[dict[str, Any]] = field(default_factory=list)
    audit_edits: int = 0
    duplicates: int = 0
    invalid: int = 0

    def as_log(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "run_id"} | {"refused": self.refused[:50],
                                                                              "under_review": self.under_review[:50]}


@dataclass
class _GroupWork:
    changed: dict[str, list[str]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Pending:
    """What one run found, before it is sent."""

    work: dict[str, _GroupWork] = field(default_factory=lambda: defaultdict(_GroupWork))
    accepted_now: dict[str, dict[str, Any]] = field(default_factory=dict)
    price: list[str] = field(default_factory=list)
    stock: list[str] = field(default_factory=list)
    new_groups: set[str] = field(default_factory=set)
    restore: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # product -> items
    restore_fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_state(state: FeedStateRepository, client_hash: str) -> dict[str, Fingerprint]:
    shapes: dict[tuple[str, ...], tuple[str, ...]] = {}
    return {str(r["item_id"]): Fingerprint.from_record(r, shapes) for r in state.iter_records(client_hash)}


def _send_sync(queue: Dispatcher, kind: str, client_hash: str, skus: list[str]) -> None:
    messages = [{"type": kind, "clientHash": client_hash, "sku": skus[i:i + SYNC_CHUNK]}
                for i in range(0, len(skus), SYNC_CHUNK)]
    if messages:
        queue.send(messages)


def compare_feeds(client_hash: str, new_feed: IO[bytes], *, old_feed: IO[bytes] | None, warehouse_id: str,
                  state: FeedStateRepository, skus: ProductRepository, queues: UpdateQueues, log: LogRepository,
                  clock: Callable[[], float], run_id: str | None = None) -> UpdateReport:
    report = UpdateReport(run_id=run_id or uuid.uuid4().hex[:16])
    # The legacy payload's old feed is reduced to a hash of each item's bytes (raw_state.py: only the items
    # whose bytes differ are read and canonicalised), the stored state is read as it was stored.
    rows = {row.seller_sku: row for row in skus.iter_client_skus(client_hash)}
    previous = (RawFeedState.read_elements(e for _, e in FeedReader(old_feed).raw_elements())
                if old_feed is not None else load_state(state, client_hash))
    differ = FeedDiff(previous)
    found = _Pending()
    spool = contextlib.closing(previous) if isinstance(previous, RawFeedState) else contextlib.nullcontext()
    with Grouper() as grouper, spool:
        def spooled() -> Iterator[etree._Element]:
            for position, element in FeedReader(new_feed).raw_elements():
                # every item is grouped (the edits and listings take their groups' bodies); a duplicate id is
                # refused here and reported by the diff
                grouper.add_raw(position, item_fields(element))
                yield element

        for change in differ.compare_elements(spooled()):
            _route(change, rows, found, report)
        removed_products = _removed_products(found.work, rows)
        _send_sync(queues.price, PRICE_BATCH, client_hash, found.price)
        _send_sync(queues.stock, STOCK_BATCH, client_hash, found.stock)
        report.price_skus, report.stock_skus = len(found.price), len(found.stock)
        bodies = {key: body for key, body in grouper.messages() if key in found.work or key in found.new_groups}
    _queue_edits(client_hash, report, found.work, rows, bodies, queues, warehouse_id)
    for key in sorted(found.new_groups):
        queues.listing.send([{"type": LIST_GROUP, "clientHash": client_hash, "runId": report.run_id,
                              "warehouseId": warehouse_id, "group": bodies[key].decode()}])
        report.new_products += 1
    _queue_deactivations(client_hash, report, removed_products, queues)
    _queue_restores(client_hash, report, found, rows, queues)
    state.accept(client_hash, found.accepted_now, now=int(clock()))
    report.stored = len(found.accepted_now)
    report.counts = dict(differ.summary.counts)
    report.duplicates, report.invalid = len(differ.summary.duplicates), len(differ.summary.invalid)
    log.append(client_hash, "update_run", report.run_id, report.as_log())
    return report


def _route(change: ItemChange, rows: dict[str, SellerSku], found: _Pending, report: UpdateReport) -> None:
    item_id, group = change.item_id, change.group_id
    row = rows.get(item_id)
    if change.kind is ChangeKind.UNCHANGED:
        return
    if change.kind is ChangeKind.REMOVED:
        if row is not None and row.tik_tok_product_id and not row.removed_from_feed:
            found.work[group].removed.append(item_id)
        return
    assert change.stored is not None
    record = change.stored.as_record()
    if Route.REGROUP in change.routes:
        report.refused.append({"item_id": item_id, "reason": f"moved from item_group_id {change.previous_group_id} "
                                                             f"to {group}; TikTok cannot move a SKU between products"})
        return
    if row is not None and row.tik_tok_product_id and row.removed_from_feed:  # back in the feed
        found.restore[str(row.tik_tok_product_id)].append(item_id)
        found.restore_fingerprints[item_id] = record
        return
    if change.kind is ChangeKind.ADDED:
        _route_added(item_id, group, record, row, rows, found)
        return
    if row is None or not row.tik_tok_product_id:  # changed before its listing succeeded: list it
        found.new_groups.add(group)
        return
    if Route.PRICE in change.routes:
        found.price.append(item_id)
    if Route.STOCK in change.routes:
        found.stock.append(item_id)
    if Route.PRODUCT_EDIT in change.routes:
        found.work[group].changed[item_id] = sorted(change.changed_fields)
        found.work[group].fingerprints[item_id] = record
    else:
        found.accepted_now[item_id] = record


def _route_added(item_id: str, group: str, record: dict[str, Any], row: SellerSku | None,
                 rows: dict[str, SellerSku], found: _Pending) -> None:
    if row is not None and row.tik_tok_product_id:
        found.accepted_now[item_id] = record  # listed since the last run (or before the state existed)
    elif any(r.tik_tok_product_id for r in _group_rows(group, rows)):
        found.work[group].added.append(item_id)  # a new variant of a listed product
        found.work[group].fingerprints[item_id] = record
    else:
        found.new_groups.add(group)


def _queue_restores(client_hash: str, report: UpdateReport, found: _Pending, rows: dict[str, SellerSku],
                    queues: UpdateQueues) -> None:
    ids = sorted(found.restore)
    for start in range(0, len(ids), DEACTIVATE_BATCH):
        chunk = {pid: found.restore[pid] for pid in ids[start:start + DEACTIVATE_BATCH]}
        activate = sorted({pid for pid, items in chunk.items()
                           if any(rows[i].product_status == "DEACTIVATED" for i in items)})
        queues.updates.send([{"type": RESTORE_ITEMS, "clientHash": client_hash, "run_id": report.run_id,
                              "products": chunk, "activate": activate,
                              "fingerprints": {i: found.restore_fingerprints[i] for items in chunk.values()
                                               for i in items}}])
        report.restored += sum(len(items) for items in chunk.values())


def _group_rows(group: str, rows: dict[str, SellerSku]) -> list[SellerSku]:
    # SKU rows keep the feed group in `product_id` (catalog.creation); legacy rows without it never match.
    return [r for r in rows.values() if r.product_id == group]


def _removed_products(work: dict[str, _GroupWork], rows: dict[str, SellerSku]) -> dict[str, list[str]]:
    """Products whose every SKU left the feed (deactivated) are taken out of `work`; the others keep
    their removed variants (the edit consumer zeroes them)."""
    products: dict[str, list[str]] = {}
    for group, todo in list(work.items()):
        if not todo.removed:
            continue
        by_product: dict[str, list[str]] = defaultdict(list)
        for item_id in todo.removed:
            by_product[str(rows[item_id].tik_tok_product_id)].append(item_id)
        for product_id, gone in by_product.items():
            remaining = [r for r in rows.values() if r.tik_tok_product_id == product_id
                         and r.seller_sku not in gone and not r.removed_from_feed]
            if not remaining and not todo.changed and not todo.added:
                products[product_id] = gone
                todo.removed = [i for i in todo.removed if i not in gone]
        if not (todo.changed or todo.added or todo.removed):
            del work[group]
    return products


def _product_of(group: str, todo: _GroupWork, rows: dict[str, SellerSku]) -> str | None:
    for item_id in [*todo.changed, *todo.removed]:
        row = rows.get(item_id)
        if row is not None and row.tik_tok_product_id:
            return str(row.tik_tok_product_id)
    listed = [r for r in _group_rows(group, rows) if r.tik_tok_product_id]
    return str(listed[0].tik_tok_product_id) if listed else None


def _queue_edits(client_hash: str, report: UpdateReport, work: dict[str, _GroupWork], rows: dict[str, SellerSku],
                 bodies: dict[str, bytes], queues: UpdateQueues, warehouse_id: str) -> None:
    messages = []
    for group, todo in work.items():
        product_id = _product_of(group, todo, rows)
        body = bodies.get(group)
        if product_id is None or body is None:  # every item of the group left: nothing to edit with
            continue
        audited = sends_to_audit(todo.changed)
        report.audit_edits += audited
        review = under_review(r for r in rows.values() if r.tik_tok_product_id == product_id)
        if review is not None:
            report.under_review.append({"product_id": product_id, "state": review, "sends_to_audit": audited,
                                        "items": sorted([*todo.changed, *todo.added, *todo.removed])[:20]})
        messages.append({"type": UPDATE_GROUP, "clientHash": client_hash, "run_id": report.run_id,
                         "warehouse_id": warehouse_id, "product_id": product_id, "group": body.decode(),
                         "changed": todo.changed, "added": todo.added, "removed": todo.removed,
                         "fingerprints": todo.fingerprints})
    for start in range(0, len(messages), 10):
        queues.updates.send(messages[start:start + 10])
    report.product_edits = len(messages)


def _queue_deactivations(client_hash: str, report: UpdateReport, products: dict[str, list[str]],
                         queues: UpdateQueues) -> None:
    ids = sorted(products)
    for start in range(0, len(ids), DEACTIVATE_BATCH):
        chunk = {pid: products[pid] for pid in ids[start:start + DEACTIVATE_BATCH]}
        queues.updates.send([{"type": DEACTIVATE_PRODUCTS, "clientHash": client_hash, "run_id": report.run_id,
                              "products": chunk}])
        report.deactivations += len(chunk)
