"""`tiktok-vtex status`: a healthy client exits 0; each problem is reported and exits 1 (cron)."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest

from tiktok_vtex.cli import build_parser
from tiktok_vtex.commands import status as status_command
from tiktok_vtex.commands.common import StackConfig
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.repositories.tokens import TokenRepository

NOW = 1_900_000_000
CLIENT = "client-ops-1"


def _run(argv: list[str], config: StackConfig, now: int = NOW) -> tuple[int, str]:
    out = io.StringIO()
    args = build_parser().parse_args(["status", *argv])
    return status_command.run(args, out, config=config, sqs=boto3.client("sqs"), clock=lambda: now), out.getvalue()


def _healthy(config: StackConfig, client: str = CLIENT) -> None:
    ClientRepository(config.client_table, config.client_tiktok_table).put_shop_link(ShopLink(
        client_hash=client, status=ShopLinkStatus.TOKEN_GENERATED, tik_tok_shop_store_id="7495",
        tik_tok_shop_store_name="Loja Demo"))
    TokenRepository(config.token_table).store_grant(
        client, access_ciphertext="kms:a", refresh_ciphertext="kms:r", access_expires=NOW + 6 * 86400,
        refresh_expires=NOW + 300 * 86400, auth_code="c", grant_id="g", grant_clients=[client], open_id=None,
        now=NOW - 86400)
    logs = config.log_tables
    LogRepository(logs["TikTokLogStock"], clock=lambda: NOW - 3600).append(client, "stock_update", "880408", {})
    LogRepository(logs["TikTokLogStock"], clock=lambda: NOW - 60).append(client, "stock_update_failed", "1", {})
    LogRepository(logs["TikTokLogPrice"], clock=lambda: NOW - 7200).append(client, "price_update", "880408", {})


def test_a_healthy_client_exits_0(config: StackConfig) -> None:
    _healthy(config)
    status, out = _run([CLIENT], config)
    assert status == 0, out
    assert f"client {CLIENT}  [ok]" in out and "authorization   token_generated" in out
    assert "last stock      " in out and "(1h00m ago)" in out  # the failure logged later is not a sync
    assert "DLQs: 0 message(s)" in out
    doc = json.loads(_run([CLIENT, "--json"], config)[1])
    assert doc["attention"] is False and doc["clients"][0]["syncs"]["price"]["lag_seconds"] == 7200


def test_every_problem_is_reported_and_exits_1(config: StackConfig) -> None:
    _healthy(config)
    orders = OrderRepository(config.orders_table)
    # an order in ERROR
    orders.record_status(CLIENT, "o-err", status="AWAITING_SHIPMENT", update_time=NOW - 600, now=NOW - 600,
                         initial_state=SyncState.NEW)
    orders.claim(CLIENT, "o-err", token="t", now=NOW - 590, lease_seconds=240)
    orders.mark_error(CLIENT, "o-err", token="t", reason="SKU 880408 has no stock", code="no_stock", now=NOW - 580)
    # an order NEW for 2 hours (stuck) and one NEW for 5 minutes (not stuck)
    orders.record_status(CLIENT, "o-stuck", status="AWAITING_SHIPMENT", update_time=NOW - 7200, now=NOW - 7200,
                         initial_state=SyncState.NEW)
    orders.record_status(CLIENT, "o-fresh", status="AWAITING_SHIPMENT", update_time=NOW - 300, now=NOW - 300,
                         initial_state=SyncState.NEW)
    # an invoice uploaded 45 minutes ago, no push 36
    orders.record_status(CLIENT, "o-inv", status="AWAITING_SHIPMENT", update_time=NOW - 9000, now=NOW - 9000,
                         initial_state=SyncState.NEW)
    orders.claim(CLIENT, "o-inv", token="t", now=NOW - 8990, lease_seconds=240)
    orders.mark_placed(CLIENT, "o-inv", token="t", vtex_order="TTK-1-01", vtex_status="ready", now=NOW - 8980)
    orders.mark_authorized(CLIENT, "o-inv", now=NOW - 8970)  # placed but never authorized would be stuck
    orders.set_attributes(CLIENT, "o-inv", invoice_state="UPLOADED", invoice_uploaded_at=NOW - 2700,
                          invoice_package_id="pkg-1")
    # a message in a DLQ
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="integracao-tik-tok-orders-dlq")["QueueUrl"],
                     MessageBody="{}")
    status, out = _run([CLIENT, "--json"], config)
    assert status == 1
    doc = json.loads(out)
    (client,) = doc["clients"]
    assert [o["order_id"] for o in client["orders_error"]] == ["o-err"]
    assert client["orders_error"][0]["error_code"] == "no_stock"
    assert [(o["order_id"], o["sync_state"]) for o in client["orders_stuck"]] == [("o-stuck", "NEW")]
    assert client["invoices_waiting_push36"] == [{"order_id": "o-inv", "package_id": "pkg-1", "minutes": 45}]
    assert doc["dlq_depth"]["integracao-tik-tok-orders-dlq"] == 1
    text = _run([CLIENT], config)[1]
    assert "[ATTENTION]" in text and "1 order(s) in ERROR" in text and "integracao-tik-tok-orders-dlq: 1" in text


@pytest.mark.parametrize(("change", "expected"), [
    ({"refresh_days": 10}, "refresh token expires in 10 day(s)"),
    ({"access_expired": True}, "access token expired"),
    ({"deauthorized": True}, "authorization deauthorized"),
    ({"now_offset": 3 * 86400}, "last stock sync 73 h ago"),
    ({"catalog_hours": 50}, "last catalog sync 50 h ago (expected within 48 h)"),
])
def test_auth_and_sync_problems(config: StackConfig, change: dict[str, Any], expected: str) -> None:
    _healthy(config)
    if "refresh_days" in change or "access_expired" in change:
        TokenRepository(config.token_table).store_grant(
            CLIENT, access_ciphertext="kms:a", refresh_ciphertext="kms:r",
            access_expires=NOW - 60 if change.get("access_expired") else NOW + 86400,
            refresh_expires=NOW + change.get("refresh_days", 300) * 86400 + 100, auth_code="c", grant_id="g",
            grant_clients=[CLIENT], open_id=None, now=NOW)
    if "catalog_hours" in change:  # a catalog run seen, then no feed processed for over 48 h
        LogRepository(config.log_tables["TikTokLogProduct"], clock=lambda: NOW - change["catalog_hours"] * 3600) \
            .append(CLIENT, "update_run", "run-1", {})
    if change.get("deauthorized"):
        clients = ClientRepository(config.client_table, config.client_tiktok_table)
        clients.set_status(CLIENT, ShopLinkStatus.DEAUTHORIZED)
    status, out = _run([CLIENT], config, now=NOW + change.get("now_offset", 0))
    assert status == 1 and expected in out, out


def test_every_client_when_none_is_named_and_unknown_client(config: StackConfig,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _healthy(config)
    _healthy(config, "client-ops-2")
    status, out = _run(["--json"], config)
    assert status == 0 and [c["client_hash"] for c in json.loads(out)["clients"]] == [CLIENT, "client-ops-2"]
    status, _ = _run(["nobody"], config)
    assert status == 2 and "client nobody is unknown" in capsys.readouterr().err
