"""Onboarding a client store: what an integrator did by hand, in one checked step.

`onboard()` validates everything first and calls VTEX with the given key (a refused key, an unknown account
or an unreachable VTEX stops it before anything is written), then writes: the VTEX credentials secret
(`<stack>/vtex/<client_hash>`), the client row of ssxml_client (only the attributes we own; the backend's
others are kept), the connector settings on ssxml_client_tiktok (merged; a row created here waits in
status `unused` for the seller's authorization), and, when the shop is already authorized, the TikTok
webhook subscriptions (Event API) for every type we handle. `check()` reports what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from tiktok_vtex.clients.vtex.credentials import VtexCredentials
from tiktok_vtex.clients.vtex.errors import VtexApiError, VtexError
from tiktok_vtex.models.client import ClientSettings, ShopLinkStatus
from tiktok_vtex.repositories.base import DynamoTable

# Push types we handle, by the Event API's event_type names (reference 4.3). Type 27 (inventory status) has
# no event_type in the Event API: TikTok sends it to the app-level address only.
WEBHOOK_EVENT_TYPES: dict[str, int] = {
    "ORDER_STATUS_CHANGE": 1, "REVERSE_STATUS_UPDATE": 2, "RECIPIENT_ADDRESS_UPDATE": 3, "PACKAGE_UPDATE": 4,
    "PRODUCT_STATUS_CHANGE": 5, "SELLER_DEAUTHORIZATION": 6, "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11, "RETURN_STATUS_CHANGE": 12, "PRODUCT_INFORMATION_CHANGE": 15,
    "PRODUCT_CREATION": 16, "INVOICE_STATUS_CHANGE": 36, "PRODUCT_AUDIT_STATUS_CHANGE": 37,
}
# What the VTEX secret may show (never app_key / app_token).
SHOWN_SECRET_FIELDS = ("account", "warehouse_ids", "sales_channel", "affiliate_id", "seller_id", "warehouse_map")


class OnboardingRefused(RuntimeError):
    """Nothing was written; the message says what is wrong and what to do (never a secret value)."""


class WebhookApi(Protocol):
    def get_webhooks(self) -> list[dict[str, Any]]: ...
    def update_webhook(self, event_type: str, address: str) -> None: ...


class VtexCheck(Protocol):
    def list_sku_ids(self, page: int = 1, page_size: int = 1000) -> list[int]: ...
    def close(self) -> None: ...


class ClientRequest(BaseModel):
    """`client add`'s input. The VTEX key and token are secret (SecretStr): never printed or logged."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_hash: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    shop_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                           description="TikTok shop code (ssxml_client.tik_tok_shop_store_id)")
    vtex_account: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    vtex_app_key: SecretStr
    vtex_app_token: SecretStr
    warehouse_ids: list[str] = Field(min_length=1)
    sales_channel: str = Field(default="1", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    affiliate_id: str = Field(pattern=r"^[A-Za-z0-9]{1,10}$")
    warehouse_map: dict[str, str] = Field(default_factory=dict, description="VTEX warehouse -> TikTok warehouse")
    feed_link: str | None = Field(default=None, pattern=r"^(https?|s3)://\S+$")
    tiktok_warehouse_id: str | None = Field(default=None, pattern=r"^[0-9A-Za-z_-]{1,64}$")
    settings: dict[str, Any] = Field(default_factory=dict, description="connector settings (ClientSettings)")

    def credentials(self) -> VtexCredentials:
        return VtexCredentials.model_validate(self.secret_document())

    def secret_document(self) -> dict[str, Any]:
        return {"account": self.vtex_account, "app_key": self.vtex_app_key.get_secret_value(),
                "app_token": self.vtex_app_token.get_secret_value(), "warehouse_ids": self.warehouse_ids,
                "sales_channel": self.sales_channel, "affiliate_id": self.affiliate_id,
                "warehouse_map": self.warehouse_map}


def validate_request(values: Mapping[str, Any]) -> ClientRequest:
    try:
        request = ClientRequest.model_validate(dict(values))
        ClientSettings.model_validate({**request.settings, **({"warehouse_map": request.warehouse_map}
                                                               if request.warehouse_map else {})})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors())
        raise OnboardingRefused(f"invalid input, nothing written: {problems}") from None
    return request


@dataclass
class OnboardingStores:
    """Where onboarding writes: tables by name and a boto3 Secrets Manager client."""

    client_table: str
    client_tiktok_table: str
    secrets: Any
    secret_name: Callable[[str], str]


