"""Pydantic models of TikTok pushes, one per type (reference tiktok-shop-api.md 4.2/4.3), plus our type 99.

Envelope: {type, tts_notification_id, shop_id, timestamp, data}. `data` is validated by the model of its
type; unknown types keep their data as a dict (acknowledged and recorded, never retried forever).
Ids arrive as strings or numbers depending on the topic (type 5 sends product_id as a number): both are
accepted and stored as strings.

Hostile input is refused here, before anything is stored (issue 10, defect 13): the whole document is
walked once (iteratively: no RecursionError) and must stay within what DynamoDB and our logs can hold:
nesting depth, numbers DynamoDB can store (38 significant digits, 1E-130..9.9E+125, finite), strings
that encode to UTF-8 (no lone surrogates), key-sized ids (shop_id and tts_notification_id become parts of
DynamoDB keys: partition key <= 2048 bytes, sort key <= 1024), `type` a real integer (never a boolean).
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

MAX_DEPTH = 16  # DynamoDB allows 32 levels in an item; a push nests 3-4
MAX_INT = 10**38 - 1  # DynamoDB numbers: 38 significant digits
MIN_FLOAT, MAX_FLOAT = 1e-130, 9.9e125
MAX_UNIX_TIME = 10**13  # seconds (or milliseconds) since 1970, far beyond any real date
MAX_TYPE = 9999


def _to_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):  # `true` is not 1 (bool is an int subclass: pydantic would take it)
        raise ValueError("must be an integer, not a boolean")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) <= 20:
        return int(value.strip())
    return value


Id = Annotated[str, BeforeValidator(_to_str), Field(min_length=1, max_length=64)]
UnixTime = Annotated[int, BeforeValidator(_to_int), Field(ge=0, le=MAX_UNIX_TIME)]
# Parts of DynamoDB keys (ledger partition, event_key sort key, shop GSI): short and printable ASCII.
ShopId = Annotated[str, BeforeValidator(_to_str), Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
NotificationId = Annotated[str, BeforeValidator(_to_str),
                           Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]


class PushType(IntEnum):
    ORDER_STATUS = 1
    REVERSE_STATUS = 2
    RECIPIENT_ADDRESS = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS = 5
    SELLER_DEAUTHORIZATION = 6
    AUTHORIZATION_EXPIRING = 7
    CANCELLATION_STATUS = 11
    RETURN_STATUS = 12
    PRODUCT_INFORMATION = 15
    PRODUCT_CREATION = 16
    INVENTORY_STATUS = 27
    INVOICE_STATUS = 36
    PRODUCT_AUDIT = 37
    VTEX_ORDER_CREATED = 99


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow")


class OrderStatusData(_Data):
    order_id: Id
    order_status: str = Field(min_length=1)
    is_on_hold_order: bool = False
    update_time: UnixTime


class ReverseStatusData(_Data):
    """Type 2 (legacy reverse flow): payload not documented in the current API; order_id is required."""

    order_id: Id
    reverse_order_status: Any = None
    reverse_event_type: str | None = None
    reverse_type: Any = None
    update_time: UnixTime | None = None


class RecipientAddressData(_Data):
    order_id: Id
    update_time: UnixTime | None = None


class PackageRef(_Data):
    package_id: Id
    order_id_list: list[Id] = Field(default_factory=list)


class PackageUpdateData(_Data):
    sc_type: str | None = None
    role_type: str | None = None
    package_list: list[PackageRef] = Field(min_length=1)
    update_time: UnixTime | None = None


class ProductStatusData(_Data):
    product_id: Id
    status: str = Field(min_length=1)
    suspended_reason: str | None = None
    update_time: UnixTime | None = None


class DeauthorizationData(_Data):
    message: str | None = None


class AuthorizationExpiringData(_Data):
    message: str | None = None
    expiration_time: UnixTime


class CancellationData(_Data):
    order_id: Id
    cancellations_role: str | None = None
    cancel_status: str = Field(min_length=1)
    cancel_id: Id | None = None
    create_time: UnixTime | None = None
    update_time: UnixTime | None = None


class ReturnData(_Data):
    order_id: Id
    return_role: str | None = None
    return_type: str | None = None
    return_status: str = Field(min_length=1)
    return_id: Id | None = None
    create_time: UnixTime | None = None
    update_time: UnixTime | None = None


class ProductInformationData(_Data):
    product_id: Id
    change_source: str | None = None
    changed_fields: list[str] = Field(default_factory=list)
    update_time: UnixTime | None = None


class ProductCreationData(_Data):
    product_id: Id
    product_types: list[str] = Field(default_factory=list)
    update_time: UnixTime | None = None


class InventoryStatusData(_Data):
    product_id: Id
    sku_id: Id
    current_inventory_status: str | None = None
    trigger_reason: dict[str, Any] | None = None
    inventory_distribution: dict[str, Any] | None = None
    update_time: UnixTime | None = None


class InvoiceStatusData(_Data):
    package_id: Id
    order_ids: list[Id] = Field(min_length=1)
    invoice_status: str = Field(min_length=1)
    invalid_reason: str | None = None


class AuditInfo(_Data):
    status: str = Field(min_length=1)
    pre_approved_reasons: list[str] = Field(default_factory=list)


class ProductAuditData(_Data):
    product_id: Id
    audit: AuditInfo
    integrated_platform_statuses: Any = None
    update_time: UnixTime | None = None


class VtexOrderCreatedData(_Data):
    """Our own type 99 (legacy field names kept: order_group_VTEX, order_id_TTK, order_status_vtex)."""

    client_hash: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    order_group_VTEX: Id
    order_id_TTK: Id
    order_status_vtex: str = Field(min_length=1)


DATA_MODELS: dict[int, type[_Data]] = {
    PushType.ORDER_STATUS: OrderStatusData,
    PushType.REVERSE_STATUS: ReverseStatusData,
    PushType.RECIPIENT_ADDRESS: RecipientAddressData,
    PushType.PACKAGE_UPDATE: PackageUpdateData,
    PushType.PRODUCT_STATUS: ProductStatusData,
    PushType.SELLER_DEAUTHORIZATION: DeauthorizationData,
    PushType.AUTHORIZATION_EXPIRING: AuthorizationExpiringData,
    PushType.CANCELLATION_STATUS: CancellationData,
    PushType.RETURN_STATUS: ReturnData,
    PushType.PRODUCT_INFORMATION: ProductInformationData,
    PushType.PRODUCT_CREATION: ProductCreationData,
    PushType.INVENTORY_STATUS: InventoryStatusData,
    PushType.INVOICE_STATUS: InvoiceStatusData,
    PushType.PRODUCT_AUDIT: ProductAuditData,
    PushType.VTEX_ORDER_CREATED: VtexOrderCreatedData,
}


class Envelope(BaseModel):
    """The common part of every push. shop_id is required for TikTok types, absent on type 99."""

    model_config = ConfigDict(extra="allow")

    type: Annotated[int, BeforeValidator(_to_int), Field(ge=0, le=MAX_TYPE)]
    tts_notification_id: NotificationId | None = None
    shop_id: ShopId | None = None
    timestamp: UnixTime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Push(BaseModel):
    """A validated push: the envelope and its typed data (None for unknown types)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    envelope: Envelope
    data: _Data | None = None

    @property
    def type(self) -> int:
        return self.envelope.type

    @property
    def known(self) -> bool:
        return self.data is not None

    @property
    def shop_id(self) -> str | None:
        return self.envelope.shop_id

    def subject_ids(self) -> dict[str, str]:
        """Order / product ids carried by the push (ledger attributes)."""
        ids: dict[str, str] = {}
        data = self.data
        if data is None:
            return ids
        for name in ("order_id", "product_id"):
            value = getattr(data, name, None)
            if value:
                ids[name] = str(value)
        if isinstance(data, VtexOrderCreatedData):
            ids["order_id"] = data.order_id_TTK
        if isinstance(data, InvoiceStatusData) and data.order_ids:
            ids["order_id"] = data.order_ids[0]
        if isinstance(data, PackageUpdateData):
            orders = [o for p in data.package_list for o in p.order_id_list]
            if orders:
                ids["order_id"] = orders[0]
        return ids


