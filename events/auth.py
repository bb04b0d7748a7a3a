"""Writes the sample events of GERENCIADOR-AUTH-CODES and the OAuth callback (`python -m events.auth`).

- AuthCodesManagerFunction: the hourly schedule (no action: both jobs), each legacy action, the callback's
  async invoke for one code, and an invalid action.
- AuthCallbackFunction: HTTP API (payload 2.0) GET /tiktok/callback events. Their `state` is signed with
  the local/stack.env OAuth state secret at a fixed time, so the committed files are reproducible (a test
  checks them) and are refused as expired; `python -m events.auth --fresh` re-signs them with the current
  time (valid 24 h) for `sam local invoke -e` or the local runtime. The auth codes are made up; the
  stack.env values are sandbox-only, never real credentials.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from local.env import stack_env
from tiktok_vtex.auth.state import issue_state

ROOT = Path(__file__).resolve().parent
TIMESTAMP = 1_735_700_000
SAMPLE_CODE = "ROW_c2FtcGxlLWF1dGgtY29kZS1ub3QtcmVhbA"


def _schedule() -> dict[str, Any]:
    return {
        "version": "0", "id": "5a6b7c8d-0000-4000-8000-000000000001", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2025-01-01T03:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/integracao-tik-tok-GERENCIADOR-AUTH-CODES-hourly"],
        "detail": {},
    }


def _http_get(query: dict[str, str]) -> dict[str, Any]:
    from urllib.parse import urlencode

    raw = urlencode(query)
    return {
        "version": "2.0", "routeKey": "GET /tiktok/callback", "rawPath": "/tiktok/callback", "rawQueryString": raw,
        "headers": {"host": "127.0.0.1:3000", "user-agent": "Mozilla/5.0 (sample)", "accept": "text/html"},
        "queryStringParameters": query,
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "127.0.0.1", "domainPrefix": "local",
            "http": {"method": "GET", "path": "/tiktok/callback", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "Mozilla/5.0 (sample)"},
            "requestId": "sample-request-id", "routeKey": "GET /tiktok/callback", "stage": "$default",
            "time": "01/Jan/2025:03:00:00 +0000", "timeEpoch": TIMESTAMP * 1000,
        },
        "isBase64Encoded": False,
    }


def samples(now: float | None = None) -> dict[str, dict[str, Any]]:
    env = stack_env()
    issued = TIMESTAMP if now is None else now
    state = issue_state(env["DEMO_CLIENT_HASH"], secret=env["OAUTH_STATE_SECRET"], now=issued,
                        nonce=f"{int(issued):032x}"[-32:])
    forged = state[:-6] + "AAAAAA"
    return {
        "AuthCodesManagerFunction/schedule": _schedule(),
        "AuthCodesManagerFunction/process-auth-codes": {"action": "processAuthCodes"},
        "AuthCodesManagerFunction/renew-tokens": {"action": "renewTokens"},
        "AuthCodesManagerFunction/process-one-code": {"action": "processAuthCodes", "auth_code": SAMPLE_CODE},
        "AuthCodesManagerFunction/bad-unknown-action": {"action": "renewEverything"},
        "AuthCallbackFunction/callback-code": _http_get({"code": SAMPLE_CODE, "state": state}),
        "AuthCallbackFunction/callback-auth-denied": _http_get({"code": "null", "error": "auth_denied",
                                                                 "state": state}),
        "AuthCallbackFunction/bad-forged-state": _http_get({"code": SAMPLE_CODE, "state": forged}),
        "AuthCallbackFunction/bad-missing-state": _http_get({"code": SAMPLE_CODE}),
    }


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def write(now: float | None = None) -> list[Path]:
    written = []
    for name, event in samples(now).items():
        path = ROOT / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(event), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    paths = write(time.time() if "--fresh" in sys.argv[1:] else None)
    print("\n".join(str(p.relative_to(ROOT.parent)) for p in paths))
