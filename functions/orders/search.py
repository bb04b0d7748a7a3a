"""{FunctionPrefix}BUSCA-PEDIDOS-TESTE: `{"type": "triggerGetOrder", "clientHash", ...filters}` -> the shop's
orders (paginated), for support and tests."""

from __future__ import annotations

from typing import Any

# Before anything loads pydantic: Powertools' batch/types.py imports the DynamoDB, Kinesis and Kafka record
# models when pydantic is already loaded, which this function never uses (issue 11, cold start).
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from orders.wiring import wiring
from tiktok_vtex.auth.errors import ClientDeauthorized, ClientNotAuthorized
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.orders.models import GetOrdersMessage
from tiktok_vtex.orders.sweep import search_orders
from tiktok_vtex.parsing import field_names


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = parse(event=event or {}, model=GetOrdersMessage)
    except ValidationError as error:
        return {"statusCode": 400, "body": {"message": f"invalid event: {field_names(error)}"}}
    try:
        result = search_orders(wiring().tiktok(request.client_hash), request)
    except (ClientDeauthorized, ClientNotAuthorized) as error:
        return {"statusCode": 409, "body": {"message": str(error)}}
    logger.info("orders searched", extra={"client_hash": request.client_hash, "count": len(result["orders"])})
    return {"statusCode": 200, "body": {"message": "Success", **result}}
