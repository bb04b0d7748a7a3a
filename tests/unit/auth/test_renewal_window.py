"""Issue 19: token renewal at scale. A window shorter than the 7-day token life refreshes each token about
once per life (the legacy 8-day window refreshed every token on every hourly run), and the spread keeps
tokens issued together from being refreshed all in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.template import load_template
from tiktok_vtex.auth.renewal import DEFAULT_RENEWAL_SPREAD, DEFAULT_RENEWAL_WINDOW_DAYS, renew_tokens
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.settings import TIKTOK_ACCESS_TOKEN_LIFE_DAYS, AuthManagerSettings, SettingsError, load_settings

DAY = 86_400
LIFE = TIKTOK_ACCESS_TOKEN_LIFE_DAYS * DAY
ROOT = Path(__file__).resolve().parents[3]


class Tokens:
    """What TokenRepository holds for renewal: (client_hash, access_token_expire_in) of active rows; the
    by_access_expiry GSI is sorted by expiry."""

    def __init__(self) -> None:
        self.expiry: dict[str, int] = {}

    def iter_access_expiring(self, until: int) -> Any:
        yield from sorted(((c, e) for c, e in self.expiry.items() if e <= until), key=lambda row: row[1])

    def iter_refresh_expiring(self, until: int) -> Any:
        return iter(())


class Links:
    def get_shop_link(self, client_hash: str) -> ShopLink:
        return ShopLink(client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED, cipher="GCP_sbx",
                        tik_tok_shop_store_id="7496187667563645236")


class Provider:
    """DynamoTokenProvider.refresh_if_expiring as TikTok answers it: a new 7-day access token."""

    def __init__(self, tokens: Tokens, client_hash: str, clock: list[int], refreshes: dict[str, list[int]]) -> None:
        self.tokens, self.client_hash, self.clock, self.refreshes = tokens, client_hash, clock, refreshes

    def refresh_if_expiring(self, until: int) -> bool:
        if self.tokens.expiry[self.client_hash] > until:
            return False
        self.tokens.expiry[self.client_hash] = self.clock[0] + LIFE
        self.refreshes.setdefault(self.client_hash, []).append(self.clock[0])
        return True


def simulate(*, clients: int, days: int, window_days: float, spread: float) -> tuple[dict[str, list[int]], int]:
    """Hourly runs over `days` for clients all authorized at the same moment; returns each client's refresh
    times and the number of moments a token was found expired."""
    start = 1_800_000_000
    tokens, clock, refreshes = Tokens(), [start], {}
    hashes = [f"{n:040x}" for n in range(1, clients + 1)]
    for client_hash in hashes:
        tokens.expiry[client_hash] = start + LIFE
    expired = 0
    for hour in range(days * 24):
        clock[0] = start + hour * 3600
        expired += sum(1 for e in tokens.expiry.values() if e <= clock[0])
        renew_tokens(tokens=tokens, clients=Links(),  # type: ignore[arg-type]
                     provider_for=lambda h: Provider(tokens, h, clock, refreshes),  # type: ignore[arg-type,return-value]
                     clock=lambda: clock[0], window_days=window_days, spread=spread)
    return refreshes, expired


def test_the_default_window_is_shorter_than_the_token_life_everywhere_it_is_set() -> None:
    assert DEFAULT_RENEWAL_WINDOW_DAYS < TIKTOK_ACCESS_TOKEN_LIFE_DAYS
    template = load_template(ROOT / "template.yaml")
    variables = template["Resources"]["AuthCodesManagerFunction"]["Properties"]["Environment"]["Variables"]
    assert float(variables["TOKEN_RENEWAL_WINDOW_DAYS"]) < TIKTOK_ACCESS_TOKEN_LIFE_DAYS
    assert 0 < float(variables["TOKEN_RENEWAL_SPREAD"]) < 1


@pytest.mark.parametrize("days", ["7", "8"])
def test_a_window_as_long_as_the_token_life_is_refused_at_cold_start(globals_env: dict[str, str], days: str) -> None:
    assert load_settings({**globals_env, "TOKEN_RENEWAL_WINDOW_DAYS": "2"}, AuthManagerSettings)
    with pytest.raises(SettingsError, match="TOKEN_RENEWAL_WINDOW_DAYS"):
        load_settings({**globals_env, "TOKEN_RENEWAL_WINDOW_DAYS": days}, AuthManagerSettings)


def test_each_token_is_refreshed_about_once_per_life_and_never_expires() -> None:
    refreshes, expired = simulate(clients=20, days=28, window_days=DEFAULT_RENEWAL_WINDOW_DAYS,
                                  spread=DEFAULT_RENEWAL_SPREAD)
    assert expired == 0
    counts = [len(times) for times in refreshes.values()]
    assert len(counts) == 20 and max(counts) <= 6  # 28 days / (7 - 2) days, at most
    # the legacy window, for comparison: a refresh on every hourly run
    legacy, _ = simulate(clients=2, days=2, window_days=8, spread=0)
    assert [len(times) for times in legacy.values()] == [48, 48]


def test_tokens_issued_together_are_refreshed_over_many_runs() -> None:
    refreshes, _ = simulate(clients=40, days=7, window_days=DEFAULT_RENEWAL_WINDOW_DAYS,
                            spread=DEFAULT_RENEWAL_SPREAD)
    first_round = [times[0] for times in refreshes.values()]
    assert len(first_round) == 40
    assert len(set(first_round)) >= 15  # spread over at least 15 distinct hourly runs (of the 24 available)
    without, _ = simulate(clients=40, days=7, window_days=DEFAULT_RENEWAL_WINDOW_DAYS, spread=0)
    assert len({times[0] for times in without.values()}) == 1  # all in the same run
