from tests.unit.invoices.conftest import fiscal

__all__ = ["fiscal"]
