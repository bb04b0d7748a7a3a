"""Webhook pushes, signed like TikTok: `Authorization: hex(HMAC-SHA256(app_secret, app_key + raw body))`.

TikTok retries a failed push (anything but HTTP 200 within 3 s) after 2 min, 30 min, 3 h and 12 h,
then gives up. `time_scale` compresses that timetable (0.001 turns 12 h into 43 s; 0 retries at once).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from .event_types import TYPE_TO_EVENT
from .signing import webhook_sign
from .state import Sandbox

RETRY_TIMETABLE = (120.0, 1800.0, 10800.0, 43200.0)
ACK_TIMEOUT = 3.0


def _default_post(url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> int:
    return httpx.post(url, content=content, headers=headers, timeout=timeout).status_code


class Pusher:
    def __init__(
        self, sb: Sandbox, http_post: Callable[..., Any] | None = None, sleep: Callable[[float], None] = time.sleep
    ):
        self.sb = sb
        self._post = http_post or _default_post
        self._sleep = sleep
        self.auto_time_scale = 0.001  # for automatic notifications (state changes)

    def build(
        self,
        type_: int,
        shop_id: str,
        data: dict[str, Any],
        *,
        notification_id: str | None = None,
        timestamp: int | None = None,
    ) -> bytes:
        payload = {
            "type": int(type_),
            "tts_notification_id": notification_id or secrets.token_hex(10),
            "shop_id": str(shop_id),
            "timestamp": int(timestamp or self.sb.now()),
            "data": data,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def deliver(
        self, url: str, raw: bytes, *, retry: bool = False, time_scale: float = 0.0, signature: str | None = None
    ) -> list[dict[str, Any]]:
        """POST `raw` to `url`; with `retry`, follow TikTok's timetable (scaled) until a 200."""
        headers = {
            "Content-Type": "application/json",
            "Authorization": signature or webhook_sign(self.sb.app_key, self.sb.app_secret, raw),
        }
        delays = (0.0, *RETRY_TIMETABLE) if retry else (0.0,)
        attempts: list[dict[str, Any]] = []
        for number, delay in enumerate(delays):
            if delay and time_scale > 0:
                self._sleep(delay * time_scale)
            started = time.monotonic()
            try:
                status: int | None = int(self._post(url, content=raw, headers=headers, timeout=ACK_TIMEOUT))
                error = None
            except Exception as exc:  # delivery failures are data here
                status, error = None, type(exc).__name__
            attempt = {
                "attempt": number,
                "scheduled_delay_s": delay,
                "status": status,
                "error": error,
                "elapsed_ms": int((time.monotonic() - started) * 1000),
            }
            attempts.append(attempt)
            if status == 200:
                break
        with self.sb.lock:
            self.sb.deliveries.append(
                {
                    "url": url,
                    "body": raw.decode("utf-8", "replace"),
                    "attempts": attempts,
                    "delivered": any(a["status"] == 200 for a in attempts),
                }
            )
        return attempts

    def notify(self, shop_id: str, type_: int, data: dict[str, Any]) -> None:
        """Push to the address the shop configured for this event type, if any, in the background."""
        event = TYPE_TO_EVENT.get(type_)
        with self.sb.lock:
            hook = self.sb.webhooks.get(shop_id, {}).get(event or "")
            if hook is None:
                return
            address = hook["address"]
            raw = self.build(type_, shop_id, data)
        thread = threading.Thread(
            target=self.deliver,
            args=(address, raw),
            kwargs={"retry": True, "time_scale": self.auto_time_scale},
            daemon=True,
            name="tiktok-sandbox-push",
        )
        thread.start()
