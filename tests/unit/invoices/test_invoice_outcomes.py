"""Push 36 outcomes: SUCCESS -> shipping, PROCESSING -> wait, SEFAZ delay -> delayed re-upload up to a
limit, other reasons -> REJECTED with the reason and the InvoiceRejected metric."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.invoices.fakes_fiscal import CLIENT, ORDER, PACKAGE, good_xml
from tiktok_vtex.invoices.outcomes import InvoiceOutcomes, backoff_seconds


class Queue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.later: list[tuple[dict[str, Any], int]] = []

    def send(self, messages: Any) -> int:
        self.sent.extend(messages)
        return 1

    def send_later(self, message: dict[str, Any], delay_seconds: int) -> None:
        self.later.append((message, delay_seconds))


@pytest.fixture
def outcomes(fiscal: dict[str, Any]) -> tuple[InvoiceOutcomes, Queue, Queue]:
    fiscal["uploader"].submit(CLIENT, ORDER, good_xml(), package_id=PACKAGE)
    shipping, reupload = Queue(), Queue()
    return (InvoiceOutcomes(orders=fiscal["orders"], shipping_queue=shipping, reupload_queue=reupload,
                            log=fiscal["log"], max_reuploads=2, base_delay_seconds=120), shipping, reupload)


def state(fiscal: dict[str, Any]) -> dict[str, Any]:
    return fiscal["orders"].get(CLIENT, ORDER).model_extra


def test_success_requests_shipping_with_the_legacy_payload(fiscal: dict[str, Any], outcomes: Any) -> None:
    handler, shipping, _ = outcomes
    assert handler.handle(CLIENT, PACKAGE, [ORDER], status="SUCCESS", reason=None, now=1) == "shipping_requested"
    assert shipping.sent == [{"clientHash": CLIENT, "orderId": ORDER, "packageId": PACKAGE}]
    assert state(fiscal)["invoice_state"] == "ACCEPTED"


def test_processing_waits(fiscal: dict[str, Any], outcomes: Any) -> None:
    handler, shipping, reupload = outcomes
    assert handler.handle(CLIENT, PACKAGE, [ORDER], status="PROCESSING", reason=None, now=1) == "waiting"
    assert shipping.sent == [] and reupload.later == []
    assert state(fiscal)["invoice_state"] == "PROCESSING"


def test_a_late_processing_push_never_undoes_success(fiscal: dict[str, Any], outcomes: Any) -> None:
    """Pushes arrive out of order: PROCESSING after SUCCESS is stale (state and raw status stay SUCCESS)."""
    handler, shipping, _ = outcomes
    assert handler.handle(CLIENT, PACKAGE, [ORDER], status="SUCCESS", reason=None, now=2) == "shipping_requested"
    assert handler.handle(CLIENT, PACKAGE, [ORDER], status="PROCESSING", reason=None, now=1) == \
        "stale_status_ignored"
    record = fiscal["orders"].get(CLIENT, ORDER)
    assert (record.model_extra["invoice_state"], record.invoice_status) == ("ACCEPTED", "SUCCESS")
    assert len(shipping.sent) == 1


def test_sefaz_delay_is_reuploaded_with_backoff_up_to_the_limit(fiscal: dict[str, Any], outcomes: Any) -> None:
    handler, _, reupload = outcomes
    key = state(fiscal)["invoice_access_key"]
    for attempt in (1, 2):
        assert handler.handle(CLIENT, PACKAGE, [ORDER], status="INVALID", reason="NOT_FOUND",
                              now=attempt) == "reupload_scheduled"
        message, delay = reupload.later[-1]
        assert message == {"type": "reuploadInvoice", "clientHash": CLIENT, "orderId": ORDER, "packageId": PACKAGE,
                           "accessKey": key, "attempt": attempt}
        assert delay == backoff_seconds(attempt, 120) == 120 * 2 ** (attempt - 1)
        assert state(fiscal)["invoice_state"] == "RETRY_SCHEDULED"
    assert handler.handle(CLIENT, PACKAGE, [ORDER], status="INVALID", reason="NOT_FOUND", now=3) == "invoice_rejected"
    assert len(reupload.later) == 2
    assert state(fiscal)["invoice_state"] == "REJECTED" and "2 re-uploads" in state(fiscal)["invoice_rejection"]


def test_scheduled_reupload_goes_through_the_uploader_again(fiscal: dict[str, Any], outcomes: Any) -> None:
    handler, _, reupload = outcomes
    handler.handle(CLIENT, PACKAGE, [ORDER], status="FAILED", reason="NOT_FOUND", now=1)
    message, _ = reupload.later[0]
    fiscal["tiktok"].invoices[PACKAGE] = "FAILED"
    xml = fiscal["store"].get(state(fiscal)["invoice_xml_key"])
    result = fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=PACKAGE, reupload_of=message["accessKey"])
    assert result.outcome == "uploaded" and len(fiscal["tiktok"].uploads) == 2


@pytest.mark.parametrize("reason", ["ACCESS_KEY_DUPLICATE", "NOT_AUTHORIZED", "UNKNOWN", None])
def test_final_reasons_are_recorded_and_alarmed(fiscal: dict[str, Any], outcomes: Any, reason: str | None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktok_vtex.invoices import outcomes as module

    metrics: list[str] = []
    monkeypatch.setattr(module.metrics, "add_metric", lambda name, **_k: metrics.append(name))
    handler, shipping, reupload = outcomes
    assert handler.handle(CLIENT, PACKAGE, [ORDER], status="INVALID", reason=reason, now=1) == "invoice_rejected"
    assert metrics == ["InvoiceRejected"] and shipping.sent == [] and reupload.later == []
    record = state(fiscal)
    assert record["invoice_state"] == "REJECTED" and record["invoice_rejection"] == (reason or "UNKNOWN")
    assert any(e["kind"] == "invoice_rejected" for e in fiscal["log"].entries(CLIENT))
