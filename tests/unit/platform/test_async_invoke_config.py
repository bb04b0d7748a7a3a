"""Defect 3 of issue 10: every function invoked asynchronously has a failure destination.

Lambda retries an async (InvocationType=Event) invoke twice and then drops the event unless the function has
an OnFailure destination. "Invoked asynchronously" is read from three places, so a new caller cannot slip by:
the code (AsyncInvoker targets: names passed to ``function_name(...)`` or held in ``*_FUNCTION`` constants),
the legacy contract (the functions the PHP backend's LambdaTiktok component invokes, legacy-system.md), and
the template (Schedule events are async invokes by EventBridge)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
LEGACY_DOC = Path("/work/shared/reference/legacy-system.md")  # outside the repository: checked when present
LEGACY_PREFIX = "integracao-tik-tok-"
# legacy-system.md, "Component > Funções Lambda": what the PHP backend's LambdaTiktok invokes ("A maioria das
# funções usa InvocationType: 'Event'"), except the WEBHOOK (API Gateway), plus dispatchStockUpdateBySku's
# target (section "Integração com Lambda de Atualização"). Functions not in the template yet are ignored.
LEGACY_ASYNC_INVOKES = frozenset({
    "GERENCIADOR-AUTH-CODES", "ESTOQUE-VTEX-busca-estoque-sku", "INVOICE", "BRANDS-TTK", "PRODUTOS-lista-produtos",
    "PRODUTOS-compara-xml", "VTEX-PRODUTO-ADDITIONAL-IMAGES-XML", "BRANDS-VTEX", "PRECO-VTEX-monta-lista-sku",
    "ESTOQUE-VTEX-atualizacao-estoque", "PEDIDOS-novo-pedido-TTK", "BUSCA-PEDIDOS-TESTE", "ORDERHOOK-MANAGEMENT",
    "SHIPPING-PACKAGE", "ESTOQUE-TTK-atualiza-estoque-sku",
})


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Legacy name (FunctionName without ${FunctionPrefix}) -> resource, for every function."""
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            name = resource["Properties"]["FunctionName"]["Fn::Sub"].removeprefix("${FunctionPrefix}")
            found[name] = {"logical_id": logical_id, **resource}
    return found


def invoked_by_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.glob("functions/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"function_name\(\s*\"([^\"]+)\"", text))
        names |= set(re.findall(r"^[A-Z_]+_FUNCTION\s*=\s*\"([^\"]+)\"", text, flags=re.MULTILINE))
    return names


def invoked_by_the_legacy_backend() -> set[str]:
    return set(LEGACY_ASYNC_INVOKES)


def legacy_doc_table() -> set[str]:
    """The table of functions LambdaTiktok invokes (section "Funções Lambda"), except the HTTP-only WEBHOOK."""
    text = LEGACY_DOC.read_text(encoding="utf-8")
    section = text.split("### Funções Lambda", 1)[-1].split(":::note", 1)[0]
    rows = re.findall(rf"^\| `{LEGACY_PREFIX}([^`]+)` \| ([^|]+)\|", section, flags=re.MULTILINE)
    return {name for name, how in rows if "API Gateway" not in how}


def scheduled(template: dict[str, Any]) -> set[str]:
    return {
        name
        for name, resource in _functions(template).items()
        if any(e.get("Type") in ("Schedule", "ScheduleV2") for e in resource["Properties"].get("Events", {}).values())
    }


def test_the_sources_name_the_known_async_invokes(template: dict[str, Any]) -> None:
    """The scans are not vacuous: the invokes the issue names are found where they are made."""
    assert {"ESTOQUE-VTEX-busca-estoque-sku", "GERENCIADOR-AUTH-CODES", "ESTOQUE-TTK-atualiza-estoque-sku",
            "PRECO-TTK-atualiza-preco-sku"} <= invoked_by_code()
    assert {"PEDIDOS-novo-pedido-TTK", "PRECO-VTEX-monta-lista-sku", "ESTOQUE-VTEX-atualizacao-estoque",
            "BUSCA-PEDIDOS-TESTE", "GERENCIADOR-AUTH-CODES"} <= invoked_by_the_legacy_backend()
    assert "WEBHOOK" not in invoked_by_the_legacy_backend()
    if LEGACY_DOC.is_file():  # the list above is the document's table (+ the stock update target)
        assert legacy_doc_table() | {"ESTOQUE-TTK-atualiza-estoque-sku"} == invoked_by_the_legacy_backend()
        assert "integracao-tik-tok-ESTOQUE-TTK-atualiza-estoque-sku',\n    InvocationType: 'Event'" in (
            LEGACY_DOC.read_text(encoding="utf-8")
        )
    assert {"GERENCIADOR-AUTH-CODES", "PEDIDOS-reconciliacao"} <= scheduled(template)


def test_every_async_invoked_function_has_retries_and_an_alarmed_failure_queue(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    functions = _functions(template)
    async_invoked = (invoked_by_code() | invoked_by_the_legacy_backend() | scheduled(template)) & set(functions)
    assert len(async_invoked) >= 9
    problems = []
    for name in sorted(async_invoked):
        props = functions[name]["Properties"]
        config = props.get("EventInvokeConfig") or {}
        if config.get("MaximumRetryAttempts") not in (0, 1, 2):
            problems.append(f"{name}: no EventInvokeConfig.MaximumRetryAttempts")
            continue
        on_failure = (config.get("DestinationConfig") or {}).get("OnFailure") or {}
        destination = on_failure.get("Destination") or {}
        queue_id = destination.get("Fn::GetAtt", [None])[0] if isinstance(destination, dict) else None
        if on_failure.get("Type") != "SQS" or queue_id not in resources:
            problems.append(f"{name}: OnFailure is not an SQS queue of the template")
            continue
        queue = resources[queue_id]["Properties"]
        if not queue.get("KmsMasterKeyId") or queue.get("MessageRetentionPeriod") != 1209600:
            problems.append(f"{name}: {queue_id} is not SSE-KMS with 14 days retention")
        alarms = [
            r["Properties"] for r in resources.values()
            if r["Type"] == "AWS::CloudWatch::Alarm"
            # metric-math alarms (error rates) have no top-level Dimensions
            and {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
            in r["Properties"].get("Dimensions", [])
        ]
        if not any(
            a["MetricName"] == "ApproximateNumberOfMessagesVisible" and a["Threshold"] == 0
            and a["ComparisonOperator"] == "GreaterThanThreshold" and {"Ref": "AlertsTopic"} in a["AlarmActions"]
            for a in alarms
        ):
            problems.append(f"{name}: no depth > 0 alarm to AlertsTopic on {queue_id}")
        # SAM adds sqs:SendMessage for an SQS destination; the queue key is ours to grant
        actions = [a for p in props.get("Policies", []) if isinstance(p, dict) for s in p.get("Statement", [])
                   for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
        if "kms:GenerateDataKey" not in actions or not any("KMSDecryptPolicy" in p for p in props["Policies"]):
            problems.append(f"{name}: may not use the failure queue's key (kms:GenerateDataKey + Decrypt)")
    assert problems == []


def test_the_http_only_functions_are_not_counted(template: dict[str, Any]) -> None:
    """WEBHOOK and AUTH-CALLBACK are only called over HTTP (sync): no async config is claimed for them."""
    counted = invoked_by_code() | invoked_by_the_legacy_backend() | scheduled(template)
    assert not {"WEBHOOK", "AUTH-CALLBACK"} & counted
