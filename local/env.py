"""Reads local/stack.env: the one settings file of the local stack, the demo and the e2e tests."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

STACK_ENV_PATH = Path(__file__).with_name("stack.env")
_REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)\}")


class StackEnvError(RuntimeError):
    """stack.env is missing, malformed or refers to an undefined variable."""


def parse_stack_env(text: str, source: str = "stack.env") -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise StackEnvError(f"{source}:{number}: expected KEY=VALUE, got {line!r}")

        def substitute(match: re.Match[str], *, _line: int = number) -> str:
            name = match.group(1)
            if name not in values:
                raise StackEnvError(f"{source}:{_line}: ${{{name}}} is not defined above this line")
            return values[name]

        values[key] = _REFERENCE.sub(substitute, value.strip())
    return values


@lru_cache(maxsize=1)
def stack_env() -> dict[str, str]:
    """The local stack settings, as a dict (cached; the file is read once per process)."""
    if not STACK_ENV_PATH.is_file():
        raise StackEnvError(f"missing {STACK_ENV_PATH}")
    return parse_stack_env(STACK_ENV_PATH.read_text(encoding="utf-8"), str(STACK_ENV_PATH))


def require(key: str) -> str:
    values = stack_env()
    if key not in values:
        raise StackEnvError(f"{STACK_ENV_PATH} has no {key}")
    return values[key]
