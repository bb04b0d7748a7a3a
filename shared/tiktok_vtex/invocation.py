"""How every queue-fed function tells its events apart: an SQS batch (partial batch failures), an
EventBridge schedule, or a direct invoke whose payload is parsed (400 when it is refused).

Handlers pass their own processor, record handler, parser and what to do with a parsed message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.batch import BasePartialBatchProcessor, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.observability import logger

M = TypeVar("M")


def is_sqs_batch(event: Any) -> bool:
    return isinstance(event, dict) and "Records" in event


def is_schedule(event: Any) -> bool:
    return isinstance(event, dict) and (event.get("source") == "aws.events"
                                        or event.get("detail-type") == "Scheduled Event")


def route_event(event: Any, context: LambdaContext, *, processor: BasePartialBatchProcessor,
                record_handler: Callable[..., Any], parse: Callable[[Any], M], invalid: type[Exception],
                invalid_log: str, invoke: Callable[[M], dict[str, Any]],
                scheduled: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """SQS batch -> `record_handler` per record; schedule -> `scheduled()` (when given); else the event is
    a direct invoke: `parse` it (`invalid` -> logged as `invalid_log`, 400) and `invoke` the message."""
    if is_sqs_batch(event):
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    if scheduled is not None and is_schedule(event):
        return scheduled()
    try:
        message = parse(event)
    except invalid as error:
        logger.error(invalid_log, extra={"error": str(error)})
        return {"statusCode": 400, "body": {"message": str(error)}}
    return invoke(message)
