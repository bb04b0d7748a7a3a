"""`tiktok-vtex dispatch <operation>`: arguments from the command line and the client row, errors named."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.unit.operations.conftest import RecordingLambda
from tiktok_vtex.cli import build_parser, main
from tiktok_vtex.commands import dispatch
from tiktok_vtex.commands.common import StackConfig

HASH = "client-ops-1"


def _client(config: StackConfig, **extra: Any) -> None:
    boto3.resource("dynamodb").Table(config.client_table).put_item(Item={"client_hash": HASH, **extra})


def _run(argv: list[str], config: StackConfig, fake: Any) -> tuple[int, str]:
    out = io.StringIO()
    args = build_parser().parse_args(["dispatch", *argv])
    return dispatch.run(args, out, lambda_client=fake, config=config), out.getvalue()


def test_send_order_from_the_command_line(config: StackConfig) -> None:
    _client(config)
    fake = RecordingLambda()
    status, out = _run(["send-order", HASH, "--order-id", "580192503814523040", "--json"], config, fake)
    assert status == 0
    (call,) = fake.calls
    assert call["FunctionName"] == "integracao-tik-tok-PEDIDOS-novo-pedido-TTK" and call["InvocationType"] == "Event"
    assert json.loads(call["Payload"]) == {"clientHash": HASH, "orderId": "580192503814523040",
                                          "type": "triggerNewOrderInTTK"}
    assert json.loads(out)["function"] == call["FunctionName"]


def test_feed_and_warehouse_come_from_the_client_row(config: StackConfig) -> None:
    _client(config, tik_tok_shop_feed_link="https://feeds.example.com/f.xml", tik_tok_shop_warehouse_id="7068")
    fake = RecordingLambda()
    status, out = _run(["generate-products", HASH], config, fake)
    assert status == 0 and "PRODUTOS-lista-produtos" in out
    assert json.loads(fake.calls[0]["Payload"]) == {"type": "triggerPrepareProductList", "client_hash": HASH,
                                                    "url": "https://feeds.example.com/f.xml", "warehouse_id": "7068"}


def test_invoice_xml_is_read_from_a_file_and_never_printed(config: StackConfig, tmp_path: Path) -> None:
    _client(config)
    nfe = tmp_path / "nfe.xml"
    nfe.write_text("<nfeProc><dest><CPF>52998224725</CPF></dest></nfeProc>", encoding="utf-8")
    fake = RecordingLambda()
    status, out = _run(["upload-invoice", HASH, "--order-id", "5801", "--invoice-xml", f"@{nfe}"], config, fake)
    assert status == 0
    assert json.loads(fake.calls[0]["Payload"])["invoiceXml"] == nfe.read_text()
    assert "52998224725" not in out


def test_unknown_client_is_refused_and_nothing_sent(config: StackConfig, capsys: pytest.CaptureFixture[str]) -> None:
    fake = RecordingLambda()
    status, _ = _run(["prepare-stock", "nobody"], config, fake)
    assert status == 2 and fake.calls == []
    assert "client nobody is not in ssxml_client" in capsys.readouterr().err


def test_malformed_arguments_name_the_field(config: StackConfig, capsys: pytest.CaptureFixture[str]) -> None:
    _client(config)
    fake = RecordingLambda()
    status, _ = _run(["package", HASH, "--order-id", "1", "--package-id", "not an id"], config, fake)
    assert status == 2 and fake.calls == []
    assert "package_id: String should match" in capsys.readouterr().err


def test_a_function_not_deployed_is_a_clear_error(config: StackConfig, capsys: pytest.CaptureFixture[str]) -> None:
    _client(config)
    status, _ = _run(["generate-order-hook", HASH], config, boto3.client("lambda"))
    assert status == 2
    err = capsys.readouterr().err
    # the stack answering has no such function (here: moto without the fleet): named, with what to check
    assert "integracao-tik-tok-ORDERHOOK-MANAGEMENT is not deployed" in err
    assert "FUNCTION_PREFIX='integracao-tik-tok-'" in err and "nothing was sent" in err


def test_unknown_operation_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["dispatch", "send-orders", HASH])
    assert raised.value.code == 2 and "invalid choice: 'send-orders'" in capsys.readouterr().err
    for argv in (["--help"], ["dispatch", "--help"], ["dispatch", "upload-invoice", "--help"]):
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert raised.value.code == 0
    assert "--invoice-xml" in capsys.readouterr().out


def test_follow_reports_a_fan_out_from_the_stock_log(config: StackConfig) -> None:
    """Progress comes from what the stock functions write (LogRepository), until entries stop arriving."""
    from tiktok_vtex.repositories.logs import LogRepository

    _client(config)
    now = [1_900_000_000.0]
    table = config.log_tables["TikTokLogStock"]
    LogRepository(table, clock=lambda: now[0] - 3600).append(HASH, "stock_update", "old-run", {})  # before: ignored
    batches = [[("880400", "stock_update"), ("880401", "stock_update_failed")],
               [("880401", "stock_update"), ("880402", "stock_update_failed")], [], [], []]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        for sku, kind in batches.pop(0) if batches else []:
            LogRepository(table, clock=lambda: now[0]).append(HASH, kind, sku, {})

    out = io.StringIO()
    args = build_parser().parse_args(["dispatch", "prepare-stock", HASH, "--follow", "--quiet-seconds", "5",
                                      "--json"])
    status = dispatch.run(args, out, lambda_client=RecordingLambda(), config=config, clock=lambda: now[0],
                          sleep=sleep)
    doc = json.loads(out.getvalue())
    assert doc["progress"] == {"updated": 2, "failed": 1}  # 880401 failed, then succeeded
    assert status == 1  # a SKU still failed
