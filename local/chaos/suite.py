"""The chaos suite end to end: start the stack, onboard, faults on, workload, faults off, sweep + nightly,
measure, scan the logs, print the table. `run_chaos(size)` returns a `ChaosReport` (tests assert on it).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from boto3.dynamodb.conditions import Key

from local.chaos import faults as chaos_faults
from local.chaos import leaks, measure
from local.chaos.driver import Driver, write_log_file
from local.chaos.workload import SIZES, ChaosSize, build_workload
from local.demo.context import DemoContext
from local.demo.seed import seed_demo_client
from local.fixtures.demo_catalog import demo_catalog
from local.stack import LocalStack, ephemeral_stack_env
from tiktok_vtex.auth.state import issue_state
from tiktok_vtex.models.client import StockRules

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / ".local-run"  # chaos-<size>-functions.log
# Logs of the other runs (same stack.env secrets): `make demo`, and the fuzz suite's captured lines (per route).
OTHER_LOGS = ("demo-functions.log", "fuzz-*.log")
# The client's stock rules during the run: not the defaults, so "equal after the rules" means something.
STOCK_RULES = {"safety_stock": 1, "percentage": 90}
CONCURRENT_DELIVERIES = 20
ORDERS_LEASE_S = 240  # functions/orders/wiring.py LEASE_SECONDS (the claim lease of a placement)


@dataclass
class Invariant:
    name: str
    ok: bool
    detail: str


@dataclass
class ChaosReport:
    size: str
    seed: int
    figures: list[tuple[str, str]] = field(default_factory=list)
    invariants: list[Invariant] = field(default_factory=list)
    leaks: leaks.LeakReport | None = None
    concurrency: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    def add(self, label: str, value: Any) -> None:
        self.figures.append((label, str(value)))

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.invariants.append(Invariant(name, bool(ok), detail))

    def failed(self) -> list[Invariant]:
        return [i for i in self.invariants if not i.ok]

    def table(self) -> str:
        width = max(len(label) for label, _ in self.figures) if self.figures else 10
        lines = [f"Chaos suite, size {self.size} (seed {self.seed}), {self.wall_s:.0f} s wall time", ""]
        lines += [f"  {label.ljust(width)}  {value}" for label, value in self.figures]
        lines += ["", "Invariants:"]
        lines += [f"  [{'ok' if i.ok else 'FAIL'}] {i.name}: {i.detail}" for i in self.invariants]
        return "\n".join(lines)


class Capture:
    """Log sink: every line of every function, sandbox and the runtime, kept raw for the leak scan."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, source: str, line: str) -> None:
        with self._lock:
            self.lines.append((source, line))

    def snapshot(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.lines)


