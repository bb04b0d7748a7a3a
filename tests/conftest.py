"""Fixtures shared by every test.

- `aws`: moto in-process (no sockets), fake credentials, cached boto3 clients and settings reset.
- `stack`: template.yaml provisioned into that moto (tables, queues, KMS key, secrets): no second list.
- `settings` / `function_env(logical_id)`: the environment a function gets from the template.
- `tiktok_sandbox` / `vtex_sandbox`: the sandboxes served on ephemeral loopback ports.
"""

from __future__ import annotations

import copy
import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.env import stack_env as read_stack_env

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    return dict(read_stack_env())


def _reset_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from tiktok_vtex import aws as aws_clients
    from tiktok_vtex.settings import get_settings

    aws_clients.reset()
    get_settings.cache_clear()
    parameters.clear_caches()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, stack_env: dict[str, str]) -> Iterator[None]:
    """moto in-process. AWS_ENDPOINT_URL* are removed so nothing escapes to a real or local endpoint."""
    from moto import mock_aws

    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", stack_env["AWS_REGION"])
    monkeypatch.setenv("AWS_REGION", stack_env["AWS_REGION"])
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TikTokVtexConnectorTest")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "tiktok-vtex-test")
    with mock_aws():
        _reset_caches()
        yield
    _reset_caches()


@pytest.fixture(autouse=True)
def metrics_namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shared Metrics object was created before the test environment; give it a namespace and start
    and end every test with no metric left over."""
    from tiktok_vtex.observability import metrics

    monkeypatch.setattr(metrics, "namespace", "TikTokVtexConnectorTest")
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture(scope="module")
def module_moto(stack_env: dict[str, str]) -> Iterator[Any]:
    """One moto + provisioned template per test module (modules empty the tables they use per test)."""
    from tests.unit.orders.fakes_orders import ModuleMoto

    with ModuleMoto(stack_env, TEMPLATE_PATH) as moto:
        yield moto


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    from local.template import load_template

    return load_template(TEMPLATE_PATH)


@pytest.fixture
def stack(aws: None, stack_env: dict[str, str], template: dict[str, Any]) -> Any:
    """template.yaml provisioned into moto, with parameters from local/stack.env."""
    from local.provision import provision_template
    from local.template import parameters_from_stack_env

    # The template is parsed once per session; each test provisions its own copy into a fresh moto.
    return provision_template(
        copy.deepcopy(template),
        template_path=TEMPLATE_PATH,
        parameters=parameters_from_stack_env(template, stack_env),
        region=stack_env["AWS_REGION"],
        stack_name=stack_env["STACK_NAME"],
    )


@pytest.fixture
def globals_env(stack: Any) -> dict[str, str]:
    """The environment every function shares (template Globals), resolved against the stack."""
    variables = stack.template["Globals"]["Function"]["Environment"]["Variables"]
    return {k: str(v) for k, v in stack.resolve(variables, "Globals.Function.Environment").items()}


@pytest.fixture
def settings(globals_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    from tiktok_vtex.settings import load_settings

    for key, value in globals_env.items():
        monkeypatch.setenv(key, value)
    _reset_caches()
    return load_settings()


@pytest.fixture
def function_env(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], dict[str, str]]:
    """Apply one function's template environment to os.environ (caches reset); returns it."""

    def apply(logical_id: str) -> dict[str, str]:
        env = stack.function_environment(logical_id)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        _reset_caches()
        return env

    return apply


@dataclass
class ServedSandbox:
    base_url: str
    app: Any

    def url(self, path: str) -> str:
        return self.base_url + path


def _serve(module: str, stack_env: dict[str, str]) -> Iterator[ServedSandbox]:
    from local.httpserver import serve_in_thread

    app = importlib.import_module(module).create_app(stack_env)
    base_url, stop = serve_in_thread(app)
    try:
        yield ServedSandbox(base_url, app)
    finally:
        stop()


@pytest.fixture
def tiktok_sandbox(stack_env: dict[str, str]) -> Iterator[ServedSandbox]:
    yield from _serve("local.tiktok_sandbox", stack_env)


@pytest.fixture
def vtex_sandbox(stack_env: dict[str, str]) -> Iterator[ServedSandbox]:
    yield from _serve("local.vtex_sandbox", stack_env)
