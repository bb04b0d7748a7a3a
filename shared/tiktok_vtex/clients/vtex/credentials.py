"""Per-client VTEX credentials, read from the client's secret `{secret_prefix}/vtex/{client_hash}`.

The secret is a JSON object. Field names are accepted in snake_case, camelCase or the legacy
environment-variable spelling (`VTEX_APP_KEY`, ...). Validation errors name the missing or invalid
field, never its value; the key and token are registered with the log redactor as soon as they load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from tiktok_vtex.clients.vtex.errors import VtexCredentialsError

DEFAULT_SECRET_PREFIX = "tiktok-vtex"  # noqa: S105 - a name prefix, not a secret

_ALIASES: dict[str, tuple[str, ...]] = {
    "account": ("account", "accountName", "account_name", "vtex_account", "VTEX_ACCOUNT"),
    "app_key": ("app_key", "appKey", "vtex_app_key", "VTEX_APP_KEY"),
    "app_token": ("app_token", "appToken", "vtex_app_token", "VTEX_APP_TOKEN"),
    "warehouse_ids": ("warehouse_ids", "warehouseIds", "warehouse_id", "warehouseId", "VTEX_WAREHOUSE_ID",
                      "VTEX_WAREHOUSE_IDS"),
    "sales_channel": ("sales_channel", "salesChannel", "trade_policy", "tradePolicy", "sc",
                      "VTEX_SALES_CHANNEL"),
    "affiliate_id": ("affiliate_id", "affiliateId", "VTEX_AFFILIATE_ID"),
    "seller_id": ("seller_id", "sellerId", "VTEX_SELLER_ID"),
    "warehouse_map": ("warehouse_map", "warehouseMap", "VTEX_WAREHOUSE_MAP"),
}
_CLIENT_HASH = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class VtexCredentials(BaseModel):
    """What the client needs to call one store's VTEX account. Both the key and the token are secret."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    account: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    app_key: SecretStr
    app_token: SecretStr
    warehouse_ids: list[str] = Field(default_factory=lambda: ["1_1"], min_length=1)
    sales_channel: str = Field(default="1", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    affiliate_id: str = Field(pattern=r"^[A-Za-z0-9]{1,10}$")
    seller_id: str = Field(default="1", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    warehouse_map: dict[str, str] = Field(default_factory=dict)
    """VTEX warehouse id -> TikTok warehouse id."""

    @model_validator(mode="before")
    @classmethod
    def _accept_aliases(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        normalised: dict[str, Any] = {}
        for field, names in _ALIASES.items():
            for name in names:
                if name in data and data[name] not in (None, ""):
                    normalised[field] = data[name]
                    break
        return normalised

    @field_validator("app_key", "app_token")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("warehouse_ids", mode="before")
    @classmethod
    def _split_warehouses(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("warehouse_map", mode="before")
    @classmethod
    def _parse_map(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("sales_channel", "seller_id", mode="before")
    @classmethod
    def _int_to_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def default_warehouse_id(self) -> str:
        return self.warehouse_ids[0]

    def headers(self) -> dict[str, str]:
        """The app-key headers. Never log the result."""
        return {
            "X-VTEX-API-AppKey": self.app_key.get_secret_value(),
            "X-VTEX-API-AppToken": self.app_token.get_secret_value(),
        }

    def tiktok_warehouse_id(self, vtex_warehouse_id: str) -> str | None:
        return self.warehouse_map.get(vtex_warehouse_id)


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "secret"
        problems.append(f"missing field {field}" if item["type"] == "missing" else f"invalid field {field}")
    return ", ".join(sorted(set(problems)))


def parse_vtex_credentials(data: Mapping[str, Any] | str, *, source: str = "VTEX credentials") -> VtexCredentials:
    """Validate a secret's content. Errors name fields only (pydantic's own text would echo values)."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            raise VtexCredentialsError(f"{source} is not a JSON object") from None
    if not isinstance(data, Mapping):
        raise VtexCredentialsError(f"{source} is not a JSON object")
    try:
        credentials = VtexCredentials.model_validate(data)
    except ValidationError as error:
        raise VtexCredentialsError(f"{source} is invalid: {_describe(error)}") from None
    except ValueError:
        raise VtexCredentialsError(f"{source} is invalid: invalid field warehouse_map") from None
    _register(credentials)
    return credentials


def _register(credentials: VtexCredentials) -> None:
    try:
        from tiktok_vtex.observability import register_secrets
    except ImportError:  # pragma: no cover - the layer always ships observability
        return
    register_secrets([credentials.app_key.get_secret_value(), credentials.app_token.get_secret_value()])


def vtex_secret_name(client_hash: str, secret_prefix: str = DEFAULT_SECRET_PREFIX) -> str:
    if not _CLIENT_HASH.match(client_hash or ""):
        raise VtexCredentialsError("client_hash is empty or has characters outside [A-Za-z0-9_-]")
    return f"{secret_prefix.rstrip('/')}/vtex/{client_hash}"


def load_vtex_credentials(
    client_hash: str,
    get_secret: Callable[[str], Mapping[str, Any] | str],
    secret_prefix: str = DEFAULT_SECRET_PREFIX,
) -> VtexCredentials:
    """Credentials of one client from its secret `{secret_prefix}/vtex/{client_hash}`.

    `get_secret(name)` returns the secret's JSON (a dict, or its text). Raises VtexCredentialsError.
    """
    name = vtex_secret_name(client_hash, secret_prefix)
    try:
        data = get_secret(name)
    except Exception as error:
        raise VtexCredentialsError(f"VTEX secret {name} could not be read ({type(error).__name__})") from None
    if data is None:
        raise VtexCredentialsError(f"VTEX secret {name} not found")
    return parse_vtex_credentials(data, source=f"VTEX secret {name}")


CREDENTIALS_MAX_AGE = 300
"""Seconds a warm container keeps a client's VTEX secret before reading it again (a rotated key is
picked up within this; a 401 re-reads it at once)."""


def fetch_vtex_secret(name: str, *, force: bool = False) -> Mapping[str, Any] | str:
    """A VTEX secret through Powertools Parameters: cached for CREDENTIALS_MAX_AGE seconds, or read from
    Secrets Manager at once with `force` (after a 401)."""
    from aws_lambda_powertools.utilities import parameters

    value: Any = parameters.get_secret(name, transform="json", max_age=CREDENTIALS_MAX_AGE, force_fetch=force)
    return value
