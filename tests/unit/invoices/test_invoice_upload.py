"""Upload: nothing leaves when a rule fails (reason on the order and in TikTokLogOrder), one upload per
(package, access key), 10007014 counts as success, transient errors leave the claim re-takable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest

from local.fixtures.nfe import access_key_of
from tests.unit.invoices.fakes_fiscal import CLIENT, ORDER, PACKAGE, good_xml, order_detail, transient
from tiktok_vtex.clients.tiktok.errors import TikTokInternalError


def extra(fiscal: dict[str, Any]) -> dict[str, Any]:
    return fiscal["orders"].get(CLIENT, ORDER).model_extra


def log_kinds(fiscal: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in fiscal["log"].entries(CLIENT)]


def test_valid_invoice_is_uploaded_once_and_recorded(fiscal: dict[str, Any]) -> None:
    xml = good_xml()
    result = fiscal["uploader"].submit(CLIENT, ORDER, xml)  # packageId absent: found from the order
    assert (result.outcome, result.package_id) == ("uploaded", PACKAGE)
    [upload] = fiscal["tiktok"].uploads
    assert upload["xml"] == xml and upload["order_ids"] == [ORDER]
    record = extra(fiscal)
    assert record["invoice_state"] == "UPLOADED" and record["invoice_access_key"] == access_key_of(xml)
    assert record["invoice_number"] == "777" and record["invoice_uploaded_at"] == 1_800_000_000
    stored = boto3.client("s3").get_object(Bucket=fiscal["stack"].physical_ids["FiscalDocumentsBucket"],
                                           Key=record["invoice_xml_key"])
    assert stored["Body"].read() == xml and stored["ServerSideEncryption"] == "aws:kms"
    assert log_kinds(fiscal) == ["invoice_uploaded"]


def test_repeat_of_the_same_invoice_does_not_upload_again(fiscal: dict[str, Any]) -> None:
    xml = good_xml()
    fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=PACKAGE)
    again = fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=PACKAGE)
    assert again.outcome == "already_uploaded"
    assert len(fiscal["tiktok"].uploads) == 1


def test_crash_after_upload_is_recovered_with_10007014(fiscal: dict[str, Any]) -> None:
    """TikTok took the file, we crashed before UPLOADED: the redelivery re-takes the claim, TikTok says
    10007014 and that is success."""
    xml = good_xml()
    fiscal["orders"].set_attributes(CLIENT, ORDER, invoice_state="UPLOADING", invoice_access_key=access_key_of(xml),
                                    invoice_package_id=PACKAGE)
    fiscal["tiktok"].invoices[PACKAGE] = "PROCESSING"
    result = fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=PACKAGE)
    assert result.outcome == "already_uploaded"
    assert extra(fiscal)["invoice_state"] == "UPLOADED"


def test_transient_error_propagates_and_the_retry_uploads(fiscal: dict[str, Any]) -> None:
    xml = good_xml()
    fiscal["tiktok"].fail_next = [transient()]
    with pytest.raises(TikTokInternalError):
        fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=PACKAGE)
    assert extra(fiscal)["invoice_state"] == "UPLOADING"  # re-takable by the queue's redelivery
    assert fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=PACKAGE).outcome == "uploaded"


def test_second_invoice_for_an_uploaded_package_is_a_duplicate(fiscal: dict[str, Any]) -> None:
    fiscal["uploader"].submit(CLIENT, ORDER, good_xml(), package_id=PACKAGE)
    other = good_xml(number=778)
    result = fiscal["uploader"].submit(CLIENT, ORDER, other, package_id=PACKAGE)
    assert (result.outcome, result.rule, result.field) == ("refused", "duplicate", "infNFe/@Id")
    record = extra(fiscal)
    assert record["invoice_state"] == "UPLOADED" and record["invoice_access_key"] != access_key_of(other)
    assert record["invoice_last_refusal"]["rule"] == "duplicate"
    assert len(fiscal["tiktok"].uploads) == 1


def test_a_rejected_invoice_can_be_replaced_by_a_corrected_one(fiscal: dict[str, Any]) -> None:
    first = good_xml()
    fiscal["uploader"].submit(CLIENT, ORDER, first, package_id=PACKAGE)
    fiscal["orders"].set_attributes(CLIENT, ORDER, invoice_state="REJECTED")
    fiscal["tiktok"].invoices[PACKAGE] = "INVALID"
    assert fiscal["uploader"].submit(CLIENT, ORDER, first, package_id=PACKAGE).rule == "duplicate"
    assert fiscal["uploader"].submit(CLIENT, ORDER, good_xml(number=779), package_id=PACKAGE).outcome == "uploaded"
    assert len(fiscal["tiktok"].uploads) == 2


@pytest.mark.parametrize(("case", "rule", "field"), [
    ("wrong_total", "total", "total/ICMSTot/vNF"),
    ("malformed", "xml", "file"),
    ("six_mb", "size", "file"),
    ("unknown_package", "package", "packageId"),
    ("package_of_another_order", "package", "packageId"),
])
def test_bad_input_is_refused_recorded_and_not_uploaded(fiscal: dict[str, Any], case: str, rule: str,
                                                        field: str) -> None:
    xml, package = good_xml(), PACKAGE
    if case == "wrong_total":
        xml = good_xml(total_override=Decimal("199.99"))
    elif case == "malformed":
        xml = xml[: len(xml) // 2]
    elif case == "six_mb":
        xml = b"<x>" + b"a" * (6 * 1024 * 1024) + b"</x>"
    elif case == "unknown_package":
        fiscal["tiktok"].orders[ORDER] = order_detail(package_id="999")
        package = "999"
    elif case == "package_of_another_order":
        package = "1153000000000000999"
    result = fiscal["uploader"].submit(CLIENT, ORDER, xml, package_id=package)
    assert (result.outcome, result.rule, result.field) == ("refused", rule, field)
    assert fiscal["tiktok"].uploads == []
    record = extra(fiscal)
    assert record["invoice_state"] == "REFUSED"
    assert (record["invoice_error"]["rule"], record["invoice_error"]["field"]) == (rule, field)
    [entry] = [e for e in fiscal["log"].entries(CLIENT) if e["kind"] == "invoice_refused"]
    assert (entry["rule"], entry["field"], entry["subject"]) == (rule, field, ORDER)


def test_unknown_order_is_logged_without_creating_an_order(fiscal: dict[str, Any]) -> None:
    result = fiscal["uploader"].submit(CLIENT, "576600000000009999", good_xml())
    assert (result.outcome, result.rule) == ("refused", "order")
    assert fiscal["orders"].get(CLIENT, "576600000000009999") is None
    assert "invoice_refused" in log_kinds(fiscal)
    assert fiscal["tiktok"].uploads == []


def test_a_broken_invoice_never_overwrites_one_already_with_tiktok(fiscal: dict[str, Any]) -> None:
    fiscal["uploader"].submit(CLIENT, ORDER, good_xml(), package_id=PACKAGE)
    fiscal["uploader"].submit(CLIENT, ORDER, b"<broken", package_id=PACKAGE)
    record = extra(fiscal)
    assert record["invoice_state"] == "UPLOADED" and record["invoice_last_refusal"]["rule"] == "xml"


def test_tiktok_item_error_is_recorded_as_refusal(fiscal: dict[str, Any]) -> None:
    from tiktok_vtex.clients.tiktok.models import BatchResult, ItemError

    fiscal["tiktok"].upload_invoice = lambda *a: BatchResult(errors=[ItemError(code=10007001, message="mismatch")])
    result = fiscal["uploader"].submit(CLIENT, ORDER, good_xml(), package_id=PACKAGE)
    assert (result.outcome, result.rule) == ("refused", "tiktok_upload") and "10007001" in result.message
    assert extra(fiscal)["invoice_state"] == "REFUSED"
