"""The Python LambdaTiktok: every legacy operation's payload, function name and invocation type against
the legacy contract (../shared/reference/legacy-system.md), and what happens when the function is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.unit.operations.conftest import RecordingLambda
from tiktok_vtex.dispatch import FunctionNotDeployed
from tiktok_vtex.lambda_tiktok import OPERATIONS, InvalidArguments, LambdaTiktok, UnknownOperation

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
HASH = "680b0418c0a43b6c829bb93659ceb3e5608830fc"
NFE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><nfeProc>...</nfeProc>"

# operation -> (arguments, expected function suffix, expected payload). The expected payloads are the
# legacy doc's (documented ones) or our reading of its arguments (documented=False).
CASES: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "generate-products": ({"client_hash": HASH, "url": "https://feeds.example.com/f.xml", "warehouse_id": "7068"},
                          "PRODUTOS-lista-produtos",
                          {"type": "triggerPrepareProductList", "client_hash": HASH,
                           "url": "https://feeds.example.com/f.xml", "warehouse_id": "7068"}),
    "update-products": ({"client_hash": HASH, "old_xml": "s3://b/old.xml", "new_xml": "s3://b/new.xml"},
                        "PRODUTOS-compara-xml",
                        {"clientHash": HASH, "oldXml": "s3://b/old.xml", "newXml": "s3://b/new.xml"}),
    "search-images-vtex": ({"client_hash": HASH}, "VTEX-PRODUTO-ADDITIONAL-IMAGES-XML", {"clientHash": HASH}),
    "generate-brands": ({"client_hash": HASH}, "BRANDS-VTEX",
                        {"type": "triggerPrepareBrandData", "clientHash": HASH}),
    "prepare-stock": ({"client_hash": HASH}, "ESTOQUE-VTEX-atualizacao-estoque",
                      {"type": "triggerPrepareStock", "clientHash": HASH}),
    "prepare-list-price": ({"client_hash": HASH}, "PRECO-VTEX-monta-lista-sku",
                           {"type": "triggerPrepareListPrice", "clientHash": HASH}),
    "send-order": ({"client_hash": HASH, "order_id": "580192503814523040"}, "PEDIDOS-novo-pedido-TTK",
                   {"clientHash": HASH, "orderId": "580192503814523040", "type": "triggerNewOrderInTTK"}),
    "get-order": ({"client_hash": HASH, "order_status": "AWAITING_SHIPMENT", "page_size": 20},
                  "BUSCA-PEDIDOS-TESTE",
                  {"type": "triggerGetOrder", "clientHash": HASH, "orderStatus": "AWAITING_SHIPMENT", "pageSize": 20}),
    "generate-order-hook": ({"client_hash": HASH}, "ORDERHOOK-MANAGEMENT", {"clientHash": HASH}),
    "package": ({"client_hash": HASH, "order_id": "580192503814523040", "package_id": "1153132168123859"},
                "SHIPPING-PACKAGE",
                {"clientHash": HASH, "orderId": "580192503814523040", "packageId": "1153132168123859"}),
    "send-product-sandbox": ({"client_hash": HASH, "url": "https://feeds.example.com/f.xml", "warehouse_id": "7068"},
                             "PRODUTOS-lista-produtos",
                             {"type": "triggerSendProductSandbox", "clientHash": HASH,
                              "url": "https://feeds.example.com/f.xml", "warehouse_id": "7068"}),
    "upload-invoice": ({"client_hash": HASH, "order_id": "580192503814523040", "package_id": "123456789",
                        "invoice_xml": NFE}, "INVOICE",
                       {"clientHash": HASH, "packageId": "123456789", "orderId": "580192503814523040",
                        "invoiceXml": NFE}),
}

LEGACY_METHODS = {"dispatchGenerateProducts", "dispatchUpdateProducts", "dispatchPrepareStock",
                  "dispatchPrepareListPrice", "dispatchSendOrder", "dispatchGenerateBrands", "dispatchSearchImagesVtex",
                  "dispatchGetOrder", "dispatchGenerateOrderHook", "dispatchPackage", "dispatchSendProductSandbox",
                  "uploadInvoice"}


def template_function_names() -> set[str]:
    """Legacy names (without the prefix) of every function in template.yaml."""
    marker = 'FunctionName: !Sub "${FunctionPrefix}'
    return {line.split(marker, 1)[1].split('"', 1)[0] for line in TEMPLATE.read_text().splitlines() if marker in line}


def test_every_legacy_operation_has_a_method_and_a_case() -> None:
    assert {op.legacy_method for op in OPERATIONS.values()} == LEGACY_METHODS
    assert set(CASES) == set(OPERATIONS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_payload_function_and_invocation_type(name: str) -> None:
    arguments, function, expected = CASES[name]
    fake = RecordingLambda()
    result = LambdaTiktok("pfx-", fake).dispatch(name, **arguments)
    (call,) = fake.calls
    assert call["FunctionName"] == f"pfx-{function}" == result.function_name
    assert call["InvocationType"] == "Event"
    sent = json.loads(call["Payload"])
    assert sent == expected
    # types as the legacy contract has them: ids are strings, never numbers
    assert all(isinstance(v, str) for k, v in sent.items() if k.lower().endswith(("id", "hash")))
    assert result.payload_bytes == len(call["Payload"]) and "nfeProc" not in json.dumps(result.as_dict())


class _Invoke:
    """A function's own invoke parser, where it is a function rather than one model."""

    def __init__(self, parse: Any) -> None:
        self._parse = parse

    def model_validate(self, payload: Any) -> Any:
        return self._parse(payload)


