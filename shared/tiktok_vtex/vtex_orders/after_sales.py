"""TikTok after-sales -> VTEX: buyer cancellation requests, return requests and completed returns.

Run by PEDIDOS-novo-pedido-TTK for the orders-queue messages that pushes 11 and 12 produce (orders.events):
- `answerBuyerCancellation` (push 11, a BUYER request pending): per-client policy
  `after_sales.buyer_cancellation` (default `auto_approve_before_handling`): approved on TikTok while VTEX
  has not started handling the order (or it is not in VTEX yet); TikTok then cancels the order and its push
  1 / 11 cancels the VTEX order through the existing path. Otherwise (VTEX handling, `manual` policy) left to
  the seller: recorded and the `BuyerCancellationNeedsSeller` metric (alarm).
- `answerReturnRequest` (push 12, a request pending): policy `after_sales.returns` (default `manual`: left to
  the seller, recorded); `auto_approve` approves it on TikTok (APPROVE_REFUND / APPROVE_RETURN).
- `returnInvoiceInVtex` (push 12, REFUND / RETURN_AND_REFUND completed): one Input (return) invoice on the
  VTEX order for the returned items at the prices VTEX holds (VTEX restocks them). Exactly once per return:
  the invoice number is `DEV-<return_id>`, and the VTEX order's packages are read first: a repeat (or a
  crash after VTEX accepted) finds it there and posts nothing. REPLACEMENT is recorded and alerted.
Every decision is stored on the order (`after_sales`, `last_action`) and in the order log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from tiktok_vtex.clients.tiktok.errors import TikTokApiError
from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexNotFound
from tiktok_vtex.clients.vtex.models import Invoice, InvoiceItem, OmsReceipt, VtexOrder
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.vtex_orders.tiktok_cancel import OrderLog

# VTEX has started handling the order from these statuses on: a buyer request is then the seller's call.
HANDLING_STARTED = frozenset({"start-handling", "handling", "invoice", "invoiced"})
REFUND_TYPES = frozenset({"REFUND", "RETURN_AND_REFUND"})
RETURN_DONE = frozenset({"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"})
RETURN_PENDING = frozenset({"RETURN_OR_REFUND_REQUEST_PENDING", "REPLACEMENT_REQUEST_PENDING"})
METRIC_CANCEL_NEEDS_SELLER = "BuyerCancellationNeedsSeller"
METRIC_REPLACEMENT = "ReturnReplacementNeedsSeller"
METRIC_RETURN_INVOICED = "ReturnInvoicePostedInVtex"
METRIC_RETURN_NOT_INVOICED = "ReturnInvoiceNotPosted"


class AfterSalesPolicy(BaseModel):
    """`connector_settings.after_sales` of a client."""

    model_config = ConfigDict(extra="ignore")

    buyer_cancellation: Literal["auto_approve_before_handling", "manual"] = "auto_approve_before_handling"
    returns: Literal["manual", "auto_approve"] = "manual"


def policy_of(settings: ClientSettings) -> AfterSalesPolicy:
    return AfterSalesPolicy.model_validate((settings.model_extra or {}).get("after_sales") or {})


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    client_hash: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
                             validation_alias=AliasChoices("clientHash", "client_hash"))
    order_id: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("orderId", "order_id"))


class BuyerCancellationMessage(_Message):
    type: Literal["answerBuyerCancellation"]
    cancel_id: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("cancelId", "cancel_id"))


class ReturnRequestMessage(_Message):
    type: Literal["answerReturnRequest"]
    return_id: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("returnId", "return_id"))
    return_type: str | None = Field(default=None, validation_alias=AliasChoices("returnType", "return_type"))


class ReturnInvoiceMessage(_Message):
    type: Literal["returnInvoiceInVtex"]
    return_id: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("returnId", "return_id"))


class TikTokAfterSalesPort(Protocol):
    def approve_cancellation(self, cancel_id: str, *, idempotency_key: str | None = None) -> Any: ...

    def approve_return(self, return_id: str, decision: str = ..., *, buyer_keep_item: bool | None = None,
                       partial_refund: Mapping[str, str] | None = None,
                       idempotency_key: str | None = None) -> Any: ...

    def search_returns(self, filters: Mapping[str, Any] | None = None, page_size: int = 50,
                       page_token: str | None = None) -> Any: ...


class VtexReturnsPort(Protocol):
    def get_order(self, vtex_order_id: str) -> VtexOrder: ...

    def send_invoice(self, vtex_order_id: str, invoice: Invoice | Mapping[str, Any]) -> OmsReceipt: ...


class SkuLookup(Protocol):
    def get_many(self, client_hash: str, seller_skus: list[str]) -> dict[str, Any]: ...


def return_invoice_number(return_id: str) -> str:
    return f"DEV-{return_id}"


@dataclass
class AfterSales:
    orders: OrderRepository
    tiktok: Callable[[str], TikTokAfterSalesPort]
    vtex: Callable[[str], VtexReturnsPort]
    skus: SkuLookup
    client_settings: Callable[[str], ClientSettings]
    log: OrderLog | None = None
    clock: Callable[[], float] = time.time

    # ------------------------------------------------------------------ buyer cancellation requests
    def answer_cancellation(self, client_hash: str, order_id: str, cancel_id: str) -> str:
        policy = policy_of(self.client_settings(client_hash))
        record = self.orders.get(client_hash, order_id)
        vtex_status = None
        if record is not None and record.vtex_order:
            try:
                vtex_status = self.vtex(client_hash).get_order(record.vtex_order).status
            except VtexNotFound:
                vtex_status = None
        if policy.buyer_cancellation == "manual" or vtex_status in HANDLING_STARTED:
            why = "policy manual" if policy.buyer_cancellation == "manual" else f"VTEX order is {vtex_status}"
            metrics.add_metric(name=METRIC_CANCEL_NEEDS_SELLER, unit=MetricUnit.Count, value=1)
            logger.warning("buyer cancellation request left to the seller",
                           extra={"client_hash": client_hash, "order_id": order_id, "reason": why})
            return self._store(client_hash, order_id, "buyer_cancellation", "left_to_seller", cancel_id=cancel_id,
                               detail=why)
        try:
            self.tiktok(client_hash).approve_cancellation(cancel_id, idempotency_key=f"approve-{cancel_id}")
        except TikTokApiError as error:
            if error.retryable:
                raise
            # already decided (the buyer withdrew it, or the seller answered in Seller Center): recorded
            return self._store(client_hash, order_id, "buyer_cancellation", "not_approved", cancel_id=cancel_id,
                               detail=f"TikTok refused the approval (code {error.code})")
        return self._store(client_hash, order_id, "buyer_cancellation", "approved", cancel_id=cancel_id,
                           detail=f"VTEX status {vtex_status or 'not placed'}")

    # ------------------------------------------------------------------ return requests
    def answer_return(self, client_hash: str, order_id: str, return_id: str, return_type: str | None) -> str:
        policy = policy_of(self.client_settings(client_hash))
        if policy.returns != "auto_approve":
            return self._store(client_hash, order_id, "return_request", "left_to_seller", return_id=return_id,
                               detail="policy manual")
        decision = {"RETURN_AND_REFUND": "APPROVE_RETURN", "REPLACEMENT": "APPROVE_REPLACEMENT"}.get(
            (return_type or "").upper(), "APPROVE_REFUND")
        try:
            self.tiktok(client_hash).approve_return(return_id, decision, idempotency_key=f"approve-{return_id}")
        except TikTokApiError as error:
            if error.retryable:
                raise
            return self._store(client_hash, order_id, "return_request", "not_approved", return_id=return_id,
                               detail=f"TikTok refused the approval (code {error.code})")
        return self._store(client_hash, order_id, "return_request", "approved", return_id=return_id,
                           detail=decision)

    # ------------------------------------------------------------------ completed returns
    def return_invoice(self, client_hash: str, order_id: str, return_id: str) -> str:
        record = self.orders.get(client_hash, order_id)
        if record is None or not record.vtex_order:
            return self._not_invoiced(client_hash, order_id, return_id, "no VTEX order of ours for this order")
        returned = self._returned_units(client_hash, order_id, return_id)
        if returned is None:
            return self._not_invoiced(client_hash, order_id, return_id, "TikTok does not return this return")
        return_type, units = returned
        if return_type == "REPLACEMENT":
            metrics.add_metric(name=METRIC_REPLACEMENT, unit=MetricUnit.Count, value=1)
            return self._store(client_hash, order_id, "return_invoice", "replacement_left_to_seller",
                               return_id=return_id, detail="REPLACEMENT: ship the replacement from VTEX")
        vtex = self.vtex(client_hash)
        order = vtex.get_order(record.vtex_order)
        number = return_invoice_number(return_id)
        if any(p.invoiceNumber == number and p.type == "Input" for p in order.packages):
            return self._store(client_hash, order_id, "return_invoice", "already_posted", return_id=return_id,
                               detail=number)
        items = self._invoice_items(client_hash, order, units)
        if not items:
            return self._not_invoiced(client_hash, order_id, return_id, "no returned item matches the VTEX order")
        invoice = Invoice(type="Input", invoiceNumber=number, invoiceValue=sum(i.price * i.quantity for i in items),
                          issuanceDate=datetime.fromtimestamp(self.clock(), UTC).date().isoformat(), items=items)
        vtex.send_invoice(record.vtex_order, invoice)
        metrics.add_metric(name=METRIC_RETURN_INVOICED, unit=MetricUnit.Count, value=1)
        return self._store(client_hash, order_id, "return_invoice", "posted", return_id=return_id,
                           detail=f"{number}: {sum(i.quantity for i in items)} units, {invoice.invoiceValue} cents")

    def _returned_units(self, client_hash: str, order_id: str, return_id: str) -> tuple[str, dict[str, int]] | None:
        page = self.tiktok(client_hash).search_returns({"return_ids": [return_id], "order_ids": [order_id]},
                                                       page_size=10)
        items = getattr(page, "items", page if isinstance(page, list) else [])
        found = next((r for r in items if str(r.get("return_id")) == return_id), None)
        if found is None:
            return None
        units: dict[str, int] = {}
        for line in found.get("return_line_items") or []:  # one line per unit (202309 model)
            sku = str(line.get("seller_sku") or "").strip()
            if sku:
                units[sku] = units.get(sku, 0) + 1
        return str(found.get("return_type") or "").upper(), units

    def _invoice_items(self, client_hash: str, order: VtexOrder, units: Mapping[str, int]) -> list[InvoiceItem]:
        mapped = self.skus.get_many(client_hash, sorted(units))
        by_vtex_id = {str(getattr(m, "vtex_sku_id", "") or ""): units[sku] for sku, m in mapped.items()}
        items = []
        for item in order.items:
            quantity = min(by_vtex_id.get(str(item.id), 0), item.quantity or 0)
            if quantity > 0:
                price = item.sellingPrice if item.sellingPrice is not None else (item.price or 0)
                items.append(InvoiceItem(id=item.id, price=price, quantity=quantity, description=item.name))
        return items

    def _not_invoiced(self, client_hash: str, order_id: str, return_id: str, why: str) -> str:
        metrics.add_metric(name=METRIC_RETURN_NOT_INVOICED, unit=MetricUnit.Count, value=1)
        logger.error("completed return not invoiced in VTEX", extra={"client_hash": client_hash,
                                                                     "order_id": order_id, "reason": why})
        if self.orders.get(client_hash, order_id) is None:
            self._log(client_hash, order_id, "return_invoice_not_posted", {"return_id": return_id, "reason": why})
            return "return_for_unknown_order"
        return self._store(client_hash, order_id, "return_invoice", "not_posted", return_id=return_id, detail=why)

    def _store(self, client_hash: str, order_id: str, action: str, outcome: str, *, detail: str,
               **ids: str) -> str:
        now = int(self.clock())
        entry = {"action": action, "outcome": outcome, "detail": detail[:500], "at": now, **ids}
        self.orders.update_existing(client_hash, order_id, **{f"after_sales_{action}": entry}, last_action=entry)
        self._log(client_hash, order_id, f"{action}_{outcome}", entry)
        return f"{action}:{outcome}"

    def _log(self, client_hash: str, order_id: str, kind: str, details: Mapping[str, Any]) -> None:
        if self.log is None:
            return
        try:
            self.log.append(client_hash, kind, order_id, details)
        except Exception:
            logger.exception("order log write failed", extra={"order_id": order_id})


AfterSalesMessage = BuyerCancellationMessage | ReturnRequestMessage | ReturnInvoiceMessage


def post_full_return(vtex: VtexReturnsPort, order: VtexOrder, *, clock: Callable[[], float] = time.time) -> bool:
    """A TikTok cancellation reached an invoiced VTEX order (issue 15): VTEX refuses to cancel an invoiced order
    until a return (Input) invoice is posted, so one is posted for every item (`DEV-<VTEX order id>`, at the
    prices VTEX holds; VTEX restocks them). True when the order now has it (posted now or before: a repeat
    posts nothing); False when there is nothing to return or VTEX refused (the caller records and alerts)."""
    number = f"DEV-{order.orderId}"
    if any(p.invoiceNumber == number and p.type == "Input" for p in order.packages):
        return True
    items = [InvoiceItem(id=i.id, quantity=i.quantity, description=i.name,
                         price=i.sellingPrice if i.sellingPrice is not None else (i.price or 0))
             for i in order.items if i.quantity > 0]
    if not items:
        return False
    invoice = Invoice(type="Input", invoiceNumber=number, invoiceValue=sum(i.price * i.quantity for i in items),
                      issuanceDate=datetime.fromtimestamp(clock(), UTC).date().isoformat(), items=items)
    try:
        vtex.send_invoice(order.orderId, invoice)
    except VtexApiError as error:
        if error.retryable or error.status is None:
            raise
        logger.error("VTEX refused the return invoice of a cancelled order",
                     extra={"vtex_order": order.orderId, "status": error.status})
        return False
    metrics.add_metric(name=METRIC_RETURN_INVOICED, unit=MetricUnit.Count, value=1)
    return True
