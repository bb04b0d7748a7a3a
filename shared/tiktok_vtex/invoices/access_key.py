"""The 44-digit NF-e access key (chave de acesso): layout and mod-11 check digit (Manual de Orientação
do Contribuinte, NF-e 4.00, section 2.2.6)."""

from __future__ import annotations

from dataclasses import dataclass

KEY_LENGTH = 44


def check_digit(first43: str) -> int:
    """Mod 11 with weights 2..9 from the right; remainder 0 or 1 gives 0."""
    if len(first43) != KEY_LENGTH - 1 or not first43.isdigit():
        raise ValueError("an access key body is 43 digits")
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(first43)))
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


@dataclass(frozen=True)
class AccessKey:
    cuf: str  # 2: IBGE state code
    aamm: str  # 4: year and month of issue
    cnpj: str  # 14: emitter
    model: str  # 2: 55 NF-e, 65 NFC-e
    series: str  # 3
    number: str  # 9
    emission_type: str  # 1
    code: str  # 8: cNF
    digit: str  # 1: cDV

    @classmethod
    def parse(cls, key: str) -> AccessKey:
        if len(key) != KEY_LENGTH or not key.isdigit():
            raise ValueError("the access key must be 44 digits")
        return cls(key[0:2], key[2:6], key[6:20], key[20:22], key[22:25], key[25:34], key[34], key[35:43], key[43])

    @property
    def valid_digit(self) -> bool:
        body = (self.cuf + self.aamm + self.cnpj + self.model + self.series + self.number + self.emission_type
                + self.code)
        return check_digit(body) == int(self.digit)


def build_key(*, cuf: str, aamm: str, cnpj: str, model: str, series: int, number: int, emission_type: str,
              code: str) -> str:
    body = f"{cuf:0>2}{aamm}{cnpj:0>14}{model:0>2}{series:03d}{number:09d}{emission_type}{code:0>8}"
    return body + str(check_digit(body))
