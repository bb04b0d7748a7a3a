"""Hypothesis state machine over the sandbox's order life cycle, driven through the admin routes and the
client (in-process WSGI: no sockets). Invariants: statuses never move backwards, a cancelled order stays
cancelled, packages follow their orders, and stock is conserved (ordered units leave, cancelled return)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from local.env import stack_env
from local.tiktok_sandbox import create_app, sandbox_of
from local.tiktok_sandbox.orders import ORDER_RANK
from tiktok_vtex.clients.tiktok import NoRateLimit, StaticAccessToken, TikTokApiError, TikTokShopClient

from .conftest import CATALOG, NO_WAIT

FORWARD = ["AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"]


class OrderLifecycle(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        env = dict(stack_env())
        self.app = create_app(env, qps=1_000_000)
        self.sb = sandbox_of(self.app)
        self.admin = self.app.test_client()
        assert self.admin.post("/sandbox/seed/demo", json={"catalog": CATALOG}).status_code == 200
        for product in self.sb.products.values():
            for sku in product["skus"]:
                sku["inventory"][0]["quantity"] = 1000
        self.initial = self.stock()
        shop = self.sb.shops[env["DEMO_SHOP_ID"]]
        token = self.sb.issue_tokens(shop["id"])["access_token"]
        self.client = TikTokShopClient(
            app_key=env["TIKTOK_APP_KEY"],
            app_secret=env["TIKTOK_APP_SECRET"],
            base_url="http://sandbox",
            shop_cipher=shop["cipher"],
            tokens=StaticAccessToken(token),
            limiter=NoRateLimit(),
            retry=NO_WAIT,
            http=httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url="http://sandbox"),
        )
        self.seen: dict[str, str] = {}

    def stock(self) -> dict[str, int]:
        return {s["seller_sku"]: s["inventory"][0]["quantity"] for p in self.sb.products.values() for s in p["skus"]}

    @property
    def order_ids(self) -> list[str]:
        return sorted(self.sb.orders)

    @rule(
        sku=st.sampled_from([s["seller_sku"] for p in CATALOG["products"] for s in p["skus"]]),
        quantity=st.integers(1, 3),
        seller_shipping=st.booleans(),
        status=st.sampled_from(["UNPAID", *FORWARD]),
    )
    def create(self, sku: str, quantity: int, seller_shipping: bool, status: str) -> None:
        answer = self.admin.post(
            "/sandbox/orders",
            json={
                "items": [{"seller_sku": sku, "quantity": quantity}],
                "status": status,
                "need_upload_invoice": False,
                "shipping_type": "SELLER" if seller_shipping else "TIKTOK",
            },
        )
        assert answer.status_code == 201, answer.json
        assert len(answer.json["line_items"]) == quantity

    @precondition(lambda self: self.sb.orders)
    @rule(data=st.data(), wanted=st.sampled_from([*FORWARD, "CANCELLED", "UNPAID"]))
    def admin_move(self, data: st.DataObject, wanted: str) -> None:
        order_id = data.draw(st.sampled_from(self.order_ids))
        before = self.sb.orders[order_id]["status"]
        answer = self.admin.post(f"/sandbox/orders/{order_id}/status", json={"status": wanted})
        allowed = wanted == before or (
            before != "CANCELLED"
            and (
                (wanted == "CANCELLED" and before not in ("IN_TRANSIT", "DELIVERED", "COMPLETED"))
                or (wanted != "CANCELLED" and ORDER_RANK[wanted] >= ORDER_RANK[before])
            )
        )
        assert (answer.status_code == 200) == allowed, (before, wanted, answer.json)

    @precondition(lambda self: self.sb.orders)
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self.order_ids))
        order = self.sb.orders[order_id]
        if not order["packages"]:
            return
        package_id = order["packages"][0]["id"]
        kwargs = (
            {"self_shipment": {"tracking_number": f"TRK{package_id}", "shipping_provider_id": "7117858858072016686"}}
            if order["shipping_type"] == "SELLER"
            else {"handover_method": "DROP_OFF"}
        )
        can_ship = order["status"] == "AWAITING_SHIPMENT"
        try:
            self.client.ship_package(package_id, **kwargs)
            assert can_ship, order["status"]
        except TikTokApiError as error:
            assert not can_ship, error

    @precondition(lambda self: self.sb.orders)
    @rule(data=st.data())
    def seller_cancel(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self.order_ids))
        can_cancel = self.sb.orders[order_id]["status"] in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT")
        try:
            self.client.cancel_order(order_id, "OUT_OF_STOCK")
            assert can_cancel
        except TikTokApiError as error:
            assert not can_cancel and error.code == 25001003

    @invariant()
    def statuses_never_go_back(self) -> None:
        for order_id, order in self.sb.orders.items():
            previous = self.seen.get(order_id)
            if previous == "CANCELLED":
                assert order["status"] == "CANCELLED"
            elif previous is not None and order["status"] != "CANCELLED":
                assert ORDER_RANK[order["status"]] >= ORDER_RANK[previous]
            self.seen[order_id] = order["status"]

    @invariant()
    def packages_follow_orders(self) -> None:
        for order in self.sb.orders.values():
            for ref in order["packages"]:
                package = self.sb.packages[ref["id"]]
                if order["status"] == "CANCELLED":
                    assert package["package_status"] == "CANCELLED"
                else:
                    shipped = ORDER_RANK[order["status"]] >= ORDER_RANK["AWAITING_COLLECTION"]
                    assert package["_shipped"] == shipped

    @invariant()
    def stock_is_conserved(self) -> None:
        held: dict[str, int] = {}
        for order in self.sb.orders.values():
            if order["status"] != "CANCELLED":
                for line in order["line_items"]:
                    held[line["seller_sku"]] = held.get(line["seller_sku"], 0) + 1
        current = self.stock()
        for sku, quantity in self.initial.items():
            assert current[sku] + held.get(sku, 0) == quantity, sku


OrderLifecycle.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
)
test_order_lifecycle = pytest.mark.filterwarnings("ignore")(OrderLifecycle.TestCase)
