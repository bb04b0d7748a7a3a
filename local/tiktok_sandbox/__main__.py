"""`python -m local.tiktok_sandbox`: serve the sandbox on TIKTOK_SANDBOX_PORT.

Settings come from local/stack.env; the environment overrides them (the local stack passes its
resolved settings, e.g. ephemeral ports, to its children that way). TIKTOK_SANDBOX_SEED_DEMO=1 seeds
the demo seller's catalog at start (same as POST /sandbox/seed/demo).
"""

from __future__ import annotations

import os
import sys

from local.env import stack_env
from local.httpserver import serve_forever

from . import create_app, sandbox_of


def settings() -> dict[str, str]:
    env = dict(stack_env())
    env.update({k: v for k, v in os.environ.items() if k in env or k.startswith(("TIKTOK_", "DEMO_"))})
    return env


def main() -> None:
    env = settings()
    port = int(env.get("TIKTOK_SANDBOX_PORT", "8081"))
    app = create_app(env)
    if env.get("TIKTOK_SANDBOX_SEED_DEMO", "").lower() in ("1", "true", "yes"):
        from local.fixtures.demo_catalog import demo_catalog

        from .seed import seed_demo

        sandbox = sandbox_of(app)
        with sandbox.lock:
            seed_demo(sandbox, env["DEMO_SHOP_ID"], demo_catalog())
    print(f"TikTok Shop sandbox on http://127.0.0.1:{port} (admin routes under /sandbox/)", file=sys.stderr)
    serve_forever(app, port)


if __name__ == "__main__":
    main()
