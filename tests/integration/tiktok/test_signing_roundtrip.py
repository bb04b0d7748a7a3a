"""Whatever the client signs, the sandbox verifies: arbitrary query values and JSON bodies travel over
HTTP (URL encoding, UTF-8) and still match. In-process WSGI transport: no sockets, fast."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.tiktok_sandbox import create_app, sandbox_of
from tiktok_vtex.clients.tiktok import NoRateLimit, StaticAccessToken, TikTokNotFound, TikTokShopClient

from .conftest import NO_WAIT

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


def make_client(stack_env: dict[str, str]) -> tuple[TikTokShopClient, object]:
    app = create_app(stack_env, qps=1_000_000)
    sb = sandbox_of(app)
    token = sb.issue_tokens(stack_env["DEMO_SHOP_ID"])["access_token"]
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    client = TikTokShopClient(
        app_key=stack_env["TIKTOK_APP_KEY"],
        app_secret=stack_env["TIKTOK_APP_SECRET"],
        base_url="http://sandbox",
        shop_cipher=sb.shops[stack_env["DEMO_SHOP_ID"]]["cipher"],
        tokens=StaticAccessToken(token),
        http=http,
        limiter=NoRateLimit(),
        retry=NO_WAIT,
    )
    return client, sb


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=text, title=text)
def test_any_query_value_and_body_verifies(stack_env: dict[str, str], name: str, title: str) -> None:
    client, _ = make_client(stack_env)
    assert client.get_brands(page_size=5, brand_name=name).items is not None  # no 106001
    assert client.recommend_category(title)["leaf_category_id"]


def test_encoded_path_parameters_verify(tt) -> None:
    client = tt.client()
    for odd in ("a b", "é%", "1+2"):
        with pytest.raises(TikTokNotFound):  # the sign of the encoded path verified; no such product
            client.get_product(odd)
