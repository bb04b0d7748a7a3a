"""PRODUTOS-compara-xml, the consumer: one product's partial edit, or a batch of deactivations.

A `triggerUpdateProductGroup` carries the group's new raw items and what changed. The group is validated
and mapped exactly as the listing does it (preflight: category, attributes, package, images rules), then
only the TikTok fields behind the changed feed fields are sent in one partial edit (`FIELD_KEYS`): a title
change sends `title`, an image change `main_images` (uploaded through the image cache first), a colour or
size change the SKUs' `sales_attributes`, never prices or stock (their own flows). New variants are added
to the product's SKUs in the same edit (with stock 0: the SKU rows are written from TikTok's answer and
handed to the stock and price flows). Variants gone from the feed get stock 0 on TikTok and are marked
`removed_from_feed` on their row (kept: orders still map them).

Only once TikTok accepted is the feed state of these items stored; a pre-flight block or a refusal is
logged (`product_update_blocked` / `product_update_refused`) and the items are compared again next run.
Throttling and TikTok outages raise: the message is redelivered (the edit is idempotent: the same fields
again) and lands in the DLQ after five receives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tiktok_vtex.catalog.grouping import ProductGroup
from tiktok_vtex.catalog.listing import GroupContext
from tiktok_vtex.catalog.preflight import preflight
from tiktok_vtex.catalog_updates.messages import DeactivateProducts, RestoreItems, UpdateProductGroup
from tiktok_vtex.clients.tiktok.errors import TikTokValidationError
from tiktok_vtex.repositories.feed_state import FeedStateRepository
from tiktok_vtex.repositories.products import ProductRepository, SellerSku

# feed field -> the partial-edit fields it feeds (fields not listed, like link or mpn, change nothing on TikTok)
FIELD_KEYS: Mapping[str, frozenset[str]] = {
    "title": frozenset({"title"}),
    "description": frozenset({"description"}),
    "image_link": frozenset({"main_images"}),
    "additional_image_link": frozenset({"main_images"}),
    "brand": frozenset({"brand_id"}),
    "shipping_weight": frozenset({"package_weight"}),
    "product_length": frozenset({"package_dimensions"}),
    "product_width": frozenset({"package_dimensions"}),
    "product_height": frozenset({"package_dimensions"}),
    "color": frozenset({"skus"}),
    "size": frozenset({"skus"}),
    "gtin": frozenset({"skus"}),
    "material": frozenset({"product_attributes"}),
    "pattern": frozenset({"product_attributes"}),
    "gender": frozenset({"product_attributes"}),
    "age_group": frozenset({"product_attributes"}),
    "condition": frozenset({"product_attributes"}),
    # A new category is a new set of rules and attributes: category and attributes go together (and TikTok
    # sends the product back to audit).
    "google_product_category": frozenset({"category_id", "product_attributes"}),
    "product_type": frozenset({"category_id", "product_attributes"}),
}
AUDITED_KEYS = frozenset({"title", "description", "main_images", "category_id", "brand_id"})
# What pushes 37 (audit.status) and 5 (status) record on the SKU rows while TikTok reviews a product: an edit
# then lands on a product whose review is not over (TikTok reviews the edited version again).
UNDER_REVIEW_AUDIT = frozenset({"AUDITING"})
UNDER_REVIEW_STATUS = frozenset({"PENDING"})


def under_review(rows: Iterable[SellerSku]) -> str | None:
    """The recorded audit state that puts the product under review (e.g. "audit AUDITING"), else None."""
    for row in rows:
        if row.audit_status in UNDER_REVIEW_AUDIT:
            return f"audit {row.audit_status}"
        if row.product_status in UNDER_REVIEW_STATUS:
            return f"status {row.product_status}"
    return None


def sends_to_audit(changed: Mapping[str, Iterable[str]]) -> bool:
    """Whether the partial edit for these changed feed fields touches what TikTok audits again."""
    return bool(edit_keys(changed) & AUDITED_KEYS)


class EditApi(Protocol):
    def partial_edit_product(self, product_id: str, changes: Mapping[str, Any]) -> Any: ...

    def update_inventory(self, product_id: str, skus: Any) -> Any: ...

    def deactivate_products(self, product_ids: Iterable[str]) -> Any: ...

    def activate_products(self, product_ids: Iterable[str]) -> Any: ...


@dataclass
class EditOutcome:
    product_id: str
    status: str  # edited | unchanged | blocked | refused
    fields: list[str] = field(default_factory=list)
    added_skus: dict[str, str] = field(default_factory=dict)
    removed_skus: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    audit: bool = False               # the edit sent audited fields: TikTok reviews the product again
    under_review: str | None = None   # the product was under review when the edit was attempted


def edit_keys(changed: Mapping[str, Iterable[str]]) -> set[str]:
    keys: set[str] = set()
    for fields in changed.values():
        for name in fields:
            keys |= FIELD_KEYS.get(name, frozenset()) or (
                FIELD_KEYS["material"] if name.startswith("custom_label") else frozenset())
    return keys


def _sku_changes(payload: Mapping[str, Any], message: UpdateProductGroup, sku_ids: Mapping[str, str],
                 keys: set[str]) -> list[dict[str, Any]]:
    """SKU entries of the edit: changed variants by id (attributes only), new variants whole (stock 0)."""
    entries = []
    for sku in payload.get("skus") or []:
        seller_sku = str(sku["seller_sku"])
        if seller_sku in message.added:
            entries.append(dict(sku))
        elif "skus" in keys and seller_sku in message.changed and seller_sku in sku_ids:
            entries.append({"id": sku_ids[seller_sku], "seller_sku": seller_sku,
                            **{k: sku[k] for k in ("sales_attributes", "identifier_code") if k in sku}})
    return entries


def update_group(ctx: GroupContext, message: UpdateProductGroup, *, api: EditApi, skus: ProductRepository,
                 state: FeedStateRepository, clock: Callable[[], float]) -> EditOutcome:
    group = ProductGroup.from_message(message.group)
    outcome = EditOutcome(product_id=message.product_id, status="unchanged")
    rows = skus.find_by_tiktok_product(message.product_id, ctx.client_hash)
    outcome.under_review = under_review(rows)  # checked before the edit, reported with its outcome
    sku_ids = {r.seller_sku: str(r.tik_tok_sku_id) for r in rows if r.tik_tok_sku_id}
    keys = edit_keys(message.changed)
    if message.added:
        keys.add("skus")
    body: dict[str, Any] = {}
    if keys:
        report = preflight(group, ctx.resolver, ctx.catalog, ctx.mapping)
        if report.status != "ready" or report.draft is None:
            outcome.status, outcome.reasons = "blocked", report.reasons
            _log(ctx, message, outcome, problems=[p.model_dump(exclude_none=True) for p in report.problems][:50])
            return outcome
        draft = report.draft
        brand_id = None
        if "brand_id" in keys:
            brand_id, brand_problems, _ = ctx.brands.resolve(draft.brand_name)
            if brand_problems:
                outcome.status, outcome.reasons = "blocked", sorted({p.rule for p in brand_problems})
                _log(ctx, message, outcome)
                return outcome
        image_uris: list[str] = []
        if "main_images" in keys:
            image_uris, image_problems = ctx.images.upload_all(draft.image_urls)
            if image_problems or not image_uris:
                outcome.status, outcome.reasons = "blocked", sorted({p.rule for p in image_problems} or {"image_count"})
                _log(ctx, message, outcome)
                return outcome
        payload = draft.payload(image_uris=image_uris, brand_id=brand_id, warehouse_id=message.warehouse_id,
                                idempotency_key="-")
        body = {k: payload[k] for k in sorted(keys - {"skus"}) if k in payload}
        if "skus" in keys:
            entries = _sku_changes(payload, message, sku_ids, keys)
            if entries:
                body["skus"] = entries
    if body:
        try:
            answer = api.partial_edit_product(message.product_id, body)
        except TikTokValidationError as refused:  # TikTok said no to this product: report, retry next run
            outcome.status, outcome.reasons = "refused", [f"{refused.code}: {refused.message}"[:200]]
            _log(ctx, message, outcome)
            return outcome
        outcome.status, outcome.fields = "edited", sorted(body)
        outcome.audit = bool(AUDITED_KEYS & set(body))
        outcome.added_skus = _record_new_skus(ctx, message, answer, skus)
    if message.removed:
        outcome.removed_skus = _zero_removed(ctx, message, api, skus, sku_ids)
    accepted = {k: v for k, v in message.fingerprints.items() if k not in message.added or k in outcome.added_skus}
    state.accept(ctx.client_hash, accepted, now=int(clock()))
    state.forget(ctx.client_hash, outcome.removed_skus)
    _log(ctx, message, outcome)
    return outcome


def _record_new_skus(ctx: GroupContext, message: UpdateProductGroup, answer: Any, skus: ProductRepository
                     ) -> dict[str, str]:
    returned = {str(s.get("seller_sku")): str(s.get("id")) for s in (answer or {}).get("skus") or []}
    added = {seller_sku: returned[seller_sku] for seller_sku in message.added if seller_sku in returned}
    for seller_sku, sku_id in added.items():
        skus.update(ctx.client_hash, seller_sku, tik_tok_product_id=message.product_id, tik_tok_sku_id=sku_id,
                    vtex_sku_id=seller_sku, product_id=ProductGroup.from_message(message.group).key)
    if added:
        ctx.creator.hand_over(list(added))
    return added


def _zero_removed(ctx: GroupContext, message: UpdateProductGroup, api: EditApi, skus: ProductRepository,
                  sku_ids: Mapping[str, str]) -> list[str]:
    gone = [s for s in message.removed if s in sku_ids]
    if gone:
        api.update_inventory(message.product_id, [
            {"id": sku_ids[s], "inventory": [{"warehouse_id": message.warehouse_id, "quantity": 0}]} for s in gone])
    for seller_sku in gone:
        skus.update(ctx.client_hash, seller_sku, removed_from_feed=True)
    return gone


def deactivate(ctx: GroupContext, message: DeactivateProducts, *, api: EditApi, skus: ProductRepository,
               state: FeedStateRepository) -> dict[str, Any]:
    result = api.deactivate_products(list(message.products))
    failed = {str(e.id_of("product_id")): f"{e.code}: {e.message}"[:200] for e in result.errors}
    done = [pid for pid in message.products if pid not in failed]
    for product_id in done:
        for seller_sku in message.products[product_id]:
            skus.update(ctx.client_hash, seller_sku, removed_from_feed=True, product_status="DEACTIVATED")
        state.forget(ctx.client_hash, message.products[product_id])
    ctx.log.append(ctx.client_hash, "products_deactivated", message.run_id,
                   {"run_id": message.run_id, "deactivated": done, "failed": failed})
    return {"deactivated": len(done), "failed": failed}


def restore(ctx: GroupContext, message: RestoreItems, *, api: EditApi, skus: ProductRepository,
            state: FeedStateRepository, clock: Callable[[], float]) -> dict[str, Any]:
    """Items back in the feed: deactivated products activated again, rows unmarked, stock handed over."""
    failed: dict[str, str] = {}
    if message.activate:
        result = api.activate_products(list(message.activate))
        failed = {str(e.id_of("product_id")): f"{e.code}: {e.message}"[:200] for e in result.errors}
    done = [pid for pid in message.products if pid not in failed]
    items = [item for pid in done for item in message.products[pid]]
    for product_id in done:
        reactivated = {"product_status": None} if product_id in message.activate else {}
        for seller_sku in message.products[product_id]:
            skus.update(ctx.client_hash, seller_sku, removed_from_feed=None, **reactivated)
    if items:
        ctx.creator.hand_over(items)  # their stock (0 while they were gone) comes back from VTEX
    state.accept(ctx.client_hash, {i: message.fingerprints[i] for i in items if i in message.fingerprints},
                 now=int(clock()))
    ctx.log.append(ctx.client_hash, "products_restored", message.run_id,
                   {"run_id": message.run_id, "restored": done, "activated": [p for p in done if p in message.activate],
                    "failed": failed})
    return {"restored": len(items), "failed": failed}


def _log(ctx: GroupContext, message: UpdateProductGroup, outcome: EditOutcome, **extra: Any) -> None:
    kind = {"edited": "product_updated", "unchanged": "product_update_unchanged",
            "blocked": "product_update_blocked", "refused": "product_update_refused"}[outcome.status]
    ctx.log.append(ctx.client_hash, kind, message.product_id, {
        "run_id": message.run_id, "fields": outcome.fields, "changed": message.changed,
        "added_skus": outcome.added_skus, "removed_skus": outcome.removed_skus, "reasons": outcome.reasons,
        "back_to_audit": outcome.audit, "under_review": outcome.under_review, **extra})
