"""{FunctionPrefix}PEDIDOS-novo-pedido-TTK: TikTok orders into VTEX, exactly once.

Triggers: the orders queue (SQS, partial batch failures) and direct invokes with the legacy payload
`{"type": "triggerNewOrderInTTK", "clientHash", "orderId"}`. Internal queue messages (from pushes):
`cancelOrderInVtex`, `refreshOrderAddress` and `recordOrderUnits`. Logic: tiktok_vtex.orders.placement.
"""

from __future__ import annotations

from typing import Any

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools.utilities.typing import LambdaContext

from orders.wiring import OrdersWiring, wiring
from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.orders.models import (
    AddressUpdateMessage,
    CancelOrderMessage,
    NewOrderMessage,
    OrderMessage,
    RecordUnitsMessage,
)
from tiktok_vtex.parsing import MessageParser
from tiktok_vtex.vtex_orders.after_sales import (
    AfterSales,
    AfterSalesMessage,
    BuyerCancellationMessage,
    ReturnInvoiceMessage,
    ReturnRequestMessage,
)


class InvalidOrderMessage(ValueError):
    pass


# SQS bodies and invoke payloads are parsed by Powertools into an OrderMessage, or (issue 15) one of the
# after-sales answers (pushes 11 / 12) that ride the same queue (tiktok_vtex.parsing).
PARSER: MessageParser[OrderMessage | AfterSalesMessage] = MessageParser(
    "orders", OrderMessage | AfterSalesMessage, InvalidOrderMessage)  # type: ignore[arg-type]
processor = PARSER.processor()
parse = PARSER.parse


def after_sales(deps: OrdersWiring) -> AfterSales:
    return AfterSales(orders=deps.orders, tiktok=deps.tiktok, vtex=deps.vtex, skus=deps.products,
                      client_settings=deps.client_settings, log=deps.order_log)


def run(message: OrderMessage | AfterSalesMessage, deps: OrdersWiring) -> str:
    placer = deps.placer()
    try:
        if isinstance(message, BuyerCancellationMessage):
            outcome = after_sales(deps).answer_cancellation(message.client_hash, message.order_id, message.cancel_id)
        elif isinstance(message, ReturnRequestMessage):
            outcome = after_sales(deps).answer_return(message.client_hash, message.order_id, message.return_id,
                                                      message.return_type)
        elif isinstance(message, ReturnInvoiceMessage):
            outcome = after_sales(deps).return_invoice(message.client_hash, message.order_id, message.return_id)
        elif isinstance(message, NewOrderMessage):
            outcome = placer.create(message.client_hash, message.order_id)
        elif isinstance(message, CancelOrderMessage):
            outcome = placer.cancel(message.client_hash, message.order_id, message.reason)
        elif isinstance(message, AddressUpdateMessage):
            outcome = placer.refresh_address(message.client_hash, message.order_id)
        elif isinstance(message, RecordUnitsMessage):
            outcome = placer.record_units(message.client_hash, message.order_id)
        else:  # pragma: no cover - the union is exhaustive
            raise InvalidOrderMessage(f"unsupported message {type(message).__name__}")
    except (ClientDeauthorized, ClientNotAuthorized) as error:
        # Nothing to retry until the seller authorizes again: recorded on the order, not redelivered.
        deps.orders.set_attributes(message.client_hash, message.order_id, blocked_reason=str(error)[:500])
        logger.warning("order skipped: client not authorized", extra={"client_hash": message.client_hash,
                                                                      "order_id": message.order_id})
        return "client_not_authorized"
    logger.info("orders message handled", extra={"type": message.type, "client_hash": message.client_hash,
                                                  "order_id": message.order_id, "outcome": outcome})
    return outcome


def record_handler(record: Any) -> str:
    return run(record.body, wiring())  # record: the SqsRecordModel of PARSER, its body already an OrderMessage


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A direct invoke raises on transient failures: Lambda's async retries (and the sweep) take over.
    return route_event(event, context, processor=processor, record_handler=record_handler, parse=parse,
                       invalid=InvalidOrderMessage, invalid_log="invalid PEDIDOS-novo-pedido-TTK invoke",
                       invoke=lambda message: {"statusCode": 200, "body": {"message": "Success",
                                                                           "outcome": run(message, wiring())}})
