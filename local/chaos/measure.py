"""What the chaos run measures once faults are off and one sweep / nightly run went through.

Ground truth is the sandboxes' state (what TikTok and VTEX hold), not the connector's own table:
- lost: paid on TikTok (not UNPAID/ON_HOLD) and not cancelled, with no live VTEX order;
- duplicated: a marketplaceOrderId with more than one VTEX order;
- cancelled but live: cancelled on TikTok, VTEX order not canceled;
- SKUs converged: TikTok's quantity per warehouse equals the connector's own rules
  (`tiktok_vtex.inventory.rules.compute_quantities`) applied to VTEX's availability, the client's stock rules
  and the units of TikTok orders not (yet) in VTEX;
- DLQs: every message of every dead-letter / failure queue with its recorded reason (message attributes of
  an async dead letter, the failure record of a destination, or a log line of the consumer naming the SQS
  message id); async events that failed with no destination are counted as dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from boto3.dynamodb.conditions import Key

from tiktok_vtex.inventory.rules import WarehouseReading, compute_quantities, resolve_routes
from tiktok_vtex.models.client import StockRules

PAID_NOT_SHIPPED = {"AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"}
DLQ_MARKERS = ("dlq", "deadletter", "failure")


@dataclass
class Dlq:
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)  # {"id", "reason"}

    @property
    def without_reason(self) -> int:
        return sum(1 for m in self.messages if not m["reason"])


@dataclass
class OrderFigures:
    tiktok_created: int
    tiktok_paid_live: int
    tiktok_cancelled: int
    vtex_orders: int
    lost: list[str]  # silently: no VTEX order and no recorded error
    errored: list[str]  # no VTEX order, ERROR with its error_code (alarmed, replayable with replayErrors)
    duplicated: list[str]
    cancelled_live: list[str]
    vtex_cancelled_tiktok_live: list[str]
    sync_states: dict[str, int]


@dataclass
class SkuFigures:
    total: int
    equal: int
    different: list[str]

    @property
    def percent(self) -> float:
        return 100.0 * self.equal / self.total if self.total else 0.0


def _all_rows(table: Any, **query: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = table.query(**query)
        rows.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return rows
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def tiktok_orders(http: httpx.Client, tiktok_url: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = set(ids)
    return {o["id"]: o for o in http.get(f"{tiktok_url}/sandbox/state/orders").json()["orders"]
            if o["id"] in wanted}


def order_figures(http: httpx.Client, tiktok_url: str, vtex_url: str, ids: Iterable[str],
                  orders_table: Any, client_hash: str) -> OrderFigures:
    tiktok = tiktok_orders(http, tiktok_url, ids)
    vtex: dict[str, list[dict[str, Any]]] = {}
    for order in http.get(f"{vtex_url}/sandbox/state/orders").json():
        vtex.setdefault(str(order["marketplaceOrderId"]), []).append(order)
    lost, duplicated, cancelled_live, wrongly_cancelled = [], [], [], []
    paid_live = cancelled = 0
    for order_id, order in sorted(tiktok.items()):
        copies = vtex.get(order_id, [])
        live = [c for c in copies if c.get("status") not in ("canceled", "cancel")]
        if len(copies) > 1:
            duplicated.append(order_id)
        if order["status"] == "CANCELLED":
            cancelled += 1
            if live:
                cancelled_live.append(order_id)
        elif order["status"] in PAID_NOT_SHIPPED:
            paid_live += 1
            if not copies:
                lost.append(order_id)
            elif not live:
                wrongly_cancelled.append(order_id)
    rows = _all_rows(orders_table, KeyConditionExpression=Key("client_hash").eq(client_hash))
    states = Counter(str(r.get("sync_state", "?")) for r in rows if r["order_id"] in tiktok)
    recorded = {str(r["order_id"]): f"{r.get('error_code')}" for r in rows
                if r.get("sync_state") == "ERROR" and r.get("error_code")}
    errored = [f"{i} ({recorded[i]})" for i in lost if i in recorded]
    lost = [i for i in lost if i not in recorded]
    return OrderFigures(len(tiktok), paid_live, cancelled, sum(len(vtex.get(i, [])) for i in tiktok), lost,
                        errored, duplicated, cancelled_live, wrongly_cancelled, dict(sorted(states.items())))


def _pending_units(tiktok: Mapping[str, dict[str, Any]], vtex_live: set[str]) -> Counter[str]:
    """Units TikTok sold that VTEX does not hold yet: live TikTok orders with no live VTEX order."""
    units: Counter[str] = Counter()
    for order_id, order in tiktok.items():
        if order["status"] == "CANCELLED" or order_id in vtex_live:
            continue
        for line in order.get("line_items") or []:
            units[str(line.get("seller_sku"))] += 1  # one line item per unit
    return units


def sku_figures(http: httpx.Client, tiktok_url: str, vtex_url: str, *, sku_rows: list[dict[str, Any]],
                order_ids: Iterable[str], rules: StockRules, vtex_warehouses: list[str],
                warehouse_map: Mapping[str, str]) -> SkuFigures:
    tiktok = tiktok_orders(http, tiktok_url, order_ids)
    vtex_live = {str(o["marketplaceOrderId"]) for o in http.get(f"{vtex_url}/sandbox/state/orders").json()
                 if o.get("status") not in ("canceled", "cancel")}
    pending = _pending_units(tiktok, vtex_live)
    routes = resolve_routes(vtex_warehouses, credentials_map=warehouse_map)
    products: dict[str, dict[str, Any]] = {}
    equal, different = 0, []
    for row in sku_rows:
        sku = str(row["seller_sku"])
        state = http.get(f"{vtex_url}/sandbox/state/inventory/{int(row.get('vtex_sku_id') or sku)}").json()
        readings = {w: WarehouseReading(w, int(v["available"]), bool(v.get("unlimited")))
                    for w, v in state["warehouses"].items()}
        expected = compute_quantities(readings, routes, rules, pending_units=pending.get(sku, 0))
        product_id = str(row["tik_tok_product_id"])
        if product_id not in products:
            products[product_id] = http.get(f"{tiktok_url}/sandbox/state/products/{product_id}").json()
        tiktok_sku = next((s for s in products[product_id].get("skus", []) if s["id"] == row["tik_tok_sku_id"]), {})
        actual = {str(w["warehouse_id"]): int(w["quantity"]) for w in tiktok_sku.get("inventory", [])}
        if all(actual.get(w) == q for w, q in expected.items()):
            equal += 1
        else:
            sold = [f"{o['status']}{'/in VTEX' if i in vtex_live else ''}" for i, o in tiktok.items()
                    if any(str(li.get("seller_sku")) == sku for li in o.get("line_items") or [])]
            different.append(f"{sku}: TikTok {actual} expected {expected} (VTEX available "
                             f"{ {w: r.available for w, r in readings.items()} }, units sold on TikTok not in VTEX "
                             f"{pending.get(sku, 0)}, its TikTok orders {sold}, last sent "
                             f"{row.get('stock_sent')})")
    return SkuFigures(len(sku_rows), equal, different)


def dlq_figures(sqs: Any, queues: Mapping[str, str], log_lines: list[tuple[str, str]]) -> list[Dlq]:
    """Reads (and leaves in place: visibility expires) every message of every dead-letter/failure queue."""
    result = []
    for logical_id, url in sorted(queues.items()):
        if not any(marker in logical_id.lower() for marker in DLQ_MARKERS):
            continue
        dlq = Dlq(logical_id)
        seen: set[str] = set()
        for _ in range(200):
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=120,
                                        MessageAttributeNames=["All"], AttributeNames=["All"]).get("Messages", [])
            if not batch:
                break
            for message in batch:
                if message["MessageId"] in seen:
                    continue
                seen.add(message["MessageId"])
                dlq.messages.append({"id": message["MessageId"], "reason": _reason(message, log_lines)})
        result.append(dlq)
    return result


def _reason(message: Mapping[str, Any], log_lines: list[tuple[str, str]]) -> str:
    attributes = message.get("MessageAttributes") or {}
    if "ErrorMessage" in attributes:
        return "async dead letter: " + str(attributes["ErrorMessage"].get("StringValue"))[:200]
    try:
        body = json.loads(message.get("Body") or "")
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("requestContext"), dict):
        payload = body.get("responsePayload") or {}
        error = payload.get("errorMessage") if isinstance(payload, dict) else None
        return f"failure destination: {body['requestContext'].get('condition')}: {error}"[:200]
    message_id = message["MessageId"]
    for source, line in log_lines:
        if message_id in line and any(level in line for level in ('"ERROR"', '"WARNING"', "ERROR", "WARNING")):
            return f"logged by {source}: {line[:200]}"
    return ""


def async_figures(outcomes: Mapping[str, Any]) -> dict[str, int]:
    failed = [o for o in outcomes.values() if o.status == "failed"]
    return {
        "events": len(outcomes),
        "succeeded": sum(1 for o in outcomes.values() if o.status == "succeeded"),
        "failed": len(failed),
        "dropped": sum(1 for o in failed if not o.sent_to),
    }


def sku_rows(table: Any, client_hash: str) -> list[dict[str, Any]]:
    return _all_rows(table, KeyConditionExpression=Key("client_hash").eq(client_hash))
