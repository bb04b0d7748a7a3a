"""In-memory TikTok / VTEX fakes for the orders and webhook tests (thread-safe, count their calls)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tiktok_vtex.clients.tiktok.models import Page
from tiktok_vtex.clients.vtex.errors import VtexBadRequest, VtexDuplicateOrder, VtexNotFound
from tiktok_vtex.clients.vtex.models import (
    FulfillResult,
    MarketplaceOrder,
    OmsReceipt,
    PlacedOrder,
    SimulationItemRequest,
    SimulationResult,
    VtexOrder,
)
from tiktok_vtex.orders.cpf import make_cpf

CLIENT = "680b0418c0a43b6c829bb93659ceb3e5608830fc"
SHOP = "7496187667563645236"
VALID_CPF = make_cpf("529982247")


def tiktok_order(order_id: str = "576600000000000001", *, status: str = "AWAITING_SHIPMENT",
                 update_time: int = 1_700_000_000, items: Sequence[tuple[str, str]] = (
                     ("1001", "49.90"), ("1001", "49.90"), ("1002", "10.00")),
                 cpf: str = VALID_CPF, shipping_fee: str = "12.35", postal_code: str = "05422-010",
                 paid_time: int | None = None) -> dict[str, Any]:
    return {
        "id": order_id, "status": status, "create_time": update_time - 60, "update_time": update_time,
        "paid_time": paid_time if paid_time is not None else update_time, "user_id": "7494000000000001",
        "buyer_email": "comprador@scs.tiktokshop.com", "cpf": cpf,
        "payment": {"currency": "BRL", "shipping_fee": shipping_fee},
        "recipient_address": {
            "name": "Maria da Silva", "phone_number": "(+55)11987654321",
            "address_line1": "Rua das Flores, 123", "address_line2": "Apto 45", "address_line3": "Pinheiros",
            "address_line4": "", "postal_code": postal_code, "region_code": "BR",
            "district_info": [{"address_level_name": "State", "address_name": "São Paulo", "address_level": "L1"},
                              {"address_level_name": "City", "address_name": "São Paulo", "address_level": "L2"}]},
        "line_items": [{"id": f"{order_id}-{n}", "sku_id": f"17{sku}", "product_id": "1729000000000000001",
                        "seller_sku": sku, "sale_price": price, "display_status": "AWAITING_SHIPMENT"}
                       for n, (sku, price) in enumerate(items)],
        "packages": [],
    }


@dataclass
class FakeTikTok:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    page_size_seen: list[int] = field(default_factory=list)

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def add(self, order: dict[str, Any]) -> dict[str, Any]:
        self.orders[order["id"]] = order
        return order

    def get_order_details(self, order_ids: Sequence[str]) -> list[dict[str, Any]]:
        self._count("get_order_details")
        return [dict(self.orders[o]) for o in order_ids if o in self.orders]

    def search_orders(self, filters: Mapping[str, Any] | None = None, page_size: int = 50,
                      page_token: str | None = None, *, sort_field: str | None = None,
                      sort_order: str | None = None) -> Page:
        self._count("search_orders")
        self.page_size_seen.append(page_size)
        filters = filters or {}
        rows = [o for o in self.orders.values()
                if o["update_time"] >= filters.get("update_time_ge", 0)
                and o["update_time"] < filters.get("update_time_lt", 10**12)
                and (not filters.get("order_status") or o["status"] == filters["order_status"])]
        rows.sort(key=lambda o: (o["update_time"], o["id"]))
        start = int(page_token or 0)
        chunk = rows[start:start + page_size]
        following = start + page_size
        return Page(items=[dict(o) for o in chunk], total_count=len(rows),
                    next_page_token=str(following) if following < len(rows) else "")

    def iter_orders(self, filters: Mapping[str, Any] | None = None, page_size: int = 100, *,
                    sort_field: str | None = None, sort_order: str | None = None) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = self.search_orders(filters, page_size, token, sort_field=sort_field, sort_order=sort_order)
            yield from page.items
            if not page.next_page_token:
                return
            token = page.next_page_token


@dataclass
class FakeCredentials:
    affiliate_id: str = "TTK"
    seller_id: str = "1"


class FakeVtex:
    """A VTEX store: stock per SKU id, SLAs, seller orders `{affiliate}-{marketplaceOrderId}`."""

    def __init__(self, stock: Mapping[str, int] | None = None, *, slas: Sequence[dict[str, Any]] | None = None):
        self.credentials = FakeCredentials()
        self.stock = dict(stock or {"1001": 10, "1002": 10})
        self.slas = list(slas if slas is not None else [
            {"id": "Expressa", "deliveryChannel": "delivery", "price": 2500, "shippingEstimate": "2bd"},
            {"id": "Normal", "deliveryChannel": "delivery", "price": 1200, "shippingEstimate": "5bd"},
            {"id": "Retirada", "deliveryChannel": "pickup-in-point", "price": 0, "shippingEstimate": "1bd"}])
        self.orders: dict[str, dict[str, Any]] = {}
        self.placed: list[MarketplaceOrder] = []
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        self.fail_after_place: BaseException | None = None  # raised after VTEX accepted (lost reply)

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def simulate(self, items: Sequence[SimulationItemRequest], postal_code: str | None = None,
                 country: str | None = "BRA") -> SimulationResult:
        with self.lock:
            self._count("simulate")
            result_items = []
            logistics = []
            for index, item in enumerate(items):
                available = self.stock.get(item.id)
                if available is None or available < item.quantity:
                    continue
                result_items.append({"id": item.id, "requestIndex": index, "quantity": item.quantity,
                                     "seller": item.seller, "price": 4990, "availability": "available"})
                logistics.append({"itemIndex": len(result_items) - 1, "slas": self.slas if postal_code else []})
            result = SimulationResult.model_validate({"items": result_items, "logisticsInfo": logistics})
            result.requested = list(items)
            return result

    def place_order(self, order: MarketplaceOrder) -> PlacedOrder:
        with self.lock:
            self._count("place_order")
            vtex_id = f"{self.credentials.affiliate_id}-{order.marketplaceOrderId}"
            if vtex_id in self.orders:
                raise VtexDuplicateOrder(400, "FMT009", "duplicate marketplaceOrderId", method="POST",
                                         path="/api/fulfillment/pvt/orders")
            self.orders[vtex_id] = {"status": "waiting-ffmt-authorization",
                                    "marketplaceOrderId": order.marketplaceOrderId}
            self.placed.append(order)
            failure, self.fail_after_place = self.fail_after_place, None
        if failure is not None:
            raise failure
        return PlacedOrder(orderId=vtex_id, marketplaceOrderId=order.marketplaceOrderId)

    def authorize_dispatch(self, vtex_order_id: str, marketplace_order_id: str) -> FulfillResult:
        with self.lock:
            self._count("authorize_dispatch")
            order = self.orders.get(vtex_order_id)
            if order is None:
                raise VtexNotFound(404, None, "order not found")
            if order["status"] != "waiting-ffmt-authorization":
                raise VtexBadRequest(400, None, f"order is {order['status']}")
            order["status"] = "ready-for-handling"
            return FulfillResult(orderId=vtex_order_id, marketplaceOrderId=marketplace_order_id)

    def get_order(self, vtex_order_id: str) -> VtexOrder:
        with self.lock:
            self._count("get_order")
            order = self.orders.get(vtex_order_id)
            if order is None:
                raise VtexNotFound(404, None, "order not found")
            return VtexOrder(orderId=vtex_order_id, status=order["status"],
                             marketplaceOrderId=order["marketplaceOrderId"])

    def cancel_order(self, vtex_order_id: str, reason: str | None = None) -> OmsReceipt:
        with self.lock:
            self._count("cancel_order")
            self.orders[vtex_order_id]["status"] = "canceled"
            return OmsReceipt(orderId=vtex_order_id)


@dataclass
class RecordingDispatcher:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.sent.extend(dict(m) for m in messages)
        return 1

    def take(self) -> list[dict[str, Any]]:
        taken, self.sent = self.sent, []
        return taken


def make_dynamodb_writes_atomic(monkeypatch: Any) -> None:
    """moto evaluates a condition and writes the item without a lock; DynamoDB does both atomically per
    item. Concurrency tests need the real guarantee, so each write runs under one lock."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


