"""WEBHOOK-processor: the ledger and the routing of every push type (1-7, 11, 12, 15, 16, 27, 36, 37, 99,
unknown, orphan), against the template's tables in moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from events import generate
from tests.unit.orders.fakes_orders import LambdaContextStub, RecordingDispatcher
from tiktok_vtex.models.client import ShopLink, ShopLinkStatus
from tiktok_vtex.orders.events import OrderEvents
from tiktok_vtex.repositories.clients import ClientRepository
from tiktok_vtex.repositories.logs import LogRepository
from tiktok_vtex.repositories.orders import OrderRepository
from tiktok_vtex.repositories.products import ProductRepository, SellerSku
from tiktok_vtex.repositories.webhook_events import INTERNAL_SHOP, UNKNOWN_SHOP, WebhookEventRepository, event_key
from tiktok_vtex.webhooks.routing import IntakeMessage, PushRouter

ORDER = generate.ORDER_ID
PRODUCT = "1729000000000000001"


@dataclass
class RoutingWorld:
    router: PushRouter
    ledger: WebhookEventRepository
    orders: OrderRepository
    products: ProductRepository
    product_log: LogRepository
    clients: ClientRepository
    orders_queue: RecordingDispatcher
    shipping: RecordingDispatcher
    stock: RecordingDispatcher
    client_hash: str
    shop_id: str

    def process(self, body: dict[str, Any], *, client_hash: str | None = "default", shop_id: str | None = None,
                received_ms: int = 1_735_700_000_000) -> str:
        raw = generate.encode(body)
        dedup = f"tts:{body['tts_notification_id']}" if body.get("tts_notification_id") else "sha256:x"
        return self.router.process(IntakeMessage(
            dedup_key=dedup, received_ms=received_ms, type=body["type"],
            shop_id=shop_id or body.get("shop_id"), client_hash=self.client_hash if client_hash == "default"
            else client_hash, body=raw.decode()))

    def event(self, partition: str, body: dict[str, Any], received_ms: int = 1_735_700_000_000) -> Any:
        dedup = f"tts:{body['tts_notification_id']}" if body.get("tts_notification_id") else "sha256:x"
        return self.ledger.get(partition, event_key(received_ms, dedup))


@pytest.fixture
def routing(module_function_env: Callable[[str], dict[str, str]], stack_env: dict[str, str]) -> RoutingWorld:
    env = module_function_env("WebhookProcessorFunction")
    from webhook.worker import LifecycleAuth

    client_hash, shop_id = stack_env["DEMO_CLIENT_HASH"], stack_env["DEMO_SHOP_ID"]
    clients = ClientRepository(env["CLIENT_TABLE"], env["CLIENT_TIKTOK_TABLE"])
    clients.put_shop_link(ShopLink(client_hash=client_hash, status=ShopLinkStatus.TOKEN_GENERATED,
                                   tik_tok_shop_store_id=shop_id, cipher="ROW_demo"))
    products = ProductRepository(env["PRODUCTS_SELLER_SKU_TABLE"])
    products.put_many([SellerSku(client_hash=client_hash, seller_sku=s, tik_tok_product_id=PRODUCT,
                                 tik_tok_sku_id=f"172900000000000{s}") for s in ("1001", "1002")])
    orders = OrderRepository(env["ORDERS_TABLE"])
    queue, shipping, stock = RecordingDispatcher(), RecordingDispatcher(), RecordingDispatcher()
    ledger = WebhookEventRepository(env["WEBHOOK_EVENTS_TABLE"])
    product_log = LogRepository(env["LOG_PRODUCT_TABLE"])
    router = PushRouter(ledger=ledger, orders=OrderEvents(orders, queue, shipping), products=products,
                        product_log=product_log, auth=LifecycleAuth(clients), stock=stock)
    return RoutingWorld(router, ledger, orders, products, product_log, clients, queue, shipping, stock, client_hash,
                        shop_id)


SAMPLES = generate.sample_pushes()


def test_type_1_order_status_requests_creation_and_is_in_the_ledger(routing: RoutingWorld) -> None:
    body = SAMPLES["type-01-order-status"]
    assert routing.process(body) == "create_requested"
    assert routing.orders_queue.sent == [{"type": "triggerNewOrderInTTK", "clientHash": routing.client_hash,
                                          "orderId": ORDER}]
    event = routing.event(routing.shop_id, body)
    assert (event.type, event.outcome, event.order_id, event.client_hash) == (1, "create_requested", ORDER,
                                                                              routing.client_hash)
    assert json.loads(event.payload) == body and event.expires_at > event.received_at
    # a redelivered queue message does not duplicate the ledger entry; it re-emits the same idempotent
    # create message (the first delivery may have died before sending it; placement claims: one order)
    assert routing.process(body) == "create_requested"
    assert routing.orders_queue.sent[-1] == routing.orders_queue.sent[0]
    assert len(list(routing.ledger.iter_shop(routing.shop_id))) == 1


def test_type_2_reverse_and_type_12_return_are_recorded(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-02-reverse-status"]) == "recorded"
    # issue 15: a pending return request is answered per the client's policy (orders queue)
    assert routing.process(SAMPLES["type-12-return"]) == "answer_requested"
    assert routing.orders_queue.sent[-1]["type"] == "answerReturnRequest"
    extra = routing.orders.get(routing.client_hash, ORDER).model_extra  # type: ignore[union-attr]
    assert extra["return_request"]["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert extra["reverse_event"]["reverse_event_type"] == "ORDER_REQUEST_CANCEL"


def test_type_11_completed_cancellation_cancels_in_vtex(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-11-cancellation"]) == "cancel_requested"
    assert routing.orders_queue.sent[0]["type"] == "cancelOrderInVtex"


def test_type_3_address_refresh_is_queued(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-03-recipient-address"]) == "address_refresh_requested"
    assert routing.orders_queue.sent == [{"type": "refreshOrderAddress", "clientHash": routing.client_hash,
                                          "orderId": ORDER}]


def test_type_4_package_update_refreshes_package_ids(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-04-package-update"]) == "packages_updated"
    assert routing.orders.get(routing.client_hash, ORDER).package_ids == ["1153000000000000001"]  # type: ignore
    assert routing.shipping.sent == []  # not shipped yet: nothing to track


def test_type_4_on_a_shipped_order_requests_a_tracking_sync_every_delivery(routing: RoutingWorld) -> None:
    routing.orders.set_attributes(routing.client_hash, ORDER, shipping_state="DONE")
    for _ in range(2):  # a redelivery re-emits (syncTracking is idempotent: unchanged tracking sends nothing)
        assert routing.process(SAMPLES["type-04-package-update"]) == "packages_updated_tracking_requested"
    assert routing.shipping.sent == [{"type": "syncTracking", "clientHash": routing.client_hash,
                                      "orderId": ORDER}] * 2


@pytest.mark.parametrize(("name", "attribute", "value"), [
    ("type-05-product-status", "product_status", "PRODUCT_AUDIT_FAILURE"),
    ("type-37-product-audit", "audit_status", "APPROVED"),
    ("type-15-product-information", "info_changed_fields", ["title", "main_images"]),
    ("type-16-product-creation", "product_types", []),
])
def test_product_pushes_update_every_sku_and_the_product_log(routing: RoutingWorld, name: str, attribute: str,
                                                             value: Any) -> None:
    assert routing.process(SAMPLES[name]) == "product_updated"
    for sku in ("1001", "1002"):
        row = routing.products.get(routing.client_hash, sku)
        assert row is not None and (row.model_dump().get(attribute) == value)
    [entry] = list(routing.product_log.entries(routing.client_hash))
    assert entry["subject"] == PRODUCT and entry["kind"] == f"push_{SAMPLES[name]['type']}"
    assert sorted(entry["seller_skus"]) == ["1001", "1002"]


def test_product_push_for_an_unknown_product_is_logged(routing: RoutingWorld) -> None:
    body = {**SAMPLES["type-05-product-status"], "data": {"product_id": "42", "status": "PRODUCT_STATUS_CHANGED"}}
    assert routing.process(body) == "unknown_product_logged"


def test_type_6_deauthorizes_the_client(routing: RoutingWorld) -> None:
    outcome = routing.process(SAMPLES["type-06-seller-deauthorization"])
    assert outcome.startswith("deauthorized")
    link = routing.clients.get_shop_link(routing.client_hash)
    assert link is not None and link.status == ShopLinkStatus.DEAUTHORIZED


def test_type_7_records_the_expiry(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-07-authorization-expiring"]).startswith("expiry_recorded")
    link = routing.clients.get_shop_link(routing.client_hash)
    assert link is not None and link.authorization_expires_at == generate.TIMESTAMP + 30 * 86400


def test_type_27_resyncs_that_skus_stock(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-27-inventory-status"]) == "stock_resync_requested"
    assert routing.stock.sent == [{"type": "triggerPepareSkuStock", "clientHash": routing.client_hash,
                                   "sku": "1001"}]
    row = routing.products.get(routing.client_hash, "1001")
    assert row is not None and row.model_extra["inventory_status"] == "LOW_STOCK"  # type: ignore[index]


def test_type_36_success_enqueues_shipping_and_invalid_records_reason(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-36-invoice-success"]) == "shipping_requested"
    assert routing.shipping.sent == [{"clientHash": routing.client_hash, "orderId": ORDER,
                                      "packageId": "1153000000000000001"}]
    assert routing.process(SAMPLES["type-36-invoice-invalid"]) == "invoice_rejected"
    record = routing.orders.get(routing.client_hash, ORDER)
    assert record is not None and (record.invoice_status, record.invoice_reason) == ("INVALID",
                                                                                     "ACCESS_KEY_DUPLICATE")


def test_type_99_updates_vtex_order_and_status(routing: RoutingWorld) -> None:
    body = generate.vtex_order_created()
    assert routing.process(body, shop_id=None) == "vtex_order_updated"
    record = routing.orders.get(routing.client_hash, ORDER)
    assert record is not None and (record.vtex_order, record.vtex_status) == ("1535000500227", "CREATED")
    assert routing.event(INTERNAL_SHOP, body).outcome == "vtex_order_updated"


def test_unknown_type_and_orphan_are_recorded(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-14-unhandled"]) == "unhandled_type"
    orphan = {**SAMPLES["type-01-order-status"], "shop_id": "999", "tts_notification_id": "orphan"}
    assert routing.process(orphan, client_hash=None) == "orphan"
    event = routing.event(UNKNOWN_SHOP, orphan)
    assert (event.outcome, event.push_shop_id) == ("orphan", "999")
    assert routing.orders_queue.sent == []


def test_failure_is_marked_in_the_ledger_and_raised_for_redelivery(routing: RoutingWorld,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def down(_messages: Any) -> int:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(routing.orders_queue, "send", down)
    body = SAMPLES["type-01-order-status"]
    with pytest.raises(RuntimeError):
        routing.process(body)
    event = routing.event(routing.shop_id, body)
    assert event.outcome == "failed" and "SQS unavailable" in event.detail


def test_deauthorized_client_push_is_recorded_not_retried(routing: RoutingWorld) -> None:
    body = {**SAMPLES["type-06-seller-deauthorization"], "shop_id": "another-shop"}
    assert routing.process(body) == "client_not_authorized"


def test_worker_handler_reports_partial_batch_failures(routing: RoutingWorld) -> None:
    from webhook import worker

    worker.router.cache_clear()
    event = json.loads((generate.ROOT / "WebhookProcessorFunction" / "sqs-order-status.json").read_text())
    broken = {**event["Records"][0], "messageId": "broken", "body": "{not json"}
    event["Records"].append(broken)
    answer = worker.lambda_handler(event, LambdaContextStub())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    worker.router.cache_clear()


@pytest.mark.parametrize(("name", "field", "attribute", "older", "newer"), [
    ("type-05-product-status", "status", "product_status", "ACTIVATE", "PRODUCT_AUDIT_FAILURE"),
    ("type-15-product-information", "changed_fields", "info_changed_fields", ["price"], ["title"]),
])
def test_an_older_product_push_never_overwrites_a_newer_one(routing: RoutingWorld, name: str, field: str,
                                                           attribute: str, older: Any, newer: Any) -> None:
    """Issue 10 defect 14: pushes are unordered and retried; the row keeps the latest update_time per type."""
    base = SAMPLES[name]
    newer_push = {**base, "tts_notification_id": "newer", "data": {**base["data"], field: newer, "update_time": 2000}}
    older_push = {**base, "tts_notification_id": "older", "data": {**base["data"], field: older, "update_time": 1000}}
    assert routing.process(newer_push) == "product_updated"
    assert routing.process(older_push) == "stale_product_push"
    for sku in ("1001", "1002"):
        row = routing.products.get(routing.client_hash, sku)
        assert row is not None and row.model_dump()[attribute] == newer
        assert row.model_dump()[f"product_update_time_{base['type']}"] == 2000
    assert routing.process(newer_push) == "product_updated"  # a redelivery of the same push re-applies it
    kinds = [e.get("stale_seller_skus") for e in routing.product_log.entries(routing.client_hash)]
    assert sorted(kinds, key=str).count(None) == 2 and ["1001", "1002"] in [sorted(k) for k in kinds if k]


def test_a_newer_push_of_another_type_does_not_block_a_status(routing: RoutingWorld) -> None:
    info = SAMPLES["type-15-product-information"]
    status = SAMPLES["type-05-product-status"]
    routing.process({**info, "data": {**info["data"], "update_time": 5000}})
    assert routing.process({**status, "data": {**status["data"], "update_time": 4000}}) == "product_updated"
    row = routing.products.get(routing.client_hash, "1001")
    assert row is not None and row.model_dump()["product_status"] == status["data"]["status"]


def test_a_product_push_for_a_sku_row_deleted_meanwhile_creates_no_ghost_row(routing: RoutingWorld,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    original = routing.products.find_by_tiktok_product

    def with_a_ghost(product_id: str, client_hash: str | None = None) -> list[SellerSku]:
        return [*original(product_id, client_hash),
                SellerSku(client_hash=routing.client_hash, seller_sku="gone", tik_tok_product_id=PRODUCT)]

    monkeypatch.setattr(routing.products, "find_by_tiktok_product", with_a_ghost)
    assert routing.process(SAMPLES["type-37-product-audit"]) == "product_updated"
    assert routing.products.get(routing.client_hash, "gone") is None


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_push_36_goes_through_the_invoice_outcomes_of_the_processor_wiring(
        module_function_env: Callable[[str], dict[str, str]], stack_env: dict[str, str]) -> None:
    """The processor's own wiring (webhook.worker.build_router): push 36 reaches InvoiceOutcomes with the
    real queues and TikTokLogOrder. SUCCESS -> ACCEPTED + shipping message; a SEFAZ delay (NOT_FOUND) of an
    invoice we uploaded -> a delayed reuploadInvoice on the invoice queue; a redelivery re-emits."""
    import boto3
    from webhook.worker import build_router

    from tiktok_vtex.settings import load_settings

    env = module_function_env("WebhookProcessorFunction")
    client_hash = stack_env["DEMO_CLIENT_HASH"]
    router = build_router(load_settings(env))
    sqs = boto3.client("sqs")
    for url in (env["SHIPPING_QUEUE_URL"], env["INVOICE_QUEUE_URL"]):
        sqs.purge_queue(QueueUrl=url)
    orders = OrderRepository(env["ORDERS_TABLE"])
    key = "3" * 44
    orders.set_attributes(client_hash, ORDER, invoice_state="UPLOADED", invoice_access_key=key,
                          invoice_xml_key=f"invoices/{client_hash}/{ORDER}/{key}.xml", invoice_uploaded_at=1)

    def push(data: dict[str, Any], notification: str) -> str:
        body = {"type": 36, "tts_notification_id": notification, "shop_id": stack_env["DEMO_SHOP_ID"],
                "timestamp": 1_735_700_000, "data": data}
        return router.process(IntakeMessage(dedup_key=f"tts:{notification}", received_ms=1_735_700_000_000,
                                            type=36, shop_id=stack_env["DEMO_SHOP_ID"], client_hash=client_hash,
                                            body=json.dumps(body)))

    delayed = {"package_id": "1153000000000000001", "order_ids": [ORDER], "invoice_status": "FAILED",
               "invalid_reason": "NOT_FOUND"}
    assert push(delayed, "n-delay") == "reupload_scheduled"
    record = orders.get(client_hash, ORDER)
    assert record is not None and record.model_extra["invoice_state"] == "RETRY_SCHEDULED"  # type: ignore[index]
    # DelaySeconds 120: moto keeps it invisible (its body is checked in tests/unit/invoices).
    attributes = sqs.get_queue_attributes(QueueUrl=env["INVOICE_QUEUE_URL"], AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"

    success = {"package_id": "1153000000000000001", "order_ids": [ORDER], "invoice_status": "SUCCESS"}
    assert push(success, "n-ok") == "shipping_requested"
    assert push(success, "n-ok") == "shipping_requested"  # redelivered (e.g. died after the write): re-sent
    shipped = _drain(sqs, env["SHIPPING_QUEUE_URL"])
    assert shipped == [{"clientHash": client_hash, "orderId": ORDER, "packageId": "1153000000000000001"}] * 2
    record = orders.get(client_hash, ORDER)
    assert record is not None and record.model_extra["invoice_state"] == "ACCEPTED"  # type: ignore[index]
    kinds = [e["kind"] for e in LogRepository(env["LOG_ORDER_TABLE"]).entries(client_hash)]
    assert kinds.count("invoice_accepted") == 2 and "invoice_reupload_scheduled" in kinds


def test_a_cancelled_order_resyncs_its_skus_stock_at_once(routing: RoutingWorld) -> None:
    """Issue 10 residual: TikTok restores a cancelled order's units on its own stock; the order's SKUs are
    re-synced now (forced), not at the nightly run. Its updates then join the shop's FIFO group."""
    assert routing.process(SAMPLES["type-01-order-status"]) == "create_requested"
    assert routing.orders.set_units(routing.client_hash, ORDER, {"1002": 1, "1001": 2}, update_time=1)
    assert routing.stock.sent == []
    assert routing.process(SAMPLES["type-11-cancellation"]) == "cancel_requested"
    assert routing.stock.sent == [{"type": "triggerPepareSkuStockBatch", "clientHash": routing.client_hash,
                                   "sku": ["1001", "1002"], "force": True}]


def test_a_cancellation_of_an_order_without_units_sends_nothing(routing: RoutingWorld) -> None:
    assert routing.process(SAMPLES["type-11-cancellation"]) == "cancel_requested"
    assert routing.stock.sent == []
