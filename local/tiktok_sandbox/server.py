"""Run the sandbox in a thread for tests: `serve_in_thread(app) -> (base_url, stop)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.httpserver import serve_in_thread as _serve


def serve_in_thread(app: Any, port: int = 0) -> tuple[str, Callable[[], None]]:
    return _serve(app, port)
