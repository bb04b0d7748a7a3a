"""Affiliate notifications of the VTEX sandbox: VTEX POSTs `{searchURIEndpoint}/api/notification/` for every
SKU whose stock, price or catalog data changed (../shared/reference/vtex-api.md 5.2).

What VTEX does and the sandbox reproduces: one notification per SKU change and affiliate, sent after the
change is committed, from background workers (so deliveries may overlap and arrive out of order: the
consumer orders them by `DateModified`); a delivery that does not answer 2xx is retried with growing
delays, then given up. Knobs a test or the demo turns (`POST /sandbox/notifications/config`): `drop_rate`
(a share of notifications silently never sent, as a lost delivery in production: the nightly run must
repair it), `casing` (`current` = `idSKU`/`an`/`isActive`, `legacy` = `IdSku`/`An`/`IsActive`, the two
spellings the sources show), `retry_delays`. Every delivery and attempt is recorded
(`GET /sandbox/state/notifications`).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

from .delivery import Delivery, DeliveryWorkers
from .records import now_iso

CASINGS = ("current", "legacy")


def notification_path(endpoint: str) -> str:
    """Where VTEX posts for an affiliate's search endpoint: `{endpoint}/api/notification/`."""
    return endpoint.rstrip("/") + "/api/notification/"


def notification_body(*, casing: str, sku_id: int, product_id: int, account: str, affiliate_id: str,
                      is_active: bool, stock: bool, price: bool, sku: bool, removed: bool) -> dict[str, Any]:
    if casing == "legacy":
        return {"IdSku": str(sku_id), "ProductId": product_id, "An": account, "IdAffiliate": affiliate_id,
                "DateModified": now_iso(), "IsActive": is_active, "StockModified": stock, "PriceModified": price,
                "HasStockKeepingUnitModified": sku, "HasStockKeepingUnitRemovedFromAffiliate": removed}
    return {"idSKU": str(sku_id), "productId": product_id, "an": account, "idAffiliate": affiliate_id,
            "DateModified": now_iso(), "isActive": is_active, "StockModified": stock, "PriceModified": price,
            "HasStockKeepingUnitModified": sku, "HasStockKeepingUnitRemovedFromAffiliate": removed}


class AffiliateNotifier:
    """Affiliates (the fulfillment API's records) and the notifications VTEX sends them."""

    def __init__(self, account: str, *, committed: Callable[[], AbstractContextManager[Any]],
                 retry_delays: Sequence[float] = (0.5, 1.0, 2.0), workers: int = 4, timeout: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep, seed: int = 16) -> None:
        self.account = account
        self._committed = committed  # the store's lock: a delivery leaves once the change that caused it is done
        self.retry_delays = list(retry_delays)
        self.drop_rate = 0.0
        self.casing = "current"
        self._random = random.Random(seed)  # a simulation's dice, not a secret
        self._lock = threading.Lock()
        self.affiliates: dict[str, dict[str, Any]] = {}
        self.deliveries: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._workers = DeliveryWorkers("vtex-sandbox-affiliate", lock=self._lock,
                                        retry_delays=lambda: self.retry_delays, workers=workers, timeout=timeout,
                                        sleep=sleep, before=self._after_commit)

    # --- affiliates ------------------------------------------------------------------------------

    def put_affiliate(self, affiliate_id: str, record: Mapping[str, Any]) -> None:
        with self._lock:
            self.affiliates[affiliate_id] = {"id": affiliate_id, **record}

    def get_affiliate(self, affiliate_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self.affiliates.get(affiliate_id)
            return dict(found) if found else None

    def delete_affiliate(self, affiliate_id: str) -> bool:
        with self._lock:
            return self.affiliates.pop(affiliate_id, None) is not None

    def configure(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            if "drop_rate" in body:
                rate = body["drop_rate"]
                if isinstance(rate, bool) or not isinstance(rate, int | float | Decimal) or not 0 <= rate <= 1:
                    raise ValueError("drop_rate must be a number from 0 to 1")
                self.drop_rate = float(rate)
            if "casing" in body:
                if body["casing"] not in CASINGS:
                    raise ValueError(f"casing must be one of {', '.join(CASINGS)}")
                self.casing = str(body["casing"])
            if "retry_delays" in body:
                delays = body["retry_delays"]
                if not isinstance(delays, list) or not all(
                        not isinstance(d, bool) and isinstance(d, int | float | Decimal) and d >= 0 for d in delays):
                    raise ValueError("retry_delays must be a list of non-negative numbers")
                self.retry_delays = [float(d) for d in delays]
            if "seed" in body:
                self._random.seed(int(body["seed"]))
            return self.settings()

    def settings(self) -> dict[str, Any]:
        return {"drop_rate": self.drop_rate, "casing": self.casing, "retry_delays": list(self.retry_delays)}

    # --- changes -> deliveries ---------------------------------------------------------------------

    def changed(self, sku_id: int, product_id: int, *, is_active: bool, stock: bool = False, price: bool = False,
                sku: bool = False, removed: bool = False) -> None:
        """One SKU changed: a notification to every affiliate with a search endpoint."""
        with self._lock:
            targets = [a for a in self.affiliates.values() if a.get("searchURIEndpoint")]
            for affiliate in targets:
                delivery = {
                    "id": next(self._ids),
                    "affiliateId": affiliate["id"],
                    "skuId": sku_id,
                    "url": notification_path(affiliate["searchURIEndpoint"]),
                    "payload": notification_body(casing=self.casing, sku_id=sku_id, product_id=product_id,
                                                 account=self.account, affiliate_id=affiliate["id"],
                                                 is_active=is_active, stock=stock, price=price, sku=sku,
                                                 removed=removed),
                    "attempts": [],
                    "delivered": False,
                    "dropped": self.drop_rate > 0 and self._random.random() < self.drop_rate,
                    "pending": True,
                }
                self.deliveries.append(delivery)
                if delivery["dropped"]:
                    delivery["pending"] = False
                    continue
                self._workers.put(delivery)

    def _after_commit(self, _delivery: Delivery) -> None:
        with self._committed():  # the change that caused it is committed before VTEX tells anyone
            pass

    # --- admin ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            # the search endpoint carries the connector's per-client secret: shown without its path
            deliveries = [{**d, "url": d["url"].split("/vtex/")[0] + "/...", "attempts": list(d["attempts"])}
                          for d in self.deliveries]
        return {
            "sent": sum(1 for d in deliveries if d["attempts"]),
            "delivered": sum(1 for d in deliveries if d["delivered"]),
            "dropped": sum(1 for d in deliveries if d["dropped"]),
            "pending": sum(1 for d in deliveries if d["pending"]),
            "deliveries": deliveries,
        }

    def idle(self) -> bool:
        with self._lock:
            return not any(d["pending"] for d in self.deliveries)

    def clear(self, *, affiliates: bool = True) -> None:
        with self._lock:
            self.deliveries.clear()
            if affiliates:  # a reset: everything back to the start
                self.affiliates.clear()
                self.drop_rate = 0.0
                self.casing = "current"

    def close(self) -> None:
        self._workers.close()
