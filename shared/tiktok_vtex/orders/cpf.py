"""Brazilian taxpayer documents: CPF (people, 11 digits) and CNPJ (companies, 14 characters).

The check digits are validate-docbr's (maintained, and it knows the alphanumeric CNPJ that the Receita
Federal issues from July 2026); this module only fixes the input rules the connector needs on top:
punctuation is stripped first, and a CPF must have exactly 11 digits (validate-docbr would left-pad a
shorter one with zeros, which would accept a truncated document). VTEX refuses orders with an invalid
document; NF-e (invoice) validation needs the CNPJ.
"""

from __future__ import annotations

import re

from validate_docbr import CNPJ, CPF

_NON_DIGIT = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_CPF = CPF()
_CPF_ANY = CPF(repeated_digits=True)  # make_cpf only: "000000000" has check digits too (and is refused)
_CNPJ = CNPJ()


def normalize_cpf(value: str | None) -> str:
    """Digits only ("123.456.789-09" -> "12345678909")."""
    return _NON_DIGIT.sub("", value or "")


def is_valid_cpf(value: str | None) -> bool:
    digits = normalize_cpf(value)
    return len(digits) == 11 and _CPF.validate(digits)


def make_cpf(base9: str) -> str:
    """A valid CPF from 9 digits (tests and the sandbox build buyers with it)."""
    if len(base9) != 9 or not base9.isdigit():
        raise ValueError("base9 must be 9 digits")
    # Exactly one of the 100 check-digit pairs is valid; the library decides which (public API only).
    return next(candidate for candidate in (f"{base9}{d:02d}" for d in range(100)) if _CPF_ANY.validate(candidate))


def normalize_cnpj(value: str | None) -> str:
    """Digits and letters only, upper case ("12.ABC.345/01DE-35" -> "12ABC34501DE35")."""
    return _NON_ALNUM.sub("", value or "").upper()


def is_valid_cnpj(value: str | None) -> bool:
    """A CNPJ with valid check digits: numeric (11.222.333/0001-81) or the new alphanumeric form."""
    document = normalize_cnpj(value)
    return len(document) == 14 and document[12:].isdigit() and _CNPJ.validate(document)
