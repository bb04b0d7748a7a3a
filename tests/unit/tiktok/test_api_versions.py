"""The one TikTok API version table (clients/tiktok/versions.py): every path of the client comes from it,
no module of the client writes a version itself, and the sandbox serves each entry at that version,
which is the newest version the sandbox serves for that endpoint."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from local.tiktok_sandbox.api import ENDPOINTS
from tiktok_vtex.clients.tiktok.versions import API_VERSIONS, UnknownEndpoint, versioned

CLIENT = Path(__file__).resolve().parents[3] / "shared/tiktok_vtex/clients/tiktok"
LITERAL_VERSION = re.compile(r"/[a-z_]+/(\d{6})(/|$)")
METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH"}


def _client_modules() -> list[Path]:
    return sorted(p for p in CLIENT.rglob("*.py") if p.name != "versions.py" and "__pycache__" not in p.parts)


def _endpoint_literals(path: Path) -> list[tuple[str, str, int]]:
    """(method, template, line) of every call whose first two arguments are a method and a path."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        method, template = node.args[0], node.args[1]
        if (
            isinstance(method, ast.Constant)
            and isinstance(template, ast.Constant)
            and method.value in METHODS
            and isinstance(template.value, str)
            and template.value.startswith("/")
        ):
            found.append((method.value, template.value, node.lineno))
    return found


def test_no_client_module_writes_a_version_itself() -> None:
    offenders = []
    for path in _client_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and LITERAL_VERSION.search(node.value):
                offenders.append(f"{path.relative_to(CLIENT)}:{node.lineno}: {node.value}")
    assert offenders == [], "paths must use {version} and the table in versions.py"


def test_every_client_path_is_in_the_table_and_every_entry_is_used() -> None:
    used = {(m, t): f"{p.name}:{n}" for p in _client_modules() for m, t, n in _endpoint_literals(p)}
    assert len(used) >= 30  # the scan sees the client's calls (a scan that found nothing would pass)
    missing = sorted(f"{where}: {m} {t}" for (m, t), where in used.items() if (m, t) not in API_VERSIONS)
    assert missing == []
    assert sorted(set(API_VERSIONS) - set(used)) == []


def test_the_sandbox_serves_each_entry_and_it_is_the_newest_it_serves() -> None:
    served: dict[tuple[str, str], set[str]] = defaultdict(set)
    for spec in ENDPOINTS:
        _, group, version, rest = spec.template.split("/", 3)
        served[(spec.method, f"/{group}/{{version}}/{rest}")].add(version)
    for (method, template), version in API_VERSIONS.items():
        assert version in served[(method, template)], f"sandbox does not serve {method} {template} at {version}"
        assert version == max(served[(method, template)]), f"{method} {template}: a newer version is served"


def test_the_table_holds_the_latest_versions_the_reference_documents() -> None:
    assert API_VERSIONS[("POST", "/product/{version}/products/search")] == "202502"
    assert API_VERSIONS[("GET", "/order/{version}/orders")] == "202507"
    assert API_VERSIONS[("PUT", "/product/{version}/products/{product_id}")] == "202509"
    assert API_VERSIONS[("POST", "/product/{version}/products/{product_id}/partial_edit")] == "202509"
    assert API_VERSIONS[("POST", "/fulfillment/{version}/invoice/upload")] == "202502"


def test_versioned_resolves_and_refuses_what_the_table_does_not_name() -> None:
    assert versioned("get", "/order/{version}/orders") == "/order/202507/orders"
    fulfillment = "/fulfillment/{version}/packages/{package_id}"
    assert versioned("GET", fulfillment) == "/fulfillment/202309/packages/{package_id}"
    with pytest.raises(UnknownEndpoint):
        versioned("GET", "/order/{version}/orders/{order_id}/price_detail")
    with pytest.raises(UnknownEndpoint):
        versioned("PATCH", "/order/{version}/orders")
