"""The HTTP API of the template, served like ``sam local start-api`` (API Gateway HTTP API, payload 2.0).

`HttpRouter` matches a request against the ``HttpApi`` events of every function (exact paths before
paths with variables before greedy ``{proxy+}``; an exact method before ``ANY``; ``$default`` last).
`build_event` makes the payload-2.0 event; `response_from_result` maps the handler's answer back to HTTP
with the format-2.0 rules (a dict with ``statusCode``, else any JSON value becomes a 200 JSON body).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from local.provision import FunctionSpec, HttpApiRoute
from local.runtime.workers import InvokeResult

ACCOUNT_ID = "123456789012"

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]*\+(json|xml))|.*charset=.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _CompiledRoute:
    function: FunctionSpec
    route: HttpApiRoute
    pattern: re.Pattern[str] | None
    variables: tuple[str, ...]
    greedy: bool

    @property
    def priority(self) -> tuple[int, int, int, int]:
        default = self.route.path == "$default"
        return (int(default), int(self.greedy), len(self.variables), int(self.route.method == "ANY"))


def _compile(path: str) -> tuple[re.Pattern[str], tuple[str, ...], bool]:
    variables: list[str] = []
    greedy = False
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name.endswith("+"):
                greedy = True
                name = name[:-1]
                pattern += f"(?P<v{len(variables)}>.+)"
            else:
                pattern += f"(?P<v{len(variables)}>[^/]+)"
            variables.append(name)
        else:
            pattern += re.escape(part)
    return re.compile(f"^{pattern}/?$" if path != "/" else "^/$"), tuple(variables), greedy


class HttpRouter:
    def __init__(self, functions: Iterable[FunctionSpec]) -> None:
        routes: list[_CompiledRoute] = []
        for function in functions:
            for route in function.http_routes:
                if route.path == "$default":
                    routes.append(_CompiledRoute(function, route, None, (), False))
                    continue
                pattern, variables, greedy = _compile(route.path)
                routes.append(_CompiledRoute(function, route, pattern, variables, greedy))
        self.routes = sorted(routes, key=lambda r: r.priority)

    def match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        for candidate in self.routes:
            if candidate.route.method not in ("ANY", method.upper()):
                continue
            if candidate.pattern is None:
                return candidate, {}
            found = candidate.pattern.match(path)
            if found:
                values = {name: found.group(f"v{i}") for i, name in enumerate(candidate.variables)}
                return candidate, values
        return None

    def describe(self) -> list[tuple[str, str]]:
        return [(r.route.route_key, r.function.name) for r in self.routes]


def _is_text(content_type: str | None, body: bytes) -> bool:
    if not body:
        return True
    if content_type:
        return bool(_TEXT_TYPES.match(content_type.strip()))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def build_event(
    request: Request,
    route: HttpApiRoute,
    path_parameters: dict[str, str],
    *,
    api_id: str,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event for ``request``."""
    now = time.time() if now is None else now
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key == "cookie":
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    raw_query = request.query_string.decode("latin-1")
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    cookies = [c.strip() for header in request.headers.getlist("Cookie") for c in header.split(";") if c.strip()]
    body = request.get_data(cache=True)
    request_id = request_id or base64.b32encode(uuid.uuid4().bytes)[:16].decode().rstrip("=")
    host = request.host or "127.0.0.1"
    method = request.method.upper()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "http": {
                "method": method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": datetime.fromtimestamp(now, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        if _is_text(request.headers.get("Content-Type"), body):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def response_from_result(result: InvokeResult) -> Response:  # noqa: PLR0911, PLR0912
    """Map the function's answer to HTTP (payload format 2.0 rules)."""
    if not result.ok:
        return _json_response({"message": "Internal Server Error"}, 500)
    try:
        value = json.loads(result.payload_json)
    except ValueError:
        return _json_response({"message": "Internal Server Error"}, 500)
    if isinstance(value, dict) and "statusCode" in value:
        try:
            status = int(value["statusCode"])
        except (TypeError, ValueError):
            return _json_response({"message": "Internal Server Error"}, 500)
        body = value.get("body")
        if body is None:
            data = b""
        elif not isinstance(body, str):
            data = json.dumps(body).encode()
        elif value.get("isBase64Encoded"):
            try:
                data = base64.b64decode(body)
            except ValueError:
                return _json_response({"message": "Internal Server Error"}, 500)
        else:
            data = body.encode()
        response = Response(data, status=status)
        response.headers.remove("Content-Type")
        for name, header_value in (value.get("headers") or {}).items():
            response.headers[str(name)] = _header_value(header_value)
        for name, values in (value.get("multiValueHeaders") or {}).items():
            for item in values or []:
                response.headers.add(str(name), _header_value(item))
        for cookie in value.get("cookies") or []:
            response.headers.add("Set-Cookie", str(cookie))
        return response
    if isinstance(value, str):
        response = Response(value.encode(), status=200)
        response.headers["Content-Type"] = "application/json"
        return response
    return _json_response(value, 200)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _json_response(value: Any, status: int) -> Response:
    return Response(json.dumps(value), status=status, content_type="application/json")


Invoker = Callable[[FunctionSpec, dict[str, Any], str], InvokeResult]
"""(function, event, request id) -> result."""


class HttpApiApp:
    """WSGI app: every route of the template, one synchronous invoke per request."""

    def __init__(self, router: HttpRouter, invoke: Invoker, *, api_ids: dict[str | None, str]) -> None:
        self.router = router
        self._invoke = invoke
        self._api_ids = api_ids

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        found = self.router.match(request.method, request.path)
        if found is None:
            if request.method == "OPTIONS":
                return Response(b"", status=204)
            return _json_response({"message": "Not Found"}, 404)
        compiled, path_parameters = found
        route = compiled.route
        request_id = base64.b32encode(uuid.uuid4().bytes)[:16].decode()
        event = build_event(
            request,
            route,
            path_parameters,
            api_id=self._api_ids.get(route.api_id) or self._api_ids.get(None) or "local",
            request_id=request_id,
        )
        result = self._invoke(compiled.function, event, request_id)
        response = response_from_result(result)
        response.headers["Apigw-Requestid"] = request_id
        return response
