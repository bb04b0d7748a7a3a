"""What every resource creator shares: the stack being provisioned and one client per service."""

from __future__ import annotations

from typing import Any

from .provisioned import ProvisionedStack


class CreatorBase:
    """One client per service for a provisioning run."""

    def __init__(self, stack: ProvisionedStack) -> None:
        self.stack = stack
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.stack.aws_client(service)
        return self._clients[service]
