"""The client's VTEX affiliate (../shared/reference/vtex-api.md 5.2): what it must say so VTEX notifies us,
compared with what VTEX holds, and written when it differs. Safe to re-run: the same client and stack give
the same endpoint (notifications/token.py), so a second run finds nothing to change.

Used by `tiktok-vtex vtex-affiliate` (cli.py) and by the `setupVtexAffiliate` invoke of
VTEX-notificacao-sync (functions/notifications/worker.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tiktok_vtex.notifications.token import notification_endpoint

DEFAULT_NAME = "TikTok Shop"
ENDPOINT_VERSION = "1.x.x"
COMPARED = ("name", "salesChannel", "followUpEmail", "searchURIEndpoint", "searchURIEndpointVersion")


class AffiliateApi(Protocol):
    """VtexClient implements it."""

    def get_affiliate(self, affiliate_id: str) -> dict[str, Any] | None: ...

    def put_affiliate(self, affiliate_id: str, affiliate: dict[str, Any]) -> None: ...


class AffiliateSetupError(ValueError):
    """What is missing to create the affiliate (said without any secret)."""


@dataclass(frozen=True)
class AffiliateSetup:
    affiliate_id: str
    action: str  # "created" / "updated" / "unchanged" / "would create" / "would update"
    changes: tuple[str, ...]
    affiliate: dict[str, Any]  # what VTEX holds now (or would hold), endpoint token masked

    def as_dict(self) -> dict[str, Any]:
        return {"affiliateId": self.affiliate_id, "action": self.action, "changes": list(self.changes),
                "affiliate": self.affiliate}


def mask_endpoint(affiliate: dict[str, Any]) -> dict[str, Any]:
    """The affiliate as it may be shown: the endpoint's last segment is the client's notification secret."""
    shown = dict(affiliate)
    endpoint = shown.get("searchURIEndpoint")
    if isinstance(endpoint, str) and "/vtex/notification/" in endpoint:
        shown["searchURIEndpoint"] = endpoint.rsplit("/", 1)[0] + "/<token>"
    return shown


def setup_affiliate(vtex: AffiliateApi, *, affiliate_id: str, client_hash: str, sales_channel: str,
                    public_base_url: str, secret: str, apply: bool, name: str | None = None,
                    follow_up_email: str | None = None) -> AffiliateSetup:
    """Reads the affiliate, works out what must change and, with `apply`, writes it (one PUT) and reads it back."""
    if not public_base_url.startswith("https://") and not public_base_url.startswith("http://"):
        raise AffiliateSetupError("the public base URL of the HTTP API is needed (PUBLIC_BASE_URL or "
                                  "--public-base-url / publicBaseUrl)")
    current = vtex.get_affiliate(affiliate_id)
    email = follow_up_email or (current or {}).get("followUpEmail")
    if not email:
        raise AffiliateSetupError(f"affiliate {affiliate_id} does not exist yet: a follow-up e-mail is needed "
                                  "(--follow-up-email / followUpEmail)")
    desired: dict[str, Any] = {
        **{k: v for k, v in (current or {}).items() if k != "id"},
        "name": name or (current or {}).get("name") or DEFAULT_NAME,
        "salesChannel": sales_channel,
        "followUpEmail": email,
        "searchURIEndpoint": notification_endpoint(public_base_url, client_hash, secret),
        "searchURIEndpointVersion": ENDPOINT_VERSION,
        "searchURIEndpointAvailableVersions": [ENDPOINT_VERSION],
    }
    desired.setdefault("useSellerPaymentMethod", False)
    desired.setdefault("minimumValueAccumulated", None)
    changes = tuple(k for k in COMPARED if str((current or {}).get(k)) != str(desired[k]))
    if not changes:
        return AffiliateSetup(affiliate_id, "unchanged", (), mask_endpoint(current or {}))
    if not apply:
        return AffiliateSetup(affiliate_id, "would create" if current is None else "would update", changes,
                              mask_endpoint({"id": affiliate_id, **desired}))
    vtex.put_affiliate(affiliate_id, desired)
    stored = vtex.get_affiliate(affiliate_id) or {"id": affiliate_id, **desired}
    return AffiliateSetup(affiliate_id, "created" if current is None else "updated", changes, mask_endpoint(stored))


class VtexClients(Protocol):
    """VtexClientCache implements it."""

    def credentials(self, client_hash: str) -> Any: ...

    def client(self, client_hash: str) -> Any: ...


def setup_client_affiliate(vtex_clients: VtexClients, client_hash: str, *, secret: str, public_base_url: str,
                           apply: bool, name: str | None = None, follow_up_email: str | None = None) -> AffiliateSetup:
    """The client's affiliate (id and trade policy from its VTEX credentials) pointed at its notification URL."""
    credentials = vtex_clients.credentials(client_hash)
    return setup_affiliate(vtex_clients.client(client_hash), affiliate_id=credentials.affiliate_id,
                           client_hash=client_hash, sales_channel=credentials.sales_channel,
                           public_base_url=public_base_url, secret=secret, apply=apply, name=name,
                           follow_up_email=follow_up_email)
