"""GET /tiktok/callback?code=&state= (or ?error=auth_denied&state=): the seller just consented (or not).

Auth codes live 30 minutes and work once, so a verified code is stored as `unused` and processing starts
at once through an async invoke of GERENCIADOR-AUTH-CODES (the hourly run is the safety net). Every
refused callback (forged/expired/replayed state, denial, missing code, bad parameters) is recorded with
status `error` and its reason under its own key; nothing else is touched. Refusals cost no write per
request: a metric always, a record for at most `RefusalSampler.limit` refusals per minute and container
(webhooks.refusals; issue 10, defect 12): the URL is public, anyone can call it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiktok_vtex.auth.state import InvalidState, OAuthState, verify_state
from tiktok_vtex.dispatch import Dispatcher, DispatchError
from tiktok_vtex.observability import logger, metrics
from tiktok_vtex.repositories.auth_codes import AuthCodeRepository, StateNonceStore, fingerprint
from tiktok_vtex.webhooks.models import safe_text
from tiktok_vtex.webhooks.refusals import RefusalSampler

PROCESS_ACTION = "processAuthCodes"


class CallbackParams(BaseModel):
    """The query string TikTok redirects the seller with."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: str | None = Field(default=None, max_length=512, pattern=r"^[A-Za-z0-9_\-.~+/=]+$")
    state: str | None = Field(default=None, max_length=1024)
    error: str | None = Field(default=None, max_length=200)
    error_description: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class CallbackOutcome:
    http_status: int
    result: str  # accepted | duplicate | denied | rejected
    title: str
    message: str
    reason: str | None = None
    client_hash: str | None = None
    dispatched: bool = False


def handle_callback(
    query: Mapping[str, str] | None,
    *,
    state_secret: str,
    codes: AuthCodeRepository,
    nonces: StateNonceStore,
    dispatcher: Dispatcher,
    clock: Callable[[], float] = time.time,
    sampler: RefusalSampler | None = None,
) -> CallbackOutcome:
    now = clock()
    # Query values are the caller's: strings only, and only what encodes (a lone surrogate would break the
    # record and the log line; it is then simply an invalid value).
    raw = {k: v for k, v in (query or {}).items() if isinstance(v, str) and isinstance(k, str)}
    raw = {k: (v if _encodable(v) else "\ufffd") for k, v in raw.items() if _encodable(k)}
    # TikTok sends code=null on denial; treat it as absent.
    if raw.get("code") in ("", "null"):
        raw.pop("code")
    try:
        params = CallbackParams.model_validate(raw)
    except ValidationError as error:
        fields = sorted({str(e["loc"][0]) for e in error.errors()})
        return _reject(codes, sampler, now, "invalid_parameters", f"invalid query parameters: {', '.join(fields)}",
                       400)

    try:
        state = verify_state(params.state, secret=state_secret, now=now)
    except InvalidState as error:
        reason = f"state_{error.reason}"
        logger.warning("oauth callback refused", extra={"reason": reason})
        return _reject(codes, sampler, now, reason, str(error), 400, received_code=params.code)

    if params.error:
        nonces.consume(state.nonce, auth_code=None, expires_at=state.expires_at + 3600, clock=clock)
        reason = "auth_denied" if params.error == "auth_denied" else "consent_error"
        codes.record_rejected(reason=reason, detail=f"TikTok answered error={params.error}", now=now,
                              client_hash=state.client_hash)
        logger.warning("seller did not authorize the app", extra={"client_hash": state.client_hash,
                                                                  "reason": reason})
        return CallbackOutcome(200, "denied", "Authorization not granted",
                               "The authorization was not granted, so nothing was changed. You can close this page "
                               "and ask for a new link when you are ready.", reason, state.client_hash)

    if not params.code:
        return _reject(codes, sampler, now, "missing_code", "the callback carries neither code nor error", 400,
                       client_hash=state.client_hash)

    return _accept(params.code, state, codes=codes, nonces=nonces, dispatcher=dispatcher, now=now, clock=clock,
                   sampler=sampler)


def _accept(code: str, state: OAuthState, *, codes: AuthCodeRepository, nonces: StateNonceStore,
            dispatcher: Dispatcher, now: float, clock: Callable[[], float],
            sampler: RefusalSampler | None) -> CallbackOutcome:
    first_use, used_with = nonces.consume(state.nonce, auth_code=code, expires_at=state.expires_at + 3600,
                                          clock=clock)
    if not first_use and used_with != StateNonceStore.marker(code):
        # The same signed state with another code (or after a denial): a replayed link.
        return _reject(codes, sampler, now, "state_replayed", "this authorization link was already used", 400,
                       client_hash=state.client_hash, received_code=code)
    # First use, or the same redirect again (page reload): storing is idempotent.
    stored = codes.record_callback(code, client_hash=state.client_hash, state_nonce=state.nonce, now=now)
    if not stored:
        return CallbackOutcome(200, "duplicate", "Authorization already received",
                               "We already received this authorization; it is being processed.",
                               client_hash=state.client_hash)
    dispatched = True
    try:
        dispatcher.send([{"action": PROCESS_ACTION, "auth_code": code}])
    except DispatchError:
        # The hourly run still picks the code up (it is stored as unused); the page stays truthful.
        dispatched = False
        logger.exception("could not start auth code processing at once",
                         extra={"client_hash": state.client_hash, "code_fingerprint": fingerprint(code)})
    logger.info("auth code received", extra={"client_hash": state.client_hash, "dispatched": dispatched,
                                             "code_fingerprint": fingerprint(code)})
    return CallbackOutcome(200, "accepted", "Authorization received",
                           "Thank you: your TikTok Shop authorization was received and your shop is being "
                           "connected. You can close this page.", client_hash=state.client_hash,
                           dispatched=dispatched)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject(codes: AuthCodeRepository, sampler: RefusalSampler | None, now: float, reason: str, detail: str,
            status: int, *, client_hash: str | None = None, received_code: str | None = None) -> CallbackOutcome:
    detail = safe_text(detail, 500)
    metrics.add_metric(name="OAuthCallbackRefused", unit=MetricUnit.Count, value=1)
    key: str | None = None
    if sampler is None or sampler.allow():
        key = codes.record_rejected(reason=reason, detail=detail, now=now, client_hash=client_hash,
                                    received_code=received_code)
    else:
        metrics.add_metric(name="OAuthCallbackRefusalNotRecorded", unit=MetricUnit.Count, value=1)
    logger.warning("oauth callback rejected", extra={"reason": reason, "record": key, "client_hash": client_hash})
    return CallbackOutcome(status, "rejected", "Authorization link not accepted",
                           f"This authorization could not be accepted ({detail}). Nothing was changed; please ask "
                           "for a new authorization link.", reason, client_hash)
