"""Client vs sandbox under failure: 401, 404 account, content type, 423, 429 + Retry-After, 5xx, timeouts,
plus the admin routes (calls, faults, state) and the stack.env-served app from tests/conftest.py."""

from __future__ import annotations

import httpx
import pytest

from tiktok_vtex.clients.vtex import (
    VtexAuthError,
    VtexClient,
    VtexLocked,
    VtexRateLimited,
    VtexServerError,
    VtexTransportError,
)

INVENTORY = "/api/logistics/pvt/inventory/items/880408/warehouses/1_1"


def test_wrong_token_is_401_with_vtex_body_and_no_leak(make_client, sandbox) -> None:
    wrong = "WRONG-token-value-that-must-not-leak"
    client = make_client(app_token=wrong)
    with pytest.raises(VtexAuthError) as caught:
        client.get_inventory(880408)
    assert caught.value.status == 401 and caught.value.code == "1"
    assert "Unauthorized access" in str(caught.value) and wrong not in str(caught.value)
    raw = sandbox.admin.get(f"/{sandbox.env['VTEX_ACCOUNT']}{INVENTORY}")
    assert raw.status_code == 401
    assert raw.json() == {"error": {"code": "1", "message": "Unauthorized access", "exception": None}}
    for path in ("/pricing/prices/880408", "/api/catalog_system/pub/category/tree/1", "/api/orders/hook/config"):
        assert sandbox.admin.get(f"/{sandbox.env['VTEX_ACCOUNT']}{path}").status_code == 401, path


