"""Pre-flight: every check TikTok would make on a product, made before any create call, as a report.

For one product group: its category (mapped or recommended; leaf, AVAILABLE), the category's rules and
attributes (cached), the draft (mapping.py: attributes, sales attributes, package, title, description,
images count), the brand (brands.py decides whether it is usable) and the image checks (images.py). The
report lists every problem at once, so a seller fixes a product in one pass; a blocked product is
never sent, the rest of the feed goes on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .categories import CategoryBlocked, CategoryCatalog, CategoryChoice, CategoryResolver
from .grouping import ProductGroup
from .mapping import MappingContext, Problem, ProductDraft, map_group
from .models import FeedItemError


class PreflightReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    group_key: str
    status: Literal["ready", "blocked"]
    seller_skus: tuple[str, ...] = ()
    category: CategoryChoice | None = None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    item_errors: tuple[FeedItemError, ...] = ()
    draft: ProductDraft | None = None

    @property
    def reasons(self) -> list[str]:
        return sorted({p.rule for p in self.problems})

    def with_problems(self, *problems: Problem) -> PreflightReport:
        if not problems:
            return self
        return self.model_copy(update={"problems": self.problems + problems, "status": "blocked"})


def _left_out(errors: tuple[FeedItemError, ...]) -> tuple[Problem, ...]:
    return tuple(Problem(rule="item_invalid", message=f"item left out: {e.reason}", seller_sku=e.item_id)
                 for e in errors)


def preflight(group: ProductGroup, resolver: CategoryResolver, catalog: CategoryCatalog,
              context: MappingContext) -> PreflightReport:
    """The report of one group (brand and images are checked by their own steps and added with
    `PreflightReport.with_problems`)."""
    skus = tuple(i.id for i in group.items)
    if not group.items:
        return PreflightReport(group_key=group.key, status="blocked", item_errors=group.errors,
                               problems=(Problem(rule="no_valid_item", message="no item of the group can be used"),))
    choice = resolver.resolve(group)
    if isinstance(choice, CategoryBlocked):
        return PreflightReport(group_key=group.key, status="blocked", seller_skus=skus, item_errors=group.errors,
                               problems=(Problem(rule=choice.rule, message=choice.message, field="category"),),
                               warnings=_left_out(group.errors))
    draft = map_group(group, catalog.info(choice.category_id), context)
    return PreflightReport(
        group_key=group.key, status="blocked" if draft.blocked else "ready", seller_skus=skus, category=choice,
        problems=draft.problems, warnings=draft.warnings + _left_out(group.errors), item_errors=group.errors,
        draft=draft)
