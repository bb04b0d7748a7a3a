"""ProductRepository's sync-state writes against the provisioned table (moto): the conditions that keep
stale readings out."""

from __future__ import annotations

from typing import Any

from tiktok_vtex.repositories.products import ProductRepository, SellerSku


def test_claim_record_and_error_conditions(settings: Any) -> None:
    repo = ProductRepository(settings.tables.products_seller_sku)
    repo.put(SellerSku(client_hash="c", seller_sku="1", tik_tok_product_id="P", tik_tok_sku_id="T1"))
    assert not repo.claim_sync("c", "missing", "stock", {"W": 1}, 10)  # never creates a phantom row
    assert repo.get("c", "missing") is None
    assert repo.claim_sync("c", "1", "stock", {"W": 1}, 20)
    assert not repo.claim_sync("c", "1", "stock", {"W": 2}, 10)  # older than the one in flight
    assert repo.claim_sync("c", "1", "stock", {"W": 1}, 20)  # the same reading, retried
    assert repo.record_sync_sent("c", "1", "stock", {"W": 1}, 20, 1_700_000_000)
    assert not repo.record_sync_sent("c", "1", "stock", {"W": 9}, 15, 1_700_000_001)
    assert not repo.claim_sync("c", "1", "stock", {"W": 1}, 20)  # already sent
    repo.record_sync_error("c", "1", "stock", code="TIKTOK_1", message="x" * 900, at=5)
    row = repo.get("c", "1")
    assert row is not None and row.stock_sent == {"W": 1} and row.stock_read_at_ms == 20
    assert row.stock_error is not None and len(row.stock_error["message"]) == 500
    assert repo.record_sync_sent("c", "1", "price", {"amount": "1.00", "currency": "BRL"}, 30, 2,
                                 price_locked_until=0)
    row = repo.get("c", "1")
    assert row is not None and row.stock_error is not None and row.price_sent == {"amount": "1.00", "currency": "BRL"}
    assert row.price_locked_until == 0 and row.price_error is None
    assert repo.record_sync_sent("c", "1", "stock", {"W": 2}, 40, 3)
    assert repo.get("c", "1").stock_error is None  # a later success clears the error
    repo.record_sync_error("c", "missing", "stock", code="X", message="y", at=1)  # no phantom row either
    assert repo.get("c", "missing") is None