@dataclass
class WebhookReport:
    address: str
    subscribed: list[str] = field(default_factory=list)  # set by this run
    present: list[str] = field(default_factory=list)  # already right
    missing: list[str] = field(default_factory=list)  # still missing (or pointing elsewhere)

    def as_dict(self) -> dict[str, Any]:
        return {"address": self.address, "subscribed": self.subscribed, "present": self.present,
                "missing": self.missing}


def check_vtex(request_or_credentials: ClientRequest | VtexCredentials,
               vtex_client: Callable[[VtexCredentials], VtexCheck]) -> None:
    """One authenticated VTEX call with these credentials; OnboardingRefused when VTEX refuses them."""
    credentials = (request_or_credentials.credentials() if isinstance(request_or_credentials, ClientRequest)
                   else request_or_credentials)
    client = vtex_client(credentials)
    try:
        client.list_sku_ids(page=1, page_size=1)
    except VtexApiError as error:
        if error.status in (401, 403):
            raise OnboardingRefused(f"VTEX refused the app key/token for account {credentials.account} "
                                    f"({error.status}): check the key, its token and the key's role "
                                    "(catalog, logistics, pricing, OMS); nothing written") from None
        if error.status == 404:
            raise OnboardingRefused(f"VTEX account {credentials.account} not found (404); nothing written") from None
        raise OnboardingRefused(f"VTEX did not answer the check ({error.status or 'no response'}: "
                                f"{error.message}); try again; nothing written") from None
    except VtexError as error:
        raise OnboardingRefused(f"VTEX check failed: {error}; nothing written") from None
    finally:
        client.close()


def _put_secret(stores: OnboardingStores, name: str, document: Mapping[str, Any]) -> str:
    body = json.dumps(document)
    try:
        stores.secrets.create_secret(Name=name, SecretString=body,
                                     Description="VTEX credentials of one client (tiktok-vtex client add)")
        return "created"
    except stores.secrets.exceptions.ResourceExistsException:
        stores.secrets.put_secret_value(SecretId=name, SecretString=body)
        return "updated"


def onboard(request: ClientRequest, stores: OnboardingStores, *,
            vtex_client: Callable[[VtexCredentials], VtexCheck],
            webhooks: Callable[[str], WebhookApi | None] | None = None,
            webhook_address: str | None = None) -> dict[str, Any]:
    """Creates or updates the client; returns what was done (no secret values)."""
    check_vtex(request, vtex_client)
    secret = _put_secret(stores, stores.secret_name(request.client_hash), request.secret_document())
    row: dict[str, Any] = {"tik_tok_shop_store_id": request.shop_code}
    if request.feed_link:
        row["tik_tok_shop_feed_link"] = request.feed_link
    if request.tiktok_warehouse_id:
        row["tik_tok_shop_warehouse_id"] = request.tiktok_warehouse_id
    clients = DynamoTable(stores.client_table)
    names = {f"#a{i}": k for i, k in enumerate(row)}
    clients.update({"client_hash": request.client_hash}, "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(row))),
                   names=names, values={f":v{i}": v for i, v in enumerate(row.values())})
    links = DynamoTable(stores.client_tiktok_table)
    current = (links.get({"client_hash": request.client_hash}) or {}).get("connector_settings") or {}
    merged = ClientSettings.model_validate({**current, **request.settings,
                                            **({"warehouse_map": request.warehouse_map} if request.warehouse_map
                                               else {})}).model_dump(mode="json")
    link = links.update({"client_hash": request.client_hash},
                        "SET connector_settings = :s, #st = if_not_exists(#st, :unused)",
                        names={"#st": "status"}, values={":s": merged, ":unused": ShopLinkStatus.UNUSED.value})
    result: dict[str, Any] = {"client_hash": request.client_hash, "vtex_secret": secret, "vtex_check": "ok",
                              "client_row": "written", "connector_settings": merged, "link_status": link["status"]}
    if link["status"] == ShopLinkStatus.TOKEN_GENERATED.value and webhooks is not None and webhook_address:
        api = webhooks(request.client_hash)
        if api is not None:
            result["webhooks"] = subscribe_webhooks(api, webhook_address).as_dict()
    return result


