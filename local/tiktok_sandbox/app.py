"""Flask app of the TikTok Shop sandbox: wires the state, the pushes, the Partner API groups (api/, behind
the gate in gate.py), the token endpoints and the admin routes. `create_app(env)` is the entry point.

Dependency direction: state <- orders, pushes <- gate <- api/*, admin/* <- app (no module imports app).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, request

from . import errors as E
from .admin import register_admin
from .api import ENDPOINTS, register_token_routes
from .gate import api_view, envelope, flask_rule
from .pushes import Pusher
from .state import Sandbox


def create_app(
    env: Mapping[str, str],
    *,
    wall_clock: Callable[[], float] = time.time,
    qps: float | None = None,
    auto_approve: bool = True,
    http_post: Callable[..., Any] | None = None,
) -> Flask:
    """The sandbox app. `env` is `local.env.stack_env()` (or any mapping with the same keys).

    `qps` (default: env TIKTOK_SANDBOX_QPS or 50) is the per-(shop, API) limit; `wall_clock` is the
    real clock the signature window uses; `http_post(url, content=..., headers=..., timeout=...)`
    delivers webhook pushes (default: httpx).
    """
    sandbox = Sandbox(
        app_key=env["TIKTOK_APP_KEY"],
        app_secret=env["TIKTOK_APP_SECRET"],
        env=dict(env),
        wall_clock=wall_clock,
        qps=float(qps if qps is not None else env.get("TIKTOK_SANDBOX_QPS", 50)),
        auto_approve=auto_approve,
    )
    sandbox.pusher = Pusher(sandbox, http_post)  # type: ignore[attr-defined]
    app = Flask("tiktok_sandbox")
    app.config["SANDBOX"] = sandbox
    app.json.sort_keys = False  # type: ignore[attr-defined]
    for spec in ENDPOINTS:
        app.add_url_rule(
            flask_rule(spec.template), endpoint=spec.key, view_func=api_view(sandbox, spec), methods=[spec.method]
        )
    register_token_routes(app, sandbox)
    register_admin(app, sandbox)

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        if request.path.startswith("/sandbox/"):
            return Response(json.dumps({"error": "not found"}), status=404, mimetype="application/json")
        return envelope(E.INVALID_PATH, "Invalid path", status=404)

    @app.errorhandler(405)
    def bad_method(_: Exception) -> Response:
        if request.path.startswith("/sandbox/"):
            return Response(json.dumps({"error": "method not allowed"}), status=405, mimetype="application/json")
        return envelope(E.INVALID_METHOD, "Invalid HTTP method", status=405)

    return app


def sandbox_of(app: Flask) -> Sandbox:
    return app.config["SANDBOX"]
