"""Admin routes under /sandbox/: drive the sandbox from tests, the demo and humans (see README).

One module per role the routes play: control (the sandbox itself), seller, orders (buyer and platform),
webhooks. Every route is registered as endpoint `admin_<function name>`.
"""

from __future__ import annotations

from flask import Flask

from local.tiktok_sandbox.state import Sandbox

from . import control, orders, seller, webhooks
from .http import admin_route


def register_admin(app: Flask, sb: Sandbox) -> None:
    route = admin_route(app)
    for part in (control, seller, orders, webhooks):
        part.register(route, sb)


__all__ = ["register_admin"]
