"""Credentials: aliases, defaults, errors that name fields and never print values."""

from __future__ import annotations

import json

import pytest

from tiktok_vtex.clients.vtex.credentials import (
    VtexCredentials,
    load_vtex_credentials,
    parse_vtex_credentials,
    vtex_secret_name,
)
from tiktok_vtex.clients.vtex.errors import VtexCredentialsError

TOKEN = "TOKENvalue-super-secret-0123456789"
KEY = "vtexappkey-acme-ABCDEF"


def secret(**extra: object) -> dict[str, object]:
    return {"account": "acme", "app_key": KEY, "app_token": TOKEN, "affiliate_id": "TTK", **extra}


def test_defaults_and_secret_fields_hidden() -> None:
    creds = parse_vtex_credentials(secret())
    assert creds.warehouse_ids == ["1_1"] and creds.sales_channel == "1" and creds.seller_id == "1"
    assert creds.warehouse_map == {}
    assert TOKEN not in repr(creds) and KEY not in repr(creds) and TOKEN not in str(creds.model_dump())
    assert creds.headers() == {"X-VTEX-API-AppKey": KEY, "X-VTEX-API-AppToken": TOKEN}
    assert creds.default_warehouse_id == "1_1"


def test_legacy_and_camel_case_names() -> None:
    creds = parse_vtex_credentials({"VTEX_ACCOUNT": "acme", "VTEX_APP_KEY": KEY, "VTEX_APP_TOKEN": TOKEN,
                                    "VTEX_WAREHOUSE_ID": "1_1, 2_1", "salesChannel": 2, "affiliateId": "TTK",
                                    "warehouseMap": '{"1_1": "7300"}'})
    assert creds.warehouse_ids == ["1_1", "2_1"]
    assert creds.sales_channel == "2"
    assert creds.tiktok_warehouse_id("1_1") == "7300"
    assert creds.tiktok_warehouse_id("9") is None


def test_load_uses_the_secret_name_and_accepts_json_text() -> None:
    asked: list[str] = []

    def get_secret(name: str) -> str:
        asked.append(name)
        return json.dumps(secret())

    creds = load_vtex_credentials("abc123", get_secret, secret_prefix="tiktok-vtex-local")
    assert asked == ["tiktok-vtex-local/vtex/abc123"]
    assert isinstance(creds, VtexCredentials)
    assert vtex_secret_name("abc", "p/") == "p/vtex/abc"


@pytest.mark.parametrize(("data", "field"), [
    ({"account": "acme", "app_key": KEY, "affiliate_id": "TTK"}, "missing field app_token"),
    ({"account": "acme", "app_token": TOKEN, "affiliate_id": "TTK"}, "missing field app_key"),
    ({"app_key": KEY, "app_token": TOKEN, "affiliate_id": "TTK"}, "missing field account"),
    (secret(affiliate_id=None), "missing field affiliate_id"),
    (secret(account="acme.evil/x"), "invalid field account"),
    (secret(app_token="   "), "invalid field app_token"),
    (secret(warehouse_ids=[]), "invalid field warehouse_ids"),
])
def test_errors_name_the_field_never_the_value(data: dict[str, object], field: str) -> None:
    with pytest.raises(VtexCredentialsError) as caught:
        load_vtex_credentials("abc", lambda _name: data, secret_prefix="p")
    text = str(caught.value)
    assert field in text
    assert TOKEN not in text and KEY not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unreadable_or_missing_secret() -> None:
    def boom(name: str) -> dict[str, object]:
        raise RuntimeError(f"AccessDenied for {TOKEN}")

    with pytest.raises(VtexCredentialsError, match="could not be read") as caught:
        load_vtex_credentials("abc", boom)
    assert TOKEN not in str(caught.value)
    with pytest.raises(VtexCredentialsError, match="not found"):
        load_vtex_credentials("abc", lambda _n: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(VtexCredentialsError, match="not a JSON object"):
        load_vtex_credentials("abc", lambda _n: "not json")
    with pytest.raises(VtexCredentialsError, match="client_hash"):
        load_vtex_credentials("../other", lambda _n: secret())
