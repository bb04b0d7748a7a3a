"""CPF / CNPJ check digits (orders/cpf.py, thin wrappers over validate-docbr)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiktok_vtex.orders.cpf import is_valid_cnpj, is_valid_cpf, make_cpf, normalize_cnpj


def _reference_cpf_digit(digits: str, weight_start: int) -> int:
    # The mod-11 rule as the Receita Federal publishes it (the hand-written code this module replaced).
    rest = (sum(int(d) * w for d, w in zip(digits, range(weight_start, 1, -1), strict=False)) * 10) % 11
    return 0 if rest == 10 else rest


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_make_cpf_agrees_with_the_published_rule(base: str) -> None:
    first = _reference_cpf_digit(base, 10)
    assert make_cpf(base) == f"{base}{first}{_reference_cpf_digit(base + str(first), 11)}"


@pytest.mark.parametrize("value", ["5299822472", "052998224725", "529.982.247-2", "", None, "abcdefghijk"])
def test_a_cpf_must_have_exactly_eleven_digits(value) -> None:
    # validate-docbr alone left-pads short input with zeros; the wrapper does not accept a truncated CPF.
    assert not is_valid_cpf(value)


def test_known_cpfs() -> None:
    assert is_valid_cpf("529.982.247-25")
    assert not is_valid_cpf("529.982.247-24")
    assert not is_valid_cpf("111.111.111-11")


@pytest.mark.parametrize("value", ["11.222.333/0001-81", "11222333000181", "12.ABC.345/01DE-35", "12abc34501de35"])
def test_valid_cnpjs_numeric_and_alphanumeric(value: str) -> None:
    assert is_valid_cnpj(value)


@pytest.mark.parametrize("value", ["11.222.333/0001-82", "11222333000", "00000000000000", "12.ABC.345/01DE-3X",
                                   "", None])
def test_invalid_cnpjs(value) -> None:
    assert not is_valid_cnpj(value)


def test_normalize_cnpj() -> None:
    assert normalize_cnpj(" 12.abc.345/01de-35 ") == "12ABC34501DE35"
