"""local.runtime.samples.prepare_event: a stack-signed OAuth state of a sample is signed again now (fresh
nonce), a forged one is left alone, and events without a state are untouched."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from local.env import stack_env
from local.runtime.samples import prepare_event
from tiktok_vtex.auth.state import InvalidState, verify_state

EVENTS = Path(__file__).resolve().parents[3] / "events" / "AuthCallbackFunction"
NOW = 1_800_000_000.0


def _state(event: dict) -> str:
    return event["queryStringParameters"]["state"]


def test_an_expired_stack_signed_state_is_signed_again_with_a_fresh_nonce() -> None:
    env = stack_env()
    event = json.loads((EVENTS / "callback-code.json").read_text())
    with pytest.raises(InvalidState):
        verify_state(_state(event), secret=env["OAUTH_STATE_SECRET"], now=NOW)  # the committed one: expired
    first, second = prepare_event(event, env=env, now=NOW), prepare_event(event, env=env, now=NOW)
    fresh = verify_state(_state(first), secret=env["OAUTH_STATE_SECRET"], now=NOW)
    assert fresh.client_hash == env["DEMO_CLIENT_HASH"] and fresh.issued_at == int(NOW)
    assert fresh.nonce != verify_state(_state(second), secret=env["OAUTH_STATE_SECRET"], now=NOW).nonce
    assert parse_qs(first["rawQueryString"])["state"] == [_state(first)]
    assert first["queryStringParameters"]["code"] == event["queryStringParameters"]["code"]
    assert _state(event) != _state(first)  # the sample itself is not changed


def test_a_forged_state_and_stateless_events_are_left_alone() -> None:
    env = stack_env()
    forged = json.loads((EVENTS / "bad-forged-state.json").read_text())
    assert prepare_event(forged, env=env, now=NOW) == forged
    missing = json.loads((EVENTS / "bad-missing-state.json").read_text())
    assert prepare_event(missing, env=env, now=NOW) == missing
    assert prepare_event({"Records": []}, env=env, now=NOW) == {"Records": []}
    assert prepare_event([1, 2], env=env, now=NOW) == [1, 2]
    assert prepare_event(forged, env={**env, "OAUTH_STATE_SECRET": "other"}, now=NOW) == forged
