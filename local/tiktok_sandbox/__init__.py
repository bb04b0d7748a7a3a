"""TikTok Shop Partner API sandbox: `create_app(env)`; `python -m local.tiktok_sandbox` serves it."""

from .app import create_app, sandbox_of

__all__ = ["create_app", "sandbox_of"]