class PushError(ValueError):
    """A push that cannot be accepted: the message says which field and why (no values echoed)."""


def describe(error: ValidationError, prefix: str = "") -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p)[:40] for p in item["loc"]) or "body"
        parts.append(safe_text(f"{prefix}{where}: {item['msg']}"))
    return "; ".join(parts)


def _number_error(value: int | float) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "an integer beyond 38 digits" if abs(value) > MAX_INT else None
    if not math.isfinite(value):
        return "a number that is not finite (NaN or Infinity)"
    if value != 0 and not MIN_FLOAT <= abs(value) <= MAX_FLOAT:
        return "a number outside 1E-130..9.9E+125"
    return None


def _string_error(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "a string that is not valid Unicode (lone surrogate)"
    return None


def check_document(document: Any) -> None:
    """Every value storable as is (see the module docstring); iterative, so any depth is safe to check.
    Raises PushError naming the problem and its path (field names only: never a value)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        where = ".".join(path) or "body"
        if len(path) > MAX_DEPTH:
            raise PushError(f"body: nested deeper than {MAX_DEPTH} levels")
        problem: str | None = None
        if isinstance(value, dict):
            for key, item in value.items():
                if (key_problem := _string_error(key)) is not None:
                    raise PushError(f"{where}: a field name is {key_problem}")
                stack.append((item, (*path, key[:40])))
        elif isinstance(value, list):
            stack.extend((item, (*path, str(index))) for index, item in enumerate(value))
        elif isinstance(value, int | float):
            problem = _number_error(value)
        elif isinstance(value, str):
            problem = _string_error(value)
        if problem is not None:
            raise PushError(f"{safe_text(where)}: {problem}")


def safe_text(text: str, limit: int = 200) -> str:
    """Text fit for a log line or a DynamoDB string: valid UTF-8, bounded."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def parse_push(document: Any) -> Push:
    """Validates the envelope and the data of its type. Raises PushError with a clear message."""
    if not isinstance(document, dict):
        raise PushError("body must be a JSON object")
    check_document(document)
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as error:
        raise PushError(describe(error)) from None
    model = DATA_MODELS.get(envelope.type)
    if envelope.type != PushType.VTEX_ORDER_CREATED and not envelope.shop_id:
        raise PushError("shop_id: field required")
    if model is None:
        return Push(envelope=envelope, data=None)
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as error:
        raise PushError(describe(error, "data.")) from None
    return Push(envelope=envelope, data=data)
