"""The sandboxes of benchmarks/bench_multi_shop.py in processes of their own (not a benchmark: no `bench_`
prefix, so `python -m benchmarks` does not run it).

Why: in one process the sandboxes' HTTP servers and the connector's clients share one interpreter and one core
(the GIL); the benchmark then measured that core (about 500 requests/s), not the design. Here the TikTok sandbox
is one process and the VTEX sandboxes (one per shop, each its own account) another, so the connector's process
is the benchmark process alone and the machine's cores are all usable.

`time_scale` k slows the sandboxes' clock by k (time scaling: every duration x k, every rate / k, every count
unchanged): TikTok's per-(shop, API) bucket keeps its 50 calls of capacity and refills at 50/k per second
(`Sandbox.monotonic` is the bucket's clock), VTEX's inventory route allows 300/k reads per second with its 300
of burst, and the injected latencies are k times longer. The connector's limiter is scaled by the caller.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx

from benchmarks.multi_shop_model import offset_ids

_CONTEXT = multiprocessing.get_context("spawn")  # fork after threads exist is unsafe; spawn starts clean
INVENTORY_UPDATE = "POST /product/202309/products/{product_id}/inventory/update"


@dataclass(frozen=True)
class SandboxSpec:
    shops: int
    products: int
    skus_per_product: int
    tiktok_qps: float
    tiktok_latency_ms: int
    vtex_rate: float
    vtex_latency_ms: int
    time_scale: float = 1.0


def _serve_tiktok(spec: SandboxSpec, env: Mapping[str, str]) -> tuple[dict[str, Any], list[Callable[[], None]]]:
    from local.fixtures.demo_catalog import demo_catalog
    from local.httpserver import serve_in_thread
    from local.tiktok_sandbox import create_app, sandbox_of
    from local.tiktok_sandbox.seed import seed_demo

    app = create_app({**env, "TIKTOK_SANDBOX_QPS": str(spec.tiktok_qps)})
    sandbox = sandbox_of(app)
    k = spec.time_scale
    sandbox.monotonic = lambda: time.monotonic() / k  # the rate-limit buckets' clock: 50 per k seconds, burst 50
    url, stop = serve_in_thread(app)
    httpx.post(f"{url}/sandbox/faults", json={"endpoint": INVENTORY_UPDATE,
                                              "latency_ms": round(spec.tiktok_latency_ms * k)}).raise_for_status()
    base = demo_catalog(products=spec.products, skus_per_product=spec.skus_per_product)
    shops = []
    for index in range(spec.shops):
        shop = sandbox.add_shop(name=f"Loja {index}")
        seed_demo(sandbox, shop["id"], offset_ids(base, index))
        shops.append({"shop": {"id": shop["id"], "cipher": shop["cipher"]},
                      "warehouse": sandbox.default_warehouse(shop),
                      "token": sandbox.issue_tokens(shop["id"])["access_token"]})
    return {"url": url, "shops": shops}, [stop]


def _serve_vtex(spec: SandboxSpec, env: Mapping[str, str]) -> tuple[dict[str, Any], list[Callable[[], None]]]:
    from local.httpserver import serve_in_thread
    from local.vtex_sandbox import create_app

    urls, stops = [], []
    k = spec.time_scale
    for _ in range(spec.shops):
        app = create_app({**env, "VTEX_SANDBOX_SEED": "none"}, ticker=False)
        url, stop = serve_in_thread(app)
        urls.append(url)
        stops += [stop, app.extensions["vtex_sandbox"]["close"]]
        httpx.post(f"{url}/sandbox/seed/demo", json={"products": spec.products,
                                                     "skus_per_product": spec.skus_per_product},
                   timeout=120).raise_for_status()
        httpx.post(f"{url}/sandbox/faults", json={
            "route": "inventory_item", "latency_ms": round(spec.vtex_latency_ms * k),
            "rate_limit_per_second": spec.vtex_rate / k, "burst": spec.vtex_rate}).raise_for_status()
    return {"urls": urls}, stops


def _child(role: str, spec: SandboxSpec, env: Mapping[str, str], conn: Connection) -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    info, stops = (_serve_tiktok if role == "tiktok" else _serve_vtex)(spec, env)
    conn.send(info)
    while conn.recv() == "cpu":  # until "stop"
        conn.send(time.process_time())
    for stop in stops:
        stop()
    conn.send(time.process_time())


class SandboxProcess:
    """One sandbox process (started at once, so several seed in parallel): `wait()` returns what it serves;
    `cpu()` its CPU seconds so far."""

    def __init__(self, role: str, spec: SandboxSpec, env: Mapping[str, str]) -> None:
        self._conn, child = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(target=_child, args=(role, spec, dict(env), child), daemon=True,
                                         name=f"sandbox-{role}")
        self._process.start()
        self._role = role

    def wait(self) -> dict[str, Any]:
        if not self._conn.poll(600):
            self._process.kill()
            raise RuntimeError(f"the {self._role} sandbox process did not start")
        info: dict[str, Any] = self._conn.recv()
        return info

    def cpu(self) -> float:
        self._conn.send("cpu")
        return float(self._conn.recv())

    def stop(self) -> None:
        try:
            self._conn.send("stop")
            self._conn.poll(30)
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
