"""What every admin route shares: JSON replies, JSON object bodies, and the route decorator that turns
AdminError into 400 and a missing record (KeyError) into 404."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from local.tiktok_sandbox.orders import AdminError

Route = Callable[..., Callable[[Callable[..., Response]], Callable[..., Response]]]


def reply(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status, mimetype="application/json")


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        if request.get_data():
            raise AdminError("body must be JSON")
        return {}
    if not isinstance(data, dict):
        raise AdminError("body must be a JSON object")
    return data


def strip_private(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def admin_route(app: Flask) -> Route:
    """`@route(rule, methods)`: registers the view as endpoint `admin_<function name>`."""

    def route(rule: str, methods: tuple[str, ...] = ("GET",)):
        def decorator(fn):
            def view(**kwargs: Any) -> Response:
                try:
                    return fn(**kwargs)
                except AdminError as error:
                    return reply({"error": str(error)}, 400)
                except KeyError as error:
                    return reply({"error": f"not found: {error}"}, 404)

            app.add_url_rule(rule, endpoint="admin_" + fn.__name__, view_func=view, methods=list(methods))
            return fn

        return decorator

    return route
