# ruff: noqa: PLR0912, PLR0915 - request validation reads best as one flat sequence of checks
"""Fulfillment API of the VTEX sandbox (marketplace to seller): place an order (reserving stock),
authorize its dispatch, and the cancellation window that ends in ready-for-handling."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from .logistics import LogisticsArea
from .pricing import PricingArea
from .records import (
    DOCK_ID,
    SLAS,
    OrderRecord,
    SandboxError,
    bad,
    cents,
    now_iso,
)


class FulfillmentArea(PricingArea, LogisticsArea):
    """Order placement and dispatch authorization."""

    def place_order(self, body: Any, sales_channel: str, affiliate_id: str | None) -> Any:
        if not affiliate_id:
            raise bad("1", "affiliateId is required")
        if affiliate_id != self.affiliate_id:
            raise bad("1", f"Affiliate {affiliate_id} not found")
        as_array = isinstance(body, list)
        orders = body if as_array else [body]
        if len(orders) != 1 or not isinstance(orders[0], dict):
            raise bad("1", "send exactly one order (an object, or an array with one object)")
        with self.lock:
            placed = self._place(orders[0], sales_channel, affiliate_id)
        if self.place_order_response == "object":
            return {
                "orderId": placed["orderId"],
                "status": "waiting-ffmt-authorization",
                "message": "Order created",
                "orderData": placed,
            }
        return [placed]

    def _place(self, order: dict[str, Any], sales_channel: str, affiliate_id: str) -> dict[str, Any]:
        marketplace_id = order.get("marketplaceOrderId")
        if not isinstance(marketplace_id, str) or not marketplace_id:
            raise bad("FMT015", "Marketplace order id has not been provided")
        for name in ("marketplaceServicesEndpoint", "clientProfileData", "shippingData", "items"):
            if not order.get(name):
                raise bad("1", f"{name} is required")
        payment_value = order.get("marketplacePaymentValue")
        if isinstance(payment_value, bool) or not isinstance(payment_value, int) or payment_value < 0:
            raise bad("FMT007", "marketplacePaymentValue is required, in cents (integer)")
        if (affiliate_id, marketplace_id) in self.by_marketplace_id:
            raise bad(
                "FMT009", f"Order with marketplaceOrderId {marketplace_id} already exists for affiliate {affiliate_id}"
            )
        items = order["items"]
        if not isinstance(items, list):
            raise bad("CHK0022", "items must be an array")
        profile = order["clientProfileData"]
        for name in ("email", "firstName", "lastName", "documentType", "document"):
            if not isinstance(profile, dict) or not profile.get(name):
                raise bad("1", f"clientProfileData.{name} is required")
        shipping = order["shippingData"]
        address = shipping.get("address") if isinstance(shipping, dict) else None
        if not isinstance(address, dict):
            raise bad("FMT001", "shippingData.address is required")
        for name in ("receiverName", "postalCode", "city", "state", "country", "street", "number"):
            if not address.get(name):
                raise bad("FMT001", f"shippingData.address.{name} is required")
        logistics = shipping.get("logisticsInfo")
        if not isinstance(logistics, list) or sorted(
            li.get("itemIndex", -1) for li in logistics if isinstance(li, dict)
        ) != list(range(len(items))):
            raise bad("FMT001", "shippingData.logisticsInfo needs one entry per item (itemIndex 0..n-1)")
        by_index = {li["itemIndex"]: li for li in logistics}
        reservations: list[tuple[int, str, int]] = []
        total_items = 0
        total_freight = 0
        order_items = []
        for index, item in enumerate(items):
            sku_id, quantity, price = item.get("id"), item.get("quantity"), item.get("price")
            if not isinstance(sku_id, str) or not sku_id.isdigit():
                raise bad("CHK0022", f"Invalid item id {sku_id!r}: SKU ids are strings in orders")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise bad("CHK0023", f"Invalid quantity for item {sku_id}")
            if str(item.get("seller")) != "1":
                raise bad("CHK0024", f"Invalid seller {item.get('seller')!r} for item {sku_id}")
            if isinstance(price, bool) or not isinstance(price, int) or price < 0:
                raise bad("CHK0025", f"Invalid price for item {sku_id}: integer cents expected")
            sku = self.skus.get(int(sku_id))
            record = self.prices.get(int(sku_id))
            if sku is None or not sku.is_active or record is None:
                raise bad("ORD027", f"Item {sku_id} not found or unavailable")
            if self.price_divergence == "reject" and price != cents(record.selling(sales_channel)):
                raise bad("FMT006", f"Item {sku_id} price {price} differs from the store price")
            info = by_index[index]
            if info.get("selectedSla") not in SLAS:
                raise bad("FMT010", f"Selected SLA {info.get('selectedSla')!r} is not available for item {sku_id}")
            freight = info.get("price")
            if isinstance(freight, bool) or not isinstance(freight, int) or freight < 0:
                raise bad("CHK0025", f"Invalid freight price for item index {index}: integer cents expected")
            already = sum(q for s, _, q in reservations if s == sku.id)
            warehouse = self._warehouse_for(sku.id, quantity + already)
            if warehouse is None:
                raise bad("FMT005", f"Item {sku.name}({sku_id}) is not available")
            reservations.append((sku.id, warehouse, quantity))
            total_items += price * quantity
            total_freight += freight
            order_items.append((sku, item, info, warehouse))
        if payment_value != total_items + total_freight:
            raise bad(
                "FMT007",
                f"marketplacePaymentValue {payment_value} differs from items + freight {total_items + total_freight}",
            )
        for sku_id, warehouse, quantity in reservations:
            self._row(sku_id, warehouse).reserved += quantity
        order_id = f"{affiliate_id}-{marketplace_id}-01"
        masked = hashlib.sha1(str(profile["email"]).encode(), usedforsecurity=False).hexdigest()
        masked_email = f"{masked}@ct.vtex.com.br"
        created = now_iso()
        view_items = []
        view_logistics = []
        for index, (sku, item, info, warehouse) in enumerate(order_items):
            product = self.products[sku.product_id]
            record = self.prices[sku.id]
            view_items.append(
                {
                    "uniqueId": hashlib.md5(f"{order_id}{index}".encode(), usedforsecurity=False).hexdigest().upper(),
                    "id": str(sku.id),
                    "productId": str(sku.product_id),
                    "ean": sku.ean,
                    "lockId": f"{order_id}-lock",
                    "refId": f"SKU-{sku.id}",
                    "name": sku.name,
                    "quantity": item["quantity"],
                    "seller": "1",
                    "sellerSku": str(sku.id),
                    "priceTable": None,
                    "price": item["price"],
                    "listPrice": cents(record.list_price or record.base_price),
                    "sellingPrice": item["price"],
                    "costPrice": cents(record.cost_price or Decimal(0)),
                    "tax": 0,
                    "commission": item.get("commission"),
                    "freightCommission": item.get("freightCommission"),
                    "measurementUnit": "un",
                    "unitMultiplier": 1.0,
                    "imageUrl": sku.images[0] if sku.images else None,
                    "detailUrl": f"/{product['name'].lower().replace(' ', '-')}/p",
                    "priceTags": [],
                    "isGift": False,
                    "components": [],
                    "bundleItems": [],
                    "attachments": [],
                    "offerings": [],
                }
            )
            name, estimate, _, _ = SLAS[info["selectedSla"]]
            view_logistics.append(
                {
                    "itemIndex": index,
                    "selectedSla": info["selectedSla"],
                    "selectedDeliveryChannel": info.get("selectedDeliveryChannel") or "delivery",
                    "deliveryCompany": "Transportadora Demo",
                    "addressId": f"{order_id}-addr",
                    "shippingEstimate": info.get("shippingEstimate") or estimate,
                    "shippingEstimateDate": None,
                    "lockTTL": info.get("lockTTL") or "8d",
                    "price": info["price"],
                    "listPrice": info["price"],
                    "sellingPrice": info["price"],
                    "deliveryWindow": info.get("deliveryWindow"),
                    "deliveryIds": [
                        {
                            "courierId": "1",
                            "courierName": "Transportadora Demo",
                            "dockId": DOCK_ID,
                            "quantity": item["quantity"],
                            "warehouseId": warehouse,
                            "kitItemDetails": [],
                        }
                    ],
                    "slas": [
                        {
                            "id": sid,
                            "name": sla[0],
                            "shippingEstimate": sla[1],
                            "price": sla[2] + sla[3] * item["quantity"],
                        }
                        for sid, sla in SLAS.items()
                    ],
                    "shipsTo": ["BRA"],
                    "pickupStoreInfo": {"isPickupStore": False},
                }
            )
        address_view = {**address, "addressId": f"{order_id}-addr"}
        profile_view = {**profile, "email": masked_email}
        data = {
            "orderId": order_id,
            "sequence": str(next(self._sequence)),
            "marketplaceOrderId": marketplace_id,
            "marketplaceServicesEndpoint": order["marketplaceServicesEndpoint"],
            "sellerOrderId": f"00-{order_id}",
            "origin": "Fulfillment",
            "affiliateId": affiliate_id,
            "salesChannel": sales_channel,
            "merchantName": None,
            "status": None,
            "statusDescription": None,
            "workflowIsInError": False,
            "value": total_items + total_freight,
            "creationDate": created,
            "lastChange": created,
            "orderGroup": None,
            "followUpEmail": masked_email,
            "hostname": self.account,
            "isCompleted": True,
            "allowCancellation": True,
            "allowEdition": False,
            "isCheckedIn": False,
            "authorizedDate": None,
            "invoicedDate": None,
            "cancelReason": None,
            "cancellationData": None,
            "cancellationRequests": None,
            "totals": [
                {"id": "Items", "name": "Total dos Itens", "value": total_items},
                {"id": "Discounts", "name": "Total dos Descontos", "value": 0},
                {"id": "Shipping", "name": "Total do Frete", "value": total_freight},
                {"id": "Tax", "name": "Total da Taxa", "value": 0},
            ],
            "sellers": [{"id": "1", "name": self.account, "logo": "", "fulfillmentEndpoint": None}],
            "items": view_items,
            "clientProfileData": profile_view,
            "shippingData": {
                "id": "shippingData",
                "address": address_view,
                "logisticsInfo": view_logistics,
                "trackingHints": None,
                "selectedAddresses": [address_view],
                "isFOB": False,
            },
            "paymentData": None,
            "packageAttachment": {"packages": []},
            "invoiceData": None,
            "customData": order.get("customData"),
            "openTextField": order.get("openTextField"),
            "marketingData": order.get("marketingData"),
            "changesAttachment": None,
            "marketplace": {"baseURL": order["marketplaceServicesEndpoint"], "isCertified": None, "name": affiliate_id},
        }
        record = OrderRecord(data=data, affiliate_id=affiliate_id, reservations=reservations)
        self.orders[order_id] = record
        self.by_marketplace_id[(affiliate_id, marketplace_id)] = order_id
        self._move(record, "order-accepted")
        self._move(record, "waiting-ffmt-authorization")
        return {
            "marketplaceOrderId": marketplace_id,
            "orderId": order_id,
            "followUpEmail": masked_email,
            "items": [
                {**dict(item), "priceTable": None, "measurementUnit": "un", "unitMultiplier": 1.0} for item in items
            ],
            "clientProfileData": profile_view,
            "shippingData": {
                "isFOB": False,
                "address": address_view,
                "selectedAddresses": [address_view],
                "logisticsInfo": [
                    {
                        **dict(info),
                        "addressId": address_view["addressId"],
                        "selectedDeliveryChannel": "delivery",
                        "deliveryIds": [{"warehouseId": w, "dockId": DOCK_ID}],
                    }
                    for (_, _, info, w) in order_items
                ],
                "trackingHints": None,
            },
            "paymentData": None,
            "customData": order.get("customData"),
        }

    def fulfill(self, order_id: str, body: Any, affiliate_id: str | None) -> dict[str, Any]:
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if not isinstance(body, dict) or not body.get("marketplaceOrderId"):
            raise bad("1", "marketplaceOrderId is required")
        with self.lock:
            record = self.order(order_id)
            if affiliate_id not in (None, "", record.affiliate_id):
                raise bad("1", f"Affiliate {affiliate_id} does not own order {order_id}")
            if body["marketplaceOrderId"] != record.data["marketplaceOrderId"]:
                raise bad("1", f"marketplaceOrderId {body['marketplaceOrderId']} does not match order {order_id}")
            if record.data["status"] != "waiting-ffmt-authorization":
                raise SandboxError(
                    409,
                    "OMS003",
                    "Order status should be waiting-ffmt-authorization to perform "
                    f"this action (current: {record.data['status']})",
                )
            self._move(record, "authorize-fulfillment")
            record.data["authorizedDate"] = now_iso()
            self._move(record, "window-to-cancel")
            record.window_due = self.clock() + self.cancel_window_seconds
            self.windows[order_id] = record.window_due
            self.advance_due()
            data = record.data
            return {
                "date": now_iso(),
                "marketplaceOrderId": data["marketplaceOrderId"],
                "orderId": order_id,
                "receipt": self._receipt(),
                "items": [{"id": i["id"]} for i in data["items"]],
                "shippingData": {
                    "logisticsInfo": [
                        {
                            "itemIndex": li["itemIndex"],
                            "selectedSla": li["selectedSla"],
                            "selectedDeliveryChannel": li["selectedDeliveryChannel"],
                            "shippingEstimateDate": li["shippingEstimateDate"],
                        }
                        for li in data["shippingData"]["logisticsInfo"]
                    ]
                },
            }

    def advance_due(self) -> int:
        """Moves orders whose cancellation window has passed to ready-for-handling."""
        moved = 0
        now = self.clock()
        with self.lock:
            for record in self.orders.values():
                if (
                    record.window_due is not None
                    and record.data["status"] == "window-to-cancel"
                    and record.window_due <= now
                ):
                    record.window_due = None
                    self._move(record, "ready-for-handling")
                    moved += 1
        return moved
