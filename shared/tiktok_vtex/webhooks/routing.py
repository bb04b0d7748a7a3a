"""Behind the queue: record each accepted push in the ledger and route it by TikTok's type number.

| type | action |
|---|---|
| 1 | order status rule (orders.events): create when unknown and paid, else update, never backwards |
| 2, 11, 12 | recorded on the order; a completed cancellation cancels the VTEX order (orders queue) |
| 3 | address refresh queued for the orders function |
| 4 | package ids of each order refreshed |
| 1 (CANCELLED), 11 (done) | also: the order's SKUs' stock re-synced at once (forced `triggerPepareSkuStockBatch`) |
| 5, 15, 16, 37 | product status / info / creation / audit on the seller-SKU rows + product log; never backwards |
| 6, 7 | authorization logic (auth.lifecycle) |
| 27 | recorded, and the SKU's stock re-synced (ESTOQUE-VTEX-busca-estoque-sku, triggerPepareSkuStock) |
| 36 | invoice status: SUCCESS -> shipping queue; INVALID / FAILED -> reason on the order + alert |
| 99 | vtex_order / vtex_status on the order |
| other | recorded as unhandled |

A message that fails is marked `failed` in the ledger and raised, so SQS redelivers it (then its DLQ);
the ledger write is conditional, so a redelivery does not duplicate the record.

Product pushes are unordered and retried for hours, so each SKU row keeps the `update_time` of the last
push applied, one attribute per push type (`product_update_time_5`, `_15`, `_16`, `_37`: a status push
and an information push are about different fields, so a newer type 15 must not block an older but
latest type 5). The write is conditional on that time (<=: a redelivery of the same push re-applies it
idempotently); an older push is logged as stale and changes nothing. Without update_time the envelope's
timestamp is used; with neither, the push is applied unconditionally (nothing to order it by).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.dispatch import FunctionNotDeployed
from tiktok_vtex.observability import logger
from tiktok_vtex.orders.events import OrderEvents
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.products import SellerSku
from tiktok_vtex.repositories.webhook_events import WebhookEvent, WebhookEventRepository, event_key
from tiktok_vtex.webhooks import models as m
from tiktok_vtex.webhooks.intake import ledger_partition


class IntakeMessage(BaseModel):
    """What the hot path put on the queue."""

    model_config = ConfigDict(extra="ignore")

    kind: str = "push"
    dedup_key: str = Field(min_length=1)
    received_ms: int
    type: int
    shop_id: str | None = None
    client_hash: str | None = None
    body: str


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


class ProductStore(Protocol):
    def find_by_tiktok_product(self, tik_tok_product_id: str, client_hash: str | None = None) -> list[SellerSku]: ...

    def update(self, client_hash: str, seller_sku: str, *, condition: str | None = None,
               condition_values: dict[str, Any] | None = None, **attributes: Any) -> dict[str, Any]: ...


class ChangeLog(Protocol):
    def append(self, client_hash: str, kind: str, subject: str, details: Mapping[str, Any]) -> str: ...


class AuthEvents(Protocol):
    def deauthorized(self, client_hash: str, shop_id: str, message: str | None) -> str: ...

    def authorization_expiring(self, client_hash: str, shop_id: str, expiration_time: int,
                               message: str | None) -> str: ...


@dataclass
class PushRouter:
    ledger: WebhookEventRepository
    orders: OrderEvents
    products: ProductStore
    product_log: ChangeLog
    auth: AuthEvents
    stock: Dispatcher
    clock: Callable[[], float] = time.time

    def process(self, message: IntakeMessage) -> str:
        push = m.parse_push(json.loads(message.body))
        partition = ledger_partition(push.type, message.shop_id, message.client_hash)
        key = event_key(message.received_ms, message.dedup_key)
        ids = push.subject_ids()
        self.ledger.record(WebhookEvent(
            shop_id=partition, event_key=key, dedup_key=message.dedup_key, type=push.type,
            received_at=message.received_ms // 1000, outcome="received", client_hash=message.client_hash,
            push_shop_id=message.shop_id if partition != message.shop_id else None,
            order_id=ids.get("order_id"), product_id=ids.get("product_id"), payload=message.body))
        try:
            outcome = self._route(push, message)
        except (ClientDeauthorized, ClientNotAuthorized) as error:
            # Nothing can be done for this client until it authorizes again: recorded, not retried.
            outcome = "client_not_authorized"
            self.ledger.set_outcome(partition, key, outcome, detail=str(error))
            return outcome
        except Exception as error:
            self.ledger.set_outcome(partition, key, "failed", detail=f"{type(error).__name__}: {error}")
            raise
        self.ledger.set_outcome(partition, key, outcome)
        logger.info("push processed", extra={"push_type": push.type, "outcome": outcome,
                                             "client_hash": message.client_hash})
        return outcome

    def _route(self, push: m.Push, message: IntakeMessage) -> str:  # noqa: PLR0911, PLR0912 (the routing table)
        client_hash = message.client_hash
        if not client_hash:
            return "orphan"
        data = push.data
        now = int(self.clock())
        if data is None:
            return "unhandled_type"
        if isinstance(data, m.OrderStatusData):
            return self._after_cancel(client_hash, data.order_id, self.orders.order_status(
                client_hash, data.order_id, data.order_status, data.update_time, now))
        if isinstance(data, m.ReverseStatusData):
            return self.orders.reverse(client_hash, data.order_id, data.model_dump(mode="json"), now)
        if isinstance(data, m.CancellationData):
            return self._after_cancel(client_hash, data.order_id, self.orders.cancellation(
                client_hash, data.order_id, cancel_status=data.cancel_status, cancel_id=data.cancel_id,
                role=data.cancellations_role, now=now))
        if isinstance(data, m.ReturnData):
            return self.orders.return_status(client_hash, data.order_id, return_status=data.return_status,
                                             return_id=data.return_id, return_type=data.return_type,
                                             role=data.return_role, now=now)
        if isinstance(data, m.RecipientAddressData):
            return self.orders.address_changed(client_hash, data.order_id)
        if isinstance(data, m.PackageUpdateData):
            return self.orders.packages_changed(
                client_hash, [(p.package_id, p.order_id_list) for p in data.package_list], sc_type=data.sc_type,
                now=now)
        if isinstance(data, m.InvoiceStatusData):
            return self.orders.invoice_status(client_hash, data.package_id, data.order_ids,
                                              status=data.invoice_status, reason=data.invalid_reason, now=now)
        if isinstance(data, m.VtexOrderCreatedData):
            return self.orders.vtex_order_created(client_hash, data.order_id_TTK, data.order_group_VTEX,
                                                  data.order_status_vtex, now)
        if isinstance(data, m.DeauthorizationData):
            return self.auth.deauthorized(client_hash, str(push.shop_id), data.message)
        if isinstance(data, m.AuthorizationExpiringData):
            return self.auth.authorization_expiring(client_hash, str(push.shop_id), data.expiration_time,
                                                    data.message)
        if isinstance(data, m.InventoryStatusData):
            return self._inventory(client_hash, data)
        if isinstance(data, m.ProductStatusData | m.ProductInformationData | m.ProductCreationData
                      | m.ProductAuditData):
            return self._product(client_hash, push.type, data, now, push.envelope.timestamp)
        return "unhandled_type"

    def _product(self, client_hash: str, push_type: int, data: Any, now: int, timestamp: int | None) -> str:
        product_id = str(data.product_id)
        pushed_at = data.update_time if data.update_time is not None else timestamp
        attributes: dict[str, Any] = {}
        condition: str | None = None
        condition_values: dict[str, Any] | None = None
        if pushed_at is not None:
            ordered_by = f"product_update_time_{push_type}"  # not a reserved word: no placeholder needed
            attributes[ordered_by] = pushed_at
            condition = (f"attribute_exists(client_hash) AND (attribute_not_exists({ordered_by}) "
                         f"OR {ordered_by} <= :pushed_at)")
            condition_values = {":pushed_at": pushed_at}
        attributes["product_updated_at"] = now
        details: dict[str, Any] = {"push_type": push_type, "tik_tok_product_id": product_id,
                                   "update_time": pushed_at}
        if isinstance(data, m.ProductStatusData):
            attributes["product_status"] = data.status
            if data.suspended_reason:
                attributes["suspended_reason"] = data.suspended_reason
            details.update(status=data.status, suspended_reason=data.suspended_reason)
        elif isinstance(data, m.ProductAuditData):
            attributes["audit_status"] = data.audit.status
            attributes["audit_pre_approved_reasons"] = data.audit.pre_approved_reasons
            details.update(audit_status=data.audit.status, pre_approved_reasons=data.audit.pre_approved_reasons)
        elif isinstance(data, m.ProductInformationData):
            attributes["info_changed_fields"] = data.changed_fields
            attributes["info_change_source"] = data.change_source or ""
            details.update(changed_fields=data.changed_fields, change_source=data.change_source)
        else:
            attributes["product_types"] = data.product_types
            attributes["tiktok_created_at"] = data.update_time or now
            details.update(product_types=data.product_types)
        skus = self.products.find_by_tiktok_product(product_id, client_hash)
        applied, stale = [], []
        for sku in skus:
            try:
                self.products.update(client_hash, sku.seller_sku, condition=condition,
                                     condition_values=condition_values, **attributes)
                applied.append(sku.seller_sku)
            except ConditionFailed:  # a newer push of this type was applied already (or the row is gone)
                stale.append(sku.seller_sku)
        details["seller_skus"] = applied
        if stale:
            details["stale_seller_skus"] = stale
        self.product_log.append(client_hash, f"push_{push_type}", product_id,
                                {k: v for k, v in details.items() if v is not None})
        if not skus:
            return "unknown_product_logged"
        return "product_updated" if applied else "stale_product_push"

    def _after_cancel(self, client_hash: str, order_id: str, outcome: str) -> str:
        """A cancelled order: TikTok gave its units back to its own stock, which then shows more than VTEX
        holds until the VTEX cancellation lands and the next sync; re-sync the order's SKUs now (issue 10,
        forced: the value last sent has not changed, TikTok's has). Through the stock fetch step, whose
        updates join the shop's FIFO group. A redelivered push re-emits it (idempotent)."""
        if outcome not in ("cancel_requested", "cancelled"):
            return outcome
        order = self.orders.orders.get(client_hash, order_id)
        units = (order.model_extra or {}).get("sku_units") if order is not None else None
        if isinstance(units, Mapping) and units:
            try:
                self.stock.send([{"type": "triggerPepareSkuStockBatch", "clientHash": client_hash,
                                  "sku": sorted(str(sku) for sku in units)[:500], "force": True}])
            except FunctionNotDeployed as error:  # a stack without the stock function: the cancel still counts
                logger.warning("cancelled order's stock re-sync not sent", extra={
                    "client_hash": client_hash, "order_id": order_id, "reason": str(error)})
        return outcome

    def _inventory(self, client_hash: str, data: m.InventoryStatusData) -> str:
        skus = self.products.find_by_tiktok_product(str(data.product_id), client_hash)
        match = next((s for s in skus if s.tik_tok_sku_id == data.sku_id), None)
        if match is None and len(skus) == 1 and not skus[0].tik_tok_sku_id:
            match = skus[0]
        if match is None:
            self.product_log.append(client_hash, "push_27_unknown_sku", str(data.product_id),
                                    {"sku_id": data.sku_id, "status": data.current_inventory_status})
            return "unknown_sku_logged"
        self.products.update(client_hash, match.seller_sku, inventory_status=data.current_inventory_status or "",
                             inventory_status_at=int(self.clock()))
        self.stock.send([{"type": "triggerPepareSkuStock", "clientHash": client_hash, "sku": match.seller_sku}])
        return "stock_resync_requested"