def _wait_for(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def _onboard(ctx: DemoContext, products: int | None) -> None:
    """The demo's platform + authorization steps: client row, secret, catalogs, consent through the callback."""
    seed_demo_client(ctx, products)
    state = issue_state(ctx.client_hash, secret=ctx.env["OAUTH_STATE_SECRET"], now=time.time())
    consent = ctx.http.post(f"{ctx.tiktok_url}/sandbox/consent", json={
        "shop_id": ctx.env["DEMO_SHOP_ID"], "state": state, "redirect_url": f"{ctx.api_url}/tiktok/callback"}).json()
    if (consent.get("redirect") or {}).get("status") != 200:
        raise RuntimeError(f"the OAuth callback answered {(consent.get('redirect') or {}).get('status')}")
    links = ctx.table("ClientTikTokTable")
    _wait_for(lambda: (links.get_item(Key={"client_hash": ctx.client_hash}, ConsistentRead=True).get("Item") or {})
              .get("status") == "token_generated", 60, "the shop link")
    links.update_item(Key={"client_hash": ctx.client_hash}, UpdateExpression="SET connector_settings = :s",
                      ExpressionAttributeValues={":s": {"stock": STOCK_RULES}})


def concurrent_push_probe(ctx: DemoContext, sku: str, wait_idle: Any) -> dict[str, Any]:
    """20 concurrent deliveries of one push (same tts_notification_id) through the real HTTP route."""
    ctx.http.put(f"{ctx.vtex_url}/sandbox/inventory", json={  # enough stock: the probe is about duplicates
        "sku_id": int(sku), "warehouse_id": ctx.env["VTEX_WAREHOUSE_ID"], "quantity": 50}).raise_for_status()
    order = ctx.http.post(f"{ctx.tiktok_url}/sandbox/orders", json={
        "shop_id": ctx.env["DEMO_SHOP_ID"], "status": "AWAITING_SHIPMENT", "notify": False,
        "items": [{"seller_sku": sku, "quantity": 1}]}).json()
    raw = json.dumps({"type": 1, "tts_notification_id": f"chaos-concurrent-{order['id']}",
                      "shop_id": ctx.env["DEMO_SHOP_ID"], "timestamp": int(time.time()),
                      "data": {"order_id": order["id"], "order_status": "AWAITING_SHIPMENT",
                               "is_on_hold_order": False, "update_time": order["update_time"]}},
                     separators=(",", ":")).encode()
    signature = hmac.new(ctx.env["TIKTOK_APP_SECRET"].encode(), ctx.env["TIKTOK_APP_KEY"].encode() + raw,
                         hashlib.sha256).hexdigest()
    barrier = threading.Barrier(CONCURRENT_DELIVERIES)

    def deliver(_: int) -> int:
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            return http.post(f"{ctx.api_url}/tiktok/webhook", content=raw,
                             headers={"Authorization": signature, "Content-Type": "application/json"}).status_code

    with ThreadPoolExecutor(max_workers=CONCURRENT_DELIVERIES) as pool:
        statuses = list(pool.map(deliver, range(CONCURRENT_DELIVERIES)))
    def copies() -> list[dict[str, Any]]:
        return [o for o in ctx.http.get(f"{ctx.vtex_url}/sandbox/state/orders").json()
                if o["marketplaceOrderId"] == order["id"]]

    with contextlib.suppress(TimeoutError):
        _wait_for(copies, 90, "the probe's VTEX order")
    wait_idle(10)  # a second copy, if any, has had time to appear
    vtex = copies()
    queued = ctx.table("WebhookEventsTable").query(
        KeyConditionExpression=Key("shop_id").eq(ctx.env["DEMO_SHOP_ID"]))["Items"]
    recorded = [e for e in queued if order["id"] in json.dumps(e, default=str)]
    return {"order_id": order["id"], "statuses": sorted(statuses), "vtex_orders": len(vtex),
            "ledger_rows": len(recorded)}


def run_chaos(size: ChaosSize | str = "smoke", *, seed: int = 10, echo: Any = None) -> ChaosReport:  # noqa: PLR0915
    size = SIZES[size] if isinstance(size, str) else size
    say = echo or (lambda _line: None)
    report = ChaosReport(size.name, seed)
    started = time.monotonic()
    # LOCAL_VISIBILITY_TIMEOUT_SCALE (a runtime option, README "Idle, event size, fault hooks"): a message that
    # failed under faults is retried after its scaled visibility timeout instead of the template's minutes.
    env = ephemeral_stack_env(LOCAL_VISIBILITY_TIMEOUT_SCALE=str(size.visibility_scale), LOCAL_SQS_POLL_INTERVAL="0.2")
    capture = Capture()
    phases: dict[str, float] = {}
    last = [started]

    def mark(phase: str) -> None:
        now = time.monotonic()
        phases[phase] = now - last[0]
        last[0] = now

    say(f"chaos {size.name}: starting the local stack on free ports...")
    with LocalStack.start(env=env, template=ROOT / "template.yaml", schedules=False, log_sink=capture,
                          echo_children=True, pool_size=size.pool_size) as stack:
        runtime = stack.runtime
        assert runtime is not None and stack.stack is not None
        ctx = DemoContext(env=env, stack=stack.stack, fire=lambda name: runtime.fire(name, wait=True),
                          idle=stack.wait_idle)
        _onboard(ctx, size.products)
        client_hash = ctx.client_hash
        ctx.invoke("ESTOQUE-VTEX-busca-estoque-sku", {"type": "triggerPrepareStock", "clientHash": client_hash})
        stack.wait_idle(120)
        catalog = demo_catalog(products=size.products) if size.products else demo_catalog()
        skus = [str(s["seller_sku"]) for p in catalog["products"] for s in p["skus"]]
        workload = build_workload(size, skus, seed=seed)
        mark("start + onboarding + full sync")
        say(f"chaos {size.name}: onboarded in {time.monotonic() - started:.0f} s; {len(workload.orders)} orders, "
            f"{workload.stock_changes} stock changes, faults on")

        lambda_client = ctx.lambda_client

        def invoke_async(name: str, payload: dict[str, Any]) -> None:
            lambda_client.invoke(FunctionName=ctx.function_name(name), InvocationType="Event",
                                 Payload=json.dumps(payload).encode())

        driver = Driver(env=env, lambda_invoke=invoke_async, wait_idle=stack.wait_idle, client_hash=client_hash)
        state = chaos_faults.faults_on(ctx.http, ctx.tiktok_url, ctx.vtex_url, runtime.lambda_url, size.crash_counts)
        try:
            timings = driver.run(workload, settle_timeout_s=size.settle_timeout_s, stock_spread_s=size.stock_spread_s)
            mark("workload")
            settled_under_faults = stack.wait_idle(size.settle_timeout_s)
            mark("settle under faults")
            crashes = chaos_faults.crash_outcome(ctx.http, runtime.lambda_url)
        finally:
            chaos_faults.faults_off(ctx.http, ctx.tiktok_url, ctx.vtex_url, runtime.lambda_url)
            driver.close()
        faults_off_at = time.monotonic()
        say(f"chaos {size.name}: workload sent in {timings['workload']:.0f} s; faults off, settling")
        settled = stack.wait_idle(size.settle_timeout_s)
        mark("settle, faults off")
        sku_table, orders_table = ctx.table("ProductsSellerSkuTable"), ctx.table("OrdersTable")
        order_ids = list(driver.log.tiktok_orders.values())
        secret = json.loads(ctx.aws_client("secretsmanager").get_secret_value(
            SecretId=f"{stack.stack.resolve({'Ref': 'AWS::StackName'})}/vtex/{client_hash}")["SecretString"])
        rules = StockRules(**STOCK_RULES)

        def skus_now() -> measure.SkuFigures:
            return measure.sku_figures(ctx.http, ctx.tiktok_url, ctx.vtex_url,
                                       sku_rows=measure.sku_rows(sku_table, client_hash), order_ids=order_ids,
                                       rules=rules, vtex_warehouses=secret["warehouse_ids"],
                                       warehouse_map=secret.get("warehouse_map") or {})

        before_nightly = skus_now()
        mark("measure before nightly")
        if size.crash_counts.get("timeout_orders"):
            # a timed-out placement keeps its claim for the lease: the sweep re-queues CLAIMED orders only once
            # the lease is over (a claim taken before faults off ends at most ORDERS_LEASE_S after it)
            time.sleep(max(0.0, faults_off_at + ORDERS_LEASE_S + 5 - time.monotonic()))
            mark("wait for the orders claim lease")
        runtime.fire("OrdersSweepFunction", wait=True)
        stack.wait_idle(size.settle_timeout_s)
        runtime.fire("StockFetchFunction", wait=True)
        settled_after = stack.wait_idle(size.settle_timeout_s)
        mark("sweep + nightly")
        say(f"chaos {size.name}: sweep and nightly done, measuring")
        orders = measure.order_figures(ctx.http, ctx.tiktok_url, ctx.vtex_url, order_ids, orders_table, client_hash)
        after_nightly = skus_now()
        queues = {lid: pid for lid, pid in stack.stack.physical_ids.items()
                  if stack.stack.resource_types.get(lid) == "AWS::SQS::Queue"}
        backlog = _backlog(ctx.sqs, queues)
        lines = capture.snapshot()
        dlqs = measure.dlq_figures(ctx.sqs, queues, lines)
        async_counts = measure.async_figures(runtime.async_invoker.outcomes)
        mark("measure")
        probe = concurrent_push_probe(ctx, skus[-1], stack.wait_idle)
        mark("20 concurrent deliveries probe")
        issued = leaks.collect_issued(aws_client=ctx.aws_client, table=ctx.table,
                                      key_id=stack.stack.physical_ids["DataKey"], http=ctx.http,
                                      tiktok_url=ctx.tiktok_url)
        calls_tiktok = ctx.http.get(f"{ctx.tiktok_url}/sandbox/calls").json()["total"]
        calls_vtex = ctx.http.get(f"{ctx.vtex_url}/sandbox/calls").json()["total"]
        lines = capture.snapshot()
    log_path = LOG_DIR / f"chaos-{size.name}-functions.log"
    write_log_file(log_path, lines)
    issued.cpfs |= {p.cpf for p in workload.orders}
    leak = leaks.scan(lines, issued)
    leak.files.append(str(log_path.relative_to(ROOT)))
    for other in sorted(p for pattern in OTHER_LOGS for p in LOG_DIR.glob(pattern)):  # when they ran here
        leaks.scan(leaks.file_lines(other), issued, report=leak)
        leak.files.append(str(other.relative_to(ROOT)))
    mark("stop + leak scan")
    report.wall_s = time.monotonic() - started
    report.leaks = leak
    report.concurrency = probe
    _fill(report, size=size, workload=workload, driver=driver, state=state, timings=timings,
          settled=(settled_under_faults, settled, settled_after), orders=orders, phases=phases, before=before_nightly,
          after=after_nightly, dlqs=dlqs, backlog=backlog, async_counts=async_counts, calls=(calls_tiktok, calls_vtex),
          crashes=crash_lines(lines))
    report.add("runtime fault counters", "; ".join(
        f"{c['function']}: {c['injected']} of {c['invocations']} invocations" for c in crashes))
    return report


def crash_lines(lines: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The runtime's own "[fault]" lines (printed by the worker right before it dies or hangs), by function."""
    return {"killed": [source for source, line in lines if "[fault] worker killed" in line],
            "timed_out": [source for source, line in lines if "[fault] hanging before" in line]}


def _per_function(sources: list[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(Counter(sources).items())) or "none"


def _fill(report: ChaosReport, *, size: ChaosSize, workload: Any, driver: Driver, state: Any, timings: Any,
          settled: tuple[bool, bool, bool], orders: measure.OrderFigures, before: measure.SkuFigures,
          after: measure.SkuFigures, dlqs: list[measure.Dlq], backlog: dict[str, str], async_counts: dict[str, int],
          calls: tuple[int, int], crashes: dict[str, list[str]], phases: dict[str, float]) -> None:
    log = driver.log
    plans = workload.orders
    add = report.add
    add("TikTok faults", ", ".join(f"{k} {v}" for k, v in chaos_faults.TIKTOK_FAULTS.items() if k != "endpoint"))
    add("VTEX faults", ", ".join(f"{k} {v}" for k, v in chaos_faults.VTEX_FAULTS.items() if k != "route")
        + f"; 504 on {len(chaos_faults.VTEX_TIMEOUT_ROUTES)} routes at {chaos_faults.VTEX_TIMEOUTS['error_rate_5xx']}")
    add("crash injection armed", state.crash)
    add("crash injections that happened", f"{len(crashes['killed'])} workers killed mid-invocation "
        f"({_per_function(crashes['killed'])}), {len(crashes['timed_out'])} timeouts after the side effect "
        f"({_per_function(crashes['timed_out'])})")
    add("orders created on TikTok", f"{orders.tiktok_created} ({sum(p.path == 'paid' for p in plans)} paid at once, "
        f"{sum(p.path == 'unpaid_then_paid' for p in plans)} unpaid then paid, "
        f"{sum(p.path == 'unpaid_then_cancelled' for p in plans)} cancelled unpaid, "
        f"{sum(p.cancel_phase is not None for p in plans)} cancelled after payment)")
    add("  paid and live / cancelled on TikTok", f"{orders.tiktok_paid_live} / {orders.tiktok_cancelled}")
    add("pushes sent / missing / out of order", f"{log.pushes_sent} / {log.pushes_skipped} / {log.pushes_out_of_order}"
        f" (duplicated: {sum(b == 'duplicate' for p in plans for b in p.pushes.values())}, re-sent: "
        f"{sum(b == 'resend' for p in plans for b in p.pushes.values())})")
    add("webhook answers (last attempt)", ", ".join(f"HTTP {k} x{v}" for k, v in sorted(log.push_statuses.items())))
    change_backs = sum(c.change_back for w in workload.stock_waves for c in w)
    add("stock changes written to VTEX", f"{log.stock_writes} ({change_backs} change-backs), "
        f"{log.stock_notifications} notifications")
    add("sandbox calls TikTok / VTEX", f"{calls[0]} / {calls[1]}")
    add("settled: under faults / after / after nightly", " / ".join("yes" if s else "NO (timeout)" for s in settled))
    add("queues not drained at the end", ", ".join(f"{k} {v}" for k, v in backlog.items()) or "none")
    add("orders in VTEX", orders.vtex_orders)
    add("orders lost (no VTEX order, no error)", _some(orders.lost))
    add("orders in ERROR (reason recorded)", _some(orders.errored))
    add("duplicated VTEX orders", _some(orders.duplicated))
    add("cancelled on TikTok, live in VTEX", f"{len(orders.cancelled_live)} "
        f"{orders.cancelled_live[:5] if orders.cancelled_live else ''}".strip())
    add("live on TikTok, cancelled in VTEX", len(orders.vtex_cancelled_tiktok_live))
    add("connector sync_state", ", ".join(f"{k} {v}" for k, v in orders.sync_states.items()))
    add("SKUs equal before nightly", f"{before.equal}/{before.total} ({before.percent:.1f}%)")
    add("SKUs equal after sweep + nightly", f"{after.equal}/{after.total} ({after.percent:.1f}%)")
    for dlq in dlqs:
        reasons = sorted({m['reason'][:80] or '(no reason)' for m in dlq.messages})
        add(f"DLQ {dlq.name}", f"{len(dlq.messages)} messages" + (f": {reasons[:3]}" if reasons else ""))
    add("async events (ok / failed / dropped)", f"{async_counts['succeeded']} / {async_counts['failed']} / "
        f"{async_counts['dropped']} of {async_counts['events']}")
    add("driver errors", f"{len(log.errors)} {log.errors[:3] if log.errors else ''}".strip())
    add("workload phases (s)", ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    add("run phases (s)", ", ".join(f"{k} {v:.0f}" for k, v in phases.items()))
    probe = report.concurrency
    add("20 concurrent deliveries of one push", f"answers {probe['statuses']}, VTEX orders {probe['vtex_orders']}")
    leak = report.leaks
    assert leak is not None
    add("leak scan", f"{leak.lines} lines ({', '.join(leak.files)}), {leak.values} values + "
        f"{leak.token_fingerprints} sandbox token fingerprints searched: {len(leak.findings)} found")

    check = report.check
    check("0 orders lost", not orders.lost, f"{len(orders.lost)} paid TikTok orders have no VTEX order "
          "(issue 10 #1: a redelivered push loses its side effect; #7: untried messages to the DLQ)")
    check("0 duplicated VTEX orders", not orders.duplicated, f"{len(orders.duplicated)} marketplaceOrderIds twice")
    check("0 cancelled on TikTok but live in VTEX", not orders.cancelled_live,
          f"{len(orders.cancelled_live)} orders (issue 10 #1 redelivered cancel, #2 cancel racing placement)")
    check("100% SKUs converged after sweep + nightly", after.equal == after.total,
          f"{after.equal}/{after.total}" + (f"; e.g. {after.different[:3]}" if after.different else ""))
    without = sum(d.without_reason for d in dlqs)
    check("every DLQ message has a reason", without == 0, f"{without} of {sum(len(d.messages) for d in dlqs)} "
          "messages without a recorded reason")
    check("no async event dropped", async_counts["dropped"] == 0, f"{async_counts['dropped']} async events failed "
          "with no failure destination (issue 10 #3)")
    check("20 concurrent deliveries -> 1 VTEX order", probe["vtex_orders"] == 1 and all(
        s in (200, 409) for s in probe["statuses"]), f"{probe['vtex_orders']} VTEX orders, answers {probe['statuses']}")
    armed_kills = sum(1 for name in size.crash_counts if name.startswith("kill_"))
    armed_timeouts = sum(1 for name in size.crash_counts if name.startswith("timeout_"))
    check("crash injection happened", len(crashes["killed"]) >= min(1, armed_kills)
          and len(crashes["timed_out"]) >= min(1, armed_timeouts),
          f"{len(crashes['killed'])} kills, {len(crashes['timed_out'])} timeouts")
    check("0 secrets, tokens or CPFs in the logs", not leak.findings, f"{len(leak.findings)} found"
          + (f": {sorted(set(leak.findings))[:5]}" if leak.findings else ""))


def _some(values: list[str]) -> str:
    return f"{len(values)} {values[:5]}" if values else "0"


def _backlog(sqs: Any, queues: dict[str, str]) -> dict[str, str]:
    """Source queues still holding messages (visible / in flight), e.g. one waiting out its visibility timeout."""
    out = {}
    for logical_id, url in sorted(queues.items()):
        if any(marker in logical_id.lower() for marker in measure.DLQ_MARKERS):
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        visible, hidden = int(attributes["ApproximateNumberOfMessages"]), \
            int(attributes["ApproximateNumberOfMessagesNotVisible"])
        if visible or hidden:
            out[logical_id] = f"{visible} visible / {hidden} in flight"
    return out
