"""The orders hook / feed filter of the VTEX sandbox (vtex-api.md 5.10): which order changes VTEX delivers.

- `{"type": "FromWorkflow", "status": [...]}`: a change is delivered when the order's new status is listed.
- `{"type": "FromOrders", "expression": "<JSONata>", "disableSingleFire": false}`: the expression is
  evaluated against the order (its OMS document, after the change); a truthy result delivers it. With
  `disableSingleFire` false (VTEX's default) an order is delivered only the first time it matches; true
  delivers every matching change. JSONata is evaluated by `jsonata-python` (the reference implementation's
  port), so the expressions VTEX documents (`status = "ready-for-handling" and salesChannel = "2"`,
  `value > 100`, `$count(items) > 1`, `status in [...]`, `$exists(...)`) behave as in VTEX.
- No filter: every change. Mixing `status` and `expression` is VTEX's 409; a wrong shape, or an expression
  that does not parse, is VTEX's 400 `{"error": {"code", "message", "exception"}}`: refused when saved,
  never silently delivering everything. An expression that fails on one order (e.g. a function given the
  wrong type) selects nothing for it, and the failure is kept for `GET /sandbox/state/hook`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonata

from .state import SandboxError, bad

MAX_EXPRESSION = 4000  # a hook filter is a short predicate; a page of JSONata is a mistake


@dataclass
class HookFilter:
    kind: str | None  # None: no filter
    statuses: frozenset[str] = frozenset()
    expression: Any = None  # the compiled JSONata
    single_fire: bool = True
    fired: set[str] = field(default_factory=set)  # orders already delivered under single fire
    errors: list[dict[str, str]] = field(default_factory=list)  # the last evaluation failures (capped)

    def wants(self, state: str, order: Mapping[str, Any] | None) -> bool:
        if self.kind is None:
            return True
        if self.kind == "FromWorkflow":
            return state in self.statuses
        if order is None:
            return False
        order_id = str(order.get("orderId") or "")
        if self.single_fire and order_id in self.fired:
            return False
        try:
            matched = bool(self.expression.evaluate(dict(order)))
        except (jsonata.JException, TypeError, ValueError, RecursionError) as error:
            self.errors = [*self.errors[-19:], {"orderId": order_id, "state": state, "error": str(error)[:300]}]
            return False
        if matched and self.single_fire:
            self.fired.add(order_id)
        return matched


def compile_filter(raw: Any) -> HookFilter:
    """The saved filter, validated as VTEX does (SandboxError with VTEX's envelope otherwise)."""
    if raw is None:
        return HookFilter(None)
    if not isinstance(raw, dict) or raw.get("type") not in ("FromWorkflow", "FromOrders"):
        raise bad("1", "filter.type must be FromWorkflow or FromOrders")
    if raw.get("status") is not None and raw.get("expression") is not None:
        raise SandboxError(409, "1", "filter cannot mix FromWorkflow status and FromOrders expression")
    if raw["type"] == "FromWorkflow":
        statuses = raw.get("status")
        if not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses):
            raise bad("1", "filter.status is required for FromWorkflow (a list of statuses)")
        return HookFilter("FromWorkflow", statuses=frozenset(statuses))
    expression = raw.get("expression")
    if not isinstance(expression, str) or not expression.strip():
        raise bad("1", "filter.expression is required for FromOrders")
    if len(expression) > MAX_EXPRESSION:
        raise bad("1", f"filter.expression is longer than {MAX_EXPRESSION} characters")
    single = raw.get("disableSingleFire", False)
    if not isinstance(single, bool):
        raise bad("1", "filter.disableSingleFire must be a boolean")
    try:
        compiled = jsonata.Jsonata(expression)
    except (jsonata.JException, RecursionError) as error:
        raise bad("1", f"filter.expression is not a valid JSONata expression: {str(error)[:200]}") from None
    return HookFilter("FromOrders", expression=compiled, single_fire=not single)
