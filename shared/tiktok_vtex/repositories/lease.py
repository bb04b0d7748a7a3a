"""The one lease primitive: an exclusive, expiring claim on one DynamoDB item.

A lease is two attributes of the item it protects: who holds it (`owner`, a random token per attempt)
and until when (`until`, a number in the unit the caller's clock uses: ms or s). Taking it is one
conditional UpdateItem: the lease is free (no `until`, or `until` in the past: a crashed holder cannot
block forever), optionally the item's `version` still the one the caller read (nobody changed it since),
plus any condition of the caller's own (a status, an error marker). Finishing (`complete`) and giving
back (`release`) are conditional on still being the holder, so a holder whose lease expired and was
taken over never overwrites the new holder's work.

Used by the three locks of the connector: the orders creation claim (repositories/orders.py:
`claim_token` / `lease_until`, seconds), the auth-code processing claim (repositories/auth_codes.py:
`processing_owner` / `processing_until_ms`) and the single-flight token refresh lock
(repositories/tokens.py: `refresh_lock_owner` / `refresh_lock_until_ms`, checked against
`token_version`). Placeholders: the lease uses `#lease_*` / `:lease_*`, `update_expression` uses
`#u*` / `:u*`; a caller's own condition picks any other names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable


@dataclass(frozen=True)
class Condition:
    """A ConditionExpression with its placeholders."""

    expression: str
    names: dict[str, str]
    values: dict[str, Any]

    def and_(self, expression: str | None, names: Mapping[str, str] | None = None,
             values: Mapping[str, Any] | None = None) -> Condition:
        if not expression:
            return self
        return Condition(f"{self.expression} AND ({expression})", {**self.names, **dict(names or {})},
                         {**self.values, **dict(values or {})})


@dataclass(frozen=True)
class Lease:
    table: DynamoTable
    owner: str  # attribute holding the holder's token
    until: str  # attribute holding the end of the lease
    version: str | None = None  # attribute a caller's `expected_version` is checked against

    def free(self, now: int) -> Condition:
        """Nobody holds a live lease at `now`."""
        return Condition("(attribute_not_exists(#lease_until) OR #lease_until < :lease_now)",
                         {"#lease_until": self.until}, {":lease_now": now})

    def held_by(self, owner: str) -> Condition:
        """`owner` holds the lease (live or expired but not taken over)."""
        return Condition("#lease_owner = :lease_owner", {"#lease_owner": self.owner}, {":lease_owner": owner})

    def acquire(self, key: Mapping[str, Any], *, owner: str, now: int, duration: int,
                expected_version: int | None = None, must_exist: bool = False, condition: str | None = None,
                values: Mapping[str, Any] | None = None, names: Mapping[str, str] | None = None,
                set_: Mapping[str, Any] | None = None, set_if_absent: Mapping[str, Any] | None = None,
                increment: Mapping[str, int | Decimal] | None = None,
                return_values: str = "NONE") -> dict[str, Any] | None:
        """Takes the lease until `now + duration`; None if someone holds a live one or a condition fails.

        `must_exist`: the item must exist (its first key attribute). `expected_version`: the item's
        `version` attribute must equal it (0 also matches an item without one). `condition` (with its
        `values` / `names`) is ANDed. `set_` / `set_if_absent` / `increment` write more attributes in the
        same update (see `update_expression`). Returns the item as `return_values` asks ({} for NONE)."""
        built = self.free(now)
        if must_exist:
            built = Condition(f"attribute_exists(#lease_key) AND {built.expression}",
                              {**built.names, "#lease_key": next(iter(key))}, built.values)
        if expected_version is not None:
            if self.version is None:
                raise ValueError("this lease has no version attribute")
            built = built.and_("#lease_version = :lease_version OR attribute_not_exists(#lease_version)"
                               if expected_version == 0 else "#lease_version = :lease_version",
                               {"#lease_version": self.version}, {":lease_version": expected_version})
        built = built.and_(condition, names, values)
        try:
            return self.table.update_fields(
                key, {**dict(set_ or {}), self.owner: owner, self.until: now + duration},
                set_if_absent=set_if_absent, increment=increment, condition=built.expression,
                values=built.values, names=built.names, return_values=return_values)
        except ConditionFailed:
            return None

    def complete(self, key: Mapping[str, Any], *, owner: str, set_: Mapping[str, Any] | None = None,
                 remove: Iterable[str] = (), increment: Mapping[str, int | Decimal] | None = None,
                 condition: str | None = None, values: Mapping[str, Any] | None = None,
                 names: Mapping[str, str] | None = None, end: bool = True,
                 return_values: str = "ALL_NEW") -> dict[str, Any]:
        """Writes the holder's result, only while `owner` holds the lease (and `condition` holds):
        ConditionFailed otherwise. `end` removes the lease attributes in the same write."""
        built = self.held_by(owner).and_(condition, names, values)
        return self.table.update_fields(key, set_, remove=[*((self.owner, self.until) if end else ()), *remove],
                                        increment=increment, condition=built.expression, names=built.names,
                                        values=built.values, return_values=return_values)

    def release(self, key: Mapping[str, Any], *, owner: str, set_: Mapping[str, Any] | None = None,
                remove: Iterable[str] = ()) -> bool:
        """Gives the lease back (after a failure, recording `set_`). False if it was no longer ours (it
        expired and was taken over): nothing of ours to release, and nothing is written."""
        with contextlib.suppress(ConditionFailed):
            self.complete(key, owner=owner, set_=set_, remove=remove, return_values="NONE")
            return True
        return False
