"""The cost model's measured input: the nightly stock flow run in-process (moto + both sandboxes on loopback)
through the real handler, with every AWS call counted by the botocore hooks (benchmarks/cost_counts.py)."""

from __future__ import annotations

import logging
import math

from benchmarks import cost_model
from benchmarks.cost_counts import FETCH, NIGHTLY, PREPARE, UPDATE, measure_counts

PRODUCTS = 4  # x 5 SKUs


def test_the_measured_nightly_counts_what_the_flow_does() -> None:
    from tiktok_vtex.observability import logger

    levels = (logger.log_level, logging.getLogger("tiktok_vtex").level)
    counts = measure_counts(products=PRODUCTS)
    # the run quiets the connector's logs and puts them back (later tests in this process read them)
    assert (logger.log_level, logging.getLogger("tiktok_vtex").level) == levels
    inputs = cost_model.load_inputs()
    skus = PRODUCTS * 5
    assert (counts.skus, counts.products) == (skus, PRODUCTS)
    # forced nightly: every SKU read once in VTEX, one TikTok call and one update message per product
    assert counts.vtex_calls == skus and counts.tiktok_calls == PRODUCTS
    assert counts.fetch_messages == math.ceil(skus / inputs.fetch_message_skus)
    assert counts.update_messages == PRODUCTS
    nightly, prepare, fetch, update = (counts.stages[s] for s in (NIGHTLY, PREPARE, FETCH, UPDATE))
    # the nightly queues the store's triggerPrepareStock (one SendMessageBatch) and reads no SKU; that message,
    # consumed from the fetch queue, is the store's prepare (issue 19)
    assert nightly.invocations == 1 and nightly.calls("sqs", "SendMessageBatch") == 1
    assert nightly.calls("dynamodb", "Query") >= 1 and nightly.write_units == 0
    assert prepare.invocations == prepare.messages == 1
    assert fetch.invocations == math.ceil(counts.fetch_messages / inputs.fetch.batch_size)
    assert update.invocations == math.ceil(PRODUCTS / inputs.update.batch_size)
    # what each stage writes: the fan-out sends the fetch messages, the fetch stage the update messages (both
    # batched), the update stage records what it sent per SKU
    assert prepare.calls("sqs", "SendMessageBatch") >= 1 and prepare.calls("dynamodb", "Query") >= 1
    assert fetch.calls("sqs", "SendMessageBatch") >= 1 and fetch.write_units >= skus
    assert update.calls("sqs") == 0 and update.write_units >= skus
    assert counts.poller_receives == prepare.invocations + fetch.invocations + update.invocations \
        == counts.poller_deletes
    assert all(s.billed_ms > 0 for s in (nightly, prepare, fetch, update)) and update.max_payload_bytes == 0
    assert 0 < fetch.max_payload_bytes < 262_144
    # the first (cold) run read the secrets the warm run did not
    assert sum(n for calls in counts.cold_calls.values() for name, n in calls.items()
               if name.startswith("secretsmanager.")) >= 1
    scenario = cost_model.model(inputs, counts, stores=1)
    assert scenario.run_s > 0 and scenario.cost_per_store_month > 0
