"""The `setupVtexAffiliate` invoke of VTEX-notificacao-sync (same logic as `tiktok-vtex vtex-affiliate`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from notifications import worker
from pydantic import SecretStr


class Api:
    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.puts = 0

    def get_affiliate(self, affiliate_id: str) -> dict[str, Any] | None:
        found = self.stored.get(affiliate_id)
        return {"id": affiliate_id, **found} if found else None

    def put_affiliate(self, affiliate_id: str, affiliate: dict[str, Any]) -> None:
        self.puts += 1
        self.stored[affiliate_id] = dict(affiliate)


def deps(api: Api, public_base_url: str = "https://api.example.com") -> Any:
    credentials = SimpleNamespace(affiliate_id="TTK", sales_channel="2")
    clients = SimpleNamespace(credentials=lambda c: credentials, client=lambda c: api)
    return SimpleNamespace(vtex_clients=clients, settings=SimpleNamespace(public_base_url=public_base_url),
                           secrets=SimpleNamespace(internal_webhook_secret=SecretStr("k")))


def test_invoke_creates_then_is_unchanged() -> None:
    api = Api()
    payload = {"type": "setupVtexAffiliate", "clientHash": "c0ffee", "apply": True, "followUpEmail": "a@b.co"}
    first = worker.setup(payload, deps(api))
    assert first["statusCode"] == 200 and first["body"]["action"] == "created"
    assert api.stored["TTK"]["salesChannel"] == "2" and api.stored["TTK"]["name"] == "TikTok Shop"
    second = worker.setup({**payload, "followUpEmail": None}, deps(api))
    assert second["body"]["action"] == "unchanged" and api.puts == 1
    assert "<token>" in second["body"]["affiliate"]["searchURIEndpoint"]


def test_invoke_refuses_bad_payloads_and_a_missing_base_url() -> None:
    api = Api()
    bad = worker.setup({"type": "setupVtexAffiliate", "clientHash": "../x"}, deps(api))
    assert bad["statusCode"] == 400 and "clientHash" in bad["body"]["message"]
    no_url = worker.setup({"type": "setupVtexAffiliate", "clientHash": "c0ffee", "followUpEmail": "a@b.co"},
                          deps(api, public_base_url=""))
    assert no_url["statusCode"] == 400 and "public base URL" in no_url["body"]["message"] and api.puts == 0
