"""Runs every benchmarks/bench_*.py module, then cost_model: `python -m benchmarks [--smoke] [name ...]`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

import benchmarks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small sizes, as CI runs them")
    parser.add_argument("names", nargs="*", help="only these benchmarks (module names without bench_)")
    args = parser.parse_args(argv)
    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    modules.append("cost_model")  # the scale and cost model: measures a small run, prints the 1/50/500-store table
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    if not modules:
        print("no benchmarks found")
        return 0
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name} ({'smoke' if args.smoke else 'full'}) ==", flush=True)
        started = time.perf_counter()
        module.run(smoke=args.smoke)
        print(f"== {name} done in {time.perf_counter() - started:.1f}s ==\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
