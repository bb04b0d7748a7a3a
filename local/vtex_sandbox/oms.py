# ruff: noqa: PLR0912, PLR0915 - request validation reads best as one flat sequence of checks
"""OMS API of the VTEX sandbox: start handling, cancel (releasing stock), invoices (Output and return Input),
tracking, order list; and `advance`, the sandbox's way to walk an order through the seller flow."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .fulfillment import FulfillmentArea
from .nfe import demo_nfe
from .records import (
    CANCELLABLE,
    INVOICEABLE,
    SELLER_FLOW,
    OrderRecord,
    SandboxError,
    bad,
    now_iso,
)


class OmsArea(FulfillmentArea):
    """Order management after placement."""

    def start_handling(self, order_id: str) -> None:
        with self.lock:
            record = self.order(order_id)
            if record.data["status"] != "ready-for-handling":
                raise SandboxError(409, "OMS003", "Order status should be ready-for-handling to perform this action")
            self._move(record, "start-handling")
            self._move(record, "handling")

    def cancel(self, order_id: str, body: Any) -> dict[str, Any]:
        """A seller cancellation (`POST /api/oms/pvt/orders/{id}/cancel`). For a marketplace order VTEX first
        asks the marketplace (`{marketplaceServicesEndpoint}/pvt/orders/{id}/cancel`, vtex-api.md 5.7) and
        marks the order canceled only after its 200 (DP-EMI canceled-orders): the request is recorded on the
        order (`cancellationRequests[]`) and the order waits in `cancel` ("Canceling", its stock still
        reserved); the callback's answer decides: 200 -> `canceled`, stock released; a 4xx -> the request
        denied (`deniedBySeller`), the order stays in `cancel` for support, as VTEX orders whose marketplace
        refused do. A request still undecided (the marketplace unreachable) is sent again by the next cancel
        call. Orders nobody listens for (no http(s) endpoint, no callback wired) are canceled at once."""
        reason = body.get("reason") if isinstance(body, dict) else None
        with self.lock:
            record = self.order(order_id)
            status = record.data["status"]
            if status == "canceled":
                return {"date": now_iso(), "orderId": order_id, "receipt": None}
            if status in ("invoice", "invoiced") and not record.returned:
                raise bad(
                    "1", f"Order {order_id} is invoiced and cannot be canceled; post a return (Input) invoice first"
                )
            if status not in CANCELLABLE and status not in ("invoiced", "cancel"):
                raise bad("1", f"Order {order_id} in status {status} cannot be canceled")
            if not self._asks_marketplace(record):
                self._apply_cancel(record, reason)
                self._callback(record, "cancel", {"reason": reason})
                return {"date": now_iso(), "orderId": order_id, "receipt": self._receipt()}
            requests = record.data.get("cancellationRequests") or []
            request = next((r for r in requests if r["id"] in record.cancel_pending), None)
            if request is None:
                request = {
                    "id": self._receipt(),
                    "reason": reason,
                    "cancellationRequestDate": now_iso(),
                    "requestedByUser": False,
                    "deniedBySeller": False,
                    "deniedBySellerReason": None,
                    "cancellationRequestDenyDate": None,
                }
                record.data["cancellationRequests"] = [*requests, request]
                record.data["cancelReason"] = reason  # the order shows the requested reason while canceling
                record.cancel_pending[request["id"]] = False
                record.window_due = None
                if status != "cancel":
                    self._move(record, "cancel")
            if not record.cancel_pending[request["id"]]:  # one callback at a time per request; a repeat re-sends
                request_id = request["id"]  # an undecided one (VTEX retrying an unreachable marketplace)
                record.cancel_pending[request_id] = True
                self._callback(record, "cancel", {"reason": request["reason"]},
                               on_answer=lambda status_code: self._cancel_answered(order_id, request_id,
                                                                                   status_code))
            return {"date": now_iso(), "orderId": order_id, "receipt": request["id"]}

    def _asks_marketplace(self, record: OrderRecord) -> bool:
        endpoint = str(record.data.get("marketplaceServicesEndpoint") or "")
        return getattr(self, "marketplace_callback", None) is not None and endpoint.startswith(
            ("http://", "https://")) and bool(record.data.get("marketplaceOrderId"))

    def _cancel_answered(self, order_id: str, request_id: str, status_code: int | None) -> None:
        """The marketplace's answer to the cancel callback (None: never reached, after the retries)."""
        with self.lock:
            record = self.order(order_id)
            request = next((r for r in record.data.get("cancellationRequests") or [] if r["id"] == request_id), None)
            if request is None or request_id not in record.cancel_pending:
                return
            record.cancel_pending[request_id] = False
            if status_code is None or status_code >= 500 or status_code == 429:
                return  # undecided: the request stays pending
            del record.cancel_pending[request_id]
            if status_code == 200 and record.data["status"] == "cancel":
                self._apply_cancel(record, request["reason"])
                return
            request.update(deniedBySeller=True, cancellationRequestDenyDate=now_iso(),
                           deniedBySellerReason=f"marketplace answered HTTP {status_code}" if status_code != 200
                           else f"order is {record.data['status']}")

    def _apply_cancel(self, record: OrderRecord, reason: str | None) -> None:
        self._release(record)
        record.data["cancelReason"] = reason
        record.data["cancellationData"] = {
            "RequestedByUser": False,
            "RequestedBySystem": False,
            "RequestedBySellerNotification": True,
            "RequestedByPaymentNotification": False,
            "Reason": reason,
            "CancellationDate": now_iso(),
        }
        record.window_due = None
        if record.data["status"] != "cancel":
            self._move(record, "cancel")
        self._move(record, "canceled")

    def _callback(self, record: OrderRecord, tail: str, body: Mapping[str, Any],
                  on_answer: Callable[[int | None], None] | None = None) -> None:
        """VTEX calls the marketplace back (vtex-api.md 5.7); wired by hook_routes (None: nobody listens).
        `on_answer` gets the final HTTP status (None: unreachable) from the delivery thread."""
        send = getattr(self, "marketplace_callback", None)
        if send is not None:
            if on_answer is None:
                send(record.data, tail, body)
            else:
                send(record.data, tail, body, on_answer=on_answer)

    def _release(self, record: OrderRecord) -> None:
        if record.reserved:
            for sku_id, warehouse, quantity in record.reservations:
                row = self._row(sku_id, warehouse)
                row.reserved = max(0, row.reserved - quantity)
            record.reserved = False

    def invoice(self, order_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad("1", "invoice body must be an object")
        invoice_type = body.get("type")
        if invoice_type not in ("Output", "Input"):
            raise bad("1", "type must be Output or Input")
        for name in ("issuanceDate", "invoiceNumber"):
            if not body.get(name) or not isinstance(body[name], str):
                raise bad("1", f"{name} is required")
        value = body.get("invoiceValue")
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("1", "invoiceValue is required, in cents (integer)")
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise bad("1", "items are required")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise bad("CHK0022", "invoice items need an id (string)")
            if isinstance(item.get("price"), bool) or not isinstance(item.get("price"), int):
                raise bad("CHK0025", f"invoice item {item.get('id')} price must be integer cents")
            if isinstance(item.get("quantity"), bool) or not isinstance(item.get("quantity"), int):
                raise bad("CHK0023", f"invoice item {item.get('id')} quantity must be an integer")
        embedded = body.get("embeddedInvoice")
        if embedded is not None:
            if not isinstance(embedded, str):
                raise bad("1", "embeddedInvoice must be a string (the XML)")
            if embedded.lstrip().startswith("<"):
                try:
                    ET.fromstring(embedded)  # noqa: S314 - local sandbox, input from our own tests/demo
                except ET.ParseError as error:
                    raise bad("1", f"embeddedInvoice is not well-formed XML: {error}") from None
        with self.lock:
            record = self.order(order_id)
            status = record.data["status"]
            if status not in INVOICEABLE:
                raise bad("ORD039", f"Order {order_id} is in state {status} and cannot accept invoice")
            order_ids = {i["id"] for i in record.data["items"]}
            for item in items:
                if item["id"] not in order_ids:
                    raise bad("1", f"invoice item {item['id']} is not in order {order_id}")
            package = {
                "type": invoice_type,
                "invoiceNumber": body["invoiceNumber"],
                "invoiceValue": value,
                "invoiceUrl": body.get("invoiceUrl"),
                "invoiceKey": body.get("invoiceKey"),
                "issuanceDate": body["issuanceDate"],
                "embeddedInvoice": embedded,
                "courier": body.get("courier"),
                "trackingNumber": body.get("trackingNumber"),
                "trackingUrl": body.get("trackingUrl"),
                "dispatchedDate": body.get("dispatchedDate"),
                "items": [
                    {
                        "itemIndex": next(i for i, o in enumerate(record.data["items"]) if o["id"] == it["id"]),
                        "quantity": it["quantity"],
                        "price": it["price"],
                        "description": it.get("description"),
                        "unitMultiplier": 1.0,
                    }
                    for it in items
                ],
                "courierStatus": None,
                "cfop": None,
                "volumes": None,
                "EnableInferItems": None,
                "restitutions": {},
                "receipt": self._receipt(),
            }
            record.data["packageAttachment"]["packages"].append(package)
            self._callback(record, "invoice", {k: v for k, v in body.items() if k != "items"} | {
                "invoiceValue": value, "items": [dict(i) for i in items]})
            if invoice_type == "Input":
                record.returned = True
                record.data["allowCancellation"] = True
                for it in items:  # a return puts the goods back on the shelf
                    sku_id = int(it["id"])
                    warehouse = next((w for s, w, _ in record.reservations if s == sku_id), self.warehouses[0])
                    self._row(sku_id, warehouse).total += it["quantity"]
            elif status != "invoiced":
                if record.reserved:  # invoicing consumes the reservation: the goods left the warehouse
                    for sku_id, warehouse, quantity in record.reservations:
                        row = self._row(sku_id, warehouse)
                        row.reserved = max(0, row.reserved - quantity)
                        row.total = max(0, row.total - quantity)
                    record.reserved = False
                record.data["invoicedDate"] = now_iso()
                self._move(record, "invoice")
                self._move(record, "invoiced")
            return {"date": now_iso(), "orderId": order_id, "receipt": package["receipt"]}

    def _package(self, record: OrderRecord, invoice_number: str) -> dict[str, Any]:
        for package in record.data["packageAttachment"]["packages"]:
            if package["invoiceNumber"] == invoice_number:
                return package
        raise SandboxError(404, "ORD038", f"Invoice {invoice_number} not found for order {record.data['orderId']}")

    def tracking(self, order_id: str, invoice_number: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("trackingNumber"):
            raise bad("1", "trackingNumber is required")
        with self.lock:
            record = self.order(order_id)
            package = self._package(record, invoice_number)
            for name in ("trackingNumber", "trackingUrl", "dispatchedDate", "courier"):
                if body.get(name) is not None:
                    package[name] = body[name]
            record.data["lastChange"] = now_iso()
            self._callback(record, f"invoice/{invoice_number}", {
                k: package.get(k) for k in ("trackingNumber", "trackingUrl", "dispatchedDate", "courier")})
            return {"date": now_iso(), "orderId": order_id, "receipt": self._receipt()}

    def tracking_events(self, order_id: str, invoice_number: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("isDelivered"), bool):
            raise bad("1", "isDelivered is required")
        with self.lock:
            record = self.order(order_id)
            package = self._package(record, invoice_number)
            package["courierStatus"] = {
                "status": "delivered" if body["isDelivered"] else "in-transit",
                "finished": body["isDelivered"],
                "deliveredDate": body.get("deliveredDate"),
                "data": list(body.get("events") or []),
            }
            self._callback(record, f"invoice/{invoice_number}/tracking", {
                "isDelivered": body["isDelivered"], "deliveredDate": body.get("deliveredDate"),
                "events": list(body.get("events") or [])})
            return {"date": now_iso(), "orderId": order_id, "receipt": self._receipt()}

    def list_orders(self, status: str | None, affiliate_id: str | None) -> dict[str, Any]:
        rows = [
            r.data
            for r in self.orders.values()
            if (not status or r.data["status"] == status) and (not affiliate_id or r.affiliate_id == affiliate_id)
        ]
        rows.sort(key=lambda d: d["creationDate"], reverse=True)
        summary = [
            {
                k: d[k]
                for k in (
                    "orderId",
                    "creationDate",
                    "status",
                    "statusDescription",
                    "value",
                    "marketplaceOrderId",
                    "affiliateId",
                    "salesChannel",
                )
            }
            for d in rows[:100]
        ]
        return {"list": summary, "paging": {"total": len(rows), "pages": 1, "currentPage": 1, "perPage": 100}}

    def advance(self, order_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Move an order forward to `to`, through the seller flow (hooks fire for every step)."""
        target = body.get("to")
        with self.lock:
            record = self.order(order_id)
            if target == "canceled":
                self.cancel(order_id, {"reason": body.get("reason") or "Cancelado pelo sandbox"})
                return record.data
            if target not in SELLER_FLOW:
                raise bad("1", f"to must be one of {', '.join(SELLER_FLOW)} or canceled")
            if record.data["status"] not in SELLER_FLOW:
                raise bad("1", f"order is {record.data['status']}")
            goal = SELLER_FLOW.index(target)
            if SELLER_FLOW.index(record.data["status"]) >= goal:
                return record.data
            if record.data["status"] == "waiting-ffmt-authorization":
                self.fulfill(order_id, {"marketplaceOrderId": record.data["marketplaceOrderId"]}, None)
            if record.data["status"] == "window-to-cancel" and goal >= SELLER_FLOW.index("ready-for-handling"):
                record.window_due = None
                self._move(record, "ready-for-handling")
            if record.data["status"] == "ready-for-handling" and goal >= SELLER_FLOW.index("handling"):
                self.start_handling(order_id)
            if goal >= SELLER_FLOW.index("invoiced") and record.data["status"] != "invoiced":
                self.invoice(order_id, self.demo_invoice(record, body))
            return record.data

    def demo_invoice(self, record: OrderRecord, body: Mapping[str, Any]) -> dict[str, Any]:
        given = dict(body.get("invoice") or {})
        data = record.data
        number = given.get("invoiceNumber") or str(int(data["sequence"]) + 1000)
        issued = given.get("issuanceDate") or now_iso()
        options = body.get("nfe") if isinstance(body.get("nfe"), dict) else {}
        override = options.get("total_override")
        try:
            total_override = Decimal(str(override)) if override is not None else None
        except ArithmeticError:
            raise bad("1", "nfe.total_override must be a decimal amount") from None
        key, generated = demo_nfe(data, number, issued, total_override=total_override)
        key = given.get("invoiceKey") or key
        xml = body.get("embedded_invoice")
        if xml is None and body.get("with_xml", True):
            xml = generated
        invoice = {
            "type": "Output",
            "invoiceNumber": number,
            "invoiceKey": key,
            "issuanceDate": issued,
            "invoiceValue": data["value"],
            "invoiceUrl": f"https://nfe.example.com.br/{key}.xml",
            "embeddedInvoice": xml,
            "courier": "Transportadora Demo",
            "trackingNumber": None,
            "trackingUrl": None,
            "dispatchedDate": None,
            "items": [
                {"id": i["id"], "price": i["price"], "quantity": i["quantity"], "description": i["name"]}
                for i in data["items"]
            ],
        }
        invoice.update(given)
        return invoice
