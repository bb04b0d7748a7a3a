"""Admin routes that control the sandbox itself: health, reset, config, clock, faults, call counts,
state dumps, the stored images and shipping documents, and the seller's files (feeds, NF-e links)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from local.tiktok_sandbox.event_types import INVOICE_INVALID_REASONS
from local.tiktok_sandbox.orders import AdminError
from local.tiktok_sandbox.state import Fault, Sandbox

from .http import Route, json_body, reply

MAX_FILE_BYTES = 20 * 1024 * 1024  # a feed of the benchmark's size fits
STATE_KINDS = (
    "shops",
    "tokens",
    "auth_codes",
    "products",
    "brands",
    "images",
    "orders",
    "packages",
    "invoices",
    "cancellations",
    "returns",
    "webhooks",
    "deliveries",
)


def register(route: Route, sb: Sandbox) -> None:  # noqa: PLR0915 - one place lists these admin routes
    @route("/sandbox/health")
    def health() -> Response:
        return reply({"status": "ok"})

    @route("/sandbox/reset", ("POST",))
    def reset() -> Response:
        with sb.lock:
            sb.reset()
            sb.calls.clear()
            sb.faults.clear()
            sb.buckets.clear()
            sb.offset = 0.0
        return reply({"status": "reset"})

    @route("/sandbox/config", ("GET", "POST"))
    def config() -> Response:
        if request.method == "POST":
            body = json_body()
            with sb.lock:
                if "qps" in body:
                    if float(body["qps"]) <= 0:
                        raise AdminError("qps must be positive")
                    sb.qps = float(body["qps"])
                    sb.buckets.clear()
                if "auto_approve" in body:
                    sb.auto_approve = bool(body["auto_approve"])
                if "invoice_outcome" in body:
                    if body["invoice_outcome"] not in ("SUCCESS", "PROCESSING", "FAILED", "INVALID"):
                        raise AdminError("invoice_outcome: SUCCESS|PROCESSING|FAILED|INVALID")
                    sb.invoice_outcome = body["invoice_outcome"]  # type: ignore[attr-defined]
                if "invoice_invalid_reason" in body:  # FAILED / INVALID outcomes: a documented reason
                    if body["invoice_invalid_reason"] not in (None, *INVOICE_INVALID_REASONS):
                        raise AdminError(f"invoice_invalid_reason: one of {', '.join(INVOICE_INVALID_REASONS)}")
                    sb.invoice_invalid_reason = body["invoice_invalid_reason"]  # type: ignore[attr-defined]
                if "push_time_scale" in body:
                    sb.pusher.auto_time_scale = float(body["push_time_scale"])  # type: ignore[attr-defined]
        return reply(
            {
                "qps": sb.qps,
                "auto_approve": sb.auto_approve,
                "invoice_outcome": sb.invoice_outcome,  # type: ignore[attr-defined]
                "invoice_invalid_reason": getattr(sb, "invoice_invalid_reason", None),
                "push_time_scale": sb.pusher.auto_time_scale,
            }
        )  # type: ignore[attr-defined]

    @route("/sandbox/clock", ("GET", "POST"))
    def clock() -> Response:
        if request.method == "POST":
            body = json_body()
            with sb.lock:
                if "offset_seconds" in body:
                    sb.offset = float(body["offset_seconds"])
                sb.offset += float(body.get("advance_seconds", 0))
        return reply({"offset_seconds": sb.offset, "now": sb.now()})

    @route("/sandbox/faults", ("GET", "POST", "DELETE"))
    def faults() -> Response:
        with sb.lock:
            if request.method == "DELETE":
                endpoint = request.args.get("endpoint")
                if endpoint:
                    sb.faults.pop(endpoint, None)
                else:
                    sb.faults.clear()
            elif request.method == "POST":
                body = json_body()
                endpoint = body.get("endpoint") or "*"
                fault = Fault(
                    endpoint=endpoint,
                    error_rate_5xx=float(body.get("error_rate_5xx", 0)),
                    rate_429=float(body.get("rate_429", 0)),
                    timeout=float(body.get("timeout", 0)),
                    timeout_seconds=float(body.get("timeout_seconds", 2.0)),
                    latency_ms=int(body.get("latency_ms", 0)),
                    count=int(body["count"]) if body.get("count") is not None else None,
                )
                if fault.error_rate_5xx + fault.rate_429 + fault.timeout > 1:
                    raise AdminError("error_rate_5xx + rate_429 + timeout must not exceed 1")
                sb.faults[endpoint] = fault
            return reply({"faults": [f.as_dict() for f in sb.faults.values()]})

    @route("/sandbox/calls", ("GET", "DELETE"))
    def calls() -> Response:
        with sb.lock:
            counts = dict(sb.calls)
            if request.method == "DELETE":
                sb.calls.clear()
        return reply({"calls": counts, "total": sum(counts.values())})

    @route("/sandbox/state/<kind>")
    def state(kind: str) -> Response:
        return reply({kind: _state_rows(sb, kind)})

    @route("/sandbox/state/<kind>/<item_id>")
    def state_item(kind: str, item_id: str) -> Response:
        rows = _state_rows(sb, kind, item_id)
        if not rows:
            return reply({"error": f"no {kind} {item_id}"}, 404)
        return reply(rows[0])

    @route("/sandbox/images/<path:uri>")
    def image(uri: str) -> Response:
        record = sb.images.get(uri)
        if record is None:
            return reply({"error": "no such image"}, 404)
        return Response(record["content"], mimetype=f"image/{record['kind']}")

    @route("/sandbox/files/<path:name>", ("GET", "PUT"))
    def seller_file(name: str) -> Response:
        """The seller's web host of the local stack (its product feed, an NF-e behind a VTEX invoiceUrl):
        PUT stores the body with its Content-Type, GET serves it. Loopback only, like the whole sandbox."""
        with sb.lock:
            if request.method == "PUT":
                if len(request.get_data()) > MAX_FILE_BYTES:
                    raise AdminError(f"a seller file is at most {MAX_FILE_BYTES} bytes")
                sb.files[name] = {"content": request.get_data(), "type": request.mimetype or "application/octet-stream"}
                return reply({"path": f"/sandbox/files/{name}", "size": len(sb.files[name]["content"])}, 201)
            record = sb.files.get(name)
        if record is None:
            return reply({"error": "no such file"}, 404)
        return Response(record["content"], mimetype=record["type"])

    @route("/sandbox/documents/<package_id>/<name>")
    def document(package_id: str, name: str) -> Response:
        if package_id not in sb.packages:
            return reply({"error": "no such package"}, 404)
        package = sb.packages[package_id]
        text = f"%PDF-1.4\n% TikTok Shop sandbox label\n% package {package_id} tracking {package['tracking_number']}\n"
        return Response(text.encode(), mimetype="application/pdf" if name.endswith(".pdf") else "text/plain")


def _state_rows(sb: Sandbox, kind: str, item_id: str | None = None) -> list[dict[str, Any]]:
    if kind not in STATE_KINDS:
        raise AdminError(f"state kinds: {', '.join(STATE_KINDS)}")
    with sb.lock:
        if kind == "tokens":
            rows = sb.token_status()
            return [r for r in rows if item_id in (None, r["shop_id"], r["fingerprint"])]
        if kind == "auth_codes":
            now = sb.now()
            rows = [
                {
                    "shop_id": r["shop_id"],
                    "issued_at": r["issued_at"],
                    "used": r["used"],
                    "expired": now >= r["issued_at"] + 1800,
                }
                for r in sb.auth_codes.values()
            ]
            return [r for r in rows if item_id in (None, r["shop_id"])]
        if kind == "webhooks":
            rows = [
                {"shop_id": shop_id, "event_type": event, **hook}
                for shop_id, hooks in sb.webhooks.items()
                for event, hook in hooks.items()
            ]
            return [r for r in rows if item_id in (None, r["shop_id"])]
        if kind == "deliveries":
            return list(sb.deliveries)
        table: dict[str, dict[str, Any]] = getattr(sb, kind)
        records = table.values() if item_id is None else ([table[item_id]] if item_id in table else [])
        rows = []
        for record in records:
            row = {k: v for k, v in record.items() if not k.startswith("_") and k != "content"}
            if "_shop_id" in record:
                row["shop_id"] = record["_shop_id"]
            if kind == "products":
                row["in_promotion"] = record["_in_promotion"]
            if kind == "packages":
                row["shipped"] = record["_shipped"]
            if kind == "orders":
                row["tracking"] = record["_tracking"]
            rows.append(row)
        return rows
