"""The sandbox's state: shops, auth codes, tokens, catalog, orders, packages, after-sales, webhooks.

One lock guards everything; handlers run under it. Business time (`now()`) is the wall clock plus an
offset that `/sandbox/clock` advances, so token and auth-code expiry can be tested without waiting;
the signature timestamp window always uses the real wall clock (the caller's clock is real too).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import build_categories

ACCESS_TOKEN_TTL = 7 * 24 * 3600
REFRESH_TOKEN_TTL = 365 * 24 * 3600  # reference: ~1 year, UNCONFIRMED
AUTH_CODE_TTL = 30 * 60
BRANDS_PER_DAY = 50
DEFAULT_GRANTED_SCOPES = [
    "seller.authorization.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.logistics",
    "seller.return_refund.basic",
    "seller.finance.info",
]


@dataclass
class Fault:
    endpoint: str
    error_rate_5xx: float = 0.0
    rate_429: float = 0.0
    timeout: float = 0.0
    timeout_seconds: float = 2.0
    latency_ms: int = 0
    count: int | None = None  # apply to this many matching calls, then stop (None = forever)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class Sandbox:
    app_key: str
    app_secret: str
    env: Mapping[str, str]
    wall_clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    qps: float = 50.0
    auto_approve: bool = True
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.offset = 0.0
        self.calls: Counter[str] = Counter()
        self.faults: dict[str, Fault] = {}
        self.buckets: dict[tuple[str, str, str], Bucket] = {}
        self.invoice_outcome = "SUCCESS"
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        with self.lock:
            self.shops: dict[str, dict[str, Any]] = {}
            self.auth_codes: dict[str, dict[str, Any]] = {}
            self.access_tokens: dict[str, dict[str, Any]] = {}
            self.refresh_tokens: dict[str, dict[str, Any]] = {}
            self.products: dict[str, dict[str, Any]] = {}
            self.brands: dict[str, dict[str, Any]] = {}
            self.brand_creations: Counter[tuple[str, str]] = Counter()
            self.images: dict[str, dict[str, Any]] = {}
            self.files: dict[str, dict[str, Any]] = {}  # the seller's web host (admin /sandbox/files)
            self.orders: dict[str, dict[str, Any]] = {}
            self.packages: dict[str, dict[str, Any]] = {}
            self.invoices: dict[str, dict[str, Any]] = {}
            self.cancellations: dict[str, dict[str, Any]] = {}
            self.returns: dict[str, dict[str, Any]] = {}
            self.webhooks: dict[str, dict[str, dict[str, Any]]] = {}
            self.deliveries: list[dict[str, Any]] = []
            self.categories = build_categories()
            self._ids = itertools.count(1_000_001)
            for brand_id, name in [
                ("7082427311584347905", "Natura"),
                ("7082427311584347906", "Tramontina"),
                ("7082427311584347907", "Havaianas"),
            ]:
                self.brands[brand_id] = {
                    "id": brand_id,
                    "name": name,
                    "authorized_status": "UNAUTHORIEZD",  # sic: TikTok's spelling
                    "is_t1_brand": True,
                    "brand_status": "AVAILABLE",
                    "owner": None,
                }
            env = self.env
            if env.get("DEMO_SHOP_ID"):
                self.add_shop(
                    shop_id=env["DEMO_SHOP_ID"],
                    name=env.get("DEMO_SHOP_NAME", "Demo shop"),
                    code=env.get("DEMO_SHOP_CODE", "BRDEMO"),
                    warehouse_id=env.get("DEMO_TIKTOK_WAREHOUSE_ID"),
                )

    # ------------------------------------------------------------------ time and ids

    def now(self) -> int:
        return int(self.wall_clock() + self.offset)

    def new_id(self, prefix: int) -> str:
        """Numeric ids of TikTok's length (19 digits); `prefix` keeps kinds apart."""
        return f"{prefix}{next(self._ids):0{19 - len(str(prefix))}d}"

    # ------------------------------------------------------------------ shops

    def add_shop(
        self,
        *,
        shop_id: str | None = None,
        name: str = "Loja Sandbox",
        code: str | None = None,
        cipher: str | None = None,
        region: str = "BR",
        seller_type: str = "LOCAL",
        open_id: str | None = None,
        seller_name: str | None = None,
        warehouse_id: str | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            shop_id = shop_id or self.new_id(749)
            digest = hashlib.sha256(shop_id.encode()).digest()
            cipher = cipher or "ROW_" + base64.b32encode(digest[:20]).decode().rstrip("=")
            code = code or "BR" + base64.b32encode(digest[20:27]).decode()[:10]
            warehouse_id = warehouse_id or "73" + shop_id[-17:].rjust(17, "0")
            shop = {
                "id": shop_id,
                "name": name,
                "region": region,
                "seller_type": seller_type,
                "cipher": cipher,
                "code": code,
                "open_id": open_id or "oid_" + hashlib.sha256(shop_id.encode()).hexdigest()[:16],
                "seller_name": seller_name or name,
                "warehouses": [
                    {
                        "id": warehouse_id,
                        "name": f"{name} - CD principal",
                        "effect_status": "ENABLED",
                        "type": "SALES_WAREHOUSE",
                        "sub_type": "DOMESTIC_WAREHOUSE",
                        "is_default": True,
                        "address": {
                            "region": "BR",
                            "state": "SP",
                            "city": "São Paulo",
                            "postal_code": "01310-100",
                            "full_address": "Av. Paulista, 1000, São Paulo - SP",
                        },
                    },
                    {
                        "id": "74" + warehouse_id[2:],
                        "name": f"{name} - Devoluções",
                        "effect_status": "ENABLED",
                        "type": "RETURN_WAREHOUSE",
                        "sub_type": "DOMESTIC_WAREHOUSE",
                        "is_default": False,
                        "address": {
                            "region": "BR",
                            "state": "SP",
                            "city": "São Paulo",
                            "postal_code": "01310-100",
                            "full_address": "Av. Paulista, 1000, São Paulo - SP",
                        },
                    },
                ],
            }
            self.shops[shop_id] = shop
            return shop

    def shop_by_cipher(self, cipher: str) -> dict[str, Any] | None:
        return next((s for s in self.shops.values() if s["cipher"] == cipher), None)

    def sales_warehouses(self, shop: Mapping[str, Any]) -> set[str]:
        return {w["id"] for w in shop["warehouses"] if w["type"] == "SALES_WAREHOUSE"}

    def default_warehouse(self, shop: Mapping[str, Any]) -> str:
        return next(w["id"] for w in shop["warehouses"] if w["is_default"])

    # ------------------------------------------------------------------ auth

    def issue_auth_code(self, shop_id: str) -> str:
        with self.lock:
            code = "ROW_" + secrets.token_urlsafe(24)
            self.auth_codes[code] = {"shop_id": shop_id, "issued_at": self.now(), "used": False}
            return code

    def issue_tokens(self, shop_id: str) -> dict[str, Any]:
        with self.lock:
            shop = self.shops[shop_id]
            now = self.now()
            access, refresh = "TTP_" + secrets.token_urlsafe(32), "TTP_" + secrets.token_urlsafe(32)
            self.access_tokens[access] = {
                "open_id": shop["open_id"],
                "shop_id": shop_id,
                "issued_at": now,
                "expires_at": now + ACCESS_TOKEN_TTL,
                "revoked": False,
            }
            self.refresh_tokens[refresh] = {
                "open_id": shop["open_id"],
                "shop_id": shop_id,
                "issued_at": now,
                "expires_at": now + REFRESH_TOKEN_TTL,
                "revoked": False,
            }
            return self.grant(access, refresh)

    def refresh(self, refresh: str) -> dict[str, Any]:
        with self.lock:
            record = self.refresh_tokens[refresh]
            now = self.now()
            access = "TTP_" + secrets.token_urlsafe(32)
            self.access_tokens[access] = {
                "open_id": record["open_id"],
                "shop_id": record["shop_id"],
                "issued_at": now,
                "expires_at": now + ACCESS_TOKEN_TTL,
                "revoked": False,
            }
            return self.grant(access, refresh)

    def grant(self, access: str, refresh: str) -> dict[str, Any]:
        a, r = self.access_tokens[access], self.refresh_tokens[refresh]
        shop = self.shops[a["shop_id"]]
        return {
            "access_token": access,
            "access_token_expire_in": a["expires_at"],
            "refresh_token": refresh,
            "refresh_token_expire_in": r["expires_at"],
            "open_id": shop["open_id"],
            "seller_name": shop["seller_name"],
            "seller_base_region": shop["region"],
            "user_type": 0,
            "granted_scopes": list(DEFAULT_GRANTED_SCOPES),
        }

    def shops_of(self, open_id: str) -> list[dict[str, Any]]:
        return [s for s in self.shops.values() if s["open_id"] == open_id]

    def revoke(self, shop_id: str) -> int:
        with self.lock:
            count = 0
            for table in (self.access_tokens, self.refresh_tokens):
                for record in table.values():
                    if record["shop_id"] == shop_id and not record["revoked"]:
                        record["revoked"] = True
                        count += 1
            return count

    # ------------------------------------------------------------------ rate limit and faults

    def take_token(self, app_key: str, shop: str, endpoint: str) -> bool:
        with self.lock:
            key = (app_key, shop, endpoint)
            now = self.monotonic()
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = Bucket(self.qps, now)
            bucket.tokens = min(self.qps, bucket.tokens + max(0.0, now - bucket.updated) * self.qps)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True
            return False

    def fault_for(self, endpoint: str) -> Fault | None:
        _method, _, template = endpoint.partition(" ")
        for key in (endpoint, template, "*"):
            fault = self.faults.get(key)
            if fault is not None and (fault.count is None or fault.count > 0):
                return fault
        return None

    # ------------------------------------------------------------------ snapshots

    def token_status(self) -> list[dict[str, Any]]:
        """Tokens without their values: a short hash identifies them in assertions."""
        now = self.now()
        rows = []
        for kind, table in (("access", self.access_tokens), ("refresh", self.refresh_tokens)):
            for value, record in table.items():
                status = "revoked" if record["revoked"] else ("expired" if now >= record["expires_at"] else "active")
                rows.append(
                    {
                        "kind": kind,
                        "fingerprint": hashlib.sha256(value.encode()).hexdigest()[:12],
                        "shop_id": record["shop_id"],
                        "issued_at": record["issued_at"],
                        "expires_at": record["expires_at"],
                        "status": status,
                    }
                )
        return rows
