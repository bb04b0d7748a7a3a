"""Why an invoice is refused before upload: the rule, the field it names, a message for operators.

Messages never carry buyer data (CPF/CNPJ, names): they name the field and what was expected in kind."""

from __future__ import annotations


class InvoiceRejected(ValueError):
    def __init__(self, rule: str, field: str, message: str) -> None:
        super().__init__(f"{rule}: {field}: {message}")
        self.rule = rule
        self.field = field
        self.message = message

    def as_record(self) -> dict[str, str]:
        return {"rule": self.rule, "field": self.field, "message": self.message[:500]}
