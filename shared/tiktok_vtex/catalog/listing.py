"""The listing flow of PRODUTOS-lista-produtos, in two steps joined by a queue (one message per group):

* `split_feed` (the invoke `triggerPrepareProductList`): the feed is read once, split by item_group_id
  (raw items, duplicate ids refused), and every group becomes one message on the listing queue; the run
  and its feed-level figures are logged (TikTokLogProduct `listing_run`). A feed that cannot be read at
  all (unreachable, not XML, no items) is logged as `listing_run_failed` with its reason.
* `list_group` (each queued message): the group's items are validated, pre-flighted (category, rules,
  attributes, package, title, description), its brand looked up, its images uploaded, and the product
  created once (creation.py). The outcome per product is logged (`product_created`, `product_exists`,
  `product_resumed`, `product_blocked` with every reason), so a run is summarised from the log.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import BaseModel, ConfigDict

from tiktok_vtex.dispatch import Dispatcher
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository

from .brands import BrandLookup
from .categories import CategoryCatalog, CategoryResolver
from .creation import CreateOutcome, ProductCreator
from .feed import FeedError, FeedReader
from .grouping import Grouper, ProductGroup
from .images import ImageUploader
from .mapping import MappingContext, Problem
from .preflight import PreflightReport, preflight

LIST_GROUP = "triggerListProductGroup"
MESSAGE_LIMIT = 250_000  # SQS takes 256 KiB; the envelope needs the rest
SEND_CHUNK = 100


class SplitReport(BaseModel):
    run_id: str
    items: int = 0
    item_errors: int = 0
    error_reasons: dict[str, int] = {}
    groups: int = 0
    messages: int = 0
    oversized_groups: list[str] = []
    format: str | None = None
    complete: bool = True


def split_feed(client_hash: str, stream: IO[bytes], queue: Dispatcher, log: LogRepository, *, warehouse_id: str,
               run_id: str | None = None, time_left_ms: Callable[[], int] | None = None,
               reserve_ms: int = 10_000, trial_client_hash: str | None = None) -> SplitReport:
    """Raises FeedError (after logging it) when the feed as a whole cannot be read."""
    report = SplitReport(run_id=run_id or uuid.uuid4().hex)
    reasons: Counter[str] = Counter()
    reader = FeedReader(stream)
    try:
        with Grouper() as grouper:
            for position, raw in reader.raw_items():
                report.items += 1
                error = grouper.add_raw(position, raw)
                if error is not None:
                    report.item_errors += 1
                    reasons["id: duplicate"] += 1
                    log.append(client_hash, "product_blocked", error.item_id or f"#{position}",
                               {"run_id": report.run_id, "reasons": ["item_invalid"], "problems": [
                                   {"rule": "item_invalid", "message": error.reason}]})
            report.groups = len(grouper)
            report.format = reader.stats.format
            batch: list[dict[str, Any]] = []
            for key, body in grouper.messages():
                if len(body) > MESSAGE_LIMIT:
                    report.oversized_groups.append(key)
                    log.append(client_hash, "product_blocked", key, {"run_id": report.run_id, "reasons": [
                        "group_too_large"], "problems": [{"rule": "group_too_large",
                                                          "message": f"the group's items take {len(body)} bytes"}]})
                    continue
                message = {"type": LIST_GROUP, "clientHash": client_hash, "runId": report.run_id,
                           "warehouseId": warehouse_id, "group": body.decode()}
                if trial_client_hash:
                    message["trialClientHash"] = trial_client_hash
                batch.append(message)
                if len(batch) == SEND_CHUNK:
                    if time_left_ms is not None and time_left_ms() < reserve_ms:
                        report.complete = False  # a rerun sends every group again; listed ones are skipped
                        break
                    queue.send(batch)
                    report.messages += len(batch)
                    batch = []
            if batch and report.complete:
                queue.send(batch)
                report.messages += len(batch)
    except FeedError as error:
        log.append(client_hash, "listing_run_failed", report.run_id, {"reason": str(error)[:500],
                                                                        "items_read": report.items})
        error.logged = True  # type: ignore[attr-defined]
        raise
    report.error_reasons = dict(reasons)
    log.append(client_hash, "listing_trial_run" if trial_client_hash else "listing_run", report.run_id,
               {**report.model_dump(exclude={"run_id"}), "trial_client_hash": trial_client_hash})
    return report


class GroupContext(BaseModel):
    """What list_group needs for one client (built once per client and invocation)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client_hash: str
    resolver: CategoryResolver
    catalog: CategoryCatalog
    mapping: MappingContext
    brands: BrandLookup
    images: ImageUploader
    creator: ProductCreator
    log: LogRepository
    trial: bool = False  # dispatchSendProductSandbox: logged as trial_product_*


