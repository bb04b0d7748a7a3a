"""`make demo`: start the local stack, onboard the demo client, run every scenario, print, stop.

Function logs go to a file (named at the end) so the console shows the story, not the noise.
Exit status 0 only if every scenario's expectations held.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import threading
import time
import traceback
from pathlib import Path

from local.demo import scenarios
from local.demo.context import DemoContext
from local.env import stack_env
from local.stack import LocalStack, StackError, ephemeral_stack_env
from tiktok_vtex.observability import redactor

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEYS = ("TIKTOK_APP_SECRET", "TIKTOK_APP_KEY", "INTERNAL_WEBHOOK_SECRET", "OAUTH_STATE_SECRET",
               "VTEX_APP_TOKEN", "VTEX_APP_KEY")


class FileSink:
    """Function and sandbox log lines, appended to one file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("w", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, source: str, line: str) -> None:
        with self._lock:
            self._file.write(f"{source} | {redactor.redact_text(line)}\n")
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def scenario_names(only: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(scenarios.__path__))
    return [n for n in names if not only or any(o in n for o in only)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="run only scenarios whose name contains one of these words")
    parser.add_argument("--ephemeral", action="store_true",
                        help="free ports instead of stack.env's (runs beside a `make local` or another demo)")
    parser.add_argument("--log", type=Path, default=None, help="function log file (default .local-run/...)")
    args = parser.parse_args(argv)

    env = ephemeral_stack_env() if args.ephemeral else stack_env()
    for key in SECRET_KEYS:  # the report is redacted like our logs: no secret can be printed
        redactor.register(env[key])
    log_path = args.log or ROOT / ".local-run" / "demo-functions.log"
    sink = FileSink(log_path)
    started = time.monotonic()
    print("Starting the local stack (moto, TikTok Shop sandbox, VTEX sandbox, runtime)...", flush=True)
    failed: str | None = None
    try:
        with LocalStack.start(env, ROOT / "template.yaml", schedules=False, log_sink=sink,
                              echo_children=False) as running:
            ctx = DemoContext(env=env, stack=running.stack,
                              fire=lambda name: running.runtime.fire(name, wait=True),  # type: ignore[union-attr]
                              idle=running.wait_idle)
            for name in scenario_names(args.only):
                module = importlib.import_module(f"local.demo.scenarios.{name}")
                try:
                    module.run(ctx)
                except Exception as error:  # a scenario failing ends the demo with its reason
                    failed = f"scenario {name}: {redactor.redact_text(str(error))}"
                    traceback.print_exc(file=sys.stderr)
                    break
    except StackError as error:
        failed = f"the local stack did not start: {error}"
    finally:
        sink.close()
    elapsed = time.monotonic() - started
    print()
    if failed:
        print(f"DEMO FAILED after {elapsed:.0f}s: {failed}")
        print(f"Function logs: {_shown(log_path)}")
        return 1
    print(f"Demo finished in {elapsed:.0f}s; every part of the local stack was stopped.")
    print(f"Function logs: {_shown(log_path)}")
    return 0


def _shown(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


if __name__ == "__main__":
    sys.exit(main())
