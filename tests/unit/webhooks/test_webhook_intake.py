"""WEBHOOK hot path: signatures, parsing, dedup (incl. concurrent and in-progress duplicates), orphans,
type 99, base64 bodies, and the number of AWS calls."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import pytest
from botocore.client import BaseClient

from events import generate
from tests.unit.webhooks.conftest import WebhookWorld
from tiktok_vtex.repositories.webhook_events import UNKNOWN_SHOP

ORDER_PUSH = generate.sample_pushes()["type-01-order-status"]


def refused(world: WebhookWorld) -> list[Any]:
    return list(world.ledger.iter_shop(UNKNOWN_SHOP))


def test_every_committed_sample_is_accepted(webhook_world: WebhookWorld) -> None:
    """The committed events/ files are what the script writes, and each verifies with the stack.env secrets."""
    names = sorted(n for n in generate.webhook_events() if not n.startswith("bad-"))
    assert len(names) >= 17
    keys = set()
    for name in names:
        path = generate.ROOT / "WebhookFunction" / f"{name}.json"
        text = path.read_text(encoding="utf-8")
        assert text == generate.render(generate.webhook_events()[name]), f"{name}: run python -m events.generate"
        event = json.loads(text)
        status, body = webhook_world.call(event)
        assert status == 200, (name, body)
        raw = generate.base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
        document = json.loads(raw)
        key = document.get("tts_notification_id") or raw
        assert body["outcome"] == ("duplicate" if key in keys else "queued"), name
        keys.add(key)
    messages = webhook_world.messages()
    assert len(messages) == len(keys)
    assert {m["client_hash"] for m in messages} == {generate.stack_env()["DEMO_CLIENT_HASH"]}


def test_accepted_push_is_queued_with_its_raw_body(webhook_world: WebhookWorld) -> None:
    status, body = webhook_world.post(ORDER_PUSH)
    assert (status, body) == (200, {"outcome": "queued"})
    [message] = webhook_world.messages()
    assert message["type"] == 1 and message["dedup_key"] == f"tts:{ORDER_PUSH['tts_notification_id']}"
    assert json.loads(message["body"]) == ORDER_PUSH


def test_duplicate_is_acknowledged_once(webhook_world: WebhookWorld) -> None:
    assert webhook_world.post(ORDER_PUSH) == (200, {"outcome": "queued"})
    assert webhook_world.post(ORDER_PUSH) == (200, {"outcome": "duplicate"})
    assert len(webhook_world.messages()) == 1


def test_push_without_notification_id_dedupes_on_body_hash(webhook_world: WebhookWorld) -> None:
    push = {k: v for k, v in ORDER_PUSH.items() if k != "tts_notification_id"}
    assert webhook_world.post(push)[1]["outcome"] == "queued"
    assert webhook_world.post(push)[1]["outcome"] == "duplicate"
    [message] = webhook_world.messages()
    assert message["dedup_key"].startswith("sha256:")


def test_five_concurrent_deliveries_enqueue_once(webhook_world: WebhookWorld) -> None:
    """(a) at the door: the same push 5 times at once -> one message; the others are told to retry or are
    acknowledged as duplicates (never a second message)."""
    webhook_world.post({**ORDER_PUSH, "tts_notification_id": "warm-up"})  # secrets + clients loaded
    webhook_world.messages()
    barrier = threading.Barrier(5)
    answers: list[tuple[int, dict[str, Any]]] = []

    def deliver() -> None:
        barrier.wait()
        answers.append(webhook_world.post(ORDER_PUSH))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(webhook_world.messages()) == 1
    outcomes = Counter(body["outcome"] for _, body in answers)
    assert outcomes["queued"] == 1
    assert set(outcomes) <= {"queued", "duplicate", "in_progress"}
    assert all(status == 409 for status, body in answers if body["outcome"] == "in_progress")


def test_in_progress_duplicate_is_not_acknowledged_and_a_failed_first_delivery_is_not_lost(
    webhook_world: WebhookWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = webhook_world.handler.intake()
    original = intake.queue.send
    inside = threading.Event()
    release = threading.Event()
    answers: dict[str, tuple[int, dict[str, Any]]] = {}

    def slow_then_fail(messages: Any) -> int:
        inside.set()
        release.wait(5)
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(intake.queue, "send", slow_then_fail)
    first = threading.Thread(target=lambda: answers.setdefault("first", webhook_world.post(ORDER_PUSH)))
    first.start()
    assert inside.wait(5)
    monkeypatch.setattr(intake.queue, "send", original)
    answers["second"] = webhook_world.post(ORDER_PUSH)  # arrives while the first is in progress
    release.set()
    first.join()
    assert answers["second"][0] == 409 and answers["second"][1]["outcome"] == "in_progress"
    assert answers["first"][0] == 500
    # TikTok retries: the record of the failed delivery is gone, so the push is processed now
    assert webhook_world.post(ORDER_PUSH) == (200, {"outcome": "queued"})
    assert len(webhook_world.messages()) == 1


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing signature"),
        ({"authorization": "0" * 64}, "invalid signature"),
        ({"authorization": "not-hex"}, "invalid signature"),
    ],
)
def test_bad_signatures_are_refused_and_recorded(
    webhook_world: WebhookWorld, headers: dict[str, str], reason: str
) -> None:
    status, body = webhook_world.post(ORDER_PUSH, headers, sign=False)
    assert (status, body["message"]) == (401, reason)
    assert webhook_world.messages() == []
    [event] = refused(webhook_world)
    assert event.outcome == "refused_401" and event.detail == reason


def test_signature_of_a_reserialised_body_does_not_verify(webhook_world: WebhookWorld) -> None:
    raw = generate.encode(ORDER_PUSH)
    pretty = json.dumps(ORDER_PUSH, indent=2).encode()
    event = generate.http_event(pretty, {"authorization": generate.tiktok_signature(raw)})
    assert webhook_world.call(event)[0] == 401


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"type": 1, "shop_id": ', "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (
            generate.encode({"type": 1, "shop_id": "1", "data": {"order_status": "X", "update_time": 1}}),
            "data.order_id",
        ),
        (generate.encode({"type": "one", "shop_id": "1", "data": {}}), "type"),
        (generate.encode({"type": 1, "data": {}}), "shop_id"),
        (
            generate.encode(
                {"type": 36, "shop_id": "1", "data": {"package_id": "p", "order_ids": [], "invoice_status": "SUCCESS"}}
            ),
            "data.order_ids",
        ),
    ],
)
def test_malformed_pushes_get_400_with_a_clear_message(webhook_world: WebhookWorld, raw: bytes, fragment: str) -> None:
    status, body = webhook_world.post(raw)
    assert status == 400 and fragment in body["message"]
    assert webhook_world.messages() == []
    [event] = refused(webhook_world)
    assert event.outcome == "refused_400" and fragment in (event.detail or "")


def test_unknown_type_is_acknowledged_and_queued_for_the_record(webhook_world: WebhookWorld) -> None:
    status, body = webhook_world.post({**ORDER_PUSH, "type": 55, "tts_notification_id": "unknown-type"})
    assert (status, body) == (200, {"outcome": "queued"})
    assert webhook_world.messages()[0]["type"] == 55


def test_unknown_shop_is_an_acknowledged_orphan(webhook_world: WebhookWorld) -> None:
    status, body = webhook_world.post({**ORDER_PUSH, "shop_id": "999", "tts_notification_id": "orphan"})
    assert (status, body) == (200, {"outcome": "orphan"})
    [message] = webhook_world.messages()
    assert message["client_hash"] is None and message["shop_id"] == "999"


def test_type_99_needs_its_own_signature(webhook_world: WebhookWorld) -> None:
    raw = generate.encode(generate.vtex_order_created())
    assert webhook_world.post(raw)[0] == 401  # TikTok's signature is not enough
    assert webhook_world.post(raw, {"x-internal-signature": "0" * 64}, sign=False)[0] == 401
    tiktok_raw = generate.encode(ORDER_PUSH)  # and ours never replaces TikTok's
    assert (
        webhook_world.post(tiktok_raw, {"x-internal-signature": generate.internal_signature(tiktok_raw)}, sign=False)[0]
        == 401
    )
    status, body = webhook_world.post(raw, {"x-internal-signature": generate.internal_signature(raw)}, sign=False)
    assert (status, body) == (200, {"outcome": "queued"})
    [message] = webhook_world.messages()
    assert message["type"] == 99 and message["client_hash"] == generate.vtex_order_created()["data"]["client_hash"]
    assert [e.outcome for e in refused(webhook_world)] == ["refused_401"] * 3


def test_base64_body_from_api_gateway_verifies(webhook_world: WebhookWorld) -> None:
    status, body = webhook_world.call(generate.webhook_events()["type-01-base64-body"])
    assert (status, body) == (200, {"outcome": "queued"})


def test_hot_path_makes_at_most_four_aws_calls(webhook_world: WebhookWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    webhook_world.post({**ORDER_PUSH, "tts_notification_id": "warm-up", "shop_id": "12345"})  # warm container
    webhook_world.messages()
    calls: list[str] = []
    original = BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        calls.append(f"{self.meta.service_model.service_name}.{operation}")
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    assert webhook_world.post(ORDER_PUSH) == (200, {"outcome": "queued"})  # shop not cached yet
    assert len(calls) <= 4, calls
    assert sorted(calls) == ["dynamodb.PutItem", "dynamodb.Query", "dynamodb.UpdateItem", "sqs.SendMessageBatch"]
    calls.clear()
    assert webhook_world.post({**ORDER_PUSH, "tts_notification_id": "second"})[1]["outcome"] == "queued"
    assert "dynamodb.Query" not in calls and len(calls) == 3  # the shop lookup is cached while warm


def test_secrets_unavailable_is_a_500_without_secret_text(
    webhook_world: WebhookWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook_world.handler.secrets.cache_clear()

    def broken(_settings: Any) -> Any:
        raise RuntimeError("secrets manager down")

    monkeypatch.setattr(webhook_world.handler, "load_app_secrets", broken)
    status, body = webhook_world.post(ORDER_PUSH)
    assert status == 500 and body["outcome"] == "failed"
