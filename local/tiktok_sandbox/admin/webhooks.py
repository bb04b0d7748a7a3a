"""Admin routes for webhook pushes: send one (signed, optionally retried on TikTok's timetable) and
list the deliveries."""

from __future__ import annotations

import threading
from typing import Any

from flask import Response, request

from local.tiktok_sandbox.event_types import EVENT_TYPES
from local.tiktok_sandbox.orders import AdminError
from local.tiktok_sandbox.state import Sandbox

from .http import Route, json_body, reply


def register(route: Route, sb: Sandbox) -> None:
    @route("/sandbox/webhooks/push", ("POST",))
    def push() -> Response:
        body = json_body()
        url = body.get("url")
        type_ = body.get("type")
        if not url or not isinstance(type_, int | str):
            raise AdminError("url and type are required")
        if isinstance(type_, str):
            if type_ not in EVENT_TYPES:
                raise AdminError(f"unknown event type {type_}")
            type_ = EVENT_TYPES[type_]
        shop_id = str(body.get("shop_id") or sb.env.get("DEMO_SHOP_ID") or "")
        pusher = sb.pusher  # type: ignore[attr-defined]
        raw = body.get("raw_body")
        raw_bytes = (
            raw.encode()
            if isinstance(raw, str)
            else pusher.build(
                int(type_),
                shop_id,
                body.get("data") or {},
                notification_id=body.get("tts_notification_id"),
                timestamp=body.get("timestamp"),
            )
        )
        signature = body.get("signature")  # lets tests send a wrong one
        repeat = max(1, int(body.get("repeat", 1)))
        retry, time_scale = bool(body.get("retry", False)), float(body.get("time_scale", 0.0))

        def run() -> list[list[dict[str, Any]]]:
            return [
                pusher.deliver(url, raw_bytes, retry=retry, time_scale=time_scale, signature=signature)
                for _ in range(repeat)
            ]

        if body.get("async"):  # long compressed timetables: follow them in GET /sandbox/webhooks/deliveries
            threading.Thread(target=run, daemon=True, name="tiktok-sandbox-push").start()
            return reply({"body": raw_bytes.decode(), "scheduled": True}, 202)
        return reply({"body": raw_bytes.decode(), "deliveries": run()})

    @route("/sandbox/webhooks/deliveries", ("GET", "DELETE"))
    def deliveries() -> Response:
        with sb.lock:
            if request.method == "DELETE":
                sb.deliveries.clear()
            return reply({"deliveries": list(sb.deliveries)})
