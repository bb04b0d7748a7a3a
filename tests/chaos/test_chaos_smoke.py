"""The chaos suite at smoke size (`make chaos-smoke`; not in the default pytest run yet, see pyproject;
`make chaos` runs it at full size): the whole local stack on free ports
under faults on both sandboxes, ~20 TikTok orders (duplicated, out-of-order and missing pushes, cancellations
at random points) and ~200 VTEX stock changes, then faults off, one sweep and one nightly run.

One run per module; each invariant is its own test so the report names exactly which one fails. The
workload is seeded (same plan every run); the waits are bounded (`wait_idle` with a timeout).
Concurrency: the 20-concurrent-deliveries check runs here; the 50 concurrent callers with an expired token
(one refresh) is tests/integration/auth/test_auth_tokens.py::
test_fifty_concurrent_callers_with_an_expired_token_cause_one_refresh, which `make chaos` runs with this file.
"""

from __future__ import annotations

import pytest

from local.chaos.suite import ChaosReport, run_chaos

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def report() -> ChaosReport:
    result = run_chaos("smoke", seed=10)
    print("\n" + result.table())
    return result


def _invariant(report: ChaosReport, name: str) -> None:
    invariant = next(i for i in report.invariants if i.name == name)
    assert invariant.ok, f"{name}: {invariant.detail}\n\n{report.table()}"


def test_no_order_lost(report: ChaosReport) -> None:
    _invariant(report, "0 orders lost")


def test_no_duplicated_vtex_order(report: ChaosReport) -> None:
    _invariant(report, "0 duplicated VTEX orders")


def test_no_cancelled_order_live_in_vtex(report: ChaosReport) -> None:
    _invariant(report, "0 cancelled on TikTok but live in VTEX")


def test_every_sku_converged(report: ChaosReport) -> None:
    _invariant(report, "100% SKUs converged after sweep + nightly")


def test_every_dlq_message_has_a_reason_and_no_async_event_is_dropped(report: ChaosReport) -> None:
    _invariant(report, "every DLQ message has a reason")
    _invariant(report, "no async event dropped")


def test_twenty_concurrent_deliveries_of_one_push_make_one_vtex_order(report: ChaosReport) -> None:
    _invariant(report, "20 concurrent deliveries -> 1 VTEX order")


def test_no_secret_token_or_cpf_in_the_logs(report: ChaosReport) -> None:
    assert report.leaks is not None and report.leaks.lines > 0 and report.leaks.values > 0
    _invariant(report, "0 secrets, tokens or CPFs in the logs")


def test_crash_injection_happened(report: ChaosReport) -> None:
    """The runtime's hooks really killed workers mid-batch and timed a function out after its side effect."""
    _invariant(report, "crash injection happened")
