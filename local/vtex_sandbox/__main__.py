"""`python -m local.vtex_sandbox`: serve the VTEX sandbox on VTEX_SANDBOX_PORT (local/stack.env)."""

from __future__ import annotations

import os

from local.env import stack_env
from local.httpserver import serve_forever
from local.vtex_sandbox.app import create_app


def main() -> None:
    env = dict(stack_env())
    # `make local` passes the (possibly re-ported) stack settings in the environment; VTEX_SANDBOX_* knobs too
    env.update({k: v for k, v in os.environ.items() if k.startswith("VTEX_")})
    port = int(env["VTEX_SANDBOX_PORT"])
    app = create_app(env)
    print(f"VTEX sandbox for account {env['VTEX_ACCOUNT']} on http://127.0.0.1:{port}", flush=True)
    serve_forever(app, port)


if __name__ == "__main__":
    main()