def _log_outcome(ctx: GroupContext, run_id: str | None, report: PreflightReport, outcome: CreateOutcome) -> None:
    problems = list(outcome.problems)
    details: dict[str, Any] = {
        "run_id": run_id, "group_key": report.group_key, "seller_skus": list(report.seller_skus),
        "category_id": report.category.category_id if report.category else None,
        "category_source": report.category.source if report.category else None,
        "warnings": [w.model_dump(exclude_none=True) for w in (*report.warnings, *outcome.warnings)][:50],
    }
    if outcome.status == "blocked":
        details["reasons"] = sorted({p.rule for p in problems})
        details["problems"] = [p.model_dump(exclude_none=True) for p in problems][:50]
    else:
        details["tik_tok_product_id"] = outcome.tik_tok_product_id
        details["skus"] = outcome.skus
    kind = f"trial_product_{outcome.status}" if ctx.trial else f"product_{outcome.status}"
    ctx.log.append(ctx.client_hash, kind, report.group_key, details)


def list_group(ctx: GroupContext, group: ProductGroup, run_id: str | None = None) -> CreateOutcome:
    report = preflight(group, ctx.resolver, ctx.catalog, ctx.mapping)
    brand_id: str | None = None
    warnings: list[Problem] = []
    if report.draft is not None:
        brand_id, brand_problems, warnings = ctx.brands.resolve(report.draft.brand_name)
        report = report.with_problems(*brand_problems)
    image_uris: list[str] = []
    if report.status == "ready" and report.draft is not None:
        image_uris, image_problems = ctx.images.upload_all(report.draft.image_urls)
        report = report.with_problems(*image_problems)
        if not image_uris and not image_problems:  # pragma: no cover - the draft has >= 1 image here
            report = report.with_problems(Problem(rule="image_count", message="no usable image"))
    if report.status != "ready":
        outcome = CreateOutcome(group_key=group.key, status="blocked", problems=report.problems)
    else:
        outcome = ctx.creator.create(report, image_uris=image_uris, brand_id=brand_id, warnings=warnings)
    _log_outcome(ctx, run_id, report.model_copy(update={"warnings": report.warnings + tuple(warnings)}), outcome)
    return outcome


def summarise(log: LogRepository, client_hash: str, run_id: str,
              products: ProductRepository | None = None) -> dict[str, Any]:
    """created / exists / resumed / blocked (with reasons) of one run, from TikTokLogProduct; with
    `products`, the listing state TikTok pushed since (5 status, 37 audit: applied to the SKU rows by the
    webhook processor) for every listed product, so an audit failure shows next to the run."""
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    listed: dict[str, str] = {}
    for entry in log.entries(client_hash):
        kind = str(entry.get("kind", "")).removeprefix("trial_")
        if entry.get("run_id") != run_id or not kind.startswith("product_"):
            continue
        counts[kind.removeprefix("product_")] += 1
        for reason in entry.get("reasons") or []:
            reasons[reason] += 1
        if entry.get("skus"):
            listed[str(entry["subject"])] = next(iter(entry["skus"]))
    summary: dict[str, Any] = {"run_id": run_id, **dict(counts), "blocked_reasons": dict(reasons)}
    if products is not None and listed:
        rows = products.get_many(client_hash, list(listed.values()))
        states = {}
        for group, sku in listed.items():
            row = rows.get(sku)
            extra = row.model_extra or {} if row else {}
            states[group] = {"product_status": row.product_status if row else None,
                             "audit_status": row.audit_status if row else None,
                             "audit_reasons": extra.get("audit_pre_approved_reasons") or extra.get("suspended_reason")}
        summary["listing_states"] = states
    return summary


def now_utc(clock: Callable[[], float] = time.time) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)
