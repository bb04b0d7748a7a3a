"""The committed samples are what events/vtex_notifications.py writes, and each gets the answer it names."""

from __future__ import annotations

import base64
import json

import pytest

from events import vtex_notifications
from local.env import stack_env
from tiktok_vtex.inventory.memory import MemoryQueue
from tiktok_vtex.notifications.intake import NotificationIntake
from tiktok_vtex.notifications.models import QueuedChange

SAMPLES = vtex_notifications.samples()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_sample_is_current(name: str) -> None:
    path = vtex_notifications.ROOT / f"{name}.json"
    assert path.read_text(encoding="utf-8") == vtex_notifications.render(SAMPLES[name]), \
        "run python -m events.vtex_notifications"


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if n.startswith("VtexNotificationFunction/")))
def test_http_sample_gets_its_answer(name: str) -> None:
    env = stack_env()
    intake = NotificationIntake(secret=lambda: env["INTERNAL_WEBHOOK_SECRET"],
                                account_of=lambda c: (env["VTEX_ACCOUNT"], env["VTEX_AFFILIATE_ID"]),
                                queue=MemoryQueue())
    event = SAMPLES[name]
    raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    params = event["pathParameters"]
    result = intake.handle(params["client_hash"], params["token"], params["proxy"], raw)
    expected = {"bad-wrong-token": 401, "bad-other-account": 400, "bad-broken-json": 400}.get(name.split("/")[1], 200)
    assert result.status == expected, result


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if n.startswith("VtexNotificationSyncFunction/")))
def test_sqs_sample_parses(name: str) -> None:
    for record in SAMPLES[name]["Records"]:
        QueuedChange.model_validate(json.loads(record["body"]))
