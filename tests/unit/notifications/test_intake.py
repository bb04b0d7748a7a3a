"""Intake of VTEX affiliate notifications: token, path, body (both casings), account and affiliate (issue 16)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tiktok_vtex.clients.vtex.errors import VtexCredentialsError
from tiktok_vtex.inventory.memory import MemoryQueue
from tiktok_vtex.notifications.intake import NotificationIntake
from tiktok_vtex.notifications.token import notification_endpoint, notification_token, token_matches

SECRET = "internal-secret-for-tests"  # a test key
CLIENT = "c0ffee"
CURRENT = {"idSKU": "880408", "productId": 88040, "an": "sandboxstore", "idAffiliate": "TTK",
           "DateModified": "2026-12-01T13:00:00.123Z", "isActive": True, "StockModified": True,
           "PriceModified": False, "HasStockKeepingUnitModified": False,
           "HasStockKeepingUnitRemovedFromAffiliate": False}
LEGACY = {"IdSku": "880408", "An": "sandboxstore", "IdAffiliate": "TTK", "StockModified": False,
          "PriceModified": True, "DateModified": "2026-12-01T13:00:00"}


def make(account_of: Any = None) -> tuple[NotificationIntake, MemoryQueue]:
    queue = MemoryQueue()
    intake = NotificationIntake(secret=lambda: SECRET, account_of=account_of or (lambda c: ("sandboxstore", "TTK")),
                                queue=queue, clock=lambda: 1_800_000_000.0)
    return intake, queue


def post(intake: NotificationIntake, body: Any, *, token: str | None = None, client: str = CLIENT,
         rest: str = "api/notification/") -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return intake.handle(client, notification_token(SECRET, client) if token is None else token, rest, raw)


@pytest.mark.parametrize("body", [CURRENT, LEGACY], ids=["current casing", "legacy casing"])
def test_a_valid_notification_is_queued(body: dict[str, Any]) -> None:
    intake, queue = make()
    result = post(intake, body)
    assert (result.status, result.outcome) == (200, "queued")
    [message] = queue.messages
    assert message["type"] == "vtexNotification" and message["clientHash"] == CLIENT
    assert message["skuId"] == "880408" and message["receivedMs"] == 1_800_000_000_000
    assert message["stock"] is body["StockModified"] and message["price"] is body["PriceModified"]
    assert "an" not in message and "sandboxstore" not in json.dumps(message)
    assert message["modifiedMs"] > 0  # a naive DateModified is read as UTC


def test_both_slash_forms_of_the_path_and_nothing_else() -> None:
    intake, queue = make()
    assert post(intake, CURRENT, rest="api/notification").status == 200
    assert post(intake, CURRENT, rest="api/other").status == 404
    assert len(queue.messages) == 1


@pytest.mark.parametrize("token", ["", "0" * 40, notification_token(SECRET, "another")[:39], "é" * 40,
                                   notification_token("guessed", CLIENT)])
def test_a_wrong_token_is_401_and_queues_nothing(token: str) -> None:
    intake, queue = make()
    assert post(intake, CURRENT, token=token).status == 401
    assert queue.messages == []


def test_another_clients_token_and_a_bad_client_hash_are_401() -> None:
    intake, queue = make()
    assert post(intake, CURRENT, token=notification_token(SECRET, "another")).status == 401
    assert post(intake, CURRENT, client="../x", token=notification_token(SECRET, "../x")).status == 401
    assert queue.messages == []


@pytest.mark.parametrize("body,field", [
    (b"{", "JSON"), (b"[]", "body"), (b"null", "body"), ({**CURRENT, "idSKU": "abc"}, "sku_id"),
    ({k: v for k, v in CURRENT.items() if k != "idSKU"}, "sku_id"), ({**CURRENT, "isActive": "maybe"}, "is_active"),
    ({**CURRENT, "DateModified": "yesterday"}, "date_modified"), ({**CURRENT, "IDSKU": "1"}, "body"),
    (b"x" * 20_000, "larger"),
])
def test_a_malformed_body_is_400_naming_the_problem(body: Any, field: str) -> None:
    intake, queue = make()
    result = post(intake, body)
    assert result.status == 400 and field in result.body["message"]
    assert queue.messages == []


@pytest.mark.parametrize("change,outcome", [({"an": "otherstore"}, "other_account"),
                                            ({"idAffiliate": "XYZ"}, "other_affiliate")])
def test_another_account_or_affiliate_is_400(change: dict[str, Any], outcome: str) -> None:
    intake, queue = make()
    result = post(intake, {**CURRENT, **change})
    assert (result.status, result.outcome) == (400, outcome) and queue.messages == []


def test_a_client_without_usable_credentials_is_acknowledged_not_queued() -> None:
    def broken(client_hash: str) -> tuple[str, str]:
        raise VtexCredentialsError("secret tiktok-vtex/vtex/c0ffee not found")

    intake, queue = make(broken)
    result = post(intake, CURRENT)
    assert (result.status, result.outcome) == (200, "client_unavailable") and queue.messages == []


def test_token_is_derived_stable_and_compared_safely() -> None:
    token = notification_token(SECRET, CLIENT)
    assert token == notification_token(SECRET, CLIENT) and len(token) == 40
    assert token != notification_token(SECRET + "x", CLIENT)
    assert token_matches(SECRET, CLIENT, token) and not token_matches(SECRET, CLIENT, token.upper())
    assert notification_endpoint("https://api.example.com/", CLIENT, SECRET) == \
        f"https://api.example.com/vtex/notification/{CLIENT}/{token}"
