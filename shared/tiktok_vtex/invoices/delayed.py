"""SendMessage with DelaySeconds (up to 15 minutes): how a re-upload waits for SEFAZ without a sleep."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tiktok_vtex import aws


class DelayedQueue:
    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = sqs or aws.client("sqs")

    def send_later(self, message: Mapping[str, Any], delay_seconds: int) -> None:
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(message, separators=(",", ":")),
                               DelaySeconds=max(0, min(900, int(delay_seconds))))
