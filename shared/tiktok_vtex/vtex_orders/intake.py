"""`POST /vtex/orderhook/{client_hash}`: VTEX's orders hook. Verify, parse, deduplicate, enqueue. Nothing else.

VTEX waits 5 s and retries with growing intervals on anything but 200 (vtex-api.md 5.10). On an accepted
delivery the AWS calls are the idempotency record (put, update) and one queue send; the hook secret is
cached per client (hook_secrets.HookSecretCache). VTEX-ORDERS-processor does the work behind the queue.

Answers:
- 401: unknown client, missing or wrong `X-Connector-Hook-Secret` (same answer for both: a caller cannot
  tell which client hashes exist);
- 400: body too large, not JSON, not a hook delivery (the field is named);
- 200: the ping `{"hookConfig": "ping"}` (authenticated like a delivery: VTEX sends the configured headers),
  an accepted delivery, a duplicate of (OrderId, State, LastChange) already accepted;
- 409: the same delivery is being accepted right now (VTEX retries);
- 500: could not record or enqueue it (VTEX retries).
Refusals always emit a metric; a capped sample (webhooks.refusals) is written to the webhook ledger under
shop "vtex-hook" with a 7-day TTL, so an operator sees them next to TikTok's refused pushes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from pydantic import ValidationError

from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.vtex_orders.hook_secrets import HOOK_SECRET_HEADER, HookSecret
from tiktok_vtex.vtex_orders.models import CLIENT_HASH, HookNotification, VtexHookMessage
from tiktok_vtex.webhooks.intake import IntakeResult, OnceGuard
from tiktok_vtex.webhooks.models import safe_text
from tiktok_vtex.webhooks.refusals import SampledRefusals

MAX_BODY_BYTES = 16 * 1024  # a delivery is a few hundred bytes
LEDGER_PARTITION = "vtex-hook"
PING = {"hookConfig": "ping"}


class SecretSource(Protocol):
    def get(self, client_hash: str) -> HookSecret | None: ...

    def refresh_after_failure(self, client_hash: str, presented: str | None = None) -> HookSecret | None: ...


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


def describe(error: ValidationError) -> str:
    fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
    return ", ".join(fields)


@dataclass
class HookIntake(SampledRefusals):
    secrets: SecretSource
    queue: Dispatcher
    once: OnceGuard
    # ledger, clock, sampler: SampledRefusals

    def _verified(self, client_hash: str, presented: str | None) -> bool:
        now = self.clock()
        secret = self.secrets.get(client_hash)
        if secret is not None and secret.accepts(presented, now):
            return True
        if not presented:
            return False
        fresh = self.secrets.refresh_after_failure(client_hash, presented)  # rotated since we read it?
        return fresh is not None and fresh.accepts(presented, now)

    def handle(self, client_hash: str, raw_body: bytes, headers: Mapping[str, str]) -> IntakeResult:  # noqa: PLR0911
        received_ms = int(self.clock() * 1000)
        lowered = {k.lower(): v for k, v in headers.items()}
        presented = lowered.get(HOOK_SECRET_HEADER.lower())
        if len(raw_body) > MAX_BODY_BYTES:
            return self._refuse(400, "malformed", "body too large", client_hash, raw_body, received_ms)
        if not CLIENT_HASH.match(client_hash or "") or not self._verified(client_hash, presented):
            reason = "missing hook secret" if not presented else "unknown client or wrong hook secret"
            return self._refuse(401, "unauthorized", reason, client_hash, raw_body, received_ms)
        try:
            document = json.loads(raw_body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return self._refuse(400, "malformed", "body is not valid JSON", client_hash, raw_body, received_ms)
        if document == PING:
            metrics.add_metric(name="VtexHookPing", unit=MetricUnit.Count, value=1)
            logger.info("VTEX hook ping answered", extra={"client_hash": client_hash})
            return IntakeResult(200, "pong")
        try:
            notification = HookNotification.model_validate(document)
        except ValidationError as error:
            return self._refuse(400, "malformed", f"invalid hook delivery: {describe(error)}", client_hash,
                                raw_body, received_ms)
        key = "vtex-hook:" + hashlib.sha256(f"{client_hash}|{notification.dedup_key}".encode()).hexdigest()
        message = VtexHookMessage(client_hash=client_hash, vtex_order_id=notification.OrderId,
                                  state=notification.State, last_state=notification.LastState,
                                  changed_at=notification.changed_at, received_ms=received_ms)

        def accept() -> dict[str, Any]:
            self.queue.send([message.body()])
            return {"outcome": "queued"}

        try:
            _, duplicate = self.once(key, accept)
        except IdempotencyAlreadyInProgressError:
            return IntakeResult(409, "in_progress", "same delivery is being accepted; retry later")
        except Exception:
            logger.exception("VTEX hook intake failed", extra={"client_hash": client_hash,
                                                               "vtex_order_id": notification.OrderId})
            metrics.add_metric(name="VtexHookIntakeFailed", unit=MetricUnit.Count, value=1)
            return IntakeResult(500, "failed", "could not accept the delivery; retry later")
        if duplicate:
            metrics.add_metric(name="VtexHookDuplicate", unit=MetricUnit.Count, value=1)
            return IntakeResult(200, "duplicate")
        metrics.add_metric(name="VtexHookAccepted", unit=MetricUnit.Count, value=1)
        logger.info("VTEX hook delivery queued", extra={"client_hash": client_hash, "state": notification.State,
                                                        "vtex_order_id": notification.OrderId})
        return IntakeResult(200, "queued")

    def _refuse(self, status: int, outcome: str, reason: str, client_hash: str, raw_body: bytes,
                received_ms: int) -> IntakeResult:
        shown_client = client_hash if CLIENT_HASH.match(client_hash or "") else safe_text(client_hash or "", 40)
        self.record_refusal(source="VtexHook", label="VTEX hook delivery",
                       noun="VTEX hook delivery", partition=LEDGER_PARTITION, status=status, reason=reason,
                       raw_body=raw_body, received_ms=received_ms, log_extra={"client_hash": shown_client},
                       client_hash=shown_client)
        return IntakeResult(status, outcome, reason)
