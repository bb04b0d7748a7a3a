"""Checkout / fulfillment simulation of the VTEX sandbox: items, availability, prices and SLAs for a cart."""

from __future__ import annotations

from typing import Any

from .logistics import LogisticsArea
from .pricing import PricingArea
from .records import (
    CEP,
    bad,
    cents,
)


class CheckoutArea(PricingArea, LogisticsArea):
    """Fulfillment simulation (the marketplace asks before placing an order)."""

    def simulate(self, body: Any, sales_channel: str, affiliate_id: str | None) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not body["items"]:
            raise bad("CHK0022", "items are required")
        if affiliate_id not in (None, "", self.affiliate_id):
            raise bad("1", f"Affiliate {affiliate_id} not found")
        postal_code, country = body.get("postalCode"), body.get("country")
        items: list[dict[str, Any]] = []
        logistics: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for index, raw in enumerate(body["items"]):
            if not isinstance(raw, dict):
                raise bad("CHK0022", f"item {index} is not an object")
            sku_id, quantity = raw.get("id"), raw.get("quantity")
            if not isinstance(sku_id, str) or not sku_id.isdigit():
                raise bad("CHK0022", f"Invalid item id {sku_id!r}: SKU ids are strings of digits in simulations")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise bad("CHK0023", f"Invalid quantity for item {sku_id}")
            sku = self.skus.get(int(sku_id))
            record = self.prices.get(int(sku_id))
            if sku is None or not sku.is_active or record is None or str(raw.get("seller", "1")) != "1":
                messages.append(
                    {
                        "code": "ORD027",
                        "text": f"Item {sku_id} not found or unavailable",
                        "status": "error",
                        "fields": {"ItemIndex": str(index), "SkuName": None},
                    }
                )
                continue
            available = self.available(sku.id)
            if available < quantity:
                code = "ORD027" if available == 0 else "ORD028"
                text = (
                    f"Item {sku_id} not found or unavailable"
                    if available == 0
                    else f"Item {sku.name}({sku_id}) is not available"
                )
                messages.append(
                    {
                        "code": code,
                        "text": text,
                        "status": "error",
                        "fields": {"ItemIndex": str(index), "SkuName": sku.name},
                    }
                )
                continue
            selling = cents(record.selling(sales_channel))
            list_price = cents(record.list_price or record.selling(sales_channel))
            item_index = len(items)
            items.append(
                {
                    "id": sku_id,
                    "requestIndex": index,
                    "quantity": quantity,
                    "seller": "1",
                    "sellerChain": ["1"],
                    "merchantName": None,
                    "tax": 0,
                    "priceValidUntil": self.computed_price(sku.id, sales_channel)["priceValidUntil"],
                    "price": selling,
                    "listPrice": list_price,
                    "sellingPrice": selling,
                    "rewardValue": 0,
                    "offerings": [],
                    "priceTags": [],
                    "measurementUnit": "un",
                    "unitMultiplier": 1.0,
                    "availability": "available",
                    "priceDefinition": {
                        "calculatedSellingPrice": selling,
                        "total": selling * quantity,
                        "sellingPrices": [{"value": selling, "quantity": quantity}],
                    },
                }
            )
            slas = []
            if postal_code and country:
                if CEP.match(str(postal_code)) and country == "BRA":
                    slas = self.slas(sku.id, quantity)
                elif not any(m["code"] == "cannotBeDelivered" for m in messages):
                    messages.append(
                        {
                            "code": "cannotBeDelivered",
                            "text": f"Não é possível entregar no CEP {postal_code}",
                            "status": "error",
                        }
                    )
            logistics.append(
                {
                    "itemIndex": item_index,
                    "stockBalance": available,
                    "quantity": quantity,
                    "shipsTo": ["BRA"],
                    "slas": slas,
                    "deliveryChannels": [{"id": "delivery", "stockBalance": available}],
                }
            )
        return {
            "items": items,
            "logisticsInfo": logistics,
            "messages": messages,
            "country": country,
            "postalCode": postal_code,
            "allowMultipleDeliveries": True,
            "pickupPoints": [],
            "totals": [
                {"id": "Items", "name": "Total dos Itens", "value": sum(i["price"] * i["quantity"] for i in items)}
            ],
        }
