"""The webhook hot path: verify, parse, deduplicate, find the client, enqueue. Nothing else.

TikTok waits 3 s. On an accepted push the AWS calls are: the idempotency record (put, then update to
COMPLETED), one client lookup (Query on GSI by_shop_id, cached across warm invocations) and one queue
send: at most 4. The ledger write and every handler run behind the queue (WEBHOOK-processor).

Answers:
- 401: missing or wrong `Authorization` (TikTok HMAC), or type 99 without a valid `X-Internal-Signature`;
- 400: body too large (measured as the queue message it would become: JSON escaping included), not
  JSON (including nesting too deep for the parser), envelope or data of its type invalid or beyond what
  DynamoDB can store (message names the field; see webhooks.models);
- 409: the same push is being handled right now (TikTok retries; if the first delivery then fails, the
  idempotency record is gone and the retry is processed: the push is not lost);
- 500: we could not record or enqueue it (TikTok retries);
- 200: accepted (also for duplicates already done, unknown shops and unknown types).
Refusals always emit a metric; only a capped sample is written to the ledger (shop "unknown", 7-day TTL;
see webhooks.refusals): an unauthenticated caller must not cost a DynamoDB write per request. The size
check runs before the signature check, so an oversized body costs no HMAC over megabytes either.
The app secret is re-read every few minutes and, on a signature failure, at most once a minute
(webhooks.secrets): a rotated secret is picked up by warm containers.
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

from tiktok_vtex.observability import count_by, logger, metrics
from tiktok_vtex.repositories.webhook_events import (
    INTERNAL_SHOP,
    UNKNOWN_SHOP,
)
from tiktok_vtex.webhooks.models import Push, PushError, PushType, parse_push, safe_text
from tiktok_vtex.webhooks.refusals import SampledRefusals
from tiktok_vtex.webhooks.secrets import WebhookSecrets

INTERNAL_SIGNATURE_HEADER = "x-internal-signature"
SQS_MESSAGE_LIMIT = 256 * 1024
MAX_BODY_BYTES = SQS_MESSAGE_LIMIT - 1024  # the raw body alone; the encoded queue message is checked too
def type_label(push_type: Any) -> str:
    """A metric dimension value: the types we know by number, anything else as "other" (a forged push must
    not create metric series)."""
    return str(int(push_type)) if isinstance(push_type, int) and push_type in set(PushType) else "other"


MAX_CLIENT_HASH = 128  # VtexOrderCreatedData.client_hash / ClientTable key


class SecretSource(Protocol):
    def get(self) -> WebhookSecrets: ...

    def refresh_after_failure(self) -> WebhookSecrets | None: ...


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
    if not signature or not secret:  # an empty secret would make every signature forgeable
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


def queue_message(push: Push, key: str, raw_body: bytes, received_ms: int,
                  client_hash: str | None) -> dict[str, Any]:
    return {"kind": "push", "dedup_key": key, "received_ms": received_ms, "type": push.type,
            "shop_id": push.shop_id, "client_hash": client_hash, "body": raw_body.decode("utf-8")}


def encoded_size(message: Mapping[str, Any]) -> int:
    """Bytes of the message as dispatch.QueuePublisher sends it (the body travels as a JSON string:
    quotes, backslashes and non-ASCII characters grow when escaped)."""
    return len(json.dumps(message, separators=(",", ":"), default=str).encode("utf-8"))


@dataclass
class WebhookIntake(SampledRefusals):
    secrets: SecretSource
    directory: ShopDirectory
    queue: Dispatcher
    once: OnceGuard
    # ledger, clock, sampler: SampledRefusals

    def _verify(self, secrets: WebhookSecrets, raw_body: bytes, lowered: Mapping[str, str]) -> bool:
        if INTERNAL_SIGNATURE_HEADER in lowered:
            return verify_internal(secrets.internal_secret, raw_body, lowered.get(INTERNAL_SIGNATURE_HEADER))
        # Imported here, not at module load: the TikTok client package loads its whole HTTP client (httpx,
        # tenacity, models) with it, which this hot path never uses; a cold start that is not a TikTok push
        # (type 99, a refusal) never pays for it (issue 11: webhook cold start <= 2x `import boto3`).
        from tiktok_vtex.clients.tiktok.webhook import verify_webhook

        return verify_webhook(secrets.app_key, secrets.app_secret, raw_body, lowered.get("authorization"))

    def handle(self, raw_body: bytes, headers: Mapping[str, str]) -> IntakeResult:  # noqa: PLR0911 (one per answer)
        received_ms = int(self.clock() * 1000)
        lowered = {k.lower(): v for k, v in headers.items()}
        internal = INTERNAL_SIGNATURE_HEADER in lowered
        if len(raw_body) > MAX_BODY_BYTES:
            return self._refuse(400, "malformed", "body too large", raw_body, received_ms)
        verified = self._verify(self.secrets.get(), raw_body, lowered)
        signed = bool(lowered.get("authorization") or internal)
        if not verified and signed and (fresh := self.secrets.refresh_after_failure()) is not None:
            verified = self._verify(fresh, raw_body, lowered)  # the secret was rotated since we read it
        if not verified:
            reason = "invalid signature" if signed else "missing signature"
            return self._refuse(401, "unauthorized", reason, raw_body, received_ms)
        try:
            # UTF-8 only (json.loads would also take UTF-16/32 bytes, which the queue message cannot carry)
            document = json.loads(raw_body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting beyond the parser
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
        # The worst case of what _accept will send (longest client hash): refused now, not after the
        # idempotency record exists and the send fails on every retry.
        if encoded_size(queue_message(push, key, raw_body, received_ms, "x" * MAX_CLIENT_HASH)) > SQS_MESSAGE_LIMIT:
            return self._refuse(400, "malformed", "body too large once escaped for the queue", raw_body,
                                received_ms, push_type=push.type)

        def accept() -> dict[str, Any]:
            return self._accept(push, key, raw_body, received_ms)

        try:
            result, duplicate = self.once(key, accept)
        except IdempotencyAlreadyInProgressError:
            metrics.add_metric(name="WebhookInProgressDuplicate", unit=MetricUnit.Count, value=1)
            count_by("Webhooks", type=type_label(push.type), outcome="in_progress")
            return IntakeResult(409, "in_progress", "same push is being processed; retry later")
        except Exception:
            logger.exception("webhook intake failed", extra={"push_type": push.type, "dedup_key": key})
            metrics.add_metric(name="WebhookIntakeFailed", unit=MetricUnit.Count, value=1)
            count_by("Webhooks", type=type_label(push.type), outcome="failed")
            return IntakeResult(500, "failed", "could not accept the push; retry later")
        if duplicate:
            metrics.add_metric(name="WebhookDuplicate", unit=MetricUnit.Count, value=1)
            count_by("Webhooks", type=type_label(push.type), outcome="duplicate")
            logger.info("duplicate push acknowledged", extra={"push_type": push.type, "dedup_key": key})
            return IntakeResult(200, "duplicate")
        metrics.add_metric(name="WebhookAccepted", unit=MetricUnit.Count, value=1)
        count_by("Webhooks", type=type_label(push.type), outcome="accepted")
        return IntakeResult(200, str(result.get("outcome", "queued")))

    def _accept(self, push: Push, key: str, raw_body: bytes, received_ms: int) -> dict[str, Any]:
        if push.type == PushType.VTEX_ORDER_CREATED:
            client_hash: str | None = push.data.client_hash  # type: ignore[union-attr]
        else:
            client_hash = self.directory.client_for_shop(str(push.shop_id))
        outcome = "queued" if client_hash else "orphan"
        self.queue.send([queue_message(push, key, raw_body, received_ms, client_hash)])
        return {"outcome": outcome}

    def _refuse(self, status: int, outcome: str, reason: str, raw_body: bytes, received_ms: int, *,
                push_type: Any = None) -> IntakeResult:
        reason = safe_text(reason, 500)  # never an unencodable log line or DynamoDB string
        # only a real integer type is logged or stored (a string here could be anything the caller sent)
        known_type = push_type if isinstance(push_type, int) and not isinstance(push_type, bool) \
            and 0 <= push_type <= 9999 else None
        count_by("Webhooks", type=type_label(known_type), outcome=f"refused_{status}")
        self.record_refusal(source="Webhook", label="webhook", noun="push",
                       partition=UNKNOWN_SHOP, status=status, reason=reason, raw_body=raw_body,
                       received_ms=received_ms, log_extra={"push_type": known_type}, type=known_type)
        return IntakeResult(status, outcome, reason)


def ledger_partition(push_type: int, shop_id: str | None, client_hash: str | None) -> str:
    """Where a push is filed in the ledger: its shop; orphans under 'unknown'; type 99 under 'internal'."""
    if push_type == PushType.VTEX_ORDER_CREATED:
        return INTERNAL_SHOP
    if not client_hash or not shop_id:
        return UNKNOWN_SHOP
    return shop_id
