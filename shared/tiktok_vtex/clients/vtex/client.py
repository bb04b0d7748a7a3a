# size: one method per VTEX call across six API areas; the split by area is open in issue 11
"""The VTEX client: catalog, logistics, pricing, fulfillment, OMS and the orders hook, on httpx.

One instance per client (store). Base URLs are settings: templates with `{account}`, production
`https://{account}.vtexcommercestable.com.br` and `https://api.vtex.com/{account}` (pricing); the local
sandbox serves both under `http://127.0.0.1:8082/{account}`.

Failures are typed (errors.py). 429 honours Retry-After; 423, 5xx, timeouts and connection errors are
retried with the shared RetryPolicy (jittered backoff within a time budget); everything else raises at
once. A simulation that answers HTTP 200 with unavailable items is flagged on the result
(`unavailable_ids`) or raised as VtexUnavailableItem on request. The app key and token travel only in
headers; they never reach a log line or an exception text.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from tiktok_vtex.clients.retry import RetryableError, RetryPolicy
from tiktok_vtex.clients.vtex.credentials import VtexCredentials
from tiktok_vtex.clients.vtex.errors import (
    VtexApiError,
    VtexAuthError,
    VtexDuplicateOrder,
    VtexNotFound,
    VtexTransportError,
    VtexUnavailableItem,
    error_from_response,
)
from tiktok_vtex.clients.vtex.models import (
    Brand,
    Category,
    ComputedPrice,
    FulfillResult,
    InventoryBalance,
    Invoice,
    MarketplaceOrder,
    OmsReceipt,
    OrdersHookConfig,
    PlacedOrder,
    Price,
    Product,
    SimulationItemRequest,
    SimulationResult,
    SkuContext,
    SkuFile,
    SkuInventory,
    TrackingUpdate,
    VtexOrder,
)

PRODUCTION_BASE_URL_TEMPLATE = "https://{account}.vtexcommercestable.com.br"
PRODUCTION_PRICING_BASE_URL_TEMPLATE = "https://api.vtex.com/{account}"
MAX_SKU_PAGE_SIZE = 1000
DEFAULT_HOOK_STATUSES: tuple[str, ...] = (
    "order-accepted", "waiting-ffmt-authorization", "authorize-fulfillment", "window-to-cancel",
    "ready-for-handling", "start-handling", "handling", "invoice", "invoiced", "cancellation-requested",
    "cancel", "canceled",
)
"""Seller-flow statuses our `/vtex/orderhook` listens to by default."""

try:  # the layer always ships observability; keep the client importable on its own
    from tiktok_vtex.observability import logger as _logger
except ImportError:  # pragma: no cover
    import logging

    _logger = logging.getLogger("tiktok_vtex.clients.vtex")  # type: ignore[assignment]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent/invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _seg(value: object) -> str:
    return quote(str(value), safe="")


class VtexClient:
    """Calls one VTEX account. Thread-safe; at most `max_concurrency` requests in flight."""

    def __init__(
        self,
        credentials: VtexCredentials,
        *,
        base_url_template: str = PRODUCTION_BASE_URL_TEMPLATE,
        pricing_base_url_template: str = PRODUCTION_PRICING_BASE_URL_TEMPLATE,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 8,
        timeout: float = 10.0,
        reload_credentials: Callable[[], VtexCredentials] | None = None,
    ):
        if "{account}" not in base_url_template or "{account}" not in pricing_base_url_template:
            raise ValueError("VTEX base URL templates must contain {account}")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        self.credentials = credentials
        self.base_url = base_url_template.replace("{account}", credentials.account).rstrip("/")
        self.pricing_base_url = pricing_base_url_template.replace("{account}", credentials.account).rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
        )
        self.retry = retry or RetryPolicy()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._secrets = [credentials.app_key.get_secret_value(), credentials.app_token.get_secret_value()]
        # Called once on a 401: the key may have been rotated since this client was built.
        self._reload_credentials = reload_credentials
        self._credentials_lock = threading.Lock()

    def use_credentials(self, credentials: VtexCredentials) -> None:
        """Switches to rotated credentials of the same account (requests in flight keep the old ones)."""
        if credentials.account != self.credentials.account:
            raise ValueError("rotated credentials must name the same VTEX account")
        with self._credentials_lock:
            self.credentials = credentials
            # the old values stay scrubbed too: an answer to an older request may still echo them
            self._secrets = [*self._secrets, credentials.app_key.get_secret_value(),
                             credentials.app_token.get_secret_value()]

    # --- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> VtexClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VtexClient(account={self.credentials.account!r}, base_url={self.base_url!r})"

    # --- transport -----------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _request(
        self,
        method: str,
        path: str,
        *,
        pricing: bool = False,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        on_retry_error: list[VtexApiError] | None = None,
    ) -> httpx.Response:
        url = (self.pricing_base_url if pricing else self.base_url) + path
        content = None if body is None else json.dumps(body, default=_json_default).encode()
        query = {k: v for k, v in (params or {}).items() if v is not None}

        used: list[VtexCredentials] = []

        def attempt(number: int) -> httpx.Response:
            started = time.monotonic()
            used.append(self.credentials)
            headers = {"Accept": "application/json", "Content-Type": "application/json",
                       **used[-1].headers()}
            try:
                with self._slots:
                    response = self._http.request(method, url, params=query, content=content, headers=headers)
            except httpx.TimeoutException as exc:
                error: VtexApiError = VtexTransportError(None, "TIMEOUT", f"timeout ({type(exc).__name__})",
                                                         method=method, path=path)
                self._log_failure(error, number)
                if on_retry_error is not None:
                    on_retry_error.append(error)
                raise RetryableError(str(error), cause=error) from None
            except httpx.TransportError as exc:
                error = VtexTransportError(None, "CONNECTION", f"connection failed ({type(exc).__name__})",
                                           method=method, path=path)
                self._log_failure(error, number)
                if on_retry_error is not None:
                    on_retry_error.append(error)
                raise RetryableError(str(error), cause=error) from None
            if response.status_code < 400:
                _logger.debug("vtex call", extra={"method": method, "path": path, "status": response.status_code,
                                                  "ms": round((time.monotonic() - started) * 1000)})
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = error_from_response(response.status_code, self._scrub(response.text), method=method,
                                        path=path, retry_after=retry_after)
            self._log_failure(error, number)
            if error.retryable:
                if on_retry_error is not None:
                    on_retry_error.append(error)
                raise RetryableError(str(error), retry_after=retry_after, cause=error)
            raise error

        try:
            return self.retry.run(attempt)
        except VtexAuthError as error:
            if error.status != 401 or not self._reload_after_401(used[-1]):
                raise
        return self.retry.run(attempt)  # once more with the rotated key; a second 401 raises

    def _reload_after_401(self, current: VtexCredentials) -> bool:
        """Re-reads the credentials after `current` got a 401; True when they changed (a rotated key), so
        the request is worth repeating once. The same key refused again is a real auth failure."""
        if self._reload_credentials is None:
            return False
        with self._credentials_lock:
            if self.credentials != current:
                return True  # another request already picked up the rotated key
        try:
            fresh = self._reload_credentials()
        except Exception as error:  # the secret cannot be read now: the 401 stands
            _logger.warning("vtex credentials re-read failed", extra={"error": type(error).__name__})
            return False
        if fresh == current or fresh.account != current.account:
            return False
        self.use_credentials(fresh)
        _logger.info("vtex credentials rotated", extra={"account": current.account})
        return True

    def _log_failure(self, error: VtexApiError, attempt: int) -> None:
        _logger.warning("vtex call failed", extra={"method": error.method, "path": error.path,
                                                   "status": error.status, "code": error.code,
                                                   "attempt": attempt, "retryable": error.retryable})

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise VtexApiError(response.status_code, "INVALID_JSON", "VTEX answered with a body that is not JSON",
                               method=method, path=path) from None

    def _get(self, path: str, *, pricing: bool = False, params: Mapping[str, Any] | None = None) -> Any:
        return self._json(self._request("GET", path, pricing=pricing, params=params), "GET", path)

    def _fulfillment_params(self) -> dict[str, str]:
        return {"sc": self.credentials.sales_channel, "affiliateId": self.credentials.affiliate_id}

    # --- logistics -----------------------------------------------------------------------------

    def get_inventory(self, sku_id: int | str, warehouse_id: str | None = None) -> InventoryBalance:
        """Stock of a SKU in one warehouse (default: the first configured), docks summed."""
        warehouse = warehouse_id or self.credentials.default_warehouse_id
        path = f"/api/logistics/pvt/inventory/items/{_seg(sku_id)}/warehouses/{_seg(warehouse)}"
        rows = self._get(path) or []
        if isinstance(rows, dict):
            rows = [rows]
        balance = InventoryBalance(skuId=str(sku_id), warehouseId=warehouse, docks=rows)
        for row in rows:
            total = int(row.get("totalQuantity") or 0)
            reserved = int(row.get("reservedQuantity") or 0)
            available = row.get("availableQuantity")
            balance.totalQuantity += total
            balance.reservedQuantity += reserved
            balance.availableQuantity += int(available) if available is not None else total - reserved
            balance.isUnlimited = balance.isUnlimited or bool(row.get("isUnlimited"))
        return balance

    def get_inventory_all_warehouses(self, sku_id: int | str) -> SkuInventory:
        data = self._get(f"/api/logistics/pvt/inventory/skus/{_seg(sku_id)}") or {}
        data.setdefault("skuId", str(sku_id))
        return SkuInventory.model_validate(data)

    def get_available_quantity(self, sku_id: int | str, warehouse_ids: Sequence[str] | None = None) -> int:
        """Sellable units of a SKU summed over the configured (or given) warehouses."""
        return sum(self.get_inventory(sku_id, w).available for w in (warehouse_ids or self.credentials.warehouse_ids))

    # --- catalog -------------------------------------------------------------------------------

    def list_sku_ids(self, page: int = 1, page_size: int = MAX_SKU_PAGE_SIZE) -> list[int]:
        if page < 1 or not 1 <= page_size <= MAX_SKU_PAGE_SIZE:
            raise ValueError(f"page must be >= 1 and page_size between 1 and {MAX_SKU_PAGE_SIZE}")
        data = self._get("/api/catalog_system/pvt/sku/stockkeepingunitids",
                         params={"page": page, "pagesize": page_size})
        return [int(x) for x in (data or [])]

    def iter_sku_ids(self, page_size: int = MAX_SKU_PAGE_SIZE, start_page: int = 1) -> Iterator[int]:
        """Every SKU id, page after page, until a short or empty page."""
        page = start_page
        while True:
            ids = self.list_sku_ids(page, page_size)
            yield from ids
            if len(ids) < page_size:
                return
            page += 1

    def get_sku_context(self, sku_id: int | str, sales_channel: str | None = None) -> SkuContext:
        data = self._get(f"/api/catalog_system/pvt/sku/stockkeepingunitbyid/{_seg(sku_id)}",
                         params={"sc": sales_channel})
        return SkuContext.model_validate(data)

    def get_sku_files(self, sku_id: int | str) -> list[SkuFile]:
        data = self._get(f"/api/catalog/pvt/stockkeepingunit/{_seg(sku_id)}/file") or []
        files = [SkuFile.model_validate(item) for item in data]
        return sorted(files, key=lambda f: (not f.IsMain, f.Position if f.Position is not None else 1 << 30))

    def get_product(self, product_id: int | str) -> Product:
        return Product.model_validate(self._get(f"/api/catalog/pvt/product/{_seg(product_id)}"))

    def list_brands(self) -> list[Brand]:
        return [Brand.model_validate(b) for b in self._get("/api/catalog_system/pvt/brand/list") or []]

    def get_category_tree(self, levels: int = 3) -> list[Category]:
        if levels < 1:
            raise ValueError("levels must be >= 1")
        data = self._get(f"/api/catalog_system/pub/category/tree/{levels}") or []
        return [Category.model_validate(c) for c in data]

    # --- pricing (decimals) --------------------------------------------------------------------

    def get_price(self, sku_id: int | str) -> Price:
        """Base, list and cost prices (decimals). VtexNotFound when the SKU has no price."""
        data = self._get(f"/pricing/prices/{_seg(sku_id)}", pricing=True)
        if not data:
            raise VtexNotFound(404, None, f"no price for SKU {sku_id}", method="GET", path="/pricing/prices")
        return Price.model_validate(data)

    def get_computed_price(self, sku_id: int | str, trade_policy: str | None = None, *,
                           quantity: int | None = None) -> ComputedPrice:
        """The selling price of a SKU in a trade policy (default: the client's sales channel)."""
        policy = trade_policy or self.credentials.sales_channel
        data = self._get(f"/pricing/prices/{_seg(sku_id)}/computed/{_seg(policy)}", pricing=True,
                         params={"quantity": quantity})
        if not data:
            raise VtexNotFound(404, None, f"no computed price for SKU {sku_id}", method="GET",
                               path="/pricing/prices/computed")
        data.setdefault("tradePolicyId", policy)
        return ComputedPrice.model_validate(data)

    # --- fulfillment ---------------------------------------------------------------------------

    def simulate(
        self,
        items: Sequence[SimulationItemRequest | Mapping[str, Any]],
        postal_code: str | None = None,
        country: str | None = "BRA",
        *,
        raise_on_unavailable: bool = False,
    ) -> SimulationResult:
        """Fulfillment simulation. Unavailable items come back with HTTP 200: they are listed in
        `result.unavailable_ids` (and raised as VtexUnavailableItem when `raise_on_unavailable`)."""
        requested = [i if isinstance(i, SimulationItemRequest) else SimulationItemRequest.model_validate(
            {"seller": self.credentials.seller_id, **i}) for i in items]
        if not requested:
            raise ValueError("simulate needs at least one item")
        body: dict[str, Any] = {"items": [r.model_dump(mode="json") for r in requested]}
        if postal_code:
            body["postalCode"] = postal_code
            body["country"] = country or "BRA"
        path = "/api/fulfillment/pvt/orderForms/simulation"
        data = self._json(self._request("POST", path, params=self._fulfillment_params(), body=body), "POST", path)
        result = SimulationResult.model_validate(data or {})
        result.requested = requested
        if raise_on_unavailable and (result.unavailable_ids or result.error_messages):
            first = (result.error_messages or result.messages or [None])[0]
            raise VtexUnavailableItem(
                200, (first.code if first else None) or "ORD027",
                (first.text if first else None) or "items not available", items=result.unavailable_ids,
                method="POST", path=path)
        return result

    def place_order(self, order: MarketplaceOrder | Mapping[str, Any]) -> PlacedOrder:
        """Create the seller order (sent as a one-element array; both documented reply shapes accepted).

        Raises VtexDuplicateOrder (FMT009) when this marketplaceOrderId exists for the affiliate;
        `error.after_retry` is True when an earlier attempt of this same call failed in transit, i.e. the
        existing order is probably ours.
        """
        model = order if isinstance(order, MarketplaceOrder) else MarketplaceOrder.model_validate(order)
        path = "/api/fulfillment/pvt/orders"
        failures: list[VtexApiError] = []
        try:
            response = self._request("POST", path, params=self._fulfillment_params(), body=[model.to_payload()],
                                     on_retry_error=failures)
        except VtexDuplicateOrder as error:
            error.after_retry = bool(failures)
            error.marketplace_order_id = model.marketplaceOrderId
            raise
        data = self._json(response, "POST", path)
        return _placed_order(data, model.marketplaceOrderId, response.status_code, path)

    def authorize_dispatch(self, vtex_order_id: str, marketplace_order_id: str) -> FulfillResult:
        """Tell VTEX the marketplace got paid: the seller order leaves waiting-ffmt-authorization."""
        path = f"/api/fulfillment/pvt/orders/{_seg(vtex_order_id)}/fulfill"
        response = self._request("POST", path, params=self._fulfillment_params(),
                                 body={"marketplaceOrderId": marketplace_order_id})
        data = self._json(response, "POST", path)
        if isinstance(data, list):
            data = data[0] if data else {}
        return FulfillResult.model_validate(data or {"orderId": vtex_order_id})

    # --- OMS -----------------------------------------------------------------------------------

    def get_order(self, vtex_order_id: str) -> VtexOrder:
        return VtexOrder.model_validate(self._get(f"/api/oms/pvt/orders/{_seg(vtex_order_id)}"))

    def cancel_order(self, vtex_order_id: str, reason: str | None = None) -> OmsReceipt:
        path = f"/api/oms/pvt/orders/{_seg(vtex_order_id)}/cancel"
        response = self._request("POST", path, body={"reason": reason})
        return OmsReceipt.model_validate(self._json(response, "POST", path) or {"orderId": vtex_order_id})

    def start_handling(self, vtex_order_id: str) -> None:
        """ready-for-handling -> handling. VtexConflict (409 OMS003) from any other status."""
        self._request("POST", f"/api/oms/pvt/orders/{_seg(vtex_order_id)}/start-handling")

    def send_invoice(self, vtex_order_id: str, invoice: Invoice | Mapping[str, Any]) -> OmsReceipt:
        """Invoice notification (cents). The order moves to invoiced; the NF-e XML may go in embeddedInvoice."""
        model = invoice if isinstance(invoice, Invoice) else Invoice.model_validate(invoice)
        path = f"/api/oms/pvt/orders/{_seg(vtex_order_id)}/invoice"
        response = self._request("POST", path, body=model.model_dump(mode="json"))
        return OmsReceipt.model_validate(self._json(response, "POST", path) or {"orderId": vtex_order_id})

    def update_tracking(self, vtex_order_id: str, invoice_number: str,
                        tracking: TrackingUpdate | Mapping[str, Any]) -> OmsReceipt:
        model = tracking if isinstance(tracking, TrackingUpdate) else TrackingUpdate.model_validate(tracking)
        path = f"/api/oms/pvt/orders/{_seg(vtex_order_id)}/invoice/{_seg(invoice_number)}"
        response = self._request("PATCH", path, body=model.model_dump(mode="json"))
        return OmsReceipt.model_validate(self._json(response, "PATCH", path) or {"orderId": vtex_order_id})

    def send_tracking_events(self, vtex_order_id: str, invoice_number: str, *, is_delivered: bool,
                             events: Sequence[Mapping[str, Any]] = (),
                             delivered_date: str | None = None) -> OmsReceipt:
        path = f"/api/oms/pvt/orders/{_seg(vtex_order_id)}/invoice/{_seg(invoice_number)}/tracking"
        body = {"isDelivered": is_delivered, "deliveredDate": delivered_date, "events": [dict(e) for e in events]}
        response = self._request("PUT", path, body=body)
        return OmsReceipt.model_validate(self._json(response, "PUT", path) or {"orderId": vtex_order_id})

    # --- orders hook ---------------------------------------------------------------------------

    def get_orders_hook(self) -> OrdersHookConfig | None:
        """The hook configured for this app key, or None."""
        try:
            data = self._get("/api/orders/hook/config")
        except VtexNotFound:
            return None
        return OrdersHookConfig.model_validate(data) if data else None

    def set_orders_hook(self, url: str, filter_statuses: Sequence[str] | None = DEFAULT_HOOK_STATUSES,
                        headers: Mapping[str, str] | None = None) -> OrdersHookConfig:
        """Configure the orders hook (our `/vtex/orderhook`). VTEX pings the URL first: anything but 200
        there makes this call fail with VtexBadRequest. `filter_statuses=None` subscribes to every change."""
        body: dict[str, Any] = {"hook": {"url": url, "headers": dict(headers or {})}}
        if filter_statuses is not None:
            body["filter"] = {"type": "FromWorkflow", "status": list(filter_statuses)}
        path = "/api/orders/hook/config"
        data = self._json(self._request("POST", path, body=body), "POST", path)
        return OrdersHookConfig.model_validate(data if isinstance(data, dict) and data.get("hook") else body)

    def delete_orders_hook(self) -> None:
        try:
            self._request("DELETE", "/api/orders/hook/config")
        except VtexNotFound:
            return

    # --- affiliate (catalog-change notifications) ------------------------------------------------

    def get_affiliate(self, affiliate_id: str) -> dict[str, Any] | None:
        """The affiliate's configuration (`searchURIEndpoint`, ...), or None when it does not exist."""
        try:
            data = self._get(f"/api/fulfillment/pvt/affiliates/{_seg(affiliate_id)}")
        except VtexNotFound:
            return None
        return data if isinstance(data, dict) else None

    def put_affiliate(self, affiliate_id: str, affiliate: Mapping[str, Any]) -> None:
        """Creates or replaces the affiliate (VTEX answers 204); safe to repeat with the same body."""
        self._request("PUT", f"/api/fulfillment/pvt/affiliates/{_seg(affiliate_id)}", body=dict(affiliate))


def _placed_order(data: Any, marketplace_order_id: str, status: int, path: str) -> PlacedOrder:
    """Read either reply shape: an array of orders, or an object `{orderId, ..., orderData?}`."""
    candidate: Any = None
    if isinstance(data, list):
        matching = [o for o in data if isinstance(o, dict) and o.get("marketplaceOrderId") == marketplace_order_id]
        candidate = (matching or [o for o in data if isinstance(o, dict)] or [None])[0]
    elif isinstance(data, dict):
        inner = data.get("orderData")
        if isinstance(inner, list):
            inner = inner[0] if inner else None
        candidate = {**inner, **{k: v for k, v in data.items() if k != "orderData" and v is not None}} \
            if isinstance(inner, dict) else data
        if isinstance(candidate.get("orders"), list) and candidate["orders"] and not candidate.get("orderId"):
            candidate = {**candidate["orders"][0], **{k: v for k, v in candidate.items() if k != "orders"}}
    if not isinstance(candidate, dict) or not candidate.get("orderId"):
        raise VtexApiError(status, "NO_ORDER_ID", "place-order reply has no orderId", method="POST", path=path)
    candidate.setdefault("marketplaceOrderId", marketplace_order_id)
    return PlacedOrder.model_validate(candidate)
