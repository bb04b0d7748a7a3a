"""`tiktok-vtex auth-link`: a link with a fresh state that the callback will accept for that client."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest

from tiktok_vtex.auth.state import verify_state
from tiktok_vtex.cli import build_parser, run_auth_link

SECRET_DOC = {"app_key": "k", "app_secret": "s" * 12, "service_id": "7100000000000000001",
              "internal_webhook_secret": "i" * 12, "oauth_state_secret": "state-secret-for-tests"}


def test_auth_link_prints_a_verifiable_link() -> None:
    args = build_parser().parse_args(["auth-link", "client-1", "--secret-name", "stack/tiktok-app",
                                      "--ttl-hours", "2", "--authorize-url", "http://sandbox/open/authorize"])
    out = io.StringIO()
    assert run_auth_link(args, out, fetch=lambda name: SECRET_DOC, clock=lambda: 1_800_000_000) == 0
    link = out.getvalue().strip()
    parts = urlsplit(link)
    assert link.startswith("http://sandbox/open/authorize?")
    query = parse_qs(parts.query)
    assert query["service_id"] == ["7100000000000000001"]
    state = verify_state(query["state"][0], secret="state-secret-for-tests", now=1_800_000_000 + 60)
    assert state.client_hash == "client-1" and state.expires_at == 1_800_000_000 + 7200
    assert "state-secret-for-tests" not in link


def test_auth_link_needs_the_secret_name() -> None:
    args = build_parser().parse_args(["auth-link", "client-1", "--secret-name", ""])
    with pytest.raises(SystemExit, match="secret name"):
        run_auth_link(args, io.StringIO(), fetch=lambda name: SECRET_DOC)


def test_auth_link_refuses_a_bad_client_hash() -> None:
    args = build_parser().parse_args(["auth-link", "not a hash", "--secret-name", "x"])
    with pytest.raises(ValueError, match="client_hash"):
        run_auth_link(args, io.StringIO(), fetch=lambda name: SECRET_DOC)
