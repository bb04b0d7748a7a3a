"""{FunctionPrefix}WEBHOOK-processor: consumes the webhook queue (ledger write + routing by type).

SQS with partial batch failures: a failed push is retried alone, then lands in the DLQ with its reason in
the ledger (outcome `failed`). See tiktok_vtex.webhooks.routing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.auth import lifecycle
from tiktok_vtex.dispatch import AsyncInvoker, QueuePublisher
from tiktok_vtex.invoices.delayed import DelayedQueue
from tiktok_vtex.invoices.outcomes import InvoiceOutcomes
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.orders.events import OrderEvents
from tiktok_vtex.parsing import MessageParser
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.repositories.products import ProductRepository
from tiktok_vtex.repositories.webhook_events import WebhookEventRepository
from tiktok_vtex.settings import Settings, get_settings
from tiktok_vtex.webhooks.routing import IntakeMessage, PushRouter


class InvalidIntakeMessage(ValueError):
    pass


# The queue body is what the intake hot path wrote; Powertools parses it into IntakeMessage before
# record_handler runs (a record that does not validate is logged and ends in the DLQ).
PARSER: MessageParser[IntakeMessage] = MessageParser("webhook", IntakeMessage, InvalidIntakeMessage)
processor = PARSER.processor()


class LifecycleAuth:
    """Pushes 6 and 7 go to the authorization logic (issue 5's tiktok_vtex.auth.lifecycle)."""

    def __init__(self, clients: ClientRepository) -> None:
        self.clients = clients

    def deauthorized(self, client_hash: str, shop_id: str, message: str | None) -> str:
        result = lifecycle.handle_seller_deauthorization(client_hash, shop_id, message, clients=self.clients)
        return f"deauthorized:{result.status}"

    def authorization_expiring(self, client_hash: str, shop_id: str, expiration_time: int,
                               message: str | None) -> str:
        result = lifecycle.handle_authorization_expiring(client_hash, shop_id, expiration_time, message,
                                                         clients=self.clients)
        return f"expiry_recorded:{result.detail}"


def build_router(settings: Settings) -> PushRouter:
    tables = settings.tables
    orders = OrderRepository(tables.orders)
    shipping = QueuePublisher(settings.require("SHIPPING_QUEUE_URL"))
    # Push 36: the invoice outcomes (shipping, delayed re-upload on the invoice queue, rejection + alarm).
    invoices = InvoiceOutcomes(orders=orders, shipping_queue=shipping,
                               reupload_queue=DelayedQueue(settings.require("INVOICE_QUEUE_URL")),
                               log=LogRepository(tables.log_order),
                               max_reuploads=int(settings.extra.get("INVOICE_MAX_REUPLOADS") or 5))
    return PushRouter(
        ledger=WebhookEventRepository(tables.webhook_events),
        orders=OrderEvents(orders, QueuePublisher(settings.require("ORDERS_QUEUE_URL")), shipping, invoices),
        products=ProductRepository(tables.products_seller_sku),
        product_log=LogRepository(tables.log_product),
        auth=LifecycleAuth(ClientRepository(tables.client, tables.client_tiktok)),
        stock=AsyncInvoker(settings.function_name("ESTOQUE-VTEX-busca-estoque-sku")),
    )


@cache
def router() -> PushRouter:
    return build_router(get_settings())


def record_handler(record: Any) -> str:
    return router().process(record.body)  # record: PARSER's SqsRecordModel, its body an IntakeMessage


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