def subscribe_webhooks(api: WebhookApi, address: str, *, fix: bool = True) -> WebhookReport:
    """Every handled type subscribed to `address` (PUT only what is missing or points elsewhere)."""
    report = WebhookReport(address)
    configured = {w.get("event_type"): w.get("address") for w in api.get_webhooks()}
    for event_type in WEBHOOK_EVENT_TYPES:
        if configured.get(event_type) == address:
            report.present.append(event_type)
        elif fix:
            api.update_webhook(event_type, address)
            report.subscribed.append(event_type)
        else:
            report.missing.append(event_type)
    return report


@dataclass
class ClientReport:
    client_hash: str
    client_row: dict[str, Any] | None
    link: dict[str, Any] | None
    vtex: dict[str, Any] | None  # shown fields of the secret
    problems: list[str] = field(default_factory=list)
    webhooks: WebhookReport | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"client_hash": self.client_hash, "client_row": self.client_row, "link": self.link,
                "vtex": self.vtex, "webhooks": self.webhooks.as_dict() if self.webhooks else None,
                "problems": self.problems}


LINK_FIELDS = ("status", "tik_tok_shop_store_id", "tik_tok_shop_store_code", "tik_tok_shop_store_name",
               "authorized_at", "authorization_expires_at", "deauthorized_at", "deauthorized_reason",
               "connector_settings")
CLIENT_FIELDS = ("tik_tok_shop_store_id", "tik_tok_shop_feed_link", "tik_tok_shop_warehouse_id")


def describe(client_hash: str, stores: OnboardingStores) -> ClientReport:
    """What is stored for a client, secrets reduced to their shown fields."""
    row = DynamoTable(stores.client_table).get({"client_hash": client_hash})
    link = DynamoTable(stores.client_tiktok_table).get({"client_hash": client_hash})
    vtex: dict[str, Any] | None = None
    try:
        raw = stores.secrets.get_secret_value(SecretId=stores.secret_name(client_hash))["SecretString"]
        document = json.loads(raw)
        parsed = VtexCredentials.model_validate(document)
        vtex = {k: getattr(parsed, k) for k in SHOWN_SECRET_FIELDS}
    except stores.secrets.exceptions.ResourceNotFoundException:
        vtex = None
    except (ValueError, ValidationError):
        vtex = {"invalid": True}
    report = ClientReport(client_hash, {k: row[k] for k in CLIENT_FIELDS if k in row} if row else None,
                          {k: link[k] for k in LINK_FIELDS if k in link} if link else None, vtex)
    if row is None:
        report.problems.append(f"no row in {stores.client_table}: run `tiktok-vtex client add`")
    elif not row.get("tik_tok_shop_store_id"):
        report.problems.append("no TikTok shop code (tik_tok_shop_store_id): authorization would be refused")
    if vtex is None:
        report.problems.append(f"no VTEX secret {stores.secret_name(client_hash)}")
    elif vtex.get("invalid"):
        report.problems.append(f"VTEX secret {stores.secret_name(client_hash)} is malformed (re-run client add)")
    status = (link or {}).get("status")
    if status != ShopLinkStatus.TOKEN_GENERATED.value:
        report.problems.append(f"TikTok authorization: {status or 'none'} (send `tiktok-vtex auth-link {client_hash}`)")
    return report


def check(client_hash: str, stores: OnboardingStores, *, webhooks: Callable[[str], WebhookApi | None] | None,
          webhook_address: str | None, fix: bool = False,
          vtex_client: Callable[[VtexCredentials], VtexCheck] | None = None) -> ClientReport:
    report = describe(client_hash, stores)
    if vtex_client is not None and report.vtex and not report.vtex.get("invalid"):
        raw = stores.secrets.get_secret_value(SecretId=stores.secret_name(client_hash))["SecretString"]
        try:
            check_vtex(VtexCredentials.model_validate(json.loads(raw)), vtex_client)
        except OnboardingRefused as error:
            report.problems.append(str(error).replace("; nothing written", ""))
    if report.link and report.link.get("status") == ShopLinkStatus.TOKEN_GENERATED.value and webhooks and \
            webhook_address:
        api = webhooks(client_hash)
        if api is not None:
            report.webhooks = subscribe_webhooks(api, webhook_address, fix=fix)
            if report.webhooks.missing:
                report.problems.append(f"{len(report.webhooks.missing)} webhook subscription(s) missing: "
                                       + ", ".join(report.webhooks.missing) + " (fix: `client check --fix`)")
    elif webhook_address is None:
        report.problems.append("webhook address unknown: set PUBLIC_BASE_URL or pass --webhook-url")
    return report
