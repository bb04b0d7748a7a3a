"""{FunctionPrefix}SHIPPING-PACKAGE: ships a package whose NF-e TikTok accepted, stores its labels in S3 and
sends the tracking to the VTEX invoice.

Triggers: the shipping queue (SQS, partial batch failures; push 36 SUCCESS puts the legacy payload
`{clientHash, orderId, packageId}` there) and direct invokes (`dispatchPackage`, the same payload).
`{"type": "syncTracking", clientHash, orderId}` (WEBHOOK-processor sends it for push 4 on a shipped order)
sends a changed tracking number (PATCH invoice) and new tracking events (PUT tracking) to VTEX.
Logic: tiktok_vtex.shipping.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from invoice.wiring import FiscalWiring, wiring
from pydantic import BaseModel, ConfigDict, Field

from tiktok_vtex.invocation import route_event
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.parsing import MessageParser
from tiktok_vtex.shipping.dispatch import shipping_settings
from tiktok_vtex.shipping.models import DispatchPackageMessage
from tiktok_vtex.shipping.tracking import sync_tracking

METRIC_FAILED = "ShippingFailed"


class SyncTrackingMessage(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    type: Literal["syncTracking"]
    client_hash: str = Field(alias="clientHash", min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")
    order_id: str = Field(alias="orderId", min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")


ShippingMessage = Annotated[DispatchPackageMessage | SyncTrackingMessage, Field(discriminator="type")]


class InvalidShippingMessage(ValueError):
    pass


def _typed(payload: Any) -> Any:
    if isinstance(payload, dict) and "type" not in payload:
        return {**payload, "type": "dispatchPackage"}  # the legacy payload has no type
    return payload


# SQS bodies and invoke payloads parsed by Powertools into ShippingMessage (tiktok_vtex.parsing).
PARSER: MessageParser[Any] = MessageParser("SHIPPING-PACKAGE", ShippingMessage, InvalidShippingMessage,
                                           prepare=_typed, drop_tag=True)
processor = PARSER.processor()
parse = PARSER.parse


def run(message: Any, deps: FiscalWiring) -> dict[str, Any]:
    if isinstance(message, SyncTrackingMessage):
        preferences = shipping_settings(deps.client_settings(message.client_hash))
        return {"outcome": sync_tracking(message.client_hash, message.order_id, orders=deps.orders,
                                         tiktok=deps.tiktok, vtex=deps.vtex, log=deps.order_log,
                                         tracking_url_template=preferences.tracking_url_template)}
    result = deps.shipper().dispatch(message.client_hash, message.order_id, message.package_id)
    if result.outcome == "refused":
        metrics.add_metric(name=METRIC_FAILED, unit=MetricUnit.Count, value=1)
    logger.info("SHIPPING-PACKAGE handled", extra={"client_hash": message.client_hash, "order_id": message.order_id,
                                                   "package_id": message.package_id, "outcome": result.outcome})
    return {k: v for k, v in asdict(result).items() if v is not None}


def record_handler(record: Any) -> dict[str, Any]:
    return run(record.body, wiring())  # record: PARSER's SqsRecordModel, its body a ShippingMessage


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def invoke(message: Any) -> dict[str, Any]:
        body = run(message, wiring())
        status = 422 if body.get("outcome") == "refused" else 200
        return {"statusCode": status, "body": {"message": "Success" if status == 200 else "Refused", **body}}

    return route_event(event, context, processor=processor, record_handler=record_handler, parse=parse,
                       invalid=InvalidShippingMessage, invalid_log="invalid SHIPPING-PACKAGE invoke", invoke=invoke)
