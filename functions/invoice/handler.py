"""{FunctionPrefix}INVOICE: NF-e validated against its order, then uploaded to TikTok (Brazil).

Triggers: the invoice queue (SQS, partial batch failures), direct invokes with the legacy payload
`{clientHash, packageId?, orderId, invoiceXml}`, and a schedule (the push 36 sweep). Queue messages of ours:
`reuploadInvoice` (SEFAZ delay), `vtexInvoice` (VTEX invoice callback / invoiced order's package: XML from
embeddedInvoice, the VTEX order, or invoiceUrl), `vtexOrderInvoiced` (read the VTEX order, queue its
invoices), `invoiceStatus` (push 36), `sweepInvoices`. Logic: tiktok_vtex.invoices.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools.utilities.typing import LambdaContext

from invoice.wiring import FiscalWiring, wiring
from tiktok_vtex.invocation import route_event
from tiktok_vtex.invoices.errors import InvoiceRejected
from tiktok_vtex.invoices.models import (
    InvoiceMessage,
    InvoiceStatusMessage,
    ReuploadInvoiceMessage,
    SweepInvoicesMessage,
    UploadInvoiceMessage,
    VtexInvoiceMessage,
    VtexOrderInvoicedMessage,
)
from tiktok_vtex.invoices.sources import enqueue_vtex_order_invoices, xml_of
from tiktok_vtex.invoices.sweep import sweep_missing_push36
from tiktok_vtex.invoices.upload import UploadResult, decode_xml
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.parsing import MessageParser
from tiktok_vtex.shipping.storage import invoice_xml_key


class InvalidInvoiceMessage(ValueError):
    pass


def _typed(payload: Any) -> Any:
    if isinstance(payload, dict) and "type" not in payload and "invoiceXml" in payload:
        return {**payload, "type": "uploadInvoice"}  # the legacy payload has no type
    return payload


# SQS bodies and invoke payloads parsed by Powertools into InvoiceMessage (tiktok_vtex.parsing).
PARSER: MessageParser[Any] = MessageParser("INVOICE", InvoiceMessage, InvalidInvoiceMessage, prepare=_typed,
                                           drop_tag=True)
processor = PARSER.processor()
parse = PARSER.parse


def _result(result: UploadResult) -> dict[str, Any]:
    return {k: v for k, v in asdict(result).items() if v is not None}


def run(message: Any, deps: FiscalWiring, context: LambdaContext | None = None) -> dict[str, Any]:
    if isinstance(message, UploadInvoiceMessage):
        return _result(deps.uploader().submit(message.client_hash, message.order_id,
                                              decode_xml(message.invoice_xml), package_id=message.package_id,
                                              source=message.source))
    if isinstance(message, ReuploadInvoiceMessage):
        xml = deps.store().get(invoice_xml_key(message.client_hash, message.order_id, message.access_key))
        return _result(deps.uploader().submit(message.client_hash, message.order_id, xml,
                                              package_id=message.package_id, source=f"reupload#{message.attempt}",
                                              reupload_of=message.access_key))
    if isinstance(message, VtexInvoiceMessage):
        return vtex_invoice(message, deps)
    if isinstance(message, VtexOrderInvoicedMessage):
        return vtex_order_invoiced(message, deps)
    if isinstance(message, InvoiceStatusMessage):
        outcome = deps.outcomes().handle(message.client_hash, message.package_id, message.order_ids,
                                         status=message.invoice_status, reason=message.invalid_reason,
                                         now=message.received_at)
        return {"outcome": outcome}
    if isinstance(message, SweepInvoicesMessage):
        return sweep(deps, context, older_than_minutes=message.older_than_minutes)
    raise InvalidInvoiceMessage(f"unsupported message {type(message).__name__}")  # pragma: no cover


def vtex_invoice(message: VtexInvoiceMessage, deps: FiscalWiring) -> dict[str, Any]:
    """A VTEX invoice (callback or invoiced order's package): its XML, then the same INVOICE logic."""
    uploader = deps.uploader()
    if str(message.invoice.get("type") or "Output") != "Output":
        return {"outcome": "ignored", "reason": "not an Output (sale) invoice"}  # Input = a return
    record = deps.orders.get(message.client_hash, message.order_id)
    try:
        xml = xml_of(message, vtex_order=lambda order_id: deps.vtex(message.client_hash).get_order(order_id),
                     vtex_order_id=record.vtex_order if record else None, http=deps.http)
    except InvoiceRejected as rejected:
        return _result(uploader.refuse(message.client_hash, message.order_id, message.package_id, rejected,
                                       source="vtex"))
    return _result(uploader.submit(message.client_hash, message.order_id, xml, package_id=message.package_id,
                                   source="vtex"))


def vtex_order_invoiced(message: VtexOrderInvoicedMessage, deps: FiscalWiring) -> dict[str, Any]:
    record = deps.orders.get(message.client_hash, message.order_id)
    vtex_order_id = message.vtex_order_id or (record.vtex_order if record else None)
    if not vtex_order_id:
        return _result(deps.uploader().refuse(message.client_hash, message.order_id, None, InvoiceRejected(
            "order", "vtexOrderId", "no VTEX order known for this TikTok order"), source="vtex"))
    order = deps.vtex(message.client_hash).get_order(vtex_order_id)
    if order.marketplaceOrderId and order.marketplaceOrderId != message.order_id:
        return _result(deps.uploader().refuse(message.client_hash, message.order_id, None, InvoiceRejected(
            "order", "vtexOrderId", "the VTEX order belongs to another marketplace order"), source="vtex"))
    queued = enqueue_vtex_order_invoices(deps.invoice_queue(), message.client_hash, message.order_id, order)
    return {"outcome": "queued" if queued else "no_invoice", "invoices": len(queued), "vtex_status": order.status}


def sweep(deps: FiscalWiring, context: LambdaContext | None, *, older_than_minutes: int = 30) -> dict[str, Any]:
    report = sweep_missing_push36(
        deps.orders, now=int(time.time()), older_than_seconds=older_than_minutes * 60, tiktok=deps.tiktok,
        time_left_ms=context.get_remaining_time_in_millis if context is not None else None)
    logger.info("invoice sweep done", extra={"checked": report.checked, "missing": len(report.missing),
                                             "complete": report.complete})
    return {"outcome": "swept", "checked": report.checked, "missing": report.missing, "complete": report.complete}


def record_handler(record: Any) -> dict[str, Any]:
    result = run(record.body, wiring())  # record: PARSER's SqsRecordModel, its body an InvoiceMessage
    logger.info("INVOICE message handled", extra={"outcome": result.get("outcome")})
    return result


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def invoke(message: Any) -> dict[str, Any]:
        body = run(message, wiring(), context)
        # A refused invoice is an answer, not a failure: recorded, 422 to the caller, never retried.
        status = 422 if body.get("outcome") == "refused" else 200
        return {"statusCode": status, "body": {"message": "Success" if status == 200 else "Refused", **body}}

    return route_event(event, context, processor=processor, record_handler=record_handler, parse=parse,
                       invalid=InvalidInvoiceMessage, invalid_log="invalid INVOICE invoke", invoke=invoke,
                       scheduled=lambda: {"statusCode": 200, "body": sweep(wiring(), context)})
