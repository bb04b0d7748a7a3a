"""Authorization lifecycle pushes, called by the webhook function after it verified and parsed the push.

- Push 6 (SELLER_DEAUTHORIZATION): the client's shop link becomes `deauthorized` with the time, the shop
  and TikTok's message as the reason. `ensure_client_active` / `open_shop_client` refuse it from then on,
  so every flow stops for that client; the renewal job takes its tokens out of renewal. A new consent
  (callback + processing) sets the link back to `token_generated`.
- Push 7 (UPCOMING_AUTHORIZATION_EXPIRATION): `authorization_expires_at` is recorded and an alert metric
  plus a log event are raised (TikTok repeats the push daily until the seller re-authorizes).

Both are idempotent: a repeated push changes nothing but `*_last_push_at`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from tiktok_vtex.auth.errors import ClientNotAuthorized
from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.clients import ClientRepository

METRIC_DEAUTHORIZED = "SellerDeauthorized"
METRIC_AUTHORIZATION_EXPIRING = "AuthorizationExpiring"
MAX_REASON_LENGTH = 1000


@dataclass(frozen=True)
class LifecycleResult:
    client_hash: str
    status: str
    changed: bool
    detail: str = ""


def _check_shop(link_shop_id: str | None, shop_id: str, client_hash: str) -> None:
    if shop_id and link_shop_id and str(link_shop_id) != str(shop_id):
        # The push names a shop this client is not linked to: never stop the wrong client.
        raise ClientNotAuthorized(client_hash, f"push for shop {shop_id} but client is linked to {link_shop_id}")


def handle_seller_deauthorization(
    client_hash: str,
    shop_id: str,
    message: str | None,
    *,
    clients: ClientRepository,
    clock: Callable[[], float] = time.time,
) -> LifecycleResult:
    """Push 6: marks the client deauthorized (status, time, reason). Raises ClientNotAuthorized if the
    client has no link or the link belongs to another shop."""
    link = clients.get_shop_link(client_hash)
    if link is None:
        raise ClientNotAuthorized(client_hash, "deauthorization push for a client without shop link")
    _check_shop(link.shop_id, shop_id, client_hash)
    now = int(clock())
    reason = (message or "seller deauthorized the app").strip()[:MAX_REASON_LENGTH]
    if link.status == ShopLinkStatus.DEAUTHORIZED:
        clients.update_shop_link(client_hash, deauthorization_last_push_at=now)
        return LifecycleResult(client_hash, link.status.value, changed=False, detail="already deauthorized")
    clients.update_shop_link(
        client_hash,
        status=ShopLinkStatus.DEAUTHORIZED.value,
        deauthorized_at=now,
        deauthorized_reason=reason,
        deauthorized_shop_id=str(shop_id),
        deauthorized_previous_status=link.status.value,
        deauthorization_last_push_at=now,
    )
    metrics.add_metric(name=METRIC_DEAUTHORIZED, unit=MetricUnit.Count, value=1)
    logger.warning("seller deauthorized the app; every flow stops for this client",
                   extra={"event": "seller_deauthorized", "client_hash": client_hash, "shop_id": shop_id,
                          "reason": reason})
    return LifecycleResult(client_hash, ShopLinkStatus.DEAUTHORIZED.value, changed=True, detail=reason)


def handle_authorization_expiring(
    client_hash: str,
    shop_id: str,
    expiration_time: int | str,
    message: str | None,
    *,
    clients: ClientRepository,
    clock: Callable[[], float] = time.time,
) -> LifecycleResult:
    """Push 7: records when the authorization expires and raises the alert (metric + log event)."""
    try:
        expires_at = int(str(expiration_time).strip())
    except ValueError:
        raise ValueError("expiration_time must be a unix timestamp") from None
    link = clients.get_shop_link(client_hash)
    if link is None:
        raise ClientNotAuthorized(client_hash, "expiration push for a client without shop link")
    _check_shop(link.shop_id, shop_id, client_hash)
    now = int(clock())
    changed = link.authorization_expires_at != expires_at
    clients.update_shop_link(
        client_hash,
        authorization_expires_at=expires_at,
        authorization_expiry_message=(message or "")[:MAX_REASON_LENGTH],
        authorization_expiry_last_push_at=now,
    )
    days_left = max(0, (expires_at - now) // 86400)
    metrics.add_metric(name=METRIC_AUTHORIZATION_EXPIRING, unit=MetricUnit.Count, value=1)
    logger.warning("TikTok authorization expires soon; the seller must authorize again",
                   extra={"event": "authorization_expiring", "client_hash": client_hash, "shop_id": shop_id,
                          "expiration_time": expires_at, "days_left": days_left})
    return LifecycleResult(client_hash, link.status.value, changed=changed, detail=f"{days_left} days left")
