"""Authorization API: the shops a token is authorized for."""

from __future__ import annotations

from tiktok_vtex.clients.tiktok.core import ClientCore
from tiktok_vtex.clients.tiktok.models import AuthorizedShop


class AuthorizationApi(ClientCore):
    def get_authorized_shops(self) -> list[AuthorizedShop]:
        data = self._data("GET", "/authorization/{version}/shops", shop_scoped=False)
        return [AuthorizedShop.model_validate(s) for s in data.get("shops") or []]
