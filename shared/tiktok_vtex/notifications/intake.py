"""Intake of VTEX affiliate notifications: `POST /vtex/notification/{client_hash}/{token}/api/notification/`.

Hot path only: check the URL secret (constant time, no database read), validate the body, check it is for
the client's VTEX account and affiliate, queue one message, answer. The sync runs behind the queue, where
bursts are coalesced (notifications/coalesce.py).

Answers: 404 for another path under the endpoint; 401 for a wrong token (or a client hash that cannot be
one); 400 for a body too large, not JSON or not a notification (the message names the field), or for
another VTEX account or affiliate; 500 when the queue refused it (VTEX retries); 200 once queued, and
also for a client whose VTEX credentials are unusable (recorded: a retry would not help, the operator
sees the metric and the warning).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from tiktok_vtex.clients.vtex.errors import VtexCredentialsError
from tiktok_vtex.notifications.models import QueuedChange, VtexNotification
from tiktok_vtex.notifications.token import token_matches
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.sync.ports import Dispatcher

MAX_BODY_BYTES = 16 * 1024  # a notification is a few hundred bytes
NOTIFICATION_PATHS = frozenset({"api/notification", "api/notification/"})
CLIENT_HASH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True)
class IntakeResult:
    status: int
    body: dict[str, Any]
    outcome: str


@dataclass
class NotificationIntake:
    secret: Callable[[], str]  # the stack's internal webhook secret (the token's key)
    account_of: Callable[[str], tuple[str, str]]  # client -> (VTEX account, affiliate id); VtexCredentialsError
    queue: Dispatcher
    clock: Callable[[], float] = time.time

    def handle(self, client_hash: str, token: str, rest: str, raw_body: bytes) -> IntakeResult:  # noqa: PLR0911
        received_ms = int(self.clock() * 1000)
        if rest not in NOTIFICATION_PATHS:
            return self._refuse(404, "not_found", "no such route under the notification endpoint")
        if not 0 < len(client_hash) <= 128 or not set(client_hash) <= CLIENT_HASH_CHARS or \
                not token_matches(self.secret(), client_hash, token):
            return self._refuse(401, "bad_token", "the notification URL's token is not this client's")
        if len(raw_body) > MAX_BODY_BYTES:
            return self._refuse(400, "too_large", f"body larger than {MAX_BODY_BYTES} bytes", client_hash)
        try:
            notification = VtexNotification.model_validate(json.loads(raw_body))
        except (ValueError, RecursionError) as error:
            return self._refuse(400, "invalid", _describe(error), client_hash)
        try:
            account, affiliate = self.account_of(client_hash)
        except VtexCredentialsError as error:
            logger.warning("vtex notification for a client without usable VTEX credentials",
                           extra={"client_hash": client_hash, "error": str(error)[:300]})
            metrics.add_metric(name="VtexNotificationClientUnavailable", unit=MetricUnit.Count, value=1)
            return IntakeResult(200, {"status": "ignored", "reason": "client_unavailable"}, "client_unavailable")
        if notification.account.lower() != account.lower():
            return self._refuse(400, "other_account", "the notification is for another VTEX account", client_hash)
        if notification.affiliate_id.upper() != affiliate.upper():
            return self._refuse(400, "other_affiliate", "the notification is for another affiliate", client_hash)
        change = QueuedChange.of(client_hash, notification, received_ms)
        self.queue.send([change.body()])  # DispatchError / ClientError: the handler answers 500, VTEX retries
        metrics.add_metric(name="VtexNotificationQueued", unit=MetricUnit.Count, value=1)
        return IntakeResult(200, {"status": "queued"}, "queued")

    def _refuse(self, status: int, outcome: str, reason: str, client_hash: str | None = None) -> IntakeResult:
        logger.warning("vtex notification refused", extra={"status": status, "outcome": outcome, "reason": reason,
                                                          "client_hash": client_hash})
        metrics.add_metric(name="VtexNotificationRefused", unit=MetricUnit.Count, value=1)
        return IntakeResult(status, {"message": reason}, outcome)


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in error.errors()})
        return f"invalid notification: {', '.join(fields) or 'body'}"
    if isinstance(error, RecursionError):
        return "body nested too deeply"
    return "body is not JSON"
