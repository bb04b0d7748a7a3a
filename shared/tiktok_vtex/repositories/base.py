"""Shared DynamoDB mechanics: update expressions, pagination, conditional writes, batch reads, numbers.

Every repository builds on these (the lease primitive is in repositories/lease.py):

- `update_expression(set_=..., remove=..., increment=..., set_if_absent=...)` builds the `SET ... REMOVE ...`
  UpdateExpression with its ExpressionAttributeNames / Values from dicts (every attribute name goes
  through a `#uN` placeholder, so reserved words like `status` need no care); `DynamoTable.update_fields`
  runs it with an optional condition whose own placeholders (`:x`, `#y`) are merged in. The builder only
  uses `#u*` / `:u*` placeholders: pick any other names in conditions.
- `DynamoTable.query(...)` pages through boto3's Query paginator (the resource's own client, so Key()
  conditions and Python values work as with Table.query); `query_page` returns one page and its cursor.
- `DynamoTable.batch_get(keys)` deduplicates keys, sends chunks of 100 and retries UnprocessedKeys
  with exponential backoff and full jitter (clock and sleep injectable).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import ConditionBase
from botocore.exceptions import ClientError

from tiktok_vtex import aws


class ConditionFailed(Exception):
    """A conditional write lost: the item was not in the expected state."""


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in {
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    }


def to_dynamo(value: Any) -> Any:
    """Python values to what the DynamoDB resource API accepts (floats become Decimals)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    """DynamoDB Decimals back to int when integral, else float-free Decimal kept as is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, Mapping):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {from_dynamo(v) for v in value}
    return value


@dataclass(frozen=True)
class UpdateExpression:
    """An UpdateExpression with its placeholders, ready for UpdateItem."""

    expression: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def update_expression(set_: Mapping[str, Any] | None = None, *, remove: Iterable[str] = (),
                      increment: Mapping[str, int | Decimal] | None = None,
                      set_if_absent: Mapping[str, Any] | None = None, skip_none: bool = True) -> UpdateExpression:
    """`SET a = :v, n = if_not_exists(n, 0) + :inc, b = if_not_exists(b, :d) REMOVE c` from dicts.

    `set_`: attributes to write (None values are skipped with `skip_none`, not written as NULL);
    `increment`: numeric attributes to add to (a missing one counts from 0); `set_if_absent`: written only
    if the item does not have them yet; `remove`: attributes to delete. Raises ValueError if nothing is
    to be done or one attribute appears twice (DynamoDB refuses overlapping paths).
    """
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets: list[str] = []
    seen: set[str] = set()

    def name(attribute: str) -> str:
        if attribute in seen:
            raise ValueError(f"attribute {attribute!r} appears twice in one update")
        seen.add(attribute)
        placeholder = f"#u{len(names)}"
        names[placeholder] = attribute
        return placeholder

    def value(v: Any) -> str:
        placeholder = f":u{len(values)}"
        values[placeholder] = v
        return placeholder

    for attribute, v in (set_ or {}).items():
        if v is None and skip_none:
            continue
        sets.append(f"{name(attribute)} = {value(v)}")
    for attribute, amount in (increment or {}).items():
        n = name(attribute)
        sets.append(f"{n} = if_not_exists({n}, {value(0)}) + {value(amount)}")
    for attribute, v in (set_if_absent or {}).items():
        n = name(attribute)
        sets.append(f"{n} = if_not_exists({n}, {value(v)})")
    removes = [name(attribute) for attribute in remove]
    clauses = []
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    if not clauses:
        raise ValueError("empty update")
    return UpdateExpression(" ".join(clauses), names, values)


def set_or_remove(attributes: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(`set_`, `remove`) for `update_fields` from a repository's `**attributes`: a None value REMOVES the
    attribute (it no longer applies, e.g. a cleared `invoice_reason`) rather than being written as NULL or
    failing the UpdateItem."""
    return ({k: v for k, v in attributes.items() if v is not None},
            [k for k, v in attributes.items() if v is None])


