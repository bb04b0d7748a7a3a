"""INVOICE: validate an NF-e against its order and upload it to TikTok, at most once per
(package, access key).

Nothing is uploaded when a rule fails; the reason (rule + field) goes on the order (`invoice_error`) and in
TikTokLogOrder. The claim is a conditional write on the order; a crash after the upload leaves the claim
re-takable, and TikTok's 10007014 (invoice already exists) then counts as success. Transient TikTok errors
propagate (the client already retried with backoff): the queue redelivers, the claim is re-taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.clients.tiktok.errors import TikTokApiError, TikTokNotFound
from tiktok_vtex.invoices.errors import InvoiceRejected
from tiktok_vtex.invoices.models import InvoiceState
from tiktok_vtex.invoices.nfe import MAX_BYTES, NfeDocument
from tiktok_vtex.invoices.validation import FiscalSettings, expectation_from_tiktok_order, validate_invoice
from tiktok_vtex.models.client import ClientSettings
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.base import ConditionFailed
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.shipping.storage import DocumentStore, invoice_xml_key

INVOICE_EXISTS = 10007014
PACKAGE_NOT_FOUND_CODES = frozenset({21011001, 4002})
METRIC_REFUSED = "InvoiceRefusedBeforeUpload"
METRIC_UPLOADED = "InvoiceUploaded"
_BUSY = (InvoiceState.UPLOADED, InvoiceState.PROCESSING, InvoiceState.ACCEPTED)


class TikTokInvoicePort(Protocol):
    def get_order_details(self, order_ids: Any) -> list[dict[str, Any]]: ...

    def get_package(self, package_id: str) -> dict[str, Any]: ...

    def upload_invoice(self, package_id: str, order_ids: Any, xml_bytes: bytes) -> Any: ...


@dataclass(frozen=True)
class UploadResult:
    outcome: str  # uploaded | already_uploaded | refused
    package_id: str | None = None
    access_key: str | None = None
    rule: str | None = None
    field: str | None = None
    message: str | None = None


def fiscal_settings(settings: ClientSettings) -> FiscalSettings:
    """`connector_settings.fiscal` ({"cnpj": "..."}) of the client's shop link."""
    raw = (settings.model_extra or {}).get("fiscal") or {}
    return FiscalSettings.model_validate(raw if isinstance(raw, dict) else {})


def decode_xml(text: str) -> bytes:
    """The legacy payload carries the XML as a string: UTF-8 bytes, accents preserved (no re-encoding
    of the declaration; a BOM is dropped)."""
    return text.lstrip("\ufeff").encode("utf-8")


