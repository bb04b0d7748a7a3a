"""{FunctionPrefix}VTEX-ORDERS-processor: consumes the VTEX orders queue (verified hook deliveries).

SQS with partial batch failures: a transient failure (VTEX or TikTok unavailable) is retried alone, then
lands in the DLQ (VtexOrdersDLQAlarm). An invalid message is a failure too (it cannot come from our intake):
Powertools parses each record's body into a VtexHookMessage (tiktok_vtex.parsing), and a refused record is
logged with the fields it lacks and goes to the DLQ after its retries. Logic: tiktok_vtex.vtex_orders.sync.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models.sqs import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.parsing import MessageParser
from tiktok_vtex.vtex_orders.models import VtexHookMessage
from vtex_orders.wiring import wiring


class InvalidVtexOrdersMessage(ValueError):
    pass


PARSER: MessageParser[VtexHookMessage] = MessageParser("VTEX orders", VtexHookMessage, InvalidVtexOrdersMessage)
processor = PARSER.processor()


def record_handler(record: SqsRecordModel) -> str:
    message: VtexHookMessage = record.body
    try:
        outcome = wiring().sync().on_hook(message)
    except (ClientDeauthorized, ClientNotAuthorized):
        # TikTok cannot be called until the seller authorizes again: recorded, not redelivered forever.
        logger.warning("VTEX hook delivery skipped: client not authorized on TikTok",
                       extra={"client_hash": message.client_hash, "vtex_order_id": message.vtex_order_id})
        return "client_not_authorized"
    logger.info("VTEX hook delivery handled", extra={"client_hash": message.client_hash, "state": message.state,
                                                     "vtex_order_id": message.vtex_order_id, "outcome": outcome})
    return outcome


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
