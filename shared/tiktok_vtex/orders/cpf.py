"""Brazilian CPF: 11 digits with two check digits (mod 11). VTEX refuses orders with an invalid document."""

from __future__ import annotations

import re

_NON_DIGIT = re.compile(r"\D")


def normalize_cpf(value: str | None) -> str:
    """Digits only ("123.456.789-09" -> "12345678909")."""
    return _NON_DIGIT.sub("", value or "")


def _check_digit(digits: str, weight_start: int) -> int:
    total = sum(int(d) * w for d, w in zip(digits, range(weight_start, 1, -1), strict=False))
    rest = (total * 10) % 11
    return 0 if rest == 10 else rest


def is_valid_cpf(value: str | None) -> bool:
    digits = normalize_cpf(value)
    if len(digits) != 11 or digits == digits[0] * 11:
        return False
    return _check_digit(digits[:9], 10) == int(digits[9]) and _check_digit(digits[:10], 11) == int(digits[10])


def make_cpf(base9: str) -> str:
    """A valid CPF from 9 digits (tests and the sandbox build buyers with it)."""
    if len(base9) != 9 or not base9.isdigit():
        raise ValueError("base9 must be 9 digits")
    first = _check_digit(base9, 10)
    second = _check_digit(base9 + str(first), 11)
    return f"{base9}{first}{second}"
