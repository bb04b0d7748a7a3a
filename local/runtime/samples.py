"""The sample events of ``events/`` on a seeded local stack: the state they refer to, their time-bound
fields made current, and the outcome each one's file name promises (convention: ``events/README.md``).

* ``seed_sample_orders``: the TikTok orders the samples name (``events.generate.ORDER_ID``) exist in the
  TikTok sandbox of the stack (created once, with the demo catalog's SKUs and a generated CPF, no push).
* ``sample_world.seed_sample_world``: the invoice and shipping orders, the feed, the hook secret (see there).
* ``prepare_event``: stack.env's loopback addresses move to the running stack's ports; an OAuth ``state``
  signed with the stack's own secret is signed again now, with a fresh nonce (the committed samples are
  signed at a fixed time, so they are expired, and a state is single use); a state that does not verify
  with the stack's secret (a forged one) is left as it is.
* ``expected_outcome`` / ``observed_outcome``: ``bad-*`` is refused (a 4xx result, or every SQS record
  reported failed), ``error-*`` is a function error, anything else is accepted (returned, no 4xx/5xx
  status, no failed SQS record).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local.runtime.sample_world import SAMPLE_CPF, SAMPLE_SKU

ACCEPTED, REFUSED, ERROR = "accepted", "refused", "error"
PREFIXES = {"bad-": REFUSED, "error-": ERROR}


def sample_paths(root: Path) -> Iterator[Path]:
    """``events/<FunctionLogicalId>/<case>.json``, by function then case."""
    yield from sorted(p for p in root.glob("*/*.json") if p.is_file())


def expected_outcome(path: Path) -> str:
    return next((outcome for prefix, outcome in PREFIXES.items() if path.name.startswith(prefix)), ACCEPTED)


def observed_outcome(ok: bool, payload: Any) -> str:
    """What a function's result says: an error, a refusal (4xx / every SQS record failed), or accepted.
    A 5xx result or a partly failed SQS batch is an error: neither is what any sample promises."""
    if not ok:
        return ERROR
    if isinstance(payload, dict):
        status = payload.get("statusCode")
        if isinstance(status, int) and 400 <= status < 500:
            return REFUSED
        if isinstance(status, int) and status >= 500:
            return ERROR
        failures = payload.get("batchItemFailures")
        if failures:
            return ERROR
    return ACCEPTED


def _state_issued_at(state: str, secret: str) -> int | None:
    """The issue time of a state that verifies with `secret` at its own issue time, else None."""
    from tiktok_vtex.auth.state import InvalidState, verify_state

    payload = state.split(".", 1)[0]
    try:
        issued = int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["iat"])
        verify_state(state, secret=secret, now=issued)
    except (binascii.Error, ValueError, KeyError, TypeError, InvalidState):
        return None
    return issued


def localize(event: Any, env: Mapping[str, str]) -> Any:
    """The event with stack.env's loopback addresses (``127.0.0.1:<port>``, what ``make local`` binds) moved to
    the ports of the stack `env` describes (an ephemeral stack differs from stack.env by its ports only)."""
    from local.env import stack_env
    from local.stack_processes import PORT_KEYS

    committed = stack_env()
    moves = {f"127.0.0.1:{committed[k]}": f"127.0.0.1:{env[k]}" for k in PORT_KEYS
             if k in env and committed.get(k) and committed[k] != env[k]}
    text = json.dumps(event, ensure_ascii=False)
    if not moves or not any(old in text for old in moves):
        return event
    pattern = re.compile("|".join(re.escape(old) + r"(?!\d)" for old in moves))
    return json.loads(pattern.sub(lambda m: moves[m.group(0)], text))


def prepare_event(event: Any, *, env: Mapping[str, str], now: float) -> Any:
    """The event on the stack `env` describes: its addresses localized, and its stack-signed OAuth state
    signed again at `now` (see the module docstring)."""
    event = localize(event, env)
    query = event.get("queryStringParameters") if isinstance(event, dict) else None
    if not isinstance(query, dict) or not isinstance(query.get("state"), str):
        return event
    secret = env.get("OAUTH_STATE_SECRET", "")
    issued = _state_issued_at(query["state"], secret) if secret else None
    if issued is None:
        return event
    from tiktok_vtex.auth.state import issue_state, verify_state

    signed = verify_state(query["state"], secret=secret, now=issued)
    fresh = copy.deepcopy(event)
    fresh["queryStringParameters"]["state"] = issue_state(signed.client_hash, secret=secret, now=now)
    fresh["rawQueryString"] = urlencode(fresh["queryStringParameters"])
    return fresh


def seed_sample_orders(http: Any, tiktok_url: str, env: Mapping[str, str]) -> list[str]:
    """Create, once, the TikTok orders the samples refer to; returns the ids created now."""
    from events.generate import ORDER_ID

    created = []
    for order_id in (ORDER_ID,):
        if http.get(f"{tiktok_url}/sandbox/state/orders/{order_id}").status_code == 200:
            continue
        answer = http.post(
            f"{tiktok_url}/sandbox/orders",
            json={
                "order_id": order_id,
                "shop_id": env["DEMO_SHOP_ID"],
                "items": [{"seller_sku": SAMPLE_SKU, "quantity": 1}],
                "buyer": {"name": "Comprador Amostra", "email": "amostra@example.com", "cpf": SAMPLE_CPF},
                "notify": False,
            },
        )
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"seeding sample order {order_id}: {answer.status_code} {answer.text[:200]}")
        created.append(order_id)
    return created
