"""The data-access layer against the template's own tables (moto): keys, GSIs, conditions, paging."""

from __future__ import annotations

import pytest

from tiktok_vtex.models.client import Client, ClientSettings, ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.base import ConditionFailed, DynamoTable
from tiktok_vtex.repositories.clients import ClientNotFound, ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.products import ProductRepository, SellerSku


@pytest.fixture
def clients(settings) -> ClientRepository:
    return ClientRepository(settings.tables.client, settings.tables.client_tiktok)


def test_client_hash_by_shop_code_uses_the_gsi(clients: ClientRepository) -> None:
    clients.put_client(Client(client_hash="h1", tik_tok_shop_store_id="BRBRLC3LWLWR"))
    clients.put_client(Client(client_hash="h2", tik_tok_shop_store_id="OTHER"))
    assert clients.find_client_hash_by_shop_code("BRBRLC3LWLWR") == "h1"
    assert clients.find_client_hash_by_shop_code("NOPE") is None


def test_shop_link_by_shop_id_prefers_the_active_link(clients: ClientRepository) -> None:
    clients.put_shop_link(ShopLink(client_hash="old", tik_tok_shop_store_id="7496", status=ShopLinkStatus.DEAUTHORIZED))
    clients.put_shop_link(ShopLink(client_hash="new", tik_tok_shop_store_id="7496",
                                   status=ShopLinkStatus.TOKEN_GENERATED,
                                   connector_settings=ClientSettings(order_hold_minutes=5)))
    link = clients.find_shop_link_by_shop_id("7496")
    assert link is not None and link.client_hash == "new" and link.is_active
    assert link.connector_settings.order_hold_minutes == 5
    assert clients.find_shop_link_by_shop_id("missing") is None


def test_active_clients_by_status(clients: ClientRepository) -> None:
    for i, status in enumerate([ShopLinkStatus.TOKEN_GENERATED, ShopLinkStatus.UNUSED, ShopLinkStatus.TOKEN_GENERATED]):
        clients.put_shop_link(ShopLink(client_hash=f"c{i}", status=status))
    assert sorted(clients.iter_client_hashes()) == ["c0", "c2"]
    clients.set_status("c2", ShopLinkStatus.DEAUTHORIZED)
    assert list(clients.iter_client_hashes()) == ["c0"]


def test_require_shop_link_names_the_client(clients: ClientRepository) -> None:
    with pytest.raises(ClientNotFound, match="ghost"):
        clients.require_shop_link("ghost")


def test_conditional_put_raises_condition_failed(settings) -> None:
    table = DynamoTable(settings.tables.orders)
    item = {"client_hash": "h", "order_id": "1", "status": "AWAITING_SHIPMENT"}
    table.put(item, condition="attribute_not_exists(order_id)")
    with pytest.raises(ConditionFailed):
        table.put(item, condition="attribute_not_exists(order_id)")


def test_query_follows_pagination_and_batch_get(settings) -> None:
    products = ProductRepository(settings.tables.products_seller_sku)
    skus = [SellerSku(client_hash="h", seller_sku=f"{i:06d}", tik_tok_product_id=f"p{i // 3}") for i in range(230)]
    products.put_many(skus)
    # A small page size forces several pages through LastEvaluatedKey.
    table = products.table
    seen = list(table.query(KeyConditionExpression="client_hash = :h", ExpressionAttributeValues={":h": "h"},
                            Limit=25))
    assert len(seen) == 230
    assert [s.seller_sku for s in products.iter_client_skus("h")][:2] == ["000000", "000001"]
    found = products.get_many("h", [f"{i:06d}" for i in range(0, 230, 2)] + ["missing"])
    assert len(found) == 115 and "missing" not in found
    assert sorted(s.seller_sku for s in products.find_by_tiktok_product("p3", "h")) == ["000009", "000010", "000011"]


def test_numbers_round_trip_as_int_and_updates_are_conditional(settings) -> None:
    products = ProductRepository(settings.tables.products_seller_sku)
    products.put(SellerSku(client_hash="h", seller_sku="880408"))
    products.update("h", "880408", last_stock_quantity=7, last_stock_read_at=100)
    with pytest.raises(ConditionFailed):
        products.update("h", "880408", condition="last_stock_read_at < :t", condition_values={":t": 50},
                        last_stock_quantity=1, last_stock_read_at=50)
    row = products.table.get({"client_hash": "h", "seller_sku": "880408"})
    assert row is not None and row["last_stock_quantity"] == 7 and isinstance(row["last_stock_quantity"], int)


def test_log_entries_are_ordered_and_expire(settings) -> None:
    now = [1_700_000_000.0]
    logs = LogRepository(settings.tables.log_stock, clock=lambda: now[0], retention_days=1)
    logs.append("h", "stock", "880408", {"quantity": 5})
    now[0] += 1
    logs.append("h", "stock", "880409", {"quantity": 0})
    entries = list(logs.entries("h"))
    assert [e["subject"] for e in entries] == ["880408", "880409"]
    assert entries[0]["expires_at"] == 1_700_000_000 + 86400


def test_a_none_attribute_is_removed_not_a_failed_update(settings) -> None:
    """Defect: `set_attributes(..., invoice_reason=None)` sent an unbound `:vN` (the resource API drops None
    values) and the whole UpdateItem failed. None now REMOVES the attribute (it no longer applies); the
    other attributes of the same call are written, and a caller's condition still applies."""
    from tiktok_vtex.repositories.orders import OrderRepository

    orders = OrderRepository(settings.tables.orders)
    orders.set_attributes("h", "o1", invoice_status="INVALID", invoice_reason="NOT_FOUND")
    record = orders.set_attributes("h", "o1", invoice_status="SUCCESS", invoice_reason=None)
    assert (record.invoice_status, record.invoice_reason) == ("SUCCESS", None)
    stored = orders.table.get({"client_hash": "h", "order_id": "o1"})
    assert stored is not None and "invoice_reason" not in stored and stored["invoice_status"] == "SUCCESS"
    with pytest.raises(ConditionFailed):  # a condition still works when a later value is None
        orders.set_attributes("h", "o1", condition="invoice_status = :x", condition_values={":x": "other"},
                              invoice_status="X", invoice_reason=None)

    products = ProductRepository(settings.tables.products_seller_sku)
    products.put(SellerSku(client_hash="h", seller_sku="880408"))
    products.update("h", "880408", suspended_reason="X", product_status="OK")
    row = products.update("h", "880408", suspended_reason=None, product_status="ACTIVE")
    assert "suspended_reason" not in row and row["product_status"] == "ACTIVE"

    clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)
    clients.put_shop_link(ShopLink(client_hash="h", status=ShopLinkStatus.TOKEN_GENERATED))
    clients.update_shop_link("h", deauthorization_last_push_at=5)
    link = clients.update_shop_link("h", deauthorization_last_push_at=None, status="deauthorized")
    assert "deauthorization_last_push_at" not in (link.model_extra or {})
