"""The catalog functions as Lambda runs them: template environment (moto in-process), the TikTok and VTEX
sandboxes on loopback; PRODUTOS-lista-produtos invoked with the demo feed, its queue delivered back to it;
BRANDS-VTEX / BRANDS-TTK invoked; every events/ sample of these functions accepted or refused as named."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.integration.inventory.conftest import LambdaContext as _BaseContext
from tests.integration.inventory.conftest import sqs_record
from tiktok_vtex.models.client import ClientSettings, ShopLink, ShopLinkStatus

ROOT = Path(__file__).resolve().parents[3]


class LambdaContext(_BaseContext):
    def get_remaining_time_in_millis(self) -> int:
        return 290_000


class Env:
    pass


@pytest.fixture
def env(function_env: Callable[[str], dict[str, str]], stack: Any, tiktok_sandbox: Any, vtex_sandbox: Any,
        stack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from local.tiktok_sandbox import sandbox_of
    from tiktok_vtex.catalog.categories import CategoryCatalog
    from tiktok_vtex.clients.retry import RetryPolicy
    from tiktok_vtex.clients.tiktok import StaticAccessToken, TikTokShopClient
    from tiktok_vtex.clients.vtex.credentials import vtex_secret_name
    from tiktok_vtex.observability import metrics
    from tiktok_vtex.repositories.clients import ClientRepository
    from tiktok_vtex.settings import get_settings
    from tiktok_vtex.sync_functions import wiring as sync_wiring

    function_env("ProductListFunction")
    monkeypatch.setenv("TIKTOK_API_BASE_URL", tiktok_sandbox.base_url)
    monkeypatch.setenv("VTEX_BASE_URL_TEMPLATE", vtex_sandbox.base_url + "/{account}")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "integracao-tik-tok-PRODUTOS-lista-produtos")
    monkeypatch.setattr(metrics, "namespace", "TikTokVtexConnectorTest")
    get_settings.cache_clear()
    catalog_wiring = importlib.import_module("catalog.wiring")
    catalog_wiring.wiring.cache_clear()
    CategoryCatalog.forget()
    settings = get_settings()
    sandbox = sandbox_of(tiktok_sandbox.app)
    client_hash, shop_id = stack_env["DEMO_CLIENT_HASH"], stack_env["DEMO_SHOP_ID"]
    shop = sandbox.shops[shop_id]
    ClientRepository(settings.tables.client, settings.tables.client_tiktok).put_shop_link(ShopLink(
        client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED, cipher=shop["cipher"],
        tik_tok_shop_store_id=shop_id, tik_tok_shop_warehouse_id=stack_env["DEMO_TIKTOK_WAREHOUSE_ID"],
        connector_settings=ClientSettings(catalog={"attribute_defaults": {"*": {"101395": ["Brasil"]}}})))
    secret = {"account": stack_env["VTEX_ACCOUNT"], "app_key": stack_env["VTEX_APP_KEY"],
              "app_token": stack_env["VTEX_APP_TOKEN"], "warehouse_ids": ["1_1"],
              "sales_channel": stack_env["VTEX_SALES_CHANNEL"], "affiliate_id": stack_env["VTEX_AFFILIATE_ID"]}
    boto3.client("secretsmanager").create_secret(Name=vtex_secret_name(client_hash, settings.vtex_secret_prefix),
                                                 SecretString=json.dumps(secret))
    httpx.post(f"{vtex_sandbox.base_url}/sandbox/seed/demo", json={}).raise_for_status()
    token = sandbox.issue_tokens(shop_id)["access_token"]

    def tiktok(self: Any, client_hash: str) -> TikTokShopClient:
        return TikTokShopClient(app_key=stack_env["TIKTOK_APP_KEY"], app_secret=stack_env["TIKTOK_APP_SECRET"],
                                base_url=tiktok_sandbox.base_url, shop_cipher=shop["cipher"],
                                tokens=StaticAccessToken(token), shop_id=shop_id,
                                retry=RetryPolicy(sleep=lambda _s: None, max_attempts=2))

    monkeypatch.setattr(sync_wiring.SyncWiring, "tiktok", tiktok)
    e = Env()
    e.settings, e.stack, e.sandbox, e.client_hash = settings, stack, sandbox, client_hash
    e.handler = importlib.import_module("catalog.handler")
    e.brands = importlib.import_module("catalog.brands")
    yield e
    catalog_wiring.wiring.cache_clear()
    CategoryCatalog.forget()


def drain(stack: Any, logical_id: str) -> list[dict[str, Any]]:
    sqs, url, records = boto3.client("sqs"), stack.physical_ids[logical_id], []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            records.append(sqs_record(message["Body"], message["MessageId"]))


def sample(relative: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / relative).read_text(encoding="utf-8"))


def test_inline_feed_is_split_queued_and_listed_with_per_product_outcomes(env: Any) -> None:
    answer = env.handler.lambda_handler(sample("ProductListFunction/trigger-prepare-product-list-inline.json"),
                                        LambdaContext())
    assert answer["statusCode"] == 200 and answer["body"]["messages"] == 8
    records = drain(env.stack, "ProductListQueue")
    assert len(records) == 8
    # the sample's image host does not exist: every product is reported blocked (images), none half-created
    result = env.handler.lambda_handler({"Records": records[:2]}, LambdaContext())
    assert result == {"batchItemFailures": []}
    log = boto3.resource("dynamodb").Table(env.settings.tables.log_product)
    kinds = [i["kind"] for i in log.scan()["Items"]]
    assert kinds.count("listing_run") == 1 and kinds.count("product_blocked") == 2
    assert env.sandbox.products == {} or all(p["status"] == "DELETED" for p in env.sandbox.products.values())


def test_a_malformed_group_message_fails_alone(env: Any) -> None:
    good = sample("ProductListFunction/sqs-list-product-group.json")["Records"][0]
    bad = dict(good, messageId="bad", body='{"type":"triggerListProductGroup","clientHash":"x"}')
    result = env.handler.lambda_handler({"Records": [bad, good]}, LambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


@pytest.mark.parametrize("name", ["bad-missing-client.json", "bad-unknown-type.json"])
def test_bad_invokes_are_refused_with_400(env: Any, name: str) -> None:
    assert env.handler.lambda_handler(sample(f"ProductListFunction/{name}"), LambdaContext())["statusCode"] == 400


def test_unreachable_feed_is_reported_not_retried(env: Any) -> None:
    event = sample("ProductListFunction/trigger-prepare-product-list.json")  # served by the seeded local stack
    event["url"] = "https://loja-demo.example/feeds/tiktok.xml"  # a host that does not resolve
    answer = env.handler.lambda_handler(event, LambdaContext())
    assert answer["statusCode"] == 422 and answer["body"]["status"] == "feed_unreadable"
    log = boto3.resource("dynamodb").Table(env.settings.tables.log_product)
    [entry] = [i for i in log.scan()["Items"] if i["kind"] == "listing_run_failed"]
    assert "loja-demo.example" in entry["reason"]


def test_brands_vtex_then_brands_ttk(env: Any) -> None:
    imported = env.brands.vtex_handler(sample("BrandsVtexFunction/trigger-generate-brands-no-chain.json"),
                                       LambdaContext())
    assert imported["statusCode"] == 200 and imported["body"]["added"] == 10
    synced = env.brands.tiktok_handler(sample("BrandsTikTokFunction/trigger-prepare-brand-data.json"),
                                       LambdaContext())
    assert synced["statusCode"] == 200 and synced["body"]["created"] == 10  # the TikTok sandbox has none yet
    again = env.brands.tiktok_handler(sample("BrandsTikTokFunction/trigger-prepare-brand-data-all-clients.json"),
                                      LambdaContext())
    assert again == {"statusCode": 200, "body": {}}  # nothing pending for any client
    for name in ("BrandsVtexFunction/bad-missing-client.json", "BrandsTikTokFunction/bad-missing-client.json"):
        handler = env.brands.vtex_handler if name.startswith("BrandsVtex") else env.brands.tiktok_handler
        assert handler(sample(name), LambdaContext())["statusCode"] == 400


def test_event_samples_are_what_the_script_writes() -> None:
    from events.catalog import render, samples

    for relative, content in samples().items():
        assert (ROOT / "events" / relative).read_text(encoding="utf-8") == render(content), relative
