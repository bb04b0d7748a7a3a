"""Per-client health: authorization and tokens, last stock / price / catalog sync and its lag, orders in
ERROR or stuck, invoices waiting for push 36, and the stack's DLQ depth. `attention` lists what an operator
must act on (the CLI exits 1 when it is not empty, for cron)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Key

from tiktok_vtex.invoices.models import InvoiceState
from tiktok_vtex.models.client import ShopLinkStatus
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository, SyncState
from tiktok_vtex.repositories.tokens import TokenRepository

# Orders still in these states this long after their last change are stuck: the 15-minute sweep re-queues
# them, so two runs passing without progress means something is wrong.
STUCK_STATES = (SyncState.NEW, SyncState.CLAIMED, SyncState.PLACED_IN_VTEX, SyncState.HELD)


@dataclass(frozen=True)
class Thresholds:
    stuck_seconds: int = 1800
    push36_seconds: int = 1800  # the legacy doc's alarm: no push 36 30 minutes after the upload
    sync_lag_seconds: int = 26 * 3600  # nightly full syncs: more than a day and a bit without one is late
    # The backend sends each client's feed (dispatchUpdateProducts / dispatchGenerateProducts) daily: two missed
    # feeds are late. A client with no catalog run in `catalog_window_days` does not use the catalog flow.
    catalog_lag_seconds: int = 48 * 3600
    catalog_window_days: int = 30
    refresh_warning_seconds: int = 30 * 86400  # same window as RefreshTokenExpiringAlarm
    log_window_days: int = 8  # how far back the last sync is looked for
    invoice_window_days: int = 7  # as the INVOICE sweep: orders placed/changed in the last week


@dataclass
class ClientStatus:
    client_hash: str
    auth: dict[str, Any] = field(default_factory=dict)
    syncs: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders_error: list[dict[str, Any]] = field(default_factory=list)
    orders_stuck: list[dict[str, Any]] = field(default_factory=list)
    invoices_waiting: list[dict[str, Any]] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"client_hash": self.client_hash, "auth": self.auth, "syncs": self.syncs,
                "orders_error": self.orders_error, "orders_stuck": self.orders_stuck,
                "invoices_waiting_push36": self.invoices_waiting, "attention": self.attention}


@dataclass
class StatusSources:
    clients: ClientRepository
    tokens: TokenRepository
    orders: OrderRepository
    logs: Mapping[str, LogRepository]  # legacy model name -> repository


def _is_stock_sync(item: dict[str, Any]) -> bool:
    return item.get("kind") == "stock_update"


def _is_price_sync(item: dict[str, Any]) -> bool:
    return item.get("kind") == "price_update"


def _is_catalog_change(item: dict[str, Any]) -> bool:
    kind = str(item.get("kind", ""))
    return not any(word in kind for word in ("fail", "refused", "error", "unknown"))


# sync -> (log table, what counts as a run, required: no run in the look-back window is late too)
SYNCS = {"stock": ("TikTokLogStock", _is_stock_sync, True), "price": ("TikTokLogPrice", _is_price_sync, True),
         "catalog": ("TikTokLogProduct", _is_catalog_change, False)}


def client_hashes(clients: ClientRepository) -> list[str]:
    found: set[str] = set()
    for status in ShopLinkStatus:
        found.update(clients.iter_client_hashes(status))
    return sorted(found)


def client_status(sources: StatusSources, client_hash: str, *, now: int,
                  thresholds: Thresholds = Thresholds()) -> ClientStatus:
    result = ClientStatus(client_hash)
    hold_minutes = _auth(sources, result, now, thresholds)
    _syncs(sources, result, now, thresholds)
    _orders(sources, result, now, thresholds, hold_minutes)
    return result


def _auth(sources: StatusSources, result: ClientStatus, now: int, t: Thresholds) -> int:
    link = sources.clients.get_shop_link(result.client_hash)
    token = sources.tokens.get(result.client_hash, consistent=False)
    status = link.status.value if link else "not linked"
    result.auth = {"status": status, "shop_id": link.shop_id if link else None,
                   "shop_name": link.tik_tok_shop_store_name if link else None,
                   "access_token_expires_at": token.access_token_expire_in if token else None,
                   "refresh_token_expires_at": token.refresh_token_expire_in if token else None,
                   "renewal": ("active" if token.token_bucket else "stopped") if token else None,
                   "last_refresh_error_code": token.last_refresh_error_code if token else None}
    if link is None or not link.is_active:
        reason = f": {link.deauthorized_reason}" if link and link.deauthorized_reason else ""
        result.attention.append(f"authorization {status}{reason}: send `tiktok-vtex auth-link {result.client_hash}`")
    if token is None:
        result.attention.append("no TikTok token: the seller has not authorized yet")
    else:
        if token.refresh_token_expire_in and token.refresh_token_expire_in - now < t.refresh_warning_seconds:
            days = max(token.refresh_token_expire_in - now, 0) // 86400
            result.attention.append(f"refresh token expires in {days} day(s): the seller must authorize again")
        if token.access_token_expire_in and token.access_token_expire_in < now:
            result.attention.append("access token expired: renewal is not working (GERENCIADOR-AUTH-CODES)")
    return link.connector_settings.order_hold_minutes if link else 0


def sync_state(logs: Mapping[str, LogRepository], client_hash: str, *, now: int,
               thresholds: Thresholds = Thresholds()) -> dict[str, dict[str, Any]]:
    """Each sync's last run, its lag and whether it is late (the status report and the hourly sync check,
    functions/ops/sync_check.py, share this rule)."""
    found: dict[str, dict[str, Any]] = {}
    for name, (table, accept, required) in SYNCS.items():
        days = thresholds.log_window_days if required else thresholds.catalog_window_days
        allowed = thresholds.sync_lag_seconds if required else thresholds.catalog_lag_seconds
        entry = logs[table].latest(client_hash, accept, since_ms=(now - days * 86400) * 1000)
        at = int(entry["logged_at"]) if entry and entry.get("logged_at") is not None else None
        lag = now - at if at is not None else None
        late = lag > allowed if lag is not None else required
        found[name] = {"last_at": at, "lag_seconds": lag, "kind": entry.get("kind") if entry else None,
                       "late": late, "allowed_seconds": allowed, "window_days": days}
    return found


def _syncs(sources: StatusSources, result: ClientStatus, now: int, t: Thresholds) -> None:
    result.syncs = sync_state(sources.logs, result.client_hash, now=now, thresholds=t)
    for name, sync in result.syncs.items():
        if sync["late"]:
            lag = sync["lag_seconds"]
            when = f"{lag // 3600} h ago" if lag is not None else f"not in the last {sync['window_days']} days"
            result.attention.append(f"last {name} sync {when} (expected within {sync['allowed_seconds'] // 3600} h)")


def _orders(sources: StatusSources, result: ClientStatus, now: int, t: Thresholds, hold_minutes: int) -> None:
    table = sources.orders.table

    def keys(state: SyncState) -> list[dict[str, Any]]:
        return list(table.query(IndexName="by_client_sync_state", KeyConditionExpression=(
            Key("client_hash").eq(result.client_hash) & Key("sync_state").eq(state.value))))

    errors = [k["order_id"] for k in keys(SyncState.ERROR)]
    for record in sources.orders.get_many(result.client_hash, errors).values() if errors else []:
        result.orders_error.append({"order_id": record.order_id, "error_code": record.error_code,
                                    "error_reason": record.error_reason, "updated_at": record.updated_at})
    for state in STUCK_STATES:
        allowed = t.stuck_seconds + (hold_minutes * 60 if state == SyncState.HELD else 0)
        for key in keys(state):
            age = now - int(key.get("updated_at") or now)
            if age > allowed:
                result.orders_stuck.append({"order_id": key["order_id"], "sync_state": state.value,
                                            "minutes": age // 60})
    # AUTHORIZED is where most orders end: only those changed within the invoice sweep's window are read
    recent = now - t.invoice_window_days * 86400
    placed = [k["order_id"] for s in (SyncState.PLACED_IN_VTEX, SyncState.AUTHORIZED) for k in keys(s)
              if int(k.get("updated_at") or 0) >= recent]
    for start in range(0, len(placed), 100):
        for record in sources.orders.get_many(result.client_hash, placed[start:start + 100]).values():
            extra = record.model_extra or {}
            uploaded_at = int(extra.get("invoice_uploaded_at") or 0)
            waiting = extra.get("invoice_state") == InvoiceState.UPLOADED and uploaded_at
            if waiting and now - uploaded_at > t.push36_seconds:
                result.invoices_waiting.append({"order_id": record.order_id,
                                                "package_id": extra.get("invoice_package_id"),
                                                "minutes": (now - uploaded_at) // 60})
    result.orders_error.sort(key=lambda o: o["order_id"])
    if result.orders_error:
        result.attention.append(f"{len(result.orders_error)} order(s) in ERROR: fix the cause, then "
                                "`tiktok-vtex dispatch send-order` or the sweep's replayErrors")
    if result.orders_stuck:
        result.attention.append(f"{len(result.orders_stuck)} order(s) stuck over {t.stuck_seconds // 60} min")
    if result.invoices_waiting:
        result.attention.append(f"{len(result.invoices_waiting)} invoice(s) without push 36 after "
                                f"{t.push36_seconds // 60} min")
