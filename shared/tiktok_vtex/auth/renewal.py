"""renewTokens (legacy getListAccessTokenToRenew / renewAccessToken), by Query instead of Scan.

- Access tokens whose `access_token_expire_in` (absolute unix time) is at or before now + window
  (2 days by default, including already expired ones) are refreshed through the same single-flight
  DynamoTokenProvider every other function uses, so a renewal never races a flow's own refresh.
  The window is shorter than the token's 7-day life (the legacy 8-day window, set when tokens were
  thought to last 30 days, refreshed every token on every hourly run: ~12,000 needless refreshes a day at
  500 stores), so each token is refreshed about once per life. With `spread` each client's token is due a
  little earlier or later inside the window (a fixed fraction of it, from the client hash), so tokens issued
  together (a migration, a batch onboarding) are refreshed over many runs instead of all in one.
- Refresh tokens expiring within 30 days raise the alert metric `RefreshTokenExpiring` and a log event
  per client (the seller must authorize again before that date; a refresh cannot extend it).
- Deauthorized clients are skipped and taken out of renewal.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.auth.errors import AuthError, ClientDeauthorized, ClientNotAuthorized, ReauthorizationRequired
from tiktok_vtex.auth.shop_access import ensure_client_active
from tiktok_vtex.auth.tokens import DynamoTokenProvider
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.tokens import TokenRepository

DEFAULT_RENEWAL_WINDOW_DAYS = 2
DEFAULT_RENEWAL_SPREAD = 0.5  # a token is due between window x (1 - spread) and window before its expiry
DEFAULT_REFRESH_ALERT_DAYS = 30
METRIC_REFRESH_EXPIRING = "RefreshTokenExpiring"
METRIC_RENEWAL_FAILED = "TokenRenewalFailed"

ProviderFactory = Callable[[str], DynamoTokenProvider]


@dataclass
class RenewalSummary:
    due: int = 0
    deferred: int = 0  # left for the next run because this one ran out of time
    not_yet: int = 0  # inside the window but not at this client's own point of it yet (spread)
    renewed: int = 0
    skipped: int = 0
    failed: int = 0
    refresh_expiring: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"due": self.due, "deferred": self.deferred, "renewed": self.renewed, "skipped": self.skipped,
                "failed": self.failed, "not_yet": self.not_yet, "refresh_expiring": len(self.refresh_expiring)}


def renewal_lead_seconds(client_hash: str, window_seconds: int, spread: float) -> int:
    """How long before its expiry this client's token is refreshed: the whole window without spread, else a
    point in [window x (1 - spread), window] fixed by the client hash (the same every run)."""
    if spread <= 0:
        return window_seconds
    fraction = int(hashlib.sha256(client_hash.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return int(window_seconds * (1 - spread * fraction))


def renew_tokens(
    *,
    tokens: TokenRepository,
    clients: ClientRepository,
    provider_for: ProviderFactory,
    clock: Callable[[], float] = time.time,
    window_days: float = DEFAULT_RENEWAL_WINDOW_DAYS,
    refresh_alert_days: float = DEFAULT_REFRESH_ALERT_DAYS,
    should_stop: Callable[[], bool] = lambda: False,
    spread: float = 0.0,
) -> RenewalSummary:
    """Renews what is due, most urgent first (the GSI is sorted by expiry); `should_stop` (the Lambda's
    remaining time) ends the loop early and the next hourly run continues."""
    now = int(clock())
    window_seconds = int(window_days * 86400)
    until = now + window_seconds
    summary = RenewalSummary()
    due = list(tokens.iter_access_expiring(until))
    for position, (client_hash, expires_at) in enumerate(due):
        if expires_at > now + renewal_lead_seconds(client_hash, window_seconds, spread):
            summary.not_yet += 1  # a later hourly run reaches this client's point of the window
            continue
        if should_stop():
            summary.deferred = len(due) - position
            logger.warning("token renewal stopped for lack of time; the next run continues",
                           extra={"deferred": summary.deferred})
            break
        summary.due += 1
        try:
            ensure_client_active(clients.get_shop_link(client_hash), client_hash)
        except ClientDeauthorized as stop:
            tokens.deactivate(client_hash, reason=f"deauthorized: {stop.reason}", now=now)
            summary.skipped += 1
            logger.info("token renewal skipped: client deauthorized", extra={"client_hash": client_hash})
            continue
        except ClientNotAuthorized as stop:
            summary.skipped += 1
            logger.warning("token renewal skipped: client not linked", extra={"client_hash": client_hash,
                                                                              "detail": stop.detail})
            continue
        try:
            renewed = provider_for(client_hash).refresh_if_expiring(until)
        except AuthError as error:
            summary.failed += 1
            summary.failures.append({"client_hash": client_hash, "error": type(error).__name__,
                                     "code": getattr(error, "code", None)})
            metrics.add_metric(name=METRIC_RENEWAL_FAILED, unit=MetricUnit.Count, value=1)
            logger.error("token renewal failed", extra={
                "event": "token_renewal_failed", "client_hash": client_hash, "error": str(error),
                "reauthorization_required": isinstance(error, ReauthorizationRequired)})
            continue
        except Exception as error:  # one client's failure never stops the others
            summary.failed += 1
            summary.failures.append({"client_hash": client_hash, "error": type(error).__name__})
            metrics.add_metric(name=METRIC_RENEWAL_FAILED, unit=MetricUnit.Count, value=1)
            logger.exception("token renewal failed", extra={"event": "token_renewal_failed",
                                                            "client_hash": client_hash})
            continue
        if renewed:
            summary.renewed += 1
        else:
            summary.skipped += 1  # refreshed by someone else since the query
        logger.info("token renewal", extra={"client_hash": client_hash, "access_token_expire_in": expires_at,
                                            "renewed": renewed})

    _alert_refresh_expiring(tokens, clients, summary, now=now, alert_days=refresh_alert_days)
    return summary


def _alert_refresh_expiring(tokens: TokenRepository, clients: ClientRepository, summary: RenewalSummary, *,
                            now: int, alert_days: float) -> None:
    """A refresh cannot extend a refresh token: the seller must authorize again before it expires."""
    alert_until = now + int(alert_days * 86400)
    for client_hash, refresh_expires in tokens.iter_refresh_expiring(alert_until):
        link = clients.get_shop_link(client_hash)
        if link is not None and not link.is_active:
            continue
        days_left = max(0, (refresh_expires - now) // 86400)
        summary.refresh_expiring.append({"client_hash": client_hash, "refresh_token_expire_in": refresh_expires,
                                         "days_left": days_left})
        metrics.add_metric(name=METRIC_REFRESH_EXPIRING, unit=MetricUnit.Count, value=1)
        logger.warning("TikTok refresh token expires soon; the seller must authorize again", extra={
            "event": "refresh_token_expiring", "client_hash": client_hash,
            "refresh_token_expire_in": refresh_expires, "days_left": days_left})
