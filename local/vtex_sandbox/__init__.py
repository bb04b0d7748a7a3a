"""VTEX sandbox: a faithful local simulator of the VTEX APIs the connector uses (see README, "VTEX sandbox")."""

from local.vtex_sandbox.app import create_app

__all__ = ["create_app"]
