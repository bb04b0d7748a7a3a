"""The Python `LambdaTiktok`: what the PHP backend's `components/LambdaTiktok.php` does, one method per
legacy operation, each sending the legacy payload to the legacy function name with InvocationType=Event.

Arguments are validated (pydantic) before anything is sent; the function name is `<prefix><legacy name>`
(`FUNCTION_PREFIX`, default `integracao-tik-tok-`). boto3 reads AWS_ENDPOINT_URL(_LAMBDA), so the same
calls reach AWS or the local stack's Invoke API. Every target function is in template.yaml; a stack that
lacks one (an older deployment, a wrong FUNCTION_PREFIX) raises FunctionNotDeployed naming it, with the
prefix to check; nothing is sent.

Payloads come from ../shared/reference/legacy-system.md. Where the doc gives a method's arguments but not
its payload (`documented=False` below), the payload is our reading of the arguments, in the doc's camelCase
convention; each target function's own parser accepts it (tests/unit/operations/test_lambda_tiktok.py).
Payloads can hold buyer data (an NF-e names the buyer): results carry sizes, never the payload itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tiktok_vtex.dispatch import SQS_MESSAGE_LIMIT, AsyncInvoker, DispatchError, FunctionNotDeployed

DEFAULT_FUNCTION_PREFIX = "integracao-tik-tok-"
ASYNC_PAYLOAD_LIMIT = SQS_MESSAGE_LIMIT  # Lambda's async invoke limit is 256 KB too

ClientHash = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
TikTokId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


class InvalidArguments(ValueError):
    """The operation's arguments were refused; the message names each field and why (never its value)."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    client_hash: ClientHash


class ClientArgs(_Args):
    pass


class FeedArgs(_Args):
    url: str = Field(min_length=1, max_length=2048, pattern=r"^(https?|s3)://\S+$",
                     description="the client's feed (tik_tok_shop_feed_link)")
    warehouse_id: TikTokId = Field(description="the TikTok warehouse (tik_tok_shop_warehouse_id)")


class CompareFeedsArgs(_Args):
    old_xml: str = Field(min_length=1, description="old feed: inline XML, an s3:// object or an https:// URL")
    new_xml: str = Field(min_length=1, description="new feed: inline XML, an s3:// object or an https:// URL")


class OrderArgs(_Args):
    order_id: TikTokId


class GetOrderArgs(_Args):
    order_status: str | None = Field(default=None, pattern=r"^[A-Z_]{3,40}$")
    create_time_ge: int | None = Field(default=None, ge=0)
    create_time_lt: int | None = Field(default=None, ge=0)
    order_ids: list[TikTokId] = Field(default_factory=list, max_length=50)
    page_size: int | None = Field(default=None, ge=1, le=100)


class PackageArgs(OrderArgs):
    package_id: TikTokId


class InvoiceArgs(OrderArgs):
    package_id: TikTokId | None = None
    invoice_xml: str = Field(min_length=1)

    @field_validator("invoice_xml")
    @classmethod
    def _looks_like_xml(cls, value: str) -> str:
        if not value.lstrip().startswith("<"):
            raise ValueError("must be the NF-e XML itself (it starts with '<')")
        return value


def _generate_products(a: FeedArgs) -> dict[str, Any]:
    return {"type": "triggerPrepareProductList", "client_hash": a.client_hash, "url": a.url,
            "warehouse_id": a.warehouse_id}


def _sandbox_products(a: FeedArgs) -> dict[str, Any]:
    # PRODUTOS-lista-produtos' own message (tiktok_vtex.catalog.messages.SendProductSandbox): the seller's feed
    # listed in the integrator's test shop, which the function's CATALOG_TRIAL_CLIENT_HASH setting names.
    return {"type": "triggerSendProductSandbox", "clientHash": a.client_hash, "url": a.url,
            "warehouse_id": a.warehouse_id}


def _get_order(a: GetOrderArgs) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": "triggerGetOrder", "clientHash": a.client_hash}
    optional = {"orderStatus": a.order_status, "createTimeGe": a.create_time_ge, "createTimeLt": a.create_time_lt,
                "pageSize": a.page_size, "orderIds": a.order_ids or None}
    payload.update({k: v for k, v in optional.items() if v is not None})
    return payload


