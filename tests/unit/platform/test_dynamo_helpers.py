"""repositories/base.py helpers: the UpdateExpression builder and batch_get (defect 14)."""

from __future__ import annotations

import pytest

from tiktok_vtex.repositories.base import DynamoTable, update_expression


def test_update_expression_builds_set_remove_with_placeholders() -> None:
    built = update_expression({"status": "done", "skipped": None, "n": 2}, remove=["lock"],
                              increment={"version": 1}, set_if_absent={"bucket": "active"})
    assert built.expression == ("SET #u0 = :u0, #u1 = :u1, #u2 = if_not_exists(#u2, :u2) + :u3, "
                                "#u3 = if_not_exists(#u3, :u4) REMOVE #u4")
    assert built.names == {"#u0": "status", "#u1": "n", "#u2": "version", "#u3": "bucket", "#u4": "lock"}
    assert built.values == {":u0": "done", ":u1": 2, ":u2": 0, ":u3": 1, ":u4": "active"}
    with pytest.raises(ValueError, match="twice"):
        update_expression({"a": 1}, remove=["a"])
    with pytest.raises(ValueError, match="empty"):
        update_expression({"a": None})


def test_update_fields_against_the_template_table(settings) -> None:
    table = DynamoTable(settings.tables.client_tiktok)
    table.put({"client_hash": "h", "status": "unused", "lock": "x"})
    item = table.update_fields({"client_hash": "h"}, {"status": "token_generated"}, remove=["lock"],
                               increment={"version": 1}, condition="#s = :old", names={"#s": "status"},
                               values={":old": "unused"})
    assert item == {"client_hash": "h", "status": "token_generated", "version": 1}


class FakeResource:
    """Answers BatchGetItem like DynamoDB: refuses duplicate keys, leaves some keys unprocessed."""

    def __init__(self, unprocessed_rounds: int) -> None:
        self.unprocessed_rounds = unprocessed_rounds
        self.requests: list[list[dict]] = []

    def Table(self, name: str) -> object:
        return object()

    def batch_get_item(self, RequestItems: dict) -> dict:
        (name, request), = RequestItems.items()
        keys = request["Keys"]
        if len({k["id"] for k in keys}) != len(keys):
            raise ValueError("Provided list of item keys contains duplicates")
        self.requests.append(keys)
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            return {"Responses": {name: [{"id": k["id"]} for k in keys[:1]]},
                    "UnprocessedKeys": {name: {"Keys": keys[1:]}} if len(keys) > 1 else {}}
        return {"Responses": {name: [{"id": k["id"]} for k in keys]}}


def test_batch_get_deduplicates_keys_and_backs_off_on_unprocessed_keys() -> None:
    resource = FakeResource(unprocessed_rounds=3)
    table = DynamoTable("t", resource)
    sleeps: list[float] = []
    keys = [{"id": "a"}, {"id": "b"}, {"id": "a"}, {"id": "c"}, {"id": "d"}]
    found = table.batch_get(keys, sleep=sleeps.append, rng=lambda: 1.0, base_delay=0.1)
    assert sorted(i["id"] for i in found) == ["a", "b", "c", "d"]
    assert resource.requests[0] == [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]
    assert sleeps == [0.1, 0.2, 0.4]  # exponential, full jitter (rng=1 -> the ceiling)


def test_batch_get_gives_up_after_bounded_attempts() -> None:
    table = DynamoTable("t", FakeResource(unprocessed_rounds=100))
    with pytest.raises(RuntimeError, match="unprocessed after 4 attempts"):
        table.batch_get([{"id": str(i)} for i in range(10)], max_attempts=4, sleep=lambda s: None)
