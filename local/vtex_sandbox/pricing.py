"""Pricing API of the VTEX sandbox: prices (decimals), computed prices per trade policy, PUT rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from .records import (
    CENT,
    PriceRecord,
    SandboxError,
    bad,
    decimal,
)
from .store import StoreCore


class PricingArea(StoreCore):
    """Prices per SKU and trade policy."""

    def price(self, sku_id: Any) -> dict[str, Any]:
        record = self._price(sku_id)
        return {
            "itemId": str(int(str(sku_id))),
            "listPrice": record.list_price,
            "costPrice": record.cost_price,
            "markup": record.markup,
            "basePrice": record.base_price,
            "fixedPrices": [
                {
                    "tradePolicyId": tp,
                    "value": value,
                    "listPrice": record.list_price,
                    "minQuantity": 1,
                    "dateRange": None,
                }
                for tp, value in record.fixed.items()
            ],
        }

    def _price(self, sku_id: Any) -> PriceRecord:
        try:
            return self.prices[int(str(sku_id))]
        except (KeyError, ValueError):
            raise SandboxError(404, "404", f"Price for SKU {sku_id} not found") from None

    def computed_price(self, sku_id: Any, trade_policy: str) -> dict[str, Any]:
        record = self._price(sku_id)
        valid_until = (datetime.now(UTC) + timedelta(days=365)).isoformat(timespec="seconds").replace("+00:00", "Z")
        return {
            "tradePolicyId": trade_policy,
            "listPrice": record.list_price,
            "costPrice": record.cost_price,
            "sellingPrice": record.selling(trade_policy),
            "priceValidUntil": valid_until,
        }

    def put_price(self, sku_id: Any, body: Mapping[str, Any]) -> None:
        """Pricing PUT rules: exactly two of basePrice/costPrice/markup (or basePrice alone); replaces fixed."""
        with self.lock:
            sku = self.sku(sku_id)
            given = [k for k in ("basePrice", "costPrice", "markup") if body.get(k) is not None]
            if len(given) == 3:
                raise bad("1", "send exactly two of basePrice, costPrice and markup")
            cost = decimal(body["costPrice"], "costPrice") if body.get("costPrice") is not None else None
            markup = Decimal(str(body["markup"])) if body.get("markup") is not None else None
            if body.get("basePrice") is not None:
                base = decimal(body["basePrice"], "basePrice")
            elif cost is not None and markup is not None:
                base = (cost * (1 + markup / 100)).quantize(CENT)
            else:
                raise bad("1", "basePrice, or costPrice and markup, are required")
            fixed = {}
            for entry in body.get("fixedPrices") or []:
                fixed[str(entry["tradePolicyId"])] = decimal(entry["value"], "fixedPrices.value")
            list_price = decimal(body["listPrice"], "listPrice") if body.get("listPrice") is not None else None
            self.prices[sku.id] = PriceRecord(base, list_price, cost, markup, fixed)

    def set_price_admin(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            sku = self.sku(body.get("sku_id"))
            record = self.prices.get(sku.id) or PriceRecord(base_price=Decimal(0))
            if body.get("selling_price") is not None:
                value = decimal(body["selling_price"], "selling_price")
                if body.get("trade_policy"):
                    record.fixed[str(body["trade_policy"])] = value
                else:
                    record.base_price = value
            if body.get("list_price") is not None:
                record.list_price = decimal(body["list_price"], "list_price")
            if body.get("cost_price") is not None:
                record.cost_price = decimal(body["cost_price"], "cost_price")
            if body.get("delete"):
                self.prices.pop(sku.id, None)
                return {"skuId": sku.id, "deleted": True}
            self.prices[sku.id] = record
            return self.price(sku.id)
