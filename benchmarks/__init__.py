"""Repeatable performance runs. `make bench` (full size) and `make bench-smoke` (CI size).

Each `benchmarks/bench_*.py` module exposes `run(smoke: bool) -> None` and prints its own table of
ratios measured in one run. Timing is reported, never asserted.
"""
