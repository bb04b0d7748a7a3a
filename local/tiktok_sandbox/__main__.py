"""`python -m local.tiktok_sandbox`: serve the sandbox on TIKTOK_SANDBOX_PORT (local/stack.env)."""

from __future__ import annotations

import sys

from local.env import stack_env
from local.httpserver import serve_forever

from . import create_app


def main() -> None:
    env = stack_env()
    port = int(env.get("TIKTOK_SANDBOX_PORT", "8081"))
    app = create_app(env)
    print(f"TikTok Shop sandbox on http://127.0.0.1:{port} (admin routes under /sandbox/)", file=sys.stderr)
    serve_forever(app, port)


if __name__ == "__main__":
    main()
