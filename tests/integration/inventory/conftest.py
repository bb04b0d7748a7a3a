"""Stock/price integration: template provisioned into moto in-process, both sandboxes on loopback, the
handlers driven with the events Lambda would deliver (invoke payloads and SQS batches read back from
the stack's queues)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest

from tiktok_vtex.models.client import ClientSettings, ShopLink, ShopLinkStatus
from tiktok_vtex.repositories.products import SellerSku

PRODUCTS = 3  # x 5 SKUs (demo catalog default)


@dataclass
class LambdaContext:
    function_name: str = "test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id: str = "req"
    remaining_ms: int = 300_000  # the functions' Timeout

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class World:
    env: dict[str, str]
    stack: Any
    tiktok: Any  # ServedSandbox
    vtex: Any
    sandbox: Any  # TikTok Sandbox state
    http: httpx.Client
    client_hash: str
    shop_id: str
    warehouse: str
    catalog: dict[str, Any]

    @property
    def skus(self) -> list[dict[str, Any]]:
        return [s for p in self.catalog["products"] for s in p["skus"]]

    def queue_url(self, logical_id: str) -> str:
        return self.stack.physical_ids[logical_id]

    def invoke(self, handler: Any, event: dict[str, Any]) -> dict[str, Any]:
        return handler.lambda_handler(event, LambdaContext())

    def only_message(self, logical_id: str) -> dict[str, Any]:
        """The one message of a FIFO queue, grouped by the client, as an SQS event record (deleted)."""
        sqs = boto3.client("sqs")
        [message] = sqs.receive_message(QueueUrl=self.queue_url(logical_id), MaxNumberOfMessages=10,
                                        AttributeNames=["All"])["Messages"]
        assert message["Attributes"]["MessageGroupId"] == self.client_hash
        sqs.delete_message(QueueUrl=self.queue_url(logical_id), ReceiptHandle=message["ReceiptHandle"])
        return sqs_record(message["Body"], message["MessageId"])

    def drain(self, logical_id: str) -> list[dict[str, Any]]:
        """Every message of a queue as SQS event records (deleted from the queue)."""
        sqs = boto3.client("sqs")
        records = []
        while True:
            answer = sqs.receive_message(QueueUrl=self.queue_url(logical_id), MaxNumberOfMessages=10,
                                         AttributeNames=["All"])
            messages = answer.get("Messages", [])
            if not messages:
                return records
            for message in messages:
                sqs.delete_message(QueueUrl=self.queue_url(logical_id), ReceiptHandle=message["ReceiptHandle"])
                records.append(sqs_record(message["Body"], message["MessageId"]))

    def deliver(self, handler: Any, logical_id: str, batch_size: int = 10) -> list[dict[str, Any]]:
        """Drains a queue into the handler in SQS batches; returns each batch's response."""
        records = self.drain(logical_id)
        return [self.invoke(handler, {"Records": records[i:i + batch_size]})
                for i in range(0, len(records), batch_size)]

    def calls(self, suffix: str) -> int:
        counts = self.http.get(f"{self.tiktok.base_url}/sandbox/calls").json()["calls"]
        return sum(v for k, v in counts.items() if k.endswith(suffix))

    def tiktok_sku(self, sku_id: str) -> dict[str, Any]:
        for product in self.sandbox.products.values():
            for sku in product["skus"]:
                if sku["id"] == sku_id:
                    return sku
        raise KeyError(sku_id)

    def set_vtex_stock(self, sku_id: int, quantity: int) -> None:
        self.http.put(f"{self.vtex.base_url}/sandbox/inventory",
                      json={"sku_id": sku_id, "warehouse_id": "1_1", "quantity": quantity}).raise_for_status()


def sqs_record(body: str, message_id: str | None = None) -> dict[str, Any]:
    return {"messageId": message_id or str(uuid.uuid4()), "receiptHandle": "rh", "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1", "SenderId": "x",
                           "ApproximateFirstReceiveTimestamp": "1"},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}


