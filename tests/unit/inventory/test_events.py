"""The committed samples are what events/stock_prices.py writes, and each parses as its handler expects."""

from __future__ import annotations

import json

import pytest

from events import stock_prices

SAMPLES = stock_prices.samples()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_sample_is_current(name: str) -> None:
    path = stock_prices.ROOT / f"{name}.json"
    assert path.read_text(encoding="utf-8") == stock_prices.render(SAMPLES[name]), "run python -m events.stock_prices"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_parses_or_is_refused_as_named(name: str) -> None:
    from prices import handler as prices
    from stock import handler as stock

    module = prices if name.startswith("Price") else stock
    event = SAMPLES[name]
    payloads = [json.loads(r["body"]) for r in event["Records"]] if "Records" in event else [event]
    for payload in payloads:
        if "source" in payload:  # EventBridge scheduled event: routed before parsing
            continue
        if "/bad-" in name:
            with pytest.raises(ValueError):
                module.parse(payload)
        else:
            module.parse(payload)


def test_every_stock_and_price_function_has_samples(template: dict) -> None:
    functions = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
                 and v["Properties"]["Handler"].split(".")[0] in {"stock", "prices"}}
    assert functions == {name.split("/")[0] for name in SAMPLES}
