"""Where a VTEX invoice comes from, and how its NF-e XML is obtained, for INVOICE's `vtexInvoice` message.

Other flows hand a VTEX invoice to INVOICE with `enqueue_vtex_invoice(...)` (the marketplace invoice
callback `POST .../pvt|pub/orders/{marketplaceOrderId}/invoice`, an invoiced VTEX order). The message is
`VtexInvoiceMessage` (`{type: vtexInvoice, clientHash, orderId, packageId?, invoice: {...}}`): stable.

An NF-e can be up to 1 MB and an SQS message at most 256 KiB, so an `embeddedInvoice` that does not fit is
left out (`embeddedInvoiceOmitted: true`); INVOICE then reads it back from the VTEX order
(`packageAttachment.packages[]` by `invoiceNumber`). The XML is taken, in this order, from: the message's
`embeddedInvoice`; the VTEX order's package (omitted, or no XML in the message but a VTEX order known);
`invoiceUrl`, fetched with httpx (https only, loopback http for the local sandboxes; connect/read
timeouts; at most 1 MB read, the stream is cut beyond that).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from tiktok_vtex.invoices.errors import InvoiceRejected
from tiktok_vtex.invoices.models import VtexInvoiceMessage
from tiktok_vtex.invoices.nfe import MAX_BYTES

SQS_BODY_BUDGET = 250 * 1024  # under SQS's 256 KiB, room for the envelope
FETCH_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
INVOICE_FIELDS = ("type", "invoiceNumber", "invoiceValue", "invoiceKey", "invoiceUrl", "issuanceDate",
                  "embeddedInvoice", "courier", "trackingNumber", "trackingUrl", "items")


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


def vtex_invoice_message(client_hash: str, order_id: str, invoice: Mapping[str, Any], *,
                         package_id: str | None = None, vtex_order_id: str | None = None) -> dict[str, Any]:
    """The queue body of a VtexInvoiceMessage; the XML is left out when it would not fit in SQS."""
    body: dict[str, Any] = {k: invoice[k] for k in INVOICE_FIELDS if invoice.get(k) is not None}
    if vtex_order_id:
        body["vtexOrderId"] = vtex_order_id
    message = {"type": "vtexInvoice", "clientHash": client_hash, "orderId": order_id, "invoice": body}
    if package_id:
        message["packageId"] = package_id
    VtexInvoiceMessage.model_validate(message)  # the contract: fails here, not in INVOICE
    if len(json.dumps(message, separators=(",", ":")).encode()) > SQS_BODY_BUDGET:
        body.pop("embeddedInvoice", None)
        body["embeddedInvoiceOmitted"] = True
    return message


def enqueue_vtex_invoice(invoice_queue: Dispatcher, client_hash: str, order_id: str, invoice: Mapping[str, Any],
                         *, package_id: str | None = None, vtex_order_id: str | None = None) -> dict[str, Any]:
    """Hands one VTEX invoice to INVOICE (the invoice queue). `order_id` is the TikTok order id (VTEX's
    marketplaceOrderId); `invoice` is VTEX's invoice object (callback body or an order's package)."""
    message = vtex_invoice_message(client_hash, order_id, invoice, package_id=package_id,
                                   vtex_order_id=vtex_order_id)
    invoice_queue.send([message])
    return message


def vtex_order_invoiced_message(client_hash: str, order_id: str, vtex_order_id: str | None = None) -> dict[str, Any]:
    """`vtexOrderInvoiced` for the invoice queue: a flow that only knows "this VTEX order is invoiced" (the
    orders hook) lets INVOICE read the order and queue its invoices."""
    message = {"type": "vtexOrderInvoiced", "clientHash": client_hash, "orderId": order_id}
    if vtex_order_id:
        message["vtexOrderId"] = vtex_order_id
    return message


def invoiced_packages(order: Any) -> list[Any]:
    """Output packages of a VTEX order (VtexOrder) that carry an NF-e (embeddedInvoice or invoiceUrl)."""
    packages = getattr(getattr(order, "packageAttachment", None), "packages", None) or []
    return [p for p in packages if (p.type or "Output") == "Output" and (p.embeddedInvoice or p.invoiceUrl)]


def enqueue_vtex_order_invoices(invoice_queue: Dispatcher, client_hash: str, order_id: str,
                                order: Any) -> list[dict[str, Any]]:
    """An invoiced VTEX order: one VtexInvoiceMessage per Output package with an NF-e."""
    messages = [vtex_invoice_message(client_hash, order_id, p.model_dump(mode="json"), vtex_order_id=order.orderId)
                for p in invoiced_packages(order)]
    if messages:
        invoice_queue.send(messages)
    return messages


# --- getting the XML ------------------------------------------------------------------------------------
def check_invoice_url(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host in _LOOPBACK_HOSTS:
        return url  # the local sandboxes only: http on loopback
    if parts.scheme != "https" or not host:
        raise InvoiceRejected("invoice_url", "invoiceUrl", "must be an https URL")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not address.is_global:  # a literal private / link-local / metadata address: never fetched
        raise InvoiceRejected("invoice_url", "invoiceUrl", "points to a non-public address")
    return url


def fetch_invoice_xml(url: str, http: httpx.Client, *, max_bytes: int = MAX_BYTES) -> bytes:
    """GET the NF-e at invoiceUrl. A refusal (bad URL, 4xx, too large, not XML) is an InvoiceRejected;
    a timeout, a connection error or a 5xx raises httpx's error (the queue retries)."""
    check_invoice_url(url)
    with http.stream("GET", url, timeout=FETCH_TIMEOUT, follow_redirects=False) as response:
        if 400 <= response.status_code < 500 or 300 <= response.status_code < 400:
            raise InvoiceRejected("invoice_url", "invoiceUrl", f"answered HTTP {response.status_code}")
        response.raise_for_status()
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise InvoiceRejected("size", "invoiceUrl", f"the file exceeds TikTok's {max_bytes // 1024} KiB "
                                                            "limit (download stopped)")
    return bytes(body)


def xml_of(message: VtexInvoiceMessage, *, vtex_order: Callable[[str], Any] | None,
           vtex_order_id: str | None, http: Callable[[], httpx.Client]) -> bytes:
    """The NF-e of a VtexInvoiceMessage (see the module docstring for the order of sources)."""
    invoice = message.invoice
    embedded = invoice.get("embeddedInvoice")
    if isinstance(embedded, str) and embedded.strip():
        return embedded.lstrip("\ufeff").encode("utf-8")
    order_id = str(invoice.get("vtexOrderId") or vtex_order_id or "")
    if order_id and vtex_order is not None:
        number = invoice.get("invoiceNumber")
        order = vtex_order(order_id)
        package = next((p for p in invoiced_packages(order) if not number or p.invoiceNumber == number), None)
        if package is not None and package.embeddedInvoice:
            return package.embeddedInvoice.lstrip("\ufeff").encode("utf-8")
        if package is not None and package.invoiceUrl and not invoice.get("invoiceUrl"):
            invoice = {**invoice, "invoiceUrl": package.invoiceUrl}
    url = invoice.get("invoiceUrl")
    if isinstance(url, str) and url.strip():
        return fetch_invoice_xml(url.strip(), http())
    raise InvoiceRejected("xml", "embeddedInvoice", "the VTEX invoice carries no NF-e XML (embeddedInvoice) "
                                                    "and no invoiceUrl")