def _invoice(a: InvoiceArgs) -> dict[str, Any]:
    payload = {"clientHash": a.client_hash, "orderId": a.order_id, "invoiceXml": a.invoice_xml}
    if a.package_id:
        payload["packageId"] = a.package_id
    return payload


@dataclass(frozen=True)
class Operation:
    name: str  # CLI name
    legacy_method: str  # LambdaTiktok.php method
    function: str  # legacy function name without the prefix
    args: type[_Args]
    payload: Callable[[Any], dict[str, Any]]
    summary: str
    documented: bool = True  # False: the legacy doc names the arguments, not the payload


OPERATIONS: dict[str, Operation] = {op.name: op for op in [
    Operation("generate-products", "dispatchGenerateProducts", "PRODUTOS-lista-produtos", FeedArgs,
              _generate_products, "list the client's feed on TikTok"),
    Operation("update-products", "dispatchUpdateProducts", "PRODUTOS-compara-xml", CompareFeedsArgs,
              lambda a: {"clientHash": a.client_hash, "oldXml": a.old_xml, "newXml": a.new_xml},
              "send only what changed between two feeds", documented=False),
    Operation("search-images-vtex", "dispatchSearchImagesVtex", "VTEX-PRODUTO-ADDITIONAL-IMAGES-XML", ClientArgs,
              lambda a: {"clientHash": a.client_hash}, "add the VTEX SKU images the feed lacks",
              documented=False),
    Operation("generate-brands", "dispatchGenerateBrands", "BRANDS-VTEX", ClientArgs,
              lambda a: {"type": "triggerPrepareBrandData", "clientHash": a.client_hash},
              "copy the VTEX brands and create them on TikTok"),
    Operation("prepare-stock", "dispatchPrepareStock", "ESTOQUE-VTEX-atualizacao-estoque", ClientArgs,
              lambda a: {"type": "triggerPrepareStock", "clientHash": a.client_hash},
              "sync every SKU's stock VTEX -> TikTok"),
    Operation("prepare-list-price", "dispatchPrepareListPrice", "PRECO-VTEX-monta-lista-sku", ClientArgs,
              lambda a: {"type": "triggerPrepareListPrice", "clientHash": a.client_hash},
              "sync every SKU's price VTEX -> TikTok"),
    Operation("send-order", "dispatchSendOrder", "PEDIDOS-novo-pedido-TTK", OrderArgs,
              lambda a: {"clientHash": a.client_hash, "orderId": a.order_id, "type": "triggerNewOrderInTTK"},
              "create a TikTok order in VTEX (exactly once)"),
    Operation("get-order", "dispatchGetOrder", "BUSCA-PEDIDOS-TESTE", GetOrderArgs, _get_order,
              "search the shop's TikTok orders (support)"),
    Operation("generate-order-hook", "dispatchGenerateOrderHook", "ORDERHOOK-MANAGEMENT", ClientArgs,
              lambda a: {"clientHash": a.client_hash}, "configure the client's VTEX order hook",
              documented=False),
    Operation("package", "dispatchPackage", "SHIPPING-PACKAGE", PackageArgs,
              lambda a: {"clientHash": a.client_hash, "orderId": a.order_id, "packageId": a.package_id},
              "ship a package whose invoice TikTok accepted"),
    Operation("send-product-sandbox", "dispatchSendProductSandbox", "PRODUTOS-lista-produtos", FeedArgs,
              _sandbox_products, "list a client's feed on the integrator's test shop first",
              documented=False),
    Operation("upload-invoice", "uploadInvoice", "INVOICE", InvoiceArgs, _invoice,
              "upload an NF-e for a TikTok order (what the backend invokes after invoicing)"),
]}


class UnknownOperation(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown operation {name!r}; one of: {', '.join(sorted(OPERATIONS))}")


@dataclass(frozen=True)
class Dispatched:
    operation: str
    function_name: str
    payload_bytes: int
    payload_keys: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "function": self.function_name, "payload_bytes": self.payload_bytes,
                "payload_keys": list(self.payload_keys), "invocation_type": "Event"}


def _refusal(error: ValidationError) -> str:
    # Field and reason only: an input value may be an NF-e with buyer data.
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors()]
    return "; ".join(parts)


