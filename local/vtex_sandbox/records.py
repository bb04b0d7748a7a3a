"""The VTEX sandbox's records and conventions: order flow statuses, SLAs, VTEX-shaped errors, money
(cents in fulfillment/OMS, decimals in pricing), and the SKU, stock, price and order records."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

SELLER_FLOW = (
    "order-accepted",
    "waiting-ffmt-authorization",
    "authorize-fulfillment",
    "window-to-cancel",
    "ready-for-handling",
    "start-handling",
    "handling",
    "invoice",
    "invoiced",
)
STATUS_DESCRIPTIONS = {
    "order-accepted": "Pedido aceito",
    "waiting-ffmt-authorization": "Aguardando autorização para despachar",
    "authorize-fulfillment": "Autorizar despacho",
    "window-to-cancel": "Carência para cancelamento",
    "ready-for-handling": "Pronto para o manuseio",
    "start-handling": "Iniciar manuseio",
    "handling": "Preparando entrega",
    "invoice": "Verificando envio",
    "invoiced": "Faturado",
    "cancel": "Cancelando",
    "canceled": "Cancelado",
}
CANCELLABLE = frozenset(
    {
        "order-accepted",
        "waiting-ffmt-authorization",
        "authorize-fulfillment",
        "window-to-cancel",
        "ready-for-handling",
        "start-handling",
        "handling",
    }
)
INVOICEABLE = frozenset({"ready-for-handling", "start-handling", "handling", "invoiced"})
SLAS = {  # id -> (name, shippingEstimate, base cents, per-unit cents)
    "Normal": ("Normal", "5bd", 1490, 100),
    "Expressa": ("Expressa", "2bd", 2490, 250),
}
CEP = re.compile(r"^\d{5}-?\d{3}$")
DOCK_ID = "1"
CENT = Decimal("0.01")


class SandboxError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, text: bool = False, headers: Mapping[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.text = text
        self.headers = dict(headers or {})


def bad(code: str, message: str, status: int = 400) -> SandboxError:
    return SandboxError(status, code, message)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool):
        raise bad("1", f"{name} must be a number")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise bad("1", f"{name} must be a number") from None
    if not result.is_finite() or result < 0:
        raise bad("1", f"{name} must be a finite, non-negative number")
    return result.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Sku:
    id: int
    product_id: int
    name: str
    ean: str
    images: list[str]
    is_active: bool = True
    weight_g: int = 500
    dims_cm: tuple[int, int, int] = (10, 20, 30)


@dataclass
class StockRow:
    total: int = 0
    reserved: int = 0
    unlimited: bool = False
    lead_time: str = "00:00:00"

    @property
    def available(self) -> int:
        return 1_000_000 if self.unlimited else max(0, self.total - self.reserved)


@dataclass
class PriceRecord:
    base_price: Decimal
    list_price: Decimal | None = None
    cost_price: Decimal | None = None
    markup: Decimal | None = None
    fixed: dict[str, Decimal] = field(default_factory=dict)  # trade policy -> fixed selling price

    def selling(self, trade_policy: str) -> Decimal:
        return self.fixed.get(trade_policy, self.base_price)


@dataclass
class OrderRecord:
    data: dict[str, Any]
    affiliate_id: str
    reservations: list[tuple[int, str, int]]  # (sku id, warehouse, quantity)
    reserved: bool = True
    window_due: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    returned: bool = False
    # cancellation requests the marketplace has not decided yet: request id -> its callback is in flight
    cancel_pending: dict[str, bool] = field(default_factory=dict)


Notify = Callable[[str, str, str | None, str | None, str], None]
