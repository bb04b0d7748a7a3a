"""Every sample of events/ through the one-shot invoke's API (local.runtime.oneshot), on ONE seeded
ephemeral stack: each outcome is what the sample's file name promises (events/README.md: `bad-*` refused,
`error-*` a function error, anything else accepted). Samples are discovered by directory, so samples
other engineers add are checked too; a directory must be a function logical id of template.yaml."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from local.runtime.oneshot import invoke_in, seed_demo
from local.runtime.samples import (
    ACCEPTED,
    ERROR,
    REFUSED,
    expected_outcome,
    observed_outcome,
    prepare_event,
    sample_paths,
)
from local.stack import LocalStack, ephemeral_stack_env

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"


# Samples whose world the demo seed does not build yet: order 580192503814523040 / package
# 1153000000000000001 with SKU CAM-AZUL-M and the NF-e of CNPJ 11222333000181 exist in no sandbox and not in
# ssxml_tik_tok_orders. Pinned (not skipped): each must still end exactly so; once seeded, remove it here.
KNOWN_GAPS = {
    "InvoiceFunction/legacy-upload-without-package.json": REFUSED,  # 422 unknown order for this client
    "InvoiceFunction/legacy-upload.json": REFUSED,  # 422 unknown order for this client
    "InvoiceFunction/sqs-reupload.json": ERROR,  # NoSuchKey: the refused upload stored no XML to re-upload
    "ShippingPackageFunction/dispatch-package.json": REFUSED,  # 422 unknown package in the client's shop
    # Samples written for a deployed stack, whose world the seeding does not build yet (pinned, still checked):
    "InvoiceFunction/vtex-invoice-url.json": ERROR,  # the invoiceUrl host does not resolve here: raised, retried
    "InvoiceFunction/vtex-order-invoiced.json": REFUSED,  # 422: no VTEX order placed for the sample order
    "ProductListFunction/trigger-prepare-product-list-s3.json": REFUSED,  # 422: the sample's feed bucket is absent
    "ProductListFunction/trigger-prepare-product-list.json": REFUSED,  # 422: the sample's feed host does not resolve
    "ProductListFunction/trigger-send-product-sandbox.json": REFUSED,  # 422: no CATALOG_TRIAL_CLIENT_HASH set
    "VtexOrderHookFunction/delivery-canceled.json": REFUSED,  # 401: the client's hook secret is not seeded
    "VtexOrderHookFunction/delivery-invoiced.json": REFUSED,  # 401: the client's hook secret is not seeded
    "VtexOrderHookFunction/ping.json": REFUSED,  # 401: the client's hook secret is not seeded
}


def _summary(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)[:300]


@pytest.mark.timeout(600)
def test_every_sample_has_the_outcome_its_name_promises() -> None:
    by_function: dict[str, list[Path]] = defaultdict(list)
    for path in sample_paths(EVENTS):
        by_function[path.parent.name].append(path)
    assert sum(len(p) for p in by_function.values()) >= 60  # discovery sees the samples

    env = ephemeral_stack_env()
    lines: list[str] = []
    with LocalStack.start(
        env, ROOT / "template.yaml", schedules=False, log_sink=lambda _s, line: lines.append(line), echo_children=False
    ) as running:
        runtime = running.runtime
        unknown = sorted(name for name in by_function if runtime.find_function(name) is None)
        assert unknown == [], "events/<dir> must be a function logical id of template.yaml"
        seed_demo(env, running.stack)

        def run_function(paths: list[Path]) -> list[str]:
            mismatches = []
            for path in paths:  # in name order: a function's samples may build on each other
                event = prepare_event(json.loads(path.read_text(encoding="utf-8")), env=env, now=time.time())
                outcome = invoke_in(runtime, path.parent.name, event)
                name = str(path.relative_to(EVENTS))
                observed = observed_outcome(outcome.ok, outcome.payload)
                expected = KNOWN_GAPS.get(name, expected_outcome(path))
                if observed != expected:
                    mismatches.append(
                        f"{path.relative_to(EVENTS)}: {observed}, expected {expected}: {_summary(outcome.payload)}"
                    )
            return mismatches

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(run_function, by_function.values()))
    mismatches = sorted(m for result in results for m in result)
    assert mismatches == [], "\n".join(mismatches)


def test_the_naming_convention() -> None:
    assert expected_outcome(Path("WebhookFunction/bad-forged-signature.json")) == REFUSED
    assert expected_outcome(Path("OrdersFunction/error-poison.json")) == ERROR
    assert expected_outcome(Path("OrdersFunction/sqs-new-order.json")) == ACCEPTED
    assert observed_outcome(True, {"statusCode": 401}) == REFUSED
    assert observed_outcome(True, {"statusCode": 503}) == ERROR
    assert observed_outcome(True, {"batchItemFailures": [{"itemIdentifier": "1"}]}) == ERROR
    assert observed_outcome(True, {"batchItemFailures": []}) == ACCEPTED
    assert observed_outcome(False, {"errorType": "BatchProcessingError"}) == ERROR
    assert observed_outcome(True, None) == ACCEPTED