class LambdaTiktok:
    """`dispatch*` methods of the legacy backend component; `dispatch(name, **arguments)` for the CLI."""

    def __init__(self, function_prefix: str = DEFAULT_FUNCTION_PREFIX, lambda_client: Any | None = None) -> None:
        self.function_prefix = function_prefix
        self._lambda = lambda_client

    def function_name(self, operation: str) -> str:
        return f"{self.function_prefix}{self.operation(operation).function}"

    @staticmethod
    def operation(name: str) -> Operation:
        try:
            return OPERATIONS[name]
        except KeyError:
            raise UnknownOperation(name) from None

    @classmethod
    def payload(cls, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The exact legacy payload for these arguments (InvalidArguments if they are refused)."""
        op = cls.operation(name)
        try:
            args = op.args.model_validate(dict(arguments))
        except ValidationError as error:
            raise InvalidArguments(f"{name}: {_refusal(error)}") from None
        payload = op.payload(args)
        size = len(json.dumps(payload, separators=(",", ":")).encode())
        if size > ASYNC_PAYLOAD_LIMIT:
            raise InvalidArguments(f"{name}: payload of {size} bytes exceeds the 256 KB async invoke limit "
                                   "(pass s3:// or https:// locations instead of inline XML)")
        return payload

    def dispatch(self, name: str, **arguments: Any) -> Dispatched:
        op = self.operation(name)
        payload = self.payload(name, arguments)
        function_name = self.function_name(name)
        try:
            AsyncInvoker(function_name, self._lambda).send([payload])
        except FunctionNotDeployed as error:
            detail = (f" (the {op.legacy_method} target; check FUNCTION_PREFIX={self.function_prefix!r} and that the "
                      "stack is deployed from this template.yaml)")
            raise FunctionNotDeployed(function_name, error.failed, detail) from None
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Dispatched(name, function_name, len(body), tuple(payload))

    # --- the legacy methods, by their PHP names' meaning ------------------------------------------------
    def dispatch_generate_products(self, client_hash: str, url: str, warehouse_id: str) -> Dispatched:
        return self.dispatch("generate-products", client_hash=client_hash, url=url, warehouse_id=warehouse_id)

    def dispatch_update_products(self, client_hash: str, old_xml: str, new_xml: str) -> Dispatched:
        return self.dispatch("update-products", client_hash=client_hash, old_xml=old_xml, new_xml=new_xml)

    def dispatch_search_images_vtex(self, client_hash: str) -> Dispatched:
        return self.dispatch("search-images-vtex", client_hash=client_hash)

    def dispatch_generate_brands(self, client_hash: str) -> Dispatched:
        return self.dispatch("generate-brands", client_hash=client_hash)

    def dispatch_prepare_stock(self, client_hash: str) -> Dispatched:
        return self.dispatch("prepare-stock", client_hash=client_hash)

    def dispatch_prepare_list_price(self, client_hash: str) -> Dispatched:
        return self.dispatch("prepare-list-price", client_hash=client_hash)

    def dispatch_send_order(self, client_hash: str, order_id: str) -> Dispatched:
        return self.dispatch("send-order", client_hash=client_hash, order_id=order_id)

    def dispatch_get_order(self, client_hash: str, **filters: Any) -> Dispatched:
        return self.dispatch("get-order", client_hash=client_hash, **filters)

    def dispatch_generate_order_hook(self, client_hash: str) -> Dispatched:
        return self.dispatch("generate-order-hook", client_hash=client_hash)

    def dispatch_package(self, client_hash: str, order_id: str, package_id: str) -> Dispatched:
        return self.dispatch("package", client_hash=client_hash, order_id=order_id, package_id=package_id)

    def dispatch_send_product_sandbox(self, client_hash: str, url: str, warehouse_id: str) -> Dispatched:
        return self.dispatch("send-product-sandbox", client_hash=client_hash, url=url, warehouse_id=warehouse_id)

    def upload_invoice(self, client_hash: str, order_id: str, invoice_xml: str,
                       package_id: str | None = None) -> Dispatched:
        return self.dispatch("upload-invoice", client_hash=client_hash, order_id=order_id, invoice_xml=invoice_xml,
                             package_id=package_id)


__all__ = ["OPERATIONS", "DispatchError", "Dispatched", "FunctionNotDeployed", "InvalidArguments", "LambdaTiktok",
           "Operation", "UnknownOperation"]
