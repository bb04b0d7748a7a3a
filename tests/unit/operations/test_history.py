"""`tiktok-vtex history`: entries written by the production writers (LogRepository, OrderRepository), read
back per entity across tables, with TTLs on every write and no buyer data shown."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest

from tiktok_vtex.cli import build_parser
from tiktok_vtex.commands import history as history_command
from tiktok_vtex.commands.common import StackConfig
from tiktok_vtex.operations.history import History
from tiktok_vtex.repositories.logs import DEFAULT_RETENTION_DAYS, LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.repositories.products import ProductRepository, SellerSku

T0 = 1_900_000_000
CLIENT = "client-ops-1"
ORDER = "576600000000000777"


def _logs(config: StackConfig, now: float) -> dict[str, LogRepository]:
    return {name: LogRepository(table, clock=lambda: now) for name, table in config.log_tables.items()}


def _run(argv: list[str], config: StackConfig, now: float = T0 + 600) -> tuple[int, str]:
    out = io.StringIO()
    args = build_parser().parse_args(["history", *argv])
    history = History({n: LogRepository(t) for n, t in config.log_tables.items()}, orders_table=config.orders_table,
                      skus_table=config.skus_table, clock=lambda: now)
    return history_command.run(args, out, config=config, history=history), out.getvalue()


@pytest.fixture
def order_story(config: StackConfig) -> None:
    orders = OrderRepository(config.orders_table)
    orders.record_status(CLIENT, ORDER, status="AWAITING_SHIPMENT", update_time=T0, now=T0, initial_state=SyncState.NEW)
    orders.claim(CLIENT, ORDER, token="t1", now=T0 + 1, lease_seconds=240)
    orders.mark_error(CLIENT, ORDER, token="t1", reason="SKU 880408 has no stock in VTEX", code="no_stock",
                      now=T0 + 2)
    _logs(config, T0 + 2)["TikTokLogOrder"].append(CLIENT, "order_failed", ORDER, {
        "error_code": "no_stock", "buyer_cpf": "52998224725", "recipient_name": "Fulano"})
    _logs(config, T0 + 300)["TikTokLogOrder"].append(CLIENT, "order_placed", ORDER, {"vtex_order": "TTK-1-01"})
    _logs(config, T0 + 5)["TikTokLogOrder"].append(CLIENT, "order_placed", "another-order", {})
    _logs(config, T0 + 5)["TikTokLogOrder"].append("another-client", "order_placed", ORDER, {})


def test_order_timeline_has_both_sides_and_only_that_order(config: StackConfig, order_story: None) -> None:
    status, out = _run(["order", ORDER, "--client", CLIENT, "--json"], config)
    assert status == 0
    doc = json.loads(out)
    (record,) = doc["records"]
    assert record["status"] == "AWAITING_SHIPMENT" and record["sync_state"] == "ERROR"
    assert record["error_code"] == "no_stock"
    assert [e["kind"] for e in doc["entries"]] == ["order_failed", "order_placed"]
    assert doc["entries"][0]["at_ms"] == (T0 + 2) * 1000
    assert "52998224725" not in out and "Fulano" not in out
    status, text = _run(["order", ORDER, "--client", CLIENT], config)
    assert "sync_state=ERROR" in text and "TikTokLogOrder" in text and "order_placed" in text


def test_sku_timeline_spans_stock_and_price_logs(config: StackConfig) -> None:
    ProductRepository(config.skus_table).put(SellerSku(client_hash=CLIENT, seller_sku="880408",
                                                       tik_tok_product_id="1729", stock_sent={"7068": 35}))
    logs = _logs(config, T0)
    logs["TikTokLogStock"].append(CLIENT, "stock_update", "880408", {"quantity": 35})
    _logs(config, T0 + 1)["TikTokLogPrice"].append(CLIENT, "price_update", "880408", {"amount": "129.90"})
    logs["TikTokLogStock"].append(CLIENT, "stock_update", "880409", {"quantity": 1})
    status, out = _run(["sku", "880408", "--client", CLIENT, "--json"], config)
    doc = json.loads(out)
    assert status == 0 and [(e["table"], e["kind"]) for e in doc["entries"]] == [
        ("TikTokLogStock", "stock_update"), ("TikTokLogPrice", "price_update")]
    assert doc["records"][0]["stock_sent"] == {"7068": 35}
    status, out = _run(["product", "1729", "--client", CLIENT, "--json"], config)
    assert status == 0 and json.loads(out)["records"][0]["seller_sku"] == "880408"


def test_entries_without_subject_key_are_found_with_days(config: StackConfig) -> None:
    """Entries written before the by_subject index (no subject_key) come from the client's partition."""
    table = boto3.resource("dynamodb").Table(config.log_tables["TikTokLogOrder"])
    table.put_item(Item={"client_hash": CLIENT, "log_key": f"{(T0 - 3600) * 1000:015d}#{ORDER}#abcd1234",
                         "kind": "order_created", "subject": ORDER, "logged_at": T0 - 3600})
    status, _ = _run(["order", ORDER, "--client", CLIENT], config)
    assert status == 1  # not in the index
    status, out = _run(["order", ORDER, "--client", CLIENT, "--days", "1", "--json"], config)
    assert status == 0 and [e["kind"] for e in json.loads(out)["entries"]] == ["order_created"]


def test_every_log_write_has_a_ttl_and_every_log_table_expires_it(config: StackConfig, stack: Any) -> None:
    for name, table in config.log_tables.items():
        LogRepository(table, clock=lambda: T0).append(CLIENT, "k", "s", {})
        (item,) = boto3.resource("dynamodb").Table(table).scan()["Items"]
        assert item["expires_at"] == T0 + DEFAULT_RETENTION_DAYS * 86400, name
        ttl = boto3.client("dynamodb").describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}, name


def test_nothing_recorded_exits_1(config: StackConfig) -> None:
    status, out = _run(["order", "1", "--client", CLIENT], config)
    assert status == 1 and "nothing recorded" in out
