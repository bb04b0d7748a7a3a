"""The webhook hot path: verify, parse, deduplicate, find the client, enqueue. Nothing else.

TikTok waits 3 s. On an accepted push the AWS calls are: the idempotency record (put, then update to
COMPLETED), one client lookup (Query on GSI by_shop_id, cached across warm invocations) and one queue
send: at most 4. The ledger write and every handler run behind the queue (WEBHOOK-processor).

Answers:
- 401: missing or wrong `Authorization` (TikTok HMAC), or type 99 without a valid `X-Internal-Signature`;
- 400: body not JSON, envelope or data of its type invalid (message names the field);
- 409: the same push is being handled right now (TikTok retries; if the first delivery then fails, the
  idempotency record is gone and the retry is processed: the push is not lost);
- 500: we could not record or enqueue it (TikTok retries);
- 200: accepted (also for duplicates already done, unknown shops and unknown types).
Refusals are written to the ledger directly (shop "unknown"): they are rare and have no queue message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from tiktok_vtex.clients.tiktok.webhook import verify_webhook
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.webhook_events import (
    INTERNAL_SHOP,
    UNKNOWN_SHOP,
    WebhookEvent,
    WebhookEventRepository,
    event_key,
)
from tiktok_vtex.webhooks.models import Push, PushError, PushType, parse_push

INTERNAL_SIGNATURE_HEADER = "x-internal-signature"
MAX_BODY_BYTES = 256 * 1024 - 2048  # must fit in one SQS message with its envelope


@dataclass(frozen=True)
class WebhookSecrets:
    app_key: str
    app_secret: str
    internal_secret: str


@dataclass(frozen=True)
class IntakeResult:
    status_code: int
    outcome: str
    message: str = ""

    def body(self) -> dict[str, str]:
        return {"outcome": self.outcome, "message": self.message} if self.message else {"outcome": self.outcome}


class Dispatcher(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int: ...


class ShopDirectory(Protocol):
    def client_for_shop(self, shop_id: str) -> str | None: ...


class OnceGuard(Protocol):
    """Runs `work` once per key (Powertools idempotency). Returns (result, was_duplicate); raises
    IdempotencyAlreadyInProgressError while another delivery of the same key is running."""

    def __call__(self, key: str, work: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]: ...


def verify_internal(secret: str, raw_body: bytes, signature: str | None) -> bool:
    """Type 99: hex HMAC-SHA256 of the raw body with INTERNAL_WEBHOOK_SECRET (constant-time compare)."""
    if not signature or not secret:
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))


def sign_internal(secret: str, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def dedup_key_of(push: Push, raw_body: bytes) -> str:
    if push.envelope.tts_notification_id:
        return f"tts:{push.envelope.tts_notification_id}"
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


class CachedShopDirectory:
    """shop_id -> client_hash with a per-process TTL cache (warm invocations skip the Query)."""

    def __init__(self, lookup: Callable[[str], str | None], *, ttl_seconds: int = 300, negative_ttl_seconds: int = 60,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._lookup = lookup
        self._ttl = ttl_seconds
        self._negative_ttl = negative_ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[str | None, float]] = {}

    def client_for_shop(self, shop_id: str) -> str | None:
        now = self._clock()
        cached = self._cache.get(shop_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        client_hash = self._lookup(shop_id)
        self._cache[shop_id] = (client_hash, now + (self._ttl if client_hash else self._negative_ttl))
        return client_hash


@dataclass
class WebhookIntake:
    secrets: Callable[[], WebhookSecrets]
    directory: ShopDirectory
    queue: Dispatcher
    once: OnceGuard
    ledger: Callable[[], WebhookEventRepository]
    clock: Callable[[], float] = time.time

    def handle(self, raw_body: bytes, headers: Mapping[str, str]) -> IntakeResult:  # noqa: PLR0911 (one per answer)
        received_ms = int(self.clock() * 1000)
        lowered = {k.lower(): v for k, v in headers.items()}
        secrets = self.secrets()
        internal = INTERNAL_SIGNATURE_HEADER in lowered
        if internal:
            verified = verify_internal(secrets.internal_secret, raw_body, lowered.get(INTERNAL_SIGNATURE_HEADER))
        else:
            verified = verify_webhook(secrets.app_key, secrets.app_secret, raw_body, lowered.get("authorization"))
        if not verified:
            reason = "missing signature" if not (lowered.get("authorization") or internal) else "invalid signature"
            return self._refuse(401, "unauthorized", reason, raw_body, received_ms)
        if len(raw_body) > MAX_BODY_BYTES:
            return self._refuse(400, "malformed", "body too large", raw_body, received_ms)
        try:
            document = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            return self._refuse(400, "malformed", "body is not valid JSON", raw_body, received_ms)
        try:
            push = parse_push(document)
        except PushError as error:
            return self._refuse(400, "malformed", f"invalid push: {error}", raw_body, received_ms,
                                push_type=document.get("type") if isinstance(document, dict) else None)
        is_99 = push.type == PushType.VTEX_ORDER_CREATED
        if is_99 != internal:
            # 99 only with our own signature; our signature only for 99 (never a way around TikTok's HMAC).
            return self._refuse(401, "unauthorized", "type 99 requires X-Internal-Signature" if is_99 else
                                "X-Internal-Signature is only accepted for type 99", raw_body, received_ms,
                                push_type=push.type)
        key = dedup_key_of(push, raw_body)

        def accept() -> dict[str, Any]:
            return self._accept(push, key, raw_body, received_ms)

        try:
            result, duplicate = self.once(key, accept)
        except IdempotencyAlreadyInProgressError:
            metrics.add_metric(name="WebhookInProgressDuplicate", unit=MetricUnit.Count, value=1)
            return IntakeResult(409, "in_progress", "same push is being processed; retry later")
        except Exception:
            logger.exception("webhook intake failed", extra={"push_type": push.type, "dedup_key": key})
            metrics.add_metric(name="WebhookIntakeFailed", unit=MetricUnit.Count, value=1)
            return IntakeResult(500, "failed", "could not accept the push; retry later")
        if duplicate:
            metrics.add_metric(name="WebhookDuplicate", unit=MetricUnit.Count, value=1)
            logger.info("duplicate push acknowledged", extra={"push_type": push.type, "dedup_key": key})
            return IntakeResult(200, "duplicate")
        metrics.add_metric(name="WebhookAccepted", unit=MetricUnit.Count, value=1)
        return IntakeResult(200, str(result.get("outcome", "queued")))

    def _accept(self, push: Push, key: str, raw_body: bytes, received_ms: int) -> dict[str, Any]:
        if push.type == PushType.VTEX_ORDER_CREATED:
            client_hash: str | None = push.data.client_hash  # type: ignore[union-attr]
        else:
            client_hash = self.directory.client_for_shop(str(push.shop_id))
        outcome = "queued" if client_hash else "orphan"
        self.queue.send([{
            "kind": "push", "dedup_key": key, "received_ms": received_ms, "type": push.type,
            "shop_id": push.shop_id, "client_hash": client_hash, "body": raw_body.decode("utf-8", "replace"),
        }])
        return {"outcome": outcome}

    def _refuse(self, status: int, outcome: str, reason: str, raw_body: bytes, received_ms: int, *,
                push_type: Any = None) -> IntakeResult:
        metrics.add_metric(name="WebhookRefused", unit=MetricUnit.Count, value=1)
        logger.warning("webhook refused", extra={"status": status, "reason": reason, "push_type": push_type})
        try:
            key = "sha256:" + hashlib.sha256(raw_body).hexdigest()
            self.ledger().record(WebhookEvent(
                shop_id=UNKNOWN_SHOP, event_key=event_key(received_ms, key), dedup_key=key,
                type=push_type if isinstance(push_type, int) else None, received_at=received_ms // 1000,
                outcome=f"refused_{status}", detail=reason,
                # an unauthenticated body is kept short: it is evidence, not something to replay
                payload=raw_body[:2000].decode("utf-8", "replace")))
        except Exception:  # recording must never turn a 4xx into a 500
            logger.exception("could not record the refused push")
        return IntakeResult(status, outcome, reason)


def ledger_partition(push_type: int, shop_id: str | None, client_hash: str | None) -> str:
    """Where a push is filed in the ledger: its shop; orphans under 'unknown'; type 99 under 'internal'."""
    if push_type == PushType.VTEX_ORDER_CREATED:
        return INTERNAL_SHOP
    if not client_hash or not shop_id:
        return UNKNOWN_SHOP
    return shop_id