class LambdaContextStub:
    function_name = "integracao-tik-tok-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:integracao-tik-tok-test"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/test"
    log_stream_name = "test"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class Clock:
    now: float = 1_700_000_100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ModuleMoto:
    """One moto + provisioned template per test module (provisioning costs ~1-2 s): tests reset the tables
    they use instead. Same environment as the root `aws` fixture (fake credentials, no endpoint URLs)."""

    def __init__(self, stack_env: Mapping[str, str], template_path: Any) -> None:
        self.stack_env = stack_env
        self.template_path = template_path
        self._saved: dict[str, str | None] = {}
        self._mock: Any = None
        self.stack: Any = None

    def __enter__(self) -> ModuleMoto:
        import os

        from moto import mock_aws

        from local.provision import provision
        from local.template import load_template, parameters_from_stack_env
        from tiktok_vtex import aws

        region = self.stack_env["AWS_REGION"]
        wanted = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": region,
                  "AWS_REGION": region}
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")] + ["AWS_PROFILE",
                                                                                   "AWS_SESSION_TOKEN"]:
            self._saved[name] = os.environ.pop(name, None)
        for name, value in wanted.items():
            self._saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        self._mock = mock_aws()
        self._mock.start()
        aws.reset()
        template = load_template(self.template_path)
        self.stack = provision(self.template_path, parameters=parameters_from_stack_env(template, self.stack_env),
                               region=region)
        return self

    def clear(self, *logical_ids: str) -> None:
        """Deletes every item of the given tables (keys read from each table's key schema)."""
        import boto3

        dynamodb = boto3.resource("dynamodb")
        for logical_id in logical_ids:
            table = dynamodb.Table(self.stack.physical_ids[logical_id])
            keys = [k["AttributeName"] for k in table.key_schema]
            scan: dict[str, Any] = {"ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(keys))),
                                    "ExpressionAttributeNames": {f"#k{i}": k for i, k in enumerate(keys)}}
            while True:
                page = table.scan(**scan)
                with table.batch_writer() as writer:
                    for item in page.get("Items", []):
                        writer.delete_item(Key={k: item[k] for k in keys})
                if "LastEvaluatedKey" not in page:
                    break
                scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def __exit__(self, *_exc: object) -> None:
        import os

        from tiktok_vtex import aws

        self._mock.stop()
        aws.reset()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
