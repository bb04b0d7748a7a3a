"""Run a WSGI (Flask) app on a threaded werkzeug server: in the foreground, or in a thread for tests.

`serve_in_thread(app, port=0)` binds 127.0.0.1 on an ephemeral port (0) unless told otherwise and
returns `(base_url, stop)`; `stop()` shuts the server down and joins its thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

HOST = "127.0.0.1"


def _quiet() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def make_threaded_server(app: Any, port: int = 0, host: str = HOST) -> BaseWSGIServer:
    _quiet()
    server = make_server(host, port, app, threaded=True)
    server.daemon_threads = True  # type: ignore[attr-defined]
    return server


def serve_in_thread(app: Any, port: int = 0, host: str = HOST) -> tuple[str, Callable[[], None]]:
    """Start `app` in a daemon thread; returns its base URL and a `stop()` function."""
    server = make_threaded_server(app, port, host)
    # A short poll interval keeps stop() fast (shutdown waits for the loop to notice).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"http-{server.server_port}", daemon=True
    )
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://{host}:{server.server_port}", stop


def serve_forever(app: Any, port: int, host: str = HOST) -> None:
    """Serve in the foreground until interrupted (the `python -m local.<sandbox>` entry points)."""
    server = make_threaded_server(app, port, host)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
