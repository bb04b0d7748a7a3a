"""GET /tiktok/callback: the seller lands here after consenting on TikTok. Thin: parse, delegate, render.

The logic (state verification, recording, async start of GERENCIADOR-AUTH-CODES) is in
tiktok_vtex.auth.callback; this handler only wires adapters and renders a short human-readable page.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from tiktok_vtex.auth.callback import CallbackOutcome, handle_callback
from tiktok_vtex.dispatch import AsyncInvoker, Dispatcher
from tiktok_vtex.observability import logger, metrics, tracer
from tiktok_vtex.repositories.auth_codes import AuthCodeRepository, StateNonceStore
from tiktok_vtex.settings import get_settings, load_app_secrets
from tiktok_vtex.webhooks.refusals import RefusalSampler

MANAGER_FUNCTION = "GERENCIADOR-AUTH-CODES"
app = APIGatewayHttpResolver()

# The URL carries a single-use code: never let it leak through Referer, caches or framing.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


class Wiring:
    def __init__(self) -> None:
        settings = get_settings()
        self.state_secret = load_app_secrets(settings).oauth_state_secret.get_secret_value()
        self.codes = AuthCodeRepository(settings.tables.auth_token, settings.tables.auth_token_logs)
        self.nonces = StateNonceStore(settings.tables.idempotency)
        self.dispatcher: Dispatcher = AsyncInvoker(settings.function_name(MANAGER_FUNCTION))
        self.sampler = RefusalSampler()  # refusals recorded: at most 10 a minute per container


@cache
def wiring() -> Wiring:
    return Wiring()


def render(outcome: CallbackOutcome) -> str:
    title, message = html.escape(outcome.title), html.escape(outcome.message)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:36rem;margin:4rem auto;"
        "padding:0 1rem;color:#222}}</style></head>"
        f"<body><h1>{title}</h1><p>{message}</p></body></html>"
    )


@app.get("/tiktok/callback")
def tiktok_callback() -> Response:
    deps = wiring()
    outcome = handle_callback(app.current_event.query_string_parameters or {}, state_secret=deps.state_secret,
                              codes=deps.codes, nonces=deps.nonces, dispatcher=deps.dispatcher,
                              sampler=deps.sampler)
    return Response(status_code=outcome.http_status, content_type="text/html; charset=utf-8",
                    body=render(outcome), headers=dict(SECURITY_HEADERS))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
