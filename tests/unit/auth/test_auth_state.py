"""Signed OAuth state: round trip, forgery, expiry, format; the authorization link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiktok_vtex.auth.state import (
    CLOCK_SKEW_SECONDS,
    DEFAULT_STATE_TTL_SECONDS,
    InvalidState,
    authorization_link,
    issue_state,
    verify_state,
)

SECRET = "unit-test-state-secret"
NOW = 1_800_000_000.0


def test_round_trip_binds_the_client() -> None:
    state = issue_state("client-1", secret=SECRET, now=NOW)
    parsed = verify_state(state, secret=SECRET, now=NOW + 10)
    assert parsed.client_hash == "client-1"
    assert parsed.expires_at == int(NOW) + DEFAULT_STATE_TTL_SECONDS
    assert len(parsed.nonce) == 32


def test_each_state_has_its_own_nonce() -> None:
    assert issue_state("c", secret=SECRET, now=NOW) != issue_state("c", secret=SECRET, now=NOW)


@pytest.mark.parametrize(("offset", "reason"), [
    (DEFAULT_STATE_TTL_SECONDS, "expired"),       # exactly at expiry
    (DEFAULT_STATE_TTL_SECONDS + 1, "expired"),
    (-(CLOCK_SKEW_SECONDS + 1), "not_yet_valid"),  # issued in the future beyond the skew allowance
])
def test_time_bounds(offset: int, reason: str) -> None:
    state = issue_state("c", secret=SECRET, now=NOW)
    with pytest.raises(InvalidState) as error:
        verify_state(state, secret=SECRET, now=NOW + offset)
    assert error.value.reason == reason


def test_last_valid_second() -> None:
    state = issue_state("c", secret=SECRET, now=NOW)
    assert verify_state(state, secret=SECRET, now=NOW + DEFAULT_STATE_TTL_SECONDS - 1).client_hash == "c"


def test_other_secret_is_refused() -> None:
    state = issue_state("c", secret="another-secret", now=NOW)
    with pytest.raises(InvalidState) as error:
        verify_state(state, secret=SECRET, now=NOW)
    assert error.value.reason == "bad_signature"


def test_payload_swapped_to_another_client_is_refused() -> None:
    mine = issue_state("client-a", secret=SECRET, now=NOW)
    theirs = issue_state("client-b", secret=SECRET, now=NOW)
    forged = theirs.split(".")[0] + "." + mine.split(".")[1]
    with pytest.raises(InvalidState) as error:
        verify_state(forged, secret=SECRET, now=NOW)
    assert error.value.reason == "bad_signature"


@pytest.mark.parametrize(("state", "reason"), [
    (None, "missing"), ("", "missing"), ("no-dot", "malformed"), ("a.b.c", "malformed"), ("x" * 2000, "malformed"),
])
def test_malformed(state: str | None, reason: str) -> None:
    with pytest.raises(InvalidState) as error:
        verify_state(state, secret=SECRET, now=NOW)
    assert error.value.reason == reason


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.characters(codec="ascii"))
def test_any_single_character_change_is_refused(position: int, replacement: str) -> None:
    state = issue_state("client-1", secret=SECRET, now=NOW, nonce="0" * 32)
    index = position % len(state)
    if state[index] == replacement:
        return
    tampered = state[:index] + replacement + state[index + 1:]
    with pytest.raises(InvalidState):
        verify_state(tampered, secret=SECRET, now=NOW)


@pytest.mark.parametrize("client_hash", ["", "has space", "a/b", "x" * 129])
def test_client_hash_is_validated(client_hash: str) -> None:
    with pytest.raises(ValueError, match="client_hash"):
        issue_state(client_hash, secret=SECRET, now=NOW)


def test_ttl_bounds_and_empty_secret() -> None:
    with pytest.raises(ValueError, match="ttl"):
        issue_state("c", secret=SECRET, now=NOW, ttl=10)
    with pytest.raises(ValueError, match="secret"):
        issue_state("c", secret="", now=NOW)


def test_authorization_link_carries_service_id_and_state() -> None:
    state = issue_state("c", secret=SECRET, now=NOW)
    link = authorization_link(service_id="7100000000000000001", state=state)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://services.tiktokshop.com/open/authorize"
    query = parse_qs(parts.query)
    assert query == {"service_id": ["7100000000000000001"], "state": [state]}
    assert "&state=" in authorization_link(service_id="1", state=state, authorize_url="http://x/auth?region=BR")
    with pytest.raises(ValueError, match="service id"):
        authorization_link(service_id="", state=state)
