"""Issue 10 on GET /tiktok/callback: refusals are sampled (metric always, at most N records a minute per
container), an empty state secret accepts nothing, hostile query values are a 400 with a record that
encodes (defects 9, 12, 13)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tiktok_vtex.auth.callback import handle_callback
from tiktok_vtex.auth.state import InvalidState, issue_state, verify_state
from tiktok_vtex.webhooks.refusals import RefusalSampler

SECRET = "state-secret-for-tests"
NOW = 1_800_000_000.0


@dataclass
class RecordingCodes:
    """Holds what AuthCodeRepository.record_rejected / record_callback receive (the fields production writes)."""

    rejected: list[dict[str, Any]] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)

    def record_rejected(self, **kwargs: Any) -> str:
        kwargs["detail"].encode("utf-8")  # DynamoDB and the log need encodable text
        self.rejected.append(kwargs)
        return f"rejected#{len(self.rejected)}"

    def record_callback(self, code: str, **_: Any) -> bool:
        self.stored.append(code)
        return True


class Nonces:
    def __init__(self) -> None:
        self.used: dict[str, str] = {}

    def consume(self, nonce: str, *, auth_code: str | None, expires_at: float, clock: Any) -> tuple[bool, str]:
        marker = f"code:{auth_code}"
        if nonce in self.used:
            return False, self.used[nonce]
        self.used[nonce] = marker
        return True, marker


class Dispatcher:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, messages: Any) -> int:
        self.sent.extend(messages)
        return 1


def call(query: dict[str, Any], codes: RecordingCodes, *, secret: str = SECRET, sampler: RefusalSampler | None = None,
         dispatcher: Dispatcher | None = None) -> Any:
    from tiktok_vtex.repositories.auth_codes import StateNonceStore

    nonces = Nonces()
    nonces.marker = StateNonceStore.marker  # type: ignore[attr-defined]
    return handle_callback(query, state_secret=secret, codes=codes, nonces=nonces,  # type: ignore[arg-type]
                           dispatcher=dispatcher or Dispatcher(), clock=lambda: NOW, sampler=sampler)


def test_a_flood_of_forged_callbacks_writes_a_capped_sample() -> None:
    codes = RecordingCodes()
    sampler = RefusalSampler(limit_per_minute=10, clock=lambda: NOW)
    for n in range(50):
        outcome = call({"code": "abc", "state": f"forged{n}.sig"}, codes, sampler=sampler)
        assert outcome.http_status == 400 and outcome.reason == "state_bad_signature"
    assert len(codes.rejected) == 10


def test_an_empty_state_secret_accepts_no_state() -> None:
    forged = issue_state("client1", secret="x", now=NOW).split(".")[0]
    import base64
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(hmac.new(b"", b"tiktok-vtex-state.v1." + forged.encode(),
                                                  hashlib.sha256).digest()).rstrip(b"=").decode()
    with pytest.raises(InvalidState) as error:
        verify_state(f"{forged}.{signature}", secret="", now=NOW)
    assert error.value.reason == "unconfigured"
    dispatcher = Dispatcher()
    codes = RecordingCodes()
    outcome = call({"code": "abc", "state": f"{forged}.{signature}"}, codes, secret="", dispatcher=dispatcher)
    assert outcome.http_status == 400 and outcome.reason == "state_unconfigured"
    assert dispatcher.sent == [] and codes.stored == []


@pytest.mark.parametrize("query", [
    {"code": "\ud800", "state": "a.b"},
    {"code": "abc", "state": "\udc00.x"},
    {"\ud83d": "x", "state": "a.b"},
    {"code": "abc", "state": "é" * 2000},
    {"code": "abc", "state": "é.x"},  # found by the fuzz suite: non-ASCII state raised UnicodeEncodeError
    {"code": ["a", "b"], "state": None},
])
def test_hostile_query_values_are_a_400_with_an_encodable_record(query: dict[str, Any]) -> None:
    codes = RecordingCodes()
    outcome = call(query, codes)
    assert outcome.http_status == 400
    [record] = codes.rejected
    assert record["reason"].startswith(("state_", "invalid_parameters"))
