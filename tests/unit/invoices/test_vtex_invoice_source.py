"""The third invoice source: a VTEX invoice (callback, or an invoiced VTEX order's package) -> VtexInvoiceMessage
on the invoice queue -> INVOICE's same validation and upload. XML from embeddedInvoice, the VTEX order (when
the message had to leave it out), or invoiceUrl (httpx: https, timeouts, 1 MB cap)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.unit.invoices.fakes_fiscal import CLIENT, ORDER, PACKAGE, good_xml
from tiktok_vtex.clients.vtex.models import OrderPackage, PackageAttachment, VtexOrder
from tiktok_vtex.invoices.models import VtexInvoiceMessage
from tiktok_vtex.invoices.sources import (
    SQS_BODY_BUDGET,
    enqueue_vtex_invoice,
    vtex_invoice_message,
    vtex_order_invoiced_message,
)

VTEX_ORDER = "1500000000001-01"


class Queue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, messages: Any) -> int:
        self.sent.extend(json.loads(json.dumps(m)) for m in messages)  # what SQS would carry
        return 1


class Vtex:
    def __init__(self, package: OrderPackage, marketplace_order: str = ORDER) -> None:
        self.order = VtexOrder(orderId=VTEX_ORDER, status="invoiced", marketplaceOrderId=marketplace_order,
                               packageAttachment=PackageAttachment(packages=[package]))
        self.reads = 0

    def get_order(self, vtex_order_id: str) -> VtexOrder:
        assert vtex_order_id == VTEX_ORDER
        self.reads += 1
        return self.order


class Deps:
    """FiscalWiring's surface used by INVOICE's VTEX paths, over the moto tables and bucket of `fiscal`."""

    def __init__(self, fiscal: dict[str, Any], vtex: Vtex, served: httpx.MockTransport | None = None) -> None:
        self.orders = fiscal["orders"]
        self._fiscal = fiscal
        self._vtex = vtex
        self._http = httpx.Client(transport=served or httpx.MockTransport(lambda r: httpx.Response(599)))
        self.queue = Queue()

    def uploader(self) -> Any:
        return self._fiscal["uploader"]

    def vtex(self, client_hash: str) -> Vtex:
        return self._vtex

    def http(self) -> httpx.Client:
        return self._http

    def invoice_queue(self) -> Queue:
        return self.queue


def run(message: dict[str, Any], deps: Deps) -> dict[str, Any]:
    from invoice import handler

    return handler.run(handler.parse(message), deps)  # type: ignore[arg-type]


def package(**fields: Any) -> OrderPackage:
    return OrderPackage(type="Output", invoiceNumber="777", invoiceValue=24470, **fields)


def test_invoiced_vtex_order_queues_its_invoice_and_it_is_uploaded(fiscal: dict[str, Any]) -> None:
    xml = good_xml()
    deps = Deps(fiscal, Vtex(package(embeddedInvoice=xml.decode())))
    answer = run(vtex_order_invoiced_message(CLIENT, ORDER), deps)
    assert answer == {"outcome": "queued", "invoices": 1, "vtex_status": "invoiced"}
    [message] = deps.queue.sent
    VtexInvoiceMessage.model_validate(message)
    assert message["invoice"]["vtexOrderId"] == VTEX_ORDER and message["invoice"]["embeddedInvoice"] == xml.decode()
    result = run(message, deps)
    assert (result["outcome"], result["package_id"]) == ("uploaded", PACKAGE)
    assert fiscal["tiktok"].uploads[0]["xml"] == xml  # accents intact (UTF-8 through JSON and back)
    assert fiscal["orders"].get(CLIENT, ORDER).model_extra["invoice_source"] == "vtex"


def test_an_xml_too_big_for_sqs_is_left_out_and_read_back_from_the_vtex_order(fiscal: dict[str, Any]) -> None:
    xml = good_xml()
    padded = xml.decode().replace("</infCpl>", " " * (SQS_BODY_BUDGET + 1) + "</infCpl>", 1)
    message = vtex_invoice_message(CLIENT, ORDER, {"type": "Output", "invoiceNumber": "777",
                                                   "embeddedInvoice": padded})
    assert "embeddedInvoice" not in message["invoice"] and message["invoice"]["embeddedInvoiceOmitted"] is True
    assert len(json.dumps(message)) < 256 * 1024
    vtex = Vtex(package(embeddedInvoice=xml.decode()))
    result = run(message, Deps(fiscal, vtex))  # vtex_order from the order record
    assert result["outcome"] == "uploaded" and vtex.reads == 1


def test_invoice_url_is_fetched_with_httpx(fiscal: dict[str, Any]) -> None:
    xml = good_xml()
    calls: list[httpx.Request] = []

    def serve(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=xml, headers={"Content-Type": "application/xml"})

    deps = Deps(fiscal, Vtex(package()), httpx.MockTransport(serve))
    queue = Queue()
    enqueue_vtex_invoice(queue, CLIENT, ORDER, {"type": "Output", "invoiceNumber": "777",
                                                "invoiceUrl": "https://nfe.example.com.br/777.xml"})
    result = run(queue.sent[0], deps)
    assert result["outcome"] == "uploaded" and str(calls[0].url) == "https://nfe.example.com.br/777.xml"


@pytest.mark.parametrize(("url", "served", "rule"), [
    ("http://nfe.example.com.br/1.xml", None, "invoice_url"),  # not https
    ("https://169.254.169.254/latest/meta-data", None, "invoice_url"),  # metadata / private address
    ("https://nfe.example.com.br/gone.xml", httpx.Response(404), "invoice_url"),
    ("https://nfe.example.com.br/moved.xml", httpx.Response(302, headers={"Location": "http://10.0.0.1/"}),
     "invoice_url"),  # redirects are not followed
    ("https://nfe.example.com.br/huge.xml", httpx.Response(200, content=b"<a>" + b"x" * (1024 * 1024) + b"</a>"),
     "size"),
    ("https://nfe.example.com.br/html", httpx.Response(200, content=b"<html><body>login</body></html>"), "xml"),
])
def test_bad_invoice_urls_are_refused_and_recorded(fiscal: dict[str, Any], url: str, served: Any,
                                                   rule: str) -> None:
    deps = Deps(fiscal, Vtex(package()), httpx.MockTransport(lambda _r: served or httpx.Response(200, content=b"")))
    result = run(vtex_invoice_message(CLIENT, ORDER, {"type": "Output", "invoiceUrl": url}), deps)
    assert (result["outcome"], result["rule"]) == ("refused", rule)
    assert fiscal["tiktok"].uploads == []
    record = fiscal["orders"].get(CLIENT, ORDER).model_extra
    assert record["invoice_state"] == "REFUSED" and record["invoice_error"]["rule"] == rule


def test_a_timeout_fetching_invoice_url_raises_for_the_queue_to_retry(fiscal: dict[str, Any]) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    deps = Deps(fiscal, Vtex(package()), httpx.MockTransport(slow))
    with pytest.raises(httpx.ReadTimeout):
        run(vtex_invoice_message(CLIENT, ORDER, {"type": "Output", "invoiceUrl": "https://nfe.example/1.xml"}),
            deps)
    assert "invoice_state" not in fiscal["orders"].get(CLIENT, ORDER).model_extra  # nothing recorded as refused


def test_no_xml_anywhere_and_return_invoices(fiscal: dict[str, Any]) -> None:
    deps = Deps(fiscal, Vtex(package(invoiceKey="1" * 44)))
    assert run({"type": "vtexOrderInvoiced", "clientHash": CLIENT, "orderId": ORDER}, deps)["outcome"] == "no_invoice"
    result = run(vtex_invoice_message(CLIENT, ORDER, {"type": "Output", "invoiceNumber": "777"}), deps)
    assert (result["outcome"], result["field"]) == ("refused", "embeddedInvoice")
    assert run(vtex_invoice_message(CLIENT, ORDER, {"type": "Input", "invoiceNumber": "9"}), deps)["outcome"] == \
        "ignored"


def test_a_vtex_order_of_another_marketplace_order_is_refused(fiscal: dict[str, Any]) -> None:
    deps = Deps(fiscal, Vtex(package(embeddedInvoice=good_xml().decode()), marketplace_order="999"))
    result = run({"type": "vtexOrderInvoiced", "clientHash": CLIENT, "orderId": ORDER}, deps)
    assert (result["outcome"], result["field"]) == ("refused", "vtexOrderId") and deps.queue.sent == []
