"""Shared DynamoDB mechanics: pagination, conditional writes and number conversion."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
        """Every item of a Query, following LastEvaluatedKey (never a Scan)."""
        while True:
            response = self._table.query(**kwargs)
            for item in response.get("Items", []):
                yield from_dynamo(item)
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

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

    def batch_get(self, keys: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """BatchGetItem in chunks of 100, retrying unprocessed keys a bounded number of times."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self.name: {"Keys": [dict(k) for k in keys[start:start + 100]]}}
            for _ in range(5):
                response = self._resource.batch_get_item(RequestItems=request)
                found.extend(from_dynamo(i) for i in response.get("Responses", {}).get(self.name, []))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            if request:
                raise RuntimeError(f"batch_get on {self.name}: keys still unprocessed after retries")
        return found