@pytest.fixture
def world(function_env: Callable[[str], dict[str, str]], stack: Any, tiktok_sandbox: Any, vtex_sandbox: Any,
          stack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from local.fixtures.demo_catalog import demo_catalog
    from local.tiktok_sandbox import sandbox_of
    from tiktok_vtex.clients.retry import RetryPolicy
    from tiktok_vtex.clients.tiktok import StaticAccessToken, TikTokShopClient
    from tiktok_vtex.repositories.clients import ClientRepository
    from tiktok_vtex.repositories.products import ProductRepository
    from tiktok_vtex.settings import get_settings
    from tiktok_vtex.sync_functions import wiring as stock_wiring

    # Every stock/price function shares the environment shape; the fetch function's has both queue URLs.
    env = function_env("StockFetchFunction")
    for key, value in stack.function_environment("PriceFetchFunction").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", tiktok_sandbox.base_url)
    monkeypatch.setenv("VTEX_BASE_URL_TEMPLATE", vtex_sandbox.base_url + "/{account}")
    monkeypatch.setenv("VTEX_PRICING_BASE_URL_TEMPLATE", vtex_sandbox.base_url + "/{account}")
    get_settings.cache_clear()
    stock_wiring.wiring.cache_clear()
    settings = get_settings()
    from tiktok_vtex.observability import metrics

    # the shared Metrics object was created at import, before the test environment existed
    monkeypatch.setattr(metrics, "namespace", "TikTokVtexConnectorTest")

    http = httpx.Client(timeout=10)
    for served in (tiktok_sandbox, vtex_sandbox):
        http.post(f"{served.base_url}/sandbox/seed/demo", json={"products": PRODUCTS}).raise_for_status()
    catalog = demo_catalog(products=PRODUCTS)
    sandbox = sandbox_of(tiktok_sandbox.app)
    client_hash, shop_id = stack_env["DEMO_CLIENT_HASH"], stack_env["DEMO_SHOP_ID"]
    warehouse = stack_env["DEMO_TIKTOK_WAREHOUSE_ID"]
    shop = sandbox.shops[shop_id]

    clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)
    clients.put_shop_link(ShopLink(client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED,
                                   cipher=shop["cipher"], tik_tok_shop_store_id=shop_id,
                                   connector_settings=ClientSettings(warehouse_map={"1_1": warehouse})))
    secret = {"account": stack_env["VTEX_ACCOUNT"], "app_key": stack_env["VTEX_APP_KEY"],
              "app_token": stack_env["VTEX_APP_TOKEN"], "warehouse_ids": ["1_1"],
              "sales_channel": stack_env["VTEX_SALES_CHANNEL"], "affiliate_id": stack_env["VTEX_AFFILIATE_ID"]}
    from tiktok_vtex.clients.vtex.credentials import vtex_secret_name

    boto3.client("secretsmanager").create_secret(Name=vtex_secret_name(client_hash, settings.vtex_secret_prefix),
                                                 SecretString=json.dumps(secret))
    products = ProductRepository(settings.tables.products_seller_sku)
    products.put_many([SellerSku(client_hash=client_hash, seller_sku=s["seller_sku"], product_id=str(p["id"]),
                                 tik_tok_product_id=p["tiktok_product_id"], tik_tok_sku_id=s["tiktok_sku_id"],
                                 vtex_sku_id=str(s["id"]))
                       for p in catalog["products"] for s in p["skus"]])

    token = sandbox.issue_tokens(shop_id)["access_token"]
    no_wait = RetryPolicy(sleep=lambda _s: None, max_attempts=4)

    def tiktok(self: Any, client_hash: str) -> TikTokShopClient:
        self.context(client_hash)  # same availability checks as production
        return TikTokShopClient(app_key=stack_env["TIKTOK_APP_KEY"], app_secret=stack_env["TIKTOK_APP_SECRET"],
                                base_url=tiktok_sandbox.base_url, shop_cipher=shop["cipher"],
                                tokens=StaticAccessToken(token), shop_id=shop_id, retry=no_wait)

    monkeypatch.setattr(stock_wiring.SyncWiring, "tiktok", tiktok)
    yield World(env, stack, tiktok_sandbox, vtex_sandbox, sandbox, http, client_hash, shop_id, warehouse, catalog)
    http.close()
    stock_wiring.wiring.cache_clear()


def add_client(world: World, client_hash: str, *, vtex_secret: bool = True, products: bool = True) -> None:
    """Another active client on the world's shop and VTEX account (what onboarding writes): its shop link,
    its VTEX secret and its SKU rows (the same catalog), each left out on request."""
    from tiktok_vtex.clients.vtex.credentials import vtex_secret_name
    from tiktok_vtex.repositories.clients import ClientRepository
    from tiktok_vtex.repositories.products import ProductRepository
    from tiktok_vtex.settings import get_settings

    settings = get_settings()
    clients = ClientRepository(settings.tables.client, settings.tables.client_tiktok)
    link = clients.get_shop_link(world.client_hash)
    assert link is not None
    clients.put_shop_link(link.model_copy(update={"client_hash": client_hash}))
    if vtex_secret:
        sm = boto3.client("secretsmanager")
        secret = sm.get_secret_value(SecretId=vtex_secret_name(world.client_hash, settings.vtex_secret_prefix))
        sm.create_secret(Name=vtex_secret_name(client_hash, settings.vtex_secret_prefix),
                         SecretString=secret["SecretString"])
    if products:
        ProductRepository(settings.tables.products_seller_sku).put_many(
            [SellerSku(client_hash=client_hash, seller_sku=s["seller_sku"], product_id=str(p["id"]),
                       tik_tok_product_id=p["tiktok_product_id"], tik_tok_sku_id=s["tiktok_sku_id"],
                       vtex_sku_id=str(s["id"]))
             for p in world.catalog["products"] for s in p["skus"]])