def test_unknown_account_and_content_type(sandbox) -> None:
    env = sandbox.env
    headers = {"X-VTEX-API-AppKey": env["VTEX_APP_KEY"], "X-VTEX-API-AppToken": env["VTEX_APP_TOKEN"]}
    assert sandbox.admin.get(f"/otherstore{INVENTORY}", headers=headers).status_code == 404
    response = sandbox.admin.post(
        f"/{env['VTEX_ACCOUNT']}/api/fulfillment/pvt/orderForms/simulation",
        content=b'{"items":[]}',
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 400 and "Content-Type" in response.json()["error"]["message"]
    lower = {k.lower(): v for k, v in headers.items()}  # header names are case-insensitive
    assert sandbox.admin.get(f"/{env['VTEX_ACCOUNT']}{INVENTORY}", headers=lower).status_code == 200


def test_423_lock_is_retried_then_succeeds(client: VtexClient, sandbox, fake_time) -> None:
    sandbox.post("/sandbox/faults", {"route": "inventory_item", "status_423": 2})
    before = len(fake_time.slept)
    balance = client.get_inventory(880408, "1_1")
    assert balance.warehouseId == "1_1"
    assert len(fake_time.slept) - before == 2
    assert sandbox.get("/sandbox/calls")["calls"]["inventory_item"] == 3


def test_423_beyond_the_bound_raises_locked(make_client, sandbox) -> None:
    sandbox.post("/sandbox/faults", {"route": "inventory_item", "status_423": 5})
    with pytest.raises(VtexLocked) as caught:
        make_client(max_attempts=3).get_inventory(880408)
    assert caught.value.status == 423 and "Unable to acquire lock" in caught.value.message


def test_429_retry_after_is_honoured(client: VtexClient, sandbox, fake_time) -> None:
    sandbox.post("/sandbox/faults", {"route": "price", "fail_next": [{"status": 429, "retry_after": 2}]})
    before = len(fake_time.slept)
    assert client.get_price(880408).itemId == "880408"
    assert fake_time.slept[before:] == [2.0]


def test_rate_limit_per_second_answers_429_until_the_window_refills(client: VtexClient, sandbox, fake_time) -> None:
    sandbox.post("/sandbox/faults", {"route": "sku_context", "rate_limit_per_second": 2, "burst": 2})
    before = len(fake_time.slept)
    for _ in range(3):  # the third call is limited; the client sleeps Retry-After on the shared fake clock
        client.get_sku_context(880408)
    assert fake_time.slept[before:] == [1.0]
    url = f"/{sandbox.env['VTEX_ACCOUNT']}/api/catalog_system/pvt/sku/stockkeepingunitbyid/880408"
    headers = {"X-VTEX-API-AppKey": sandbox.env["VTEX_APP_KEY"], "X-VTEX-API-AppToken": sandbox.env["VTEX_APP_TOKEN"]}
    assert sandbox.admin.get(url, headers=headers).status_code == 200  # the one credit left after the refill
    limited = sandbox.admin.get(url, headers=headers)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert limited.json()["error"]["message"] == "Too Many Requests"


def test_rate_limited_past_the_budget(make_client, sandbox) -> None:
    sandbox.post("/sandbox/faults", {"route": "product", "rate_limit_per_minute": 1, "burst": 1})
    client = make_client(total_budget=5.0)
    client.get_product(1000)
    with pytest.raises(VtexRateLimited) as caught:
        client.get_product(1000)
    assert caught.value.retry_after == 60.0


def test_5xx_is_retried_within_a_bound(make_client, sandbox) -> None:
    sandbox.post("/sandbox/faults", {"route": "get_order", "fail_next": {"status": 503, "count": 10}})
    with pytest.raises(VtexServerError) as caught:
        make_client(max_attempts=3).get_order("TTK-x-01")
    assert caught.value.status == 503
    assert sandbox.get("/sandbox/calls")["calls"]["get_order"] == 3
    sandbox.post("/sandbox/faults", {"route": "brand_list", "error_rate_5xx": 1.0, "status_5xx": 502})
    with pytest.raises(VtexServerError):
        make_client(max_attempts=2).list_brands()
    sandbox.post("/sandbox/faults", {"route": "brand_list", "clear": True})
    assert make_client().list_brands()


def test_timeouts_are_retried_then_typed(make_client, sandbox) -> None:
    sandbox.post("/sandbox/faults", {"route": "brand_list", "latency_ms": 300})
    with pytest.raises(VtexTransportError) as caught:
        make_client(timeout=0.05, max_attempts=2).list_brands()
    assert caught.value.status is None and caught.value.code == "TIMEOUT"
    sandbox.admin.delete("/sandbox/faults")


def test_admin_calls_faults_state(client: VtexClient, sandbox) -> None:
    sandbox.admin.delete("/sandbox/calls")
    client.get_inventory(880408)
    client.list_brands()
    calls = sandbox.get("/sandbox/calls")
    assert calls == {"calls": {"inventory_item": 1, "brand_list": 1}, "total": 2}
    described = sandbox.post("/sandbox/faults", {"route": "*", "latency_ms": 0, "status_423": 1})
    assert described["routes"]["*"]["fail_next"] == [{"status": 423}]
    assert sandbox.admin.post("/sandbox/faults", json={"error_rate_5xx": 3}).status_code == 400
    assert sandbox.admin.delete("/sandbox/faults").json()["routes"] == {}
    inventory = sandbox.get("/sandbox/state/inventory/880408")
    assert inventory["warehouses"]["1_1"]["reserved"] == 0 and inventory["reservations"] == []
    assert sandbox.get("/sandbox/state/catalog")["skus"] >= 200
    assert sandbox.get("/sandbox/state/hook") == {"config": None}
    assert sandbox.post("/sandbox/seed/demo", {"products": 3, "skus_per_product": 2})["skus"] == 6
    assert sandbox.get("/sandbox/health") == {"status": "ok"}


def test_shared_fixture_serves_the_stack_env_sandbox(vtex_sandbox, stack_env) -> None:
    """tests/conftest.py's `vtex_sandbox` (create_app(stack_env), demo seeded) works with the settings' templates."""
    response = httpx.get(vtex_sandbox.url("/sandbox/health"), trust_env=False)
    assert response.json() == {"status": "ok"}
    template = vtex_sandbox.base_url + "/{account}"
    from tiktok_vtex.clients.vtex import parse_vtex_credentials

    creds = parse_vtex_credentials(
        {
            "account": stack_env["VTEX_ACCOUNT"],
            "app_key": stack_env["VTEX_APP_KEY"],
            "app_token": stack_env["VTEX_APP_TOKEN"],
            "affiliate_id": stack_env["VTEX_AFFILIATE_ID"],
        }
    )
    with VtexClient(creds, base_url_template=template, pricing_base_url_template=template) as client:
        assert 880408 in client.list_sku_ids(1, 1000)
        assert stack_env["VTEX_BASE_URL_TEMPLATE"].endswith("/{account}")


def test_random_429_and_endpoint_alias(make_client, sandbox, fake_time) -> None:
    sandbox.post("/sandbox/faults", {"endpoint": "brand_list", "rate_429": 1.0})
    with pytest.raises(VtexRateLimited) as caught:
        make_client(max_attempts=2).list_brands()
    assert caught.value.retry_after == 1.0
    assert sandbox.admin.delete("/sandbox/faults", params={"endpoint": "brand_list"}).json()["routes"] == {}
    assert make_client().list_brands()
