"""The two handlers driven with the committed sample events (events/AuthCodesManagerFunction,
events/AuthCallbackFunction), against moto and the TikTok sandbox."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tiktok_vtex.repositories.auth_codes import AuthCodeStatus

from .conftest import AuthWorld, RecordingDispatcher

EVENTS = Path(__file__).resolve().parents[3] / "events"


@dataclass
class FakeContext:
    function_name: str = "integracao-tik-tok-GERENCIADOR-AUTH-CODES"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:integracao-tik-tok-GERENCIADOR"
    aws_request_id: str = "00000000-0000-0000-0000-000000000001"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def test_committed_samples_are_what_the_generator_writes() -> None:
    from events.auth import render, samples

    for name, sample in samples().items():
        assert (EVENTS / f"{name}.json").read_text() == render(sample), name


@pytest.fixture
def callback_module(auth_world: AuthWorld, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, RecordingDispatcher]:
    from auth import callback

    callback.wiring.cache_clear()
    deps = callback.Wiring()
    dispatcher = RecordingDispatcher()
    deps.dispatcher = dispatcher
    monkeypatch.setattr(callback, "wiring", lambda: deps)
    return callback, dispatcher


def test_callback_handler_accepts_a_fresh_sample_and_answers_a_page(
        auth_world: AuthWorld, callback_module: tuple[Any, RecordingDispatcher]) -> None:
    from events.auth import SAMPLE_CODE, samples

    callback, dispatcher = callback_module
    response = callback.lambda_handler(samples(now=time.time())["AuthCallbackFunction/callback-code"], FakeContext())
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert response["headers"]["Referrer-Policy"] == "no-referrer"
    assert response["headers"]["Cache-Control"] == "no-store"
    assert "Authorization received" in response["body"] and SAMPLE_CODE not in response["body"]
    assert auth_world.wiring.codes.get(SAMPLE_CODE).status == AuthCodeStatus.UNUSED
    assert dispatcher.sent == [{"action": "processAuthCodes", "auth_code": SAMPLE_CODE}]


@pytest.mark.parametrize(("sample", "reason"), [
    ("AuthCallbackFunction/callback-code", "state_expired"),  # the committed sample is signed at a fixed time
    ("AuthCallbackFunction/bad-forged-state", "state_bad_signature"),
    ("AuthCallbackFunction/bad-missing-state", "state_missing"),
])
def test_callback_handler_refuses_bad_samples(auth_world: AuthWorld, callback_module: tuple[Any, Any],
                                              sample: str, reason: str) -> None:
    callback, dispatcher = callback_module
    response = callback.lambda_handler(event(sample), FakeContext())
    assert response["statusCode"] == 400
    assert "could not be accepted" in response["body"]
    assert dispatcher.sent == []
    rejected = [auth_world.wiring.codes.get(k) for k in auth_world.wiring.codes.iter_status(AuthCodeStatus.ERROR)]
    assert [r.error_reason for r in rejected] == [reason]


@pytest.fixture(autouse=True)
def metrics_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared Metrics object was created before the test environment; give it a namespace."""
    from tiktok_vtex.observability import metrics

    monkeypatch.setattr(metrics, "namespace", "TikTokVtexConnectorTest")


@pytest.fixture
def manager(auth_world: AuthWorld, monkeypatch: pytest.MonkeyPatch) -> Any:
    from auth import handler

    monkeypatch.setattr(handler, "wiring", lambda: auth_world.wiring)
    return handler


def test_manager_schedule_runs_both_jobs(auth_world: AuthWorld, manager: Any) -> None:
    code = auth_world.consent()
    auth_world.wiring.codes.record_callback(code, client_hash=auth_world.client_hash, state_nonce=None,
                                            now=time.time())
    answer = manager.lambda_handler(event("AuthCodesManagerFunction/schedule"), FakeContext())
    assert answer["statusCode"] == 200
    body = answer["body"]
    assert body["processAuthCodes"]["linked"] == 1
    # Sandbox access tokens live 7 days; the 2-day renewal window leaves a fresh one alone (issue 19: the
    # legacy 8-day window renewed it in the very run that issued it, and on every run after).
    assert body["renewTokens"]["due"] == 0 and body["renewTokens"]["renewed"] == 0


@pytest.mark.parametrize(("sample", "keys"), [
    ("AuthCodesManagerFunction/process-auth-codes", {"processAuthCodes"}),
    ("AuthCodesManagerFunction/renew-tokens", {"renewTokens"}),
    ("AuthCodesManagerFunction/process-one-code", {"processAuthCodes"}),
])
def test_manager_actions(manager: Any, sample: str, keys: set[str]) -> None:
    answer = manager.lambda_handler(event(sample), FakeContext())
    assert answer["statusCode"] == 200
    assert set(answer["body"]) - {"message"} == keys


def test_manager_refuses_an_unknown_action(manager: Any) -> None:
    answer = manager.lambda_handler(event("AuthCodesManagerFunction/bad-unknown-action"), FakeContext())
    assert answer["statusCode"] == 400 and "action" in answer["body"]["message"]


@dataclass
class AlmostOutOfTime(FakeContext):
    def get_remaining_time_in_millis(self) -> int:
        return 1_000


def test_manager_starts_no_work_without_time_left(auth_world: AuthWorld, manager: Any) -> None:
    code = auth_world.consent()
    auth_world.wiring.codes.record_callback(code, client_hash=auth_world.client_hash, state_nonce=None,
                                            now=time.time())
    answer = manager.lambda_handler(event("AuthCodesManagerFunction/schedule"), AlmostOutOfTime())
    assert answer["statusCode"] == 200
    assert answer["body"]["processAuthCodes"]["processed"] == 0
    assert auth_world.wiring.codes.get(code).status == AuthCodeStatus.UNUSED  # the next run takes it
