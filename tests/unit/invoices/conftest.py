from __future__ import annotations

from typing import Any

import pytest

from tests.unit.invoices.fakes_fiscal import CLIENT, ORDER, FakeTikTok, fiscal_settings
from tiktok_vtex.invoices.upload import InvoiceUploader
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.shipping.storage import S3DocumentStore


class Clock:
    def __init__(self, now: float = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fiscal(stack: Any, settings: Any) -> dict[str, Any]:
    """The stack's tables and bucket in moto, an order placed in VTEX, fake TikTok."""
    orders = OrderRepository(settings.tables.orders)
    orders.set_attributes(CLIENT, ORDER, sync_state=SyncState.AUTHORIZED.value, vtex_order="1500000000001-01",
                          updated_at=1_800_000_000, status="AWAITING_SHIPMENT")
    clock = Clock()
    tiktok = FakeTikTok()
    store = S3DocumentStore(stack.physical_ids["FiscalDocumentsBucket"])
    log = LogRepository(settings.tables.log_order)
    uploader = InvoiceUploader(orders=orders, tiktok=lambda _h: tiktok, client_settings=lambda _h: fiscal_settings(),
                               store=store, log=log, clock=clock)
    return {"orders": orders, "tiktok": tiktok, "store": store, "log": log, "uploader": uploader, "clock": clock,
            "stack": stack, "settings": settings}
