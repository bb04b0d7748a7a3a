"""`python -m local.chaos [--size smoke|full] [--seed N] [--orders N --stock-changes N]`: run and print the table.

Exit status 0 when every invariant held, 1 otherwise (the table says which one failed and why).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from local.chaos.suite import run_chaos
from local.chaos.workload import SIZES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--orders", type=int, help="override the size's number of orders")
    parser.add_argument("--stock-changes", type=int, help="override the size's number of stock changes")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    if args.orders is not None or args.stock_changes is not None:
        size = dataclasses.replace(size, name=f"{size.name}-custom", orders=args.orders or size.orders,
                                   stock_changes=args.stock_changes or size.stock_changes)
    report = run_chaos(size, seed=args.seed, echo=lambda line: print(line, flush=True))
    print()
    print(report.table())
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