class InvoiceUploader:
    def __init__(self, *, orders: OrderRepository, tiktok: Callable[[str], TikTokInvoicePort],
                 client_settings: Callable[[str], ClientSettings], store: DocumentStore, log: LogRepository,
                 clock: Callable[[], float] = time.time) -> None:
        self.orders = orders
        self.tiktok = tiktok
        self.client_settings = client_settings
        self.store = store
        self.log = log
        self.clock = clock

    # ------------------------------------------------------------------------------------------------
    def submit(self, client_hash: str, order_id: str, xml: bytes, *, package_id: str | None = None,
               source: str = "legacy", reupload_of: str | None = None) -> UploadResult:
        try:
            return self._submit(client_hash, order_id, xml, package_id=package_id, source=source,
                                reupload_of=reupload_of)
        except InvoiceRejected as rejected:
            return self.refuse(client_hash, order_id, package_id, rejected, source=source)

    def _submit(self, client_hash: str, order_id: str, xml: bytes, *, package_id: str | None, source: str,
                reupload_of: str | None) -> UploadResult:
        if len(xml) > MAX_BYTES:  # before anything else: a 6 MB body is never parsed
            raise InvoiceRejected("size", "file", f"{len(xml)} bytes exceeds TikTok's 1 MB limit")
        record = self.orders.get(client_hash, order_id)
        if record is None:
            raise InvoiceRejected("order", "orderId", "unknown order for this client (not in ssxml_tik_tok_orders)")
        tiktok = self.tiktok(client_hash)
        details = tiktok.get_order_details([order_id])
        detail = next((d for d in details if str(d.get("id")) == order_id), None)
        if detail is None:
            raise InvoiceRejected("order", "orderId", "TikTok does not know this order in the client's shop")
        order_packages = [str(p.get("id")) for p in detail.get("packages") or [] if p.get("id")]
        if package_id is None:
            candidates = order_packages or list(record.package_ids)
            if len(candidates) != 1:
                raise InvoiceRejected("package", "packageId",
                                      f"the order has {len(candidates)} packages: say which one the NF-e covers")
            package_id = candidates[0]
        if order_packages and package_id not in order_packages:
            raise InvoiceRejected("package", "packageId", "the package does not belong to this order")
        try:
            package = tiktok.get_package(package_id)
        except (TikTokNotFound, TikTokApiError) as error:
            if isinstance(error, TikTokNotFound) or error.code in PACKAGE_NOT_FOUND_CODES:
                raise InvoiceRejected("package", "packageId", "unknown package in the client's shop") from None
            raise
        package_orders = [str(o.get("id")) for o in package.get("orders") or [] if o.get("id")] or [order_id]
        if order_id not in package_orders:
            raise InvoiceRejected("package", "packageId", "the package does not belong to this order")
        fiscal = fiscal_settings(self.client_settings(client_hash))
        document = validate_invoice(xml, expectation_from_tiktok_order(detail), fiscal)
        if reupload_of and reupload_of != document.access_key:
            raise InvoiceRejected("access_key", "infNFe/@Id", "the stored XML does not carry the expected key")
        if not self._claim(client_hash, order_id, package_id, document, retry=bool(reupload_of)):
            return self._already(client_hash, order_id, package_id, document)
        s3_key = invoice_xml_key(client_hash, order_id, document.access_key)
        self.store.put(s3_key, xml, "application/xml")
        result = tiktok.upload_invoice(package_id, package_orders, xml)
        codes = {e.code for e in result.errors}
        if codes - {INVOICE_EXISTS}:
            first = next(e for e in result.errors if e.code != INVOICE_EXISTS)
            raise InvoiceRejected("tiktok_upload", "invoices[0]", f"TikTok refused the upload: {first.code} "
                                                                  f"{first.message[:200]}")
        outcome = "already_uploaded" if INVOICE_EXISTS in codes else "uploaded"
        now = int(self.clock())
        self.orders.set_attributes(
            client_hash, order_id, invoice_state=InvoiceState.UPLOADED.value, invoice_access_key=document.access_key,
            invoice_package_id=package_id, invoice_number=document.number, invoice_series=document.series,
            invoice_total=str(document.total), invoice_xml_key=s3_key, invoice_uploaded_at=now,
            invoice_source=source, invoice_updated_at=now)
        self.log.append(client_hash, "invoice_uploaded", order_id, {
            "package_id": package_id, "access_key": document.access_key, "outcome": outcome, "source": source})
        metrics.add_metric(name=METRIC_UPLOADED, unit=MetricUnit.Count, value=1)
        logger.info("invoice uploaded", extra={"client_hash": client_hash, "order_id": order_id,
                                               "package_id": package_id, "outcome": outcome})
        return UploadResult(outcome, package_id, document.access_key)

    # ------------------------------------------------------------------------------------------------
    def _claim(self, client_hash: str, order_id: str, package_id: str, document: NfeDocument, *,
               retry: bool) -> bool:
        """UPLOADING with this key, if nothing else is pending: first invoice, a refused one, a previous
        claim of the same key (crash), a rejected invoice replaced by another key, or a scheduled retry."""
        now = int(self.clock())
        values = {":uploading": InvoiceState.UPLOADING.value, ":refused": InvoiceState.REFUSED.value,
                  ":rejected": InvoiceState.REJECTED.value, ":key": document.access_key, ":pkg": package_id}
        condition = ("attribute_not_exists(invoice_state) OR invoice_state = :refused "
                     "OR (invoice_state = :rejected AND invoice_access_key <> :key) "
                     "OR (invoice_state = :uploading AND invoice_access_key = :key AND invoice_package_id = :pkg)")
        if retry:
            values[":retry"] = InvoiceState.RETRY_SCHEDULED.value
            condition += " OR (invoice_state = :retry AND invoice_access_key = :key)"
        try:
            self.orders.set_attributes(
                client_hash, order_id, condition=f"attribute_exists(order_id) AND ({condition})",
                condition_values=values, invoice_state=InvoiceState.UPLOADING.value,
                invoice_access_key=document.access_key, invoice_package_id=package_id, invoice_updated_at=now)
        except ConditionFailed:
            return False
        return True

    def _already(self, client_hash: str, order_id: str, package_id: str, document: NfeDocument) -> UploadResult:
        """The claim failed: an idempotent repeat (success) or a duplicate invoice (refused)."""
        record = self.orders.get(client_hash, order_id)
        extra = (record.model_extra or {}) if record else {}
        state, key = extra.get("invoice_state"), extra.get("invoice_access_key")
        if key == document.access_key and extra.get("invoice_package_id") == package_id and state in {
                s.value for s in _BUSY} | {InvoiceState.RETRY_SCHEDULED.value}:
            logger.info("invoice already uploaded (idempotent repeat)", extra={
                "client_hash": client_hash, "order_id": order_id, "package_id": package_id, "state": state})
            return UploadResult("already_uploaded", package_id, document.access_key)
        if key == document.access_key and state == InvoiceState.REJECTED.value:
            raise InvoiceRejected("duplicate", "infNFe/@Id",
                                  "TikTok already rejected this access key; issue a corrected NF-e")
        raise InvoiceRejected("duplicate", "infNFe/@Id",
                              f"the package already has another invoice in state {state}")

    def refuse(self, client_hash: str, order_id: str, package_id: str | None, rejected: InvoiceRejected, *,
                source: str) -> UploadResult:
        now = int(self.clock())
        record = rejected.as_record() | {"at": str(now), "source": source}
        if rejected.rule != "order":
            # A refusal never overwrites an invoice already with TikTok (a duplicate, a second broken file).
            busy = {f":b{i}": s.value for i, s in enumerate((*_BUSY, InvoiceState.RETRY_SCHEDULED))}
            try:
                self.orders.set_attributes(
                    client_hash, order_id, condition=f"attribute_exists(order_id) AND (attribute_not_exists("
                    f"invoice_state) OR NOT invoice_state IN ({', '.join(busy)}))", condition_values=busy,
                    invoice_state=InvoiceState.REFUSED.value, invoice_error=record, invoice_updated_at=now)
            except ConditionFailed:
                self.orders.update_existing(client_hash, order_id, invoice_last_refusal=record,
                                            invoice_updated_at=now)
        self.log.append(client_hash, "invoice_refused", order_id, {"package_id": package_id or "", **record})
        metrics.add_metric(name=METRIC_REFUSED, unit=MetricUnit.Count, value=1)
        logger.warning("invoice refused before upload", extra={"client_hash": client_hash, "order_id": order_id,
                                                               "rule": rejected.rule, "field": rejected.field,
                                                               "reason": rejected.message})
        return UploadResult("refused", package_id, None, rejected.rule, rejected.field, rejected.message)