def _consumer_parsers() -> dict[str, Any]:
    from catalog import brands, images, updates

    from tiktok_vtex.catalog.messages import PrepareProductList, SendProductSandbox
    from tiktok_vtex.inventory.models import PrepareStock
    from tiktok_vtex.invoices.models import UploadInvoiceMessage
    from tiktok_vtex.orders.models import GetOrdersMessage, NewOrderMessage
    from tiktok_vtex.pricing.models import PrepareListPrice
    from tiktok_vtex.shipping.models import DispatchPackageMessage
    from tiktok_vtex.vtex_orders.hook_config import HookConfigMessage

    return {"prepare-stock": PrepareStock, "prepare-list-price": PrepareListPrice, "send-order": NewOrderMessage,
            "get-order": GetOrdersMessage, "package": DispatchPackageMessage, "upload-invoice": UploadInvoiceMessage,
            "generate-products": PrepareProductList, "send-product-sandbox": SendProductSandbox,
            "generate-brands": _Invoke(brands._vtex_invoke), "update-products": _Invoke(updates._parse_invoke),
            "search-images-vtex": _Invoke(images._parse_invoke), "generate-order-hook": HookConfigMessage}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_target_is_deployed_and_its_own_parser_accepts_the_payload(name: str) -> None:
    """Every legacy operation's target function is in template.yaml, and the payload we send is what that
    function's own parser (its invoke model) accepts, for the same client."""
    arguments, function, expected = CASES[name]
    assert function in template_function_names(), f"{function} is not in template.yaml"
    parsed = _consumer_parsers()[name].model_validate(expected)
    assert parsed.client_hash == arguments["client_hash"]


def test_a_stack_without_the_function_gets_a_clear_error_and_nothing_is_sent(aws: None) -> None:
    """A real (moto) Lambda API with no such function: the error names it and says what to check."""
    client = LambdaTiktok("wrong-prefix-", boto3.client("lambda"))
    with pytest.raises(FunctionNotDeployed) as raised:
        client.dispatch("update-products", client_hash=HASH, old_xml="s3://b/old.xml", new_xml="s3://b/new.xml")
    message = str(raised.value)
    assert "wrong-prefix-PRODUTOS-compara-xml is not deployed" in message and "nothing was sent" in message
    assert "dispatchUpdateProducts" in message and "FUNCTION_PREFIX='wrong-prefix-'" in message


def test_the_php_method_names_are_methods() -> None:
    fake = RecordingLambda()
    client = LambdaTiktok(lambda_client=fake)
    client.dispatch_prepare_stock(HASH)
    client.dispatch_send_order(HASH, "580192503814523040")
    client.dispatch_package(HASH, "580192503814523040", "1153132168123859")
    client.upload_invoice(HASH, "580192503814523040", NFE)
    assert [c["FunctionName"] for c in fake.calls] == [
        "integracao-tik-tok-ESTOQUE-VTEX-atualizacao-estoque", "integracao-tik-tok-PEDIDOS-novo-pedido-TTK",
        "integracao-tik-tok-SHIPPING-PACKAGE", "integracao-tik-tok-INVOICE"]
    assert "packageId" not in json.loads(fake.calls[-1]["Payload"])  # optional in the legacy interface


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("send-order", {"client_hash": HASH}, "order_id: Field required"),
    ("send-order", {"client_hash": "not a hash", "order_id": "1"}, "client_hash: String should match"),
    ("send-order", {"client_hash": HASH, "order_id": "1", "extra": 1}, "extra: Extra inputs"),
    ("generate-products", {"client_hash": HASH, "url": "ftp://x", "warehouse_id": "1"}, "url:"),
    ("upload-invoice", {"client_hash": HASH, "order_id": "1", "invoice_xml": "CPF 12345678909"}, "invoice_xml:"),
    ("update-products", {"client_hash": HASH, "old_xml": "<a/>" * 70_000, "new_xml": "<b/>"}, "256 KB"),
])
def test_bad_arguments_are_refused_before_anything_is_sent(name: str, arguments: dict[str, Any], message: str) -> None:
    fake = RecordingLambda()
    with pytest.raises(InvalidArguments, match=message) as raised:
        LambdaTiktok(lambda_client=fake).dispatch(name, **arguments)
    assert fake.calls == []
    assert "12345678909" not in str(raised.value)  # a refused value is never echoed


def test_unknown_operation_lists_the_known_ones() -> None:
    with pytest.raises(UnknownOperation, match="send-order"):
        LambdaTiktok(lambda_client=RecordingLambda()).dispatch("send-orders", client_hash=HASH)
