"""Issue 10 defects 9, 12, 13, 14 on the webhook hot path and its ledger: hostile input gets a clear 400
before anything is stored, refusals cost a metric and a capped sample (not a write each), empty keys
never verify, the app secret is re-read, the ledger keeps the whole body."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from events import generate
from tests.unit.webhooks.conftest import WebhookWorld
from tiktok_vtex.clients.tiktok.webhook import sign_webhook, verify_webhook
from tiktok_vtex.observability import logger as app_logger
from tiktok_vtex.repositories.webhook_events import UNKNOWN_SHOP, WebhookEvent
from tiktok_vtex.webhooks.intake import MAX_BODY_BYTES, sign_internal, verify_internal
from tiktok_vtex.webhooks.refusals import DEFAULT_LIMIT_PER_MINUTE, SAMPLE_RETENTION_SECONDS, RefusalSampler
from tiktok_vtex.webhooks.secrets import RotatingSecrets, WebhookSecrets

ORDER_PUSH = generate.sample_pushes()["type-01-order-status"]


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Our logger's lines through the production formatter (what CloudWatch would get)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app_logger.registered_formatter)
    app_logger._logger.addHandler(handler)
    try:
        yield stream
    finally:
        app_logger._logger.removeHandler(handler)


def emitted(output: str, name: str) -> int:
    """Sum of a metric over the EMF lines the handler printed (metrics.log_metrics flushes per call)."""
    total = 0
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            value = json.loads(line).get(name, 0)
            total += int(sum(value) if isinstance(value, list) else value)
    return total


def refused(world: WebhookWorld) -> list[WebhookEvent]:
    return list(world.ledger.iter_shop(UNKNOWN_SHOP))


def signed_raw(world: WebhookWorld, raw: bytes) -> tuple[int, dict[str, Any]]:
    """API Gateway base64-encodes a body that is not valid UTF-8; the others arrive as text."""
    try:
        raw.decode("utf-8")
        as_base64 = False
    except UnicodeDecodeError:
        as_base64 = True
    return world.call(generate.http_event(raw, {"authorization": generate.tiktok_signature(raw)},
                                          base64_body=as_base64))


# --- defect 13: hostile input ------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "fragment"), [
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # RecursionError in the parser
    (generate.encode({**ORDER_PUSH, "data": {**ORDER_PUSH["data"], "x": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}}),
     "nested deeper"),
    (generate.encode({**ORDER_PUSH, "data": {**ORDER_PUSH["data"], "update_time": 10**40}}), "38 digits"),
    (generate.encode({**ORDER_PUSH, "data": {**ORDER_PUSH["data"], "extra": 1e-200}}), "1E-130"),
    (generate.encode(ORDER_PUSH).replace(b'"is_on_hold_order":false', b'"is_on_hold_order":false,"n":NaN'),
     "not finite"),
    (generate.encode({**ORDER_PUSH, "type": True}), "type"),
    (generate.encode({**ORDER_PUSH, "tts_notification_id": "7" * 3000}), "tts_notification_id"),
    (generate.encode({**ORDER_PUSH, "shop_id": "7" * 3000}), "shop_id"),
    (generate.encode({**ORDER_PUSH, "shop_id": "shop with spaces"}), "shop_id"),
    (generate.encode({**ORDER_PUSH, "timestamp": 10**30}), "timestamp"),
    (json.dumps(ORDER_PUSH).encode("utf-16"), "not valid JSON"),  # JSON, but not UTF-8
    (b'{"type": 1, "shop_id": "\xff\xfe"}', "not valid JSON"),  # invalid UTF-8
])
def test_hostile_bodies_get_a_clear_400_and_nothing_is_queued(webhook_world: WebhookWorld, raw: bytes,
                                                               fragment: str) -> None:
    status, body = signed_raw(webhook_world, raw)
    assert status == 400 and fragment in body["message"], body
    assert webhook_world.messages() == []
    [event] = refused(webhook_world)
    assert event.outcome == "refused_400" and fragment in (event.detail or "")


def test_a_lone_surrogate_is_refused_and_its_log_line_is_written(webhook_world: WebhookWorld,
                                                                 logs: io.StringIO) -> None:
    for raw in (b'{"type": "\\ud800", "shop_id": "1", "data": {}}',
                generate.encode(ORDER_PUSH).replace(b'"AWAITING_SHIPMENT"', b'"\\udc00"'),
                b'{"type": 1, "shop_id": "1", "data": {"\\ud83d": 1}}'):
        status, body = signed_raw(webhook_world, raw)
        assert status == 400 and "surrogate" in body["message"], body
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    refusals = [line for line in lines if line["message"] == "webhook refused"]
    assert len(refusals) == 3 and all("surrogate" in line["reason"] for line in refusals)
    assert len(refused(webhook_world)) == 3 and webhook_world.messages() == []


def test_an_unreadable_event_body_is_a_400(webhook_world: WebhookWorld) -> None:
    event = generate.http_event(b"{}", {"authorization": "0" * 64}, base64_body=True)
    event["body"] = "%%% not base64 %%%"
    assert webhook_world.call(event)[0] == 400


def test_the_body_limit_counts_json_escaping_in_the_queue_message(webhook_world: WebhookWorld) -> None:
    """Raw body under the limit, but `"` and non-ASCII characters grow when the body is carried as a JSON
    string: refused at the door (400, no idempotency record), not a 500 on every TikTok retry."""
    push = {**ORDER_PUSH, "data": {**ORDER_PUSH["data"], "note": '"' * (MAX_BODY_BYTES // 3)}}
    raw = generate.encode(push)
    assert len(raw) <= MAX_BODY_BYTES
    for _ in range(2):
        status, body = signed_raw(webhook_world, raw)
        assert status == 400 and "escaped" in body["message"], body
    assert webhook_world.messages() == []
    fits = {**ORDER_PUSH, "tts_notification_id": "fits",
            "data": {**ORDER_PUSH["data"], "note": "é" * (MAX_BODY_BYTES // 14)}}
    assert signed_raw(webhook_world, generate.encode(fits)) == (200, {"outcome": "queued"})
    [message] = webhook_world.messages()
    assert json.loads(message["body"]) == fits


def test_an_oversized_body_is_refused_before_any_hmac(webhook_world: WebhookWorld) -> None:
    status, body = webhook_world.post(b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}", sign=False)
    assert (status, body["message"]) == (400, "body too large")


# --- defect 12: refusals cost a metric, not a write each ---------------------------------------------

def test_a_flood_of_refusals_writes_a_capped_ttl_sample_and_counts_every_one(
        webhook_world: WebhookWorld, capsys: pytest.CaptureFixture[str]) -> None:
    intake = webhook_world.handler.intake()
    now = [1_800_000_000.0]
    intake.sampler = RefusalSampler(clock=lambda: now[0])
    for n in range(3 * DEFAULT_LIMIT_PER_MINUTE):
        assert webhook_world.post({**ORDER_PUSH, "tts_notification_id": f"forged-{n}"},
                                  {"authorization": f"{n:064x}"}, sign=False)[0] == 401
    output = capsys.readouterr().out
    assert emitted(output, "WebhookRefused") == 3 * DEFAULT_LIMIT_PER_MINUTE
    assert emitted(output, "WebhookRefused401") == 3 * DEFAULT_LIMIT_PER_MINUTE
    assert emitted(output, "WebhookRefusalNotRecorded") == 2 * DEFAULT_LIMIT_PER_MINUTE
    rows = refused(webhook_world)
    assert len(rows) == DEFAULT_LIMIT_PER_MINUTE
    assert all(r.expires_at is not None and r.expires_at - r.received_at == SAMPLE_RETENTION_SECONDS for r in rows)
    now[0] += 60  # the next minute gets its own sample
    webhook_world.post(ORDER_PUSH, {"authorization": "f" * 64}, sign=False)
    assert len(refused(webhook_world)) == DEFAULT_LIMIT_PER_MINUTE + 1


def test_http_api_routes_are_throttled_in_the_template() -> None:
    from local.template import load_template
    from tests.conftest import TEMPLATE_PATH

    api = load_template(TEMPLATE_PATH)["Resources"]["ConnectorHttpApi"]["Properties"]
    assert api["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    routes = api["RouteSettings"]
    notification = "POST /vtex/notification/{client_hash}/{token}/{proxy+}"  # issue 16: its own limits
    assert set(routes) == {"POST /tiktok/webhook", "GET /tiktok/callback", notification}
    assert routes[notification]["ThrottlingBurstLimit"] > 0 and routes[notification]["ThrottlingRateLimit"] > 0
    assert routes["GET /tiktok/callback"]["ThrottlingRateLimit"] < routes["POST /tiktok/webhook"]["ThrottlingRateLimit"]


# --- defect 9 (verification side): an empty key never verifies ---------------------------------------

def test_empty_keys_never_verify() -> None:
    body = generate.encode(ORDER_PUSH)
    assert not verify_webhook("key", "", body, sign_webhook("key", "", body))
    assert not verify_webhook("", "secret", body, sign_webhook("", "secret", body))
    assert verify_webhook("key", "secret", body, sign_webhook("key", "secret", body))
    assert not verify_internal("", body, sign_internal("", body))
    assert verify_internal("s", body, sign_internal("s", body))


def test_an_empty_app_secret_in_the_stack_refuses_pushes_signed_with_it(webhook_world: WebhookWorld) -> None:
    env = generate.stack_env()
    webhook_world.handler.intake().secrets = RotatingSecrets(lambda: WebhookSecrets(env["TIKTOK_APP_KEY"], "", ""))
    raw = generate.encode(ORDER_PUSH)
    forged = sign_webhook(env["TIKTOK_APP_KEY"], "", raw)
    assert webhook_world.post(raw, {"authorization": forged}, sign=False)[0] == 401
    raw99 = generate.encode(generate.vtex_order_created())
    assert webhook_world.post(raw99, {"x-internal-signature": sign_internal("", raw99)}, sign=False)[0] == 401
    assert webhook_world.messages() == []


# --- defect 14: secret rotation, whole body in the ledger ---------------------------------------------

def test_a_rotated_app_secret_is_picked_up_without_a_cold_start(webhook_world: WebhookWorld) -> None:
    env = generate.stack_env()
    current = {"secret": env["TIKTOK_APP_SECRET"]}
    clock = [1000.0]
    source = RotatingSecrets(lambda: WebhookSecrets(env["TIKTOK_APP_KEY"], current["secret"], "i"),
                             clock=lambda: clock[0])
    webhook_world.handler.intake().secrets = source
    assert webhook_world.post(ORDER_PUSH)[0] == 200
    current["secret"] = "rotated-secret"
    clock[0] += 5
    rotated = {**ORDER_PUSH, "tts_notification_id": "after-rotation"}
    raw = generate.encode(rotated)
    assert webhook_world.post(raw, {"authorization": sign_webhook(env["TIKTOK_APP_KEY"], "rotated-secret", raw)},
                              sign=False) == (200, {"outcome": "queued"})
    assert source.reads == 2
    for n in range(20):  # forged pushes after that: at most one re-read a minute
        clock[0] += 1
        webhook_world.post({**ORDER_PUSH, "tts_notification_id": f"f{n}"}, {"authorization": "0" * 64}, sign=False)
    assert source.reads == 2
    clock[0] += 300  # and the max age: read again even without a failure
    source.get()
    assert source.reads == 3


def test_secret_reads_that_fail_keep_the_current_value() -> None:
    answers: list[Any] = [WebhookSecrets("k", "s1", "i")]
    clock = [0.0]

    def load() -> WebhookSecrets:
        value = answers.pop(0) if answers else None
        if value is None:
            raise RuntimeError("secrets manager down")
        return value

    source = RotatingSecrets(load, clock=lambda: clock[0])
    assert source.get().app_secret == "s1"
    clock[0] += 301
    assert source.get().app_secret == "s1"
    with pytest.raises(RuntimeError):
        RotatingSecrets(load).get()


def test_the_ledger_keeps_the_whole_body_for_replay(webhook_world: WebhookWorld) -> None:
    body = generate.encode({**ORDER_PUSH, "data": {**ORDER_PUSH["data"], "note": "x" * 150_000}}).decode()
    assert len(body) < MAX_BODY_BYTES
    webhook_world.ledger.record(WebhookEvent(shop_id="s", event_key="k", dedup_key="d", received_at=1,
                                             outcome="received", payload=body))
    stored = webhook_world.ledger.get("s", "k")
    assert stored is not None and stored.payload == body and json.loads(stored.payload)["data"]["note"]


def test_base64_of_invalid_utf8_signed_is_refused_not_stored(webhook_world: WebhookWorld) -> None:
    raw = b'{"type":1,"shop_id":"1","data":{"order_id":"\xc3\x28"}}'
    event = generate.http_event(b"", {"authorization": generate.tiktok_signature(raw)}, base64_body=True)
    event["body"] = base64.b64encode(raw).decode()
    assert webhook_world.call(event)[0] == 400
    assert webhook_world.messages() == []
