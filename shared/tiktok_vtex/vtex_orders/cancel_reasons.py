"""Which TikTok seller cancel reason a VTEX cancellation is sent with (tiktok-shop-api.md 5.4, `cancel_reason`).

VTEX gives a free-text `reason` (the cancel callback's body, the OMS order's `cancelReason`) and, on the OMS
order, who asked (`cancellationData.RequestedByUser` = the shopper). TikTok wants one of its reason codes;
a wrong code counts against the seller (an out-of-stock cancel hurts the shop's rating more than a buyer
request), so the code follows what VTEX says:

1. the client's own rules: `connector_settings.vtex_cancel.reason_map` {text fragment -> code}, first match;
2. the shopper asked (`RequestedByUser`) -> buyer requested;
3. built-in fragments of the texts VTEX stores write (Portuguese and English);
4. otherwise the client's `default_reason`, else the documented default (out of stock), and the choice is
   recorded as `basis: "default"` on the order (`vtex_cancel.tiktok_reason`) so support sees it was a guess.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tiktok_vtex.models.client import ClientSettings

OUT_OF_STOCK = "seller_cancel_reason_out_of_stock"
WRONG_PRICE = "seller_cancel_reason_wrong_price"
ADDRESS = "seller_cancel_reason_address_not_deliver"
BUYER_REQUESTED = "seller_cancel_reason_buyer_requested_cancellation"
# TikTok's seller cancel reason codes the connector sends (the reference names only `cancel_reason (reason
# code)`; the existing out-of-stock code is the one TikTok documents as the default seller reason).
TIKTOK_SELLER_REASONS = frozenset({OUT_OF_STOCK, WRONG_PRICE, ADDRESS, BUYER_REQUESTED})
DEFAULT_REASON = OUT_OF_STOCK

# Fragments (accents removed, lower case) of the reasons VTEX stores and sellers type.
BUILT_IN: tuple[tuple[str, str], ...] = (
    ("estoque", OUT_OF_STOCK), ("ruptura", OUT_OF_STOCK), ("out of stock", OUT_OF_STOCK),
    ("indisponivel", OUT_OF_STOCK),
    ("preco", WRONG_PRICE), ("price", WRONG_PRICE),
    ("endereco", ADDRESS), ("address", ADDRESS), ("cep", ADDRESS), ("area de entrega", ADDRESS),
    ("cliente", BUYER_REQUESTED), ("comprador", BUYER_REQUESTED), ("desist", BUYER_REQUESTED),
    ("customer", BUYER_REQUESTED), ("buyer", BUYER_REQUESTED), ("arrependimento", BUYER_REQUESTED),
)

Basis = Literal["client_map", "requested_by_user", "built_in", "default"]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


class CancelReasonPolicy(BaseModel):
    """`connector_settings.vtex_cancel` of a client."""

    model_config = ConfigDict(extra="ignore")

    default_reason: str = Field(default=DEFAULT_REASON, description="TikTok code when nothing matches")
    reason_map: dict[str, str] = Field(default_factory=dict, description="VTEX reason fragment -> TikTok code")

    @field_validator("default_reason")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TIKTOK_SELLER_REASONS:
            raise ValueError(f"default_reason must be one of {sorted(TIKTOK_SELLER_REASONS)}")
        return value

    @field_validator("reason_map")
    @classmethod
    def _known_codes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted({code for code in value.values() if code not in TIKTOK_SELLER_REASONS})
        if unknown:
            raise ValueError(f"reason_map codes must be TikTok seller reasons, not {unknown}")
        return {_fold(fragment): code for fragment, code in value.items() if _fold(fragment)}


def policy_of(settings: ClientSettings | None) -> CancelReasonPolicy:
    raw = (settings.model_extra or {}).get("vtex_cancel") if settings is not None else None
    return CancelReasonPolicy.model_validate(raw if isinstance(raw, dict) else {})


def tiktok_reason(vtex_reason: str | None, policy: CancelReasonPolicy, *,
                  requested_by_user: bool = False) -> tuple[str, Basis]:
    """(TikTok reason code, why that code) for a VTEX cancellation."""
    text = _fold(vtex_reason or "")
    if text:
        for fragment, code in policy.reason_map.items():
            if fragment in text:
                return code, "client_map"
    if requested_by_user:
        return BUYER_REQUESTED, "requested_by_user"
    if text:
        for fragment, code in BUILT_IN:
            if fragment in text:
                return code, "built_in"
    return policy.default_reason, "default"
