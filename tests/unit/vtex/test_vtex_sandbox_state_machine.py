"""Property test of the VTEX sandbox's order state machine and inventory reservations (in process, no sockets).

Whatever sequence of place / fulfill / window end / start-handling / invoice / cancel happens:
reserved stock equals the sum of live orders' reservations, stock never goes negative, invoiced units leave
the warehouse exactly once, and every order's history is a path the seller flow allows.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from local.fixtures.demo_catalog import demo_catalog, iter_skus
from local.vtex_sandbox.state import SandboxError, VtexStore

CATALOG = demo_catalog(products=2, skus_per_product=2)
SKUS = [sku["id"] for _, sku in iter_skus(CATALOG)]
ALLOWED_NEXT = {
    None: {"order-accepted"},
    "order-accepted": {"waiting-ffmt-authorization"},
    "waiting-ffmt-authorization": {"authorize-fulfillment", "cancel"},
    "authorize-fulfillment": {"window-to-cancel"},
    "window-to-cancel": {"ready-for-handling", "cancel"},
    "ready-for-handling": {"start-handling", "invoice", "cancel"},
    "start-handling": {"handling"},
    "handling": {"invoice", "cancel"},
    "invoice": {"invoiced"},
    "cancel": {"canceled"},
}


class OrderFlow(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.events: list[tuple[str, str, str | None]] = []
        self.store = VtexStore(account="acme", affiliate_id="TTK", sales_channel="1", warehouses=["1_1"],
                               clock=lambda: self.now, notify=self._notify, cancel_window_seconds=10)
        self.store.seed(CATALOG)
        for sku in SKUS:
            self.store.set_inventory(sku, "1_1", 5)
        self.initial = dict.fromkeys(SKUS, 5)
        self.invoiced_units = dict.fromkeys(SKUS, 0)
        self.counter = 0

    def _notify(self, order_id: str, state: str, last: str | None, _last_change: str | None, _now: str) -> None:
        self.events.append((order_id, state, last))

    def _order(self, sku: int, quantity: int) -> dict[str, Any]:
        self.counter += 1
        price = 1000
        return {"marketplaceOrderId": f"M{self.counter}", "marketplaceServicesEndpoint": "http://x",
                "marketplacePaymentValue": price * quantity + 1590,
                "items": [{"id": str(sku), "quantity": quantity, "seller": "1", "price": price}],
                "clientProfileData": {"email": "a@b.c", "firstName": "A", "lastName": "B", "documentType": "cpf",
                                      "document": "1"},
                "shippingData": {"address": {"receiverName": "A", "postalCode": "01310100", "city": "SP",
                                             "state": "SP", "country": "BRA", "street": "R", "number": "1"},
                                 "logisticsInfo": [{"itemIndex": 0, "selectedSla": "Normal", "price": 1590}]}}

    @rule(target=orders, sku=st.sampled_from(SKUS), quantity=st.integers(1, 4))
    def place(self, sku: int, quantity: int) -> str:
        available = self.store.available(sku)
        try:
            placed = self.store.place_order([self._order(sku, quantity)], "1", "TTK")
        except SandboxError as error:
            assert error.code == "FMT005" and available < quantity
            return "none"
        assert available >= quantity
        return placed[0]["orderId"]

    @rule(order_id=orders)
    def fulfill(self, order_id: str) -> None:
        if order_id == "none":
            return
        record = self.store.order(order_id)
        before = record.data["status"]
        try:
            self.store.fulfill(order_id, {"marketplaceOrderId": record.data["marketplaceOrderId"]}, "TTK")
        except SandboxError as error:
            assert error.status == 409 and before != "waiting-ffmt-authorization"

    @rule(seconds=st.sampled_from([1, 11]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds
        self.store.advance_due()

    @rule(order_id=orders)
    def start_handling(self, order_id: str) -> None:
        if order_id == "none":
            return
        before = self.store.order(order_id).data["status"]
        try:
            self.store.start_handling(order_id)
        except SandboxError as error:
            assert error.code == "OMS003" and before != "ready-for-handling"

    @rule(order_id=orders)
    def invoice(self, order_id: str) -> None:
        if order_id == "none":
            return
        record = self.store.order(order_id)
        before = record.data["status"]
        item = record.data["items"][0]
        try:
            self.store.invoice(order_id, {"type": "Output", "issuanceDate": "2026-01-01", "invoiceNumber": "1",
                                          "invoiceValue": record.data["value"],
                                          "items": [{"id": item["id"], "price": item["price"],
                                                     "quantity": item["quantity"]}]})
        except SandboxError as error:
            assert error.code == "ORD039" and before not in ("ready-for-handling", "handling", "invoiced")
            return
        if before != "invoiced":
            self.invoiced_units[int(item["id"])] += item["quantity"]

    @rule(order_id=orders)
    def cancel(self, order_id: str) -> None:
        if order_id == "none":
            return
        before = self.store.order(order_id).data["status"]
        try:
            self.store.cancel(order_id, {"reason": "x"})
        except SandboxError:
            assert before == "invoiced"
            return
        assert self.store.order(order_id).data["status"] == "canceled"

    @invariant()
    def reservations_match_live_orders(self) -> None:
        for sku in SKUS:
            row = self.store.stock[(sku, "1_1")]
            live = sum(q for r in self.store.orders.values() if r.reserved for s, _, q in r.reservations if s == sku)
            assert row.reserved == live
            assert 0 <= row.reserved <= row.total
            assert row.total == self.initial[sku] - self.invoiced_units[sku]

    @invariant()
    def histories_follow_the_seller_flow(self) -> None:
        for order_id, record in self.store.orders.items():
            previous = None
            for step in record.history:
                assert step["status"] in ALLOWED_NEXT[previous], (order_id, previous, step["status"])
                previous = step["status"]
            assert record.data["status"] == previous
        for order_id, state, last in self.events:
            assert state in ALLOWED_NEXT[last], (order_id, last, state)


TestOrderFlow = OrderFlow.TestCase
TestOrderFlow.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
