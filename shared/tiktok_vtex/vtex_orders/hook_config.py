"""ORDERHOOK-MANAGEMENT (`dispatchGenerateOrderHook`): the VTEX orders hook of one client.

Actions:
- `configure` (default): the hook secret is created if absent (Secrets Manager), then VTEX's hook config is
  set to our URL `{PUBLIC_BASE_URL}/vtex/orderhook/{client_hash}`, the `FromWorkflow` filter on the statuses
  we act on (models.HOOK_STATUSES) and the secret in `X-Connector-Hook-Secret`. Safe to re-run: when VTEX
  already holds exactly that configuration nothing is written ("unchanged"); VTEX pings the URL on every
  write, and our intake answers the ping only with the right header.
- `replace`: the same, written even when unchanged (e.g. after VTEX deleted an idle hook: it does after 3
  days without notifications).
- `rotate`: a new secret (the previous one stays valid for an hour, see hook_secrets), then `replace`. If
  VTEX refuses the new configuration the old header keeps working during the grace period; re-run it.
- `show`: VTEX's current configuration with header *names* only, and whether it matches ours.
- `remove`: VTEX's hook deleted (the secret is kept, so a later `configure` reuses it).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from tiktok_vtex.clients.vtex.models import OrdersHookConfig
from tiktok_vtex.observability import logger
from tiktok_vtex.vtex_orders.hook_secrets import HOOK_SECRET_HEADER, HookSecret, HookSecretStore
from tiktok_vtex.vtex_orders.models import CLIENT_HASH, HOOK_STATUSES


class HookConfigMessage(BaseModel):
    """Invoke payload: `{"type": "dispatchGenerateOrderHook"?, "clientHash", "action"?}`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: Literal["dispatchGenerateOrderHook", "generateOrderHook"] = "dispatchGenerateOrderHook"
    client_hash: str = Field(pattern=CLIENT_HASH.pattern, validation_alias=AliasChoices("clientHash", "client_hash"))
    action: Literal["configure", "replace", "rotate", "show", "remove"] = "configure"


class VtexHookPort(Protocol):
    def get_orders_hook(self) -> OrdersHookConfig | None: ...

    def set_orders_hook(self, url: str, filter_statuses: Sequence[str] | None = ...,
                        headers: dict[str, str] | None = None) -> OrdersHookConfig: ...

    def delete_orders_hook(self) -> None: ...


def hook_url(public_base_url: str, client_hash: str) -> str:
    if not public_base_url.strip():
        raise ValueError("PUBLIC_BASE_URL is not set: VTEX needs a public URL to deliver the orders hook")
    return f"{public_base_url.rstrip('/')}/vtex/orderhook/{client_hash}"


@dataclass
class HookConfigurator:
    secrets: HookSecretStore
    vtex: Callable[[str], VtexHookPort]
    public_base_url: str
    statuses: Sequence[str] = HOOK_STATUSES

    def run(self, message: HookConfigMessage) -> dict[str, Any]:
        client_hash = message.client_hash
        if message.action == "show":
            return self.show(client_hash)
        if message.action == "remove":
            self.vtex(client_hash).delete_orders_hook()
            logger.info("VTEX orders hook removed", extra={"client_hash": client_hash})
            return {"outcome": "removed", "clientHash": client_hash}
        if message.action == "rotate":
            secret = self.secrets.rotate(client_hash)
            return self._write(client_hash, secret, force=True, outcome="rotated")
        secret, created = self.secrets.ensure(client_hash)
        return self._write(client_hash, secret, force=message.action == "replace" or created,
                           outcome="configured")

    def _matches(self, current: OrdersHookConfig | None, url: str, secret: HookSecret) -> bool:
        if current is None or current.hook.url != url or current.filter is None:
            return False
        if current.filter.type != "FromWorkflow" or set(current.filter.status or []) != set(self.statuses):
            return False
        presented = {k.lower(): v for k, v in current.hook.headers.items()}.get(HOOK_SECRET_HEADER.lower(), "")
        return hmac.compare_digest(presented.encode(), secret.current.encode())

    def _write(self, client_hash: str, secret: HookSecret, *, force: bool, outcome: str) -> dict[str, Any]:
        url = hook_url(self.public_base_url, client_hash)
        vtex = self.vtex(client_hash)
        if not force and self._matches(vtex.get_orders_hook(), url, secret):
            return {"outcome": "unchanged", "clientHash": client_hash, "url": url}
        # VTEX pings `url` with these headers before saving: our intake must already know the secret (it does:
        # it was stored above). A refused ping raises VtexBadRequest: nothing is saved on VTEX's side.
        vtex.set_orders_hook(url, list(self.statuses), headers={HOOK_SECRET_HEADER: secret.current})
        logger.info("VTEX orders hook configured", extra={"client_hash": client_hash, "outcome": outcome})
        return {"outcome": outcome, "clientHash": client_hash, "url": url, "statuses": list(self.statuses),
                "header": HOOK_SECRET_HEADER, "secretRotatedAt": secret.rotated_at}

    def show(self, client_hash: str) -> dict[str, Any]:
        current = self.vtex(client_hash).get_orders_hook()
        if current is None:
            return {"outcome": "not_configured", "clientHash": client_hash}
        try:
            secret: HookSecret | None = self.secrets.get(client_hash)
        except LookupError:
            secret = None
        url = hook_url(self.public_base_url, client_hash)
        return {"outcome": "configured", "clientHash": client_hash, "url": current.hook.url,
                "filter": current.filter.model_dump(mode="json", exclude_none=True) if current.filter else None,
                "headers": sorted(current.hook.headers),  # names only: the values are the secret
                "matches": secret is not None and self._matches(current, url, secret),
                "secretRotatedAt": secret.rotated_at if secret else None}
