"""SHIPPING-PACKAGE: ship once (claim on the order), labels in S3 (SSE-KMS), tracking to the VTEX invoice;
already shipped counts as success; a crash between TikTok's ship and our write is recovered."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.unit.invoices.fakes_fiscal import CLIENT, ORDER, PACKAGE, FakeVtex, fiscal_settings
from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.shipping.dispatch import PackageShipper, ShippingBusy


def shipper(fiscal: dict[str, Any], vtex: FakeVtex, settings: ClientSettings | None = None) -> PackageShipper:
    return PackageShipper(orders=fiscal["orders"], tiktok=lambda _h: fiscal["tiktok"], vtex=lambda _h: vtex,
                          client_settings=lambda _h: settings or fiscal_settings(), store=fiscal["store"],
                          download=lambda url: b"%PDF-1.4 " + url.encode(), log=fiscal["log"], clock=fiscal["clock"],
                          lease_seconds=300)


def state(fiscal: dict[str, Any]) -> dict[str, Any]:
    return fiscal["orders"].get(CLIENT, ORDER).model_extra


def test_tiktok_shipping_pickup_labels_and_tracking(fiscal: dict[str, Any]) -> None:
    vtex = FakeVtex()
    result = shipper(fiscal, vtex).dispatch(CLIENT, ORDER, PACKAGE)
    assert result.outcome == "shipped" and result.tracking_number == "BR123TT"
    [call] = fiscal["tiktok"].ship_calls
    assert call["handover_method"] == "PICKUP" and call["pickup_slot"]["start_time"] == 1_800_000_000
    record = state(fiscal)
    assert record["shipping_state"] == "DONE"
    s3 = boto3.client("s3")
    bucket = fiscal["stack"].physical_ids["FiscalDocumentsBucket"]
    for document_type in ("SHIPPING_LABEL", "INVOICE_LABEL"):
        key = record["shipping_documents"][document_type]["key"]
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] == "aws:kms" and head["ContentType"] == "application/pdf"
        assert head["ContentLength"] == record["shipping_documents"][document_type]["size"] > 0
    [(vtex_order, number, tracking)] = vtex.tracking_updates
    assert (vtex_order, number, tracking["trackingNumber"]) == ("1500000000001-01", "777", "BR123TT")
    kinds = [e["kind"] for e in fiscal["log"].entries(CLIENT)]
    assert kinds[0] == "package_shipped" and kinds[-1] == "shipping_done" and "tracking_sent_to_vtex" in kinds


def test_drop_off_preference_is_honoured(fiscal: dict[str, Any]) -> None:
    settings = ClientSettings.model_validate({"shipping": {"handover_method": "DROP_OFF"}})
    shipper(fiscal, FakeVtex(), settings).dispatch(CLIENT, ORDER, PACKAGE)
    assert fiscal["tiktok"].ship_calls == [{"package_id": PACKAGE, "handover_method": "DROP_OFF"}]


def test_seller_shipping_uses_the_vtex_invoice_tracking(fiscal: dict[str, Any]) -> None:
    fiscal["tiktok"].packages[PACKAGE]["shipping_type"] = "SELLER"
    settings = ClientSettings.model_validate({"shipping": {"provider_ids": {"jadlog": "6617675021119438849"}}})
    vtex = FakeVtex(tracking="JD0001", courier="Jadlog")
    result = shipper(fiscal, vtex, settings).dispatch(CLIENT, ORDER, PACKAGE)
    assert result.outcome == "shipped"
    assert fiscal["tiktok"].ship_calls[0]["self_shipment"] == {"tracking_number": "JD0001",
                                                               "shipping_provider_id": "6617675021119438849"}
    assert state(fiscal).get("shipping_documents") in (None, {})  # documents are TikTok-shipping only


def test_a_retry_never_ships_twice(fiscal: dict[str, Any]) -> None:
    vtex = FakeVtex()
    shipper(fiscal, vtex).dispatch(CLIENT, ORDER, PACKAGE)
    assert shipper(fiscal, vtex).dispatch(CLIENT, ORDER, PACKAGE).outcome == "already_done"
    assert len(fiscal["tiktok"].ship_calls) == 1 and len(vtex.tracking_updates) == 1


def test_package_already_shipped_counts_as_success(fiscal: dict[str, Any]) -> None:
    fiscal["tiktok"].packages[PACKAGE].update(_shipped=True, tracking_number="BR999TT")
    result = shipper(fiscal, FakeVtex()).dispatch(CLIENT, ORDER, PACKAGE)
    assert result.outcome == "shipped" and state(fiscal)["shipping_tracking_number"] == "BR999TT"
    assert fiscal["tiktok"].ship_calls == []


def test_crash_between_ship_and_our_write_is_recovered(fiscal: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    orders = fiscal["orders"]
    real = orders.set_attributes

    def crash_on_shipped(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("shipping_state") == "SHIPPED":
            raise RuntimeError("Lambda timed out")
        return real(*args, **kwargs)

    monkeypatch.setattr(orders, "set_attributes", crash_on_shipped)
    with pytest.raises(RuntimeError):
        shipper(fiscal, FakeVtex()).dispatch(CLIENT, ORDER, PACKAGE)
    monkeypatch.setattr(orders, "set_attributes", real)
    assert state(fiscal)["shipping_state"] == "CLAIMED"  # TikTok shipped; we did not record it
    with pytest.raises(ShippingBusy):  # redelivered while the lease still runs: not shipped again
        shipper(fiscal, FakeVtex()).dispatch(CLIENT, ORDER, PACKAGE)
    fiscal["clock"].now += 301  # lease over
    vtex = FakeVtex()
    result = shipper(fiscal, vtex).dispatch(CLIENT, ORDER, PACKAGE)
    assert result.outcome == "shipped" and state(fiscal)["shipping_state"] == "DONE"
    assert len(fiscal["tiktok"].ship_calls) == 1  # TikTok's "already shipped" answered the second attempt
    assert len(vtex.tracking_updates) == 1


def test_invoice_not_yet_accepted_is_retried(fiscal: dict[str, Any]) -> None:
    from tiktok_vtex.shipping.dispatch import InvoiceNotYetAccepted

    fiscal["tiktok"].fail_next = [TikTokApiError(21004006, "Upload a valid invoice", None, 200)]
    with pytest.raises(InvoiceNotYetAccepted):
        shipper(fiscal, FakeVtex()).dispatch(CLIENT, ORDER, PACKAGE)
    assert shipper(fiscal, FakeVtex()).dispatch(CLIENT, ORDER, PACKAGE).outcome == "shipped"


def test_unknown_package_and_unknown_order_are_refused_and_recorded(fiscal: dict[str, Any]) -> None:
    assert shipper(fiscal, FakeVtex()).dispatch(CLIENT, ORDER, "1153000000000000999").outcome == "refused"
    assert state(fiscal)["shipping_error"]["step"] == "package"
    assert shipper(fiscal, FakeVtex()).dispatch(CLIENT, "576600000000009999", PACKAGE).outcome == "refused"
    assert fiscal["tiktok"].ship_calls == []
    assert [e["kind"] for e in fiscal["log"].entries(CLIENT)] == ["shipping_refused", "shipping_refused"]


def test_tracking_events_reach_vtex_when_they_change(fiscal: dict[str, Any]) -> None:
    from tiktok_vtex.shipping.tracking import sync_tracking

    vtex = FakeVtex()
    shipper(fiscal, vtex).dispatch(CLIENT, ORDER, PACKAGE)
    args = {"orders": fiscal["orders"], "tiktok": lambda _h: fiscal["tiktok"], "vtex": lambda _h: vtex}
    assert sync_tracking(CLIENT, ORDER, **args) == "tracking_sent"
    assert sync_tracking(CLIENT, ORDER, **args) == "unchanged"
    [event] = vtex.events
    assert event["is_delivered"] is True and len(event["events"]) == 2


def test_a_changed_tracking_number_is_patched_to_the_vtex_invoice_once(fiscal: dict[str, Any]) -> None:
    """Push 4 -> syncTracking: TikTok re-labelled the package (new tracking number). It reaches the VTEX
    invoice (PATCH) once, is recorded on the order and in TikTokLogOrder; a repeat sends nothing."""
    from tiktok_vtex.shipping.tracking import sync_tracking

    vtex = FakeVtex()
    shipper(fiscal, vtex).dispatch(CLIENT, ORDER, PACKAGE)
    args = {"orders": fiscal["orders"], "tiktok": lambda _h: fiscal["tiktok"], "vtex": lambda _h: vtex,
            "log": fiscal["log"], "tracking_url_template": "https://rastreio.example/{tracking}"}
    assert sync_tracking(CLIENT, ORDER, **args) == "tracking_sent"
    fiscal["tiktok"].packages[PACKAGE]["tracking_number"] = "BR999NEWTT"
    assert sync_tracking(CLIENT, ORDER, **args) == "tracking_number_sent"
    assert sync_tracking(CLIENT, ORDER, **args) == "unchanged"
    assert [(n, t["trackingNumber"], t["trackingUrl"]) for _o, n, t in vtex.tracking_updates] == [
        ("777", "BR123TT", None), ("777", "BR999NEWTT", "https://rastreio.example/BR999NEWTT")]
    assert state(fiscal)["shipping_tracking_number"] == "BR999NEWTT"
    kinds = [e["kind"] for e in fiscal["log"].entries(CLIENT)]
    assert kinds.count("tracking_number_sent_to_vtex") == 1 and kinds.count("tracking_events_sent_to_vtex") == 1


def test_sync_tracking_invoke_goes_through_the_handler(fiscal: dict[str, Any]) -> None:
    from shipping import handler

    assert handler.parse({"type": "syncTracking", "clientHash": CLIENT, "orderId": ORDER}).order_id == ORDER
    with pytest.raises(handler.InvalidShippingMessage, match="orderId"):
        handler.parse({"type": "syncTracking", "clientHash": CLIENT, "orderId": "../x"})