class DynamoTable:
    """A thin wrapper over a boto3 Table with the operations every repository needs."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self.name = table_name
        self._resource = resource or aws.dynamodb_resource()
        self._table = self._resource.Table(table_name)

    @property
    def table(self) -> Any:
        return self._table

    def get(self, key: Mapping[str, Any], *, consistent: bool = False) -> dict[str, Any] | None:
        response = self._table.get_item(Key=dict(key), ConsistentRead=consistent)
        item = response.get("Item")
        return from_dynamo(item) if item is not None else None

    def put(self, item: Mapping[str, Any], *, condition: ConditionBase | str | None = None,
            values: Mapping[str, Any] | None = None, names: Mapping[str, str] | None = None) -> None:
        kwargs: dict[str, Any] = {"Item": to_dynamo(item)}
        if condition is not None:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = to_dynamo(values)
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        try:
            self._table.put_item(**kwargs)
        except ClientError as error:
            if is_condition_failure(error):
                raise ConditionFailed(f"conditional put on {self.name} failed") from None
            raise

    def update(self, key: Mapping[str, Any], expression: str, *, values: Mapping[str, Any] | None = None,
               names: Mapping[str, str] | None = None, condition: str | ConditionBase | None = None,
               return_values: str = "ALL_NEW") -> dict[str, Any]:
        kwargs: dict[str, Any] = {"Key": dict(key), "UpdateExpression": expression,
                                  "ReturnValues": return_values}
        if values:
            kwargs["ExpressionAttributeValues"] = to_dynamo(values)
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if condition is not None:
            kwargs["ConditionExpression"] = condition
        try:
            response = self._table.update_item(**kwargs)
        except ClientError as error:
            if is_condition_failure(error):
                raise ConditionFailed(f"conditional update on {self.name} failed") from None
            raise
        return from_dynamo(response.get("Attributes", {}))

    def update_fields(self, key: Mapping[str, Any], set_: Mapping[str, Any] | None = None, *,
                      remove: Iterable[str] = (), increment: Mapping[str, int | Decimal] | None = None,
                      set_if_absent: Mapping[str, Any] | None = None, condition: str | ConditionBase | None = None,
                      values: Mapping[str, Any] | None = None, names: Mapping[str, str] | None = None,
                      return_values: str = "ALL_NEW") -> dict[str, Any]:
        """UpdateItem from dicts (see `update_expression`); `condition` with its own `values` / `names`.
        Raises ConditionFailed when the condition does not hold."""
        built = update_expression(set_, remove=remove, increment=increment, set_if_absent=set_if_absent)
        return self.update(key, built.expression, values={**built.values, **dict(values or {})},
                           names={**built.names, **dict(names or {})}, condition=condition,
                           return_values=return_values)

    def delete(self, key: Mapping[str, Any], *, condition: str | ConditionBase | None = None,
               values: Mapping[str, Any] | None = None) -> None:
        kwargs: dict[str, Any] = {"Key": dict(key)}
        if condition is not None:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = to_dynamo(values)
        try:
            self._table.delete_item(**kwargs)
        except ClientError as error:
            if is_condition_failure(error):
                raise ConditionFailed(f"conditional delete on {self.name} failed") from None
            raise

    def query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Query, page after page through boto3's paginator (never a Scan).

        The paginator is the resource's own client's: boto3 registered the resource's transformation on
        it, so Key()/Attr() conditions and Python values are accepted and items come back deserialized."""
        paginator = self._table.meta.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.name, **kwargs):
            for item in page.get("Items", []):
                yield from_dynamo(item)

    def scan(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Scan through boto3's paginator: operator tools and one-off migrations only."""
        paginator = self._table.meta.client.get_paginator("scan")
        for page in paginator.paginate(TableName=self.name, **kwargs):
            for item in page.get("Items", []):
                yield from_dynamo(item)

    def query_page(self, *, limit: int, start_key: Mapping[str, Any] | None = None,
                   **kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a Query: items and the key to continue from (None at the end)."""
        kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = dict(start_key)
        response = self._table.query(**kwargs)
        return [from_dynamo(i) for i in response.get("Items", [])], response.get("LastEvaluatedKey")

    def batch_put(self, items: list[Mapping[str, Any]]) -> None:
        with self._table.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=to_dynamo(item))

    def batch_get(self, keys: Iterable[Mapping[str, Any]], *, max_attempts: int = 8, base_delay: float = 0.05,
                  max_delay: float = 2.0, sleep: Callable[[float], None] = time.sleep,
                  rng: Callable[[], float] = random.random) -> list[dict[str, Any]]:
        """BatchGetItem in chunks of 100 distinct keys (DynamoDB refuses a request that repeats a key),
        retrying UnprocessedKeys with exponential backoff and full jitter, as AWS advises for throttled
        batches; raises RuntimeError if keys are still unprocessed after `max_attempts` calls."""
        unique: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
        for key in keys:
            unique.setdefault(tuple(sorted(dict(key).items())), dict(key))
        distinct = list(unique.values())
        found: list[dict[str, Any]] = []
        for start in range(0, len(distinct), 100):
            request: dict[str, Any] = {self.name: {"Keys": distinct[start:start + 100]}}
            for attempt in range(max_attempts):
                if attempt:
                    sleep(rng() * min(max_delay, base_delay * 2 ** (attempt - 1)))
                response = self._resource.batch_get_item(RequestItems=request)
                found.extend(from_dynamo(i) for i in response.get("Responses", {}).get(self.name, []))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            if request:
                raise RuntimeError(f"batch_get on {self.name}: keys still unprocessed after {max_attempts} attempts")
        return found
