"""The one lease primitive (repositories/lease.py) against the template's own tables (moto).

The orders claim, the auth-code claim and the token refresh lock are all this lease; their own tests
(tests/unit/orders, tests/integration/auth) check what each adds on top (states, versions, errors).
"""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable
from tiktok_vtex.repositories.lease import Lease

KEY = {"client_hash": "h", "order_id": "o1"}


@pytest.fixture
def table(settings: Any) -> DynamoTable:
    return DynamoTable(settings.tables.orders)


@pytest.fixture
def lease(table: DynamoTable) -> Lease:
    return Lease(table, owner="claim_token", until="lease_until", version="token_version")


def test_one_holder_at_a_time_until_the_lease_expires(lease: Lease, table: DynamoTable) -> None:
    assert lease.acquire(KEY, owner="a", now=100, duration=30) == {}
    assert lease.acquire(KEY, owner="b", now=129, duration=30) is None  # a's lease is live until 130
    assert table.get(KEY) == {**KEY, "claim_token": "a", "lease_until": 130}
    # A crashed holder cannot block forever: once expired, the lease is taken over.
    assert lease.acquire(KEY, owner="b", now=131, duration=30) == {}
    assert table.get(KEY)["claim_token"] == "b"


def test_only_the_holder_completes_and_a_taken_over_holder_writes_nothing(lease: Lease, table: DynamoTable) -> None:
    lease.acquire(KEY, owner="a", now=100, duration=30)
    lease.acquire(KEY, owner="b", now=200, duration=30)  # a's lease expired; b took over
    with pytest.raises(ConditionFailed):
        lease.complete(KEY, owner="a", set_={"result": "from a"})
    assert lease.release(KEY, owner="a", set_={"last_error": "a failed"}) is False
    done = lease.complete(KEY, owner="b", set_={"result": "from b"}, increment={"attempts": 1})
    assert done == {**KEY, "result": "from b", "attempts": 1}  # the lease attributes are gone
    assert lease.acquire(KEY, owner="c", now=201, duration=30) == {}  # free again at once


def test_complete_without_ending_keeps_the_lease(lease: Lease, table: DynamoTable) -> None:
    lease.acquire(KEY, owner="a", now=100, duration=30)
    lease.complete(KEY, owner="a", set_={"step": 1}, end=False)
    assert table.get(KEY)["claim_token"] == "a"
    assert lease.acquire(KEY, owner="b", now=110, duration=30) is None


def test_release_records_and_frees(lease: Lease, table: DynamoTable) -> None:
    lease.acquire(KEY, owner="a", now=100, duration=30)
    assert lease.release(KEY, owner="a", set_={"last_error": "timeout"}) is True
    assert table.get(KEY) == {**KEY, "last_error": "timeout"}


def test_the_callers_condition_and_extra_writes_are_one_step(lease: Lease, table: DynamoTable) -> None:
    table.put({**KEY, "status": "done"})
    assert lease.acquire(KEY, owner="a", now=100, duration=30, condition="#s = :open", names={"#s": "status"},
                         values={":open": "open"}) is None
    table.put({**KEY, "status": "open"})
    item = lease.acquire(KEY, owner="a", now=100, duration=30, condition="#s = :open", names={"#s": "status"},
                         values={":open": "open"}, set_={"updated_at": 100}, set_if_absent={"created_at": 100},
                         increment={"attempts": 1}, return_values="ALL_NEW")
    assert item == {**KEY, "status": "open", "claim_token": "a", "lease_until": 130, "updated_at": 100,
                    "created_at": 100, "attempts": 1}
    with pytest.raises(ConditionFailed):  # the holder's own condition is checked on completion too
        lease.complete(KEY, owner="a", condition="#s = :closed", names={"#s": "status"}, values={":closed": "x"})


def test_expected_version_and_must_exist(lease: Lease, table: DynamoTable) -> None:
    assert lease.acquire(KEY, owner="a", now=100, duration=30, must_exist=True) is None
    assert table.get(KEY) is None  # nothing was created
    # Version 0 also matches an item that never had a version (a legacy row).
    table.put(dict(KEY))
    assert lease.acquire(KEY, owner="a", now=100, duration=30, must_exist=True, expected_version=0) == {}
    lease.complete(KEY, owner="a", increment={"token_version": 1})
    assert lease.acquire(KEY, owner="b", now=101, duration=30, expected_version=0) is None  # someone wrote since
    assert lease.acquire(KEY, owner="b", now=101, duration=30, expected_version=1) == {}
    with pytest.raises(ValueError, match="no version"):
        Lease(table, owner="o", until="u").acquire(KEY, owner="x", now=1, duration=1, expected_version=1)
