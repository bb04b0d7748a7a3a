"""Powertools idempotency (DynamoDB persistence on IdempotencyTable) for the webhook hot path.

The key is the push's dedup key (tts_notification_id, else a hash of the raw body). Powertools writes an
INPROGRESS record, runs the work, then marks it COMPLETED with the result; a duplicate gets the stored
result (flagged by the response hook), a concurrent duplicate gets IdempotencyAlreadyInProgressError, and
a failed first delivery deletes its record so TikTok's retry is processed. Records live 2 days: longer
than TikTok's ~15.5 h retry schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

RETENTION_SECONDS = 2 * 24 * 3600


def _mark_duplicate(response: Any, _record: DataRecord) -> Any:
    return {**(response or {}), "__duplicate__": True}


class PowertoolsOnce:
    def __init__(self, table_name: str, *, boto3_client: Any | None = None, key_prefix: str = "tiktok-webhook",
                 expires_after_seconds: int = RETENTION_SECONDS) -> None:
        self.persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=boto3_client)
        self.config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=expires_after_seconds,
                                        raise_on_no_idempotency_key=True, response_hook=_mark_duplicate)

        @idempotent_function(data_keyword_argument="request", persistence_store=self.persistence,
                             config=self.config, key_prefix=key_prefix)
        def guarded(request: dict[str, str], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            return work()

        self._guarded = guarded

    def register_context(self, context: LambdaContext | None) -> None:
        """With the Lambda context, an INPROGRESS record of a timed-out invocation expires with it."""
        if context is not None:
            self.config.register_lambda_context(context)

    def __call__(self, key: str, work: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        result = dict(self._guarded(request={"key": key}, work=work) or {})
        duplicate = bool(result.pop("__duplicate__", False))
        return result, duplicate
