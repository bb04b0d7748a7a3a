from __future__ import annotations

import pytest

from tiktok_vtex.settings import AppSecrets, SettingsError, load_app_secrets, load_settings


def test_settings_come_from_the_template_globals(settings, stack) -> None:
    assert settings.tables.orders == "ssxml_tik_tok_orders"
    assert settings.tables.client_tiktok == "ssxml_client_tiktok"
    assert settings.function_name("WEBHOOK") == "integracao-tik-tok-WEBHOOK"
    assert settings.token_kms_key_id == stack.physical_ids["DataKey"]


def test_missing_setting_is_named_without_values(globals_env) -> None:
    env = dict(globals_env)
    del env["ORDERS_TABLE"]
    with pytest.raises(SettingsError, match="ORDERS_TABLE"):
        load_settings(env)


def test_require_names_the_missing_function_variable(settings) -> None:
    with pytest.raises(SettingsError, match="SOME_QUEUE_URL"):
        settings.require("SOME_QUEUE_URL")


def test_app_secrets_load_from_the_stack_secret_and_are_redacted(settings, stack_env) -> None:
    from tiktok_vtex.observability import redactor

    secrets = load_app_secrets(settings)
    assert isinstance(secrets, AppSecrets)
    assert secrets.app_key == stack_env["TIKTOK_APP_KEY"]
    assert secrets.app_secret.get_secret_value() == stack_env["TIKTOK_APP_SECRET"]
    assert stack_env["TIKTOK_APP_SECRET"] not in repr(secrets)
    assert stack_env["TIKTOK_APP_SECRET"] not in redactor.redact_text(f"x {stack_env['TIKTOK_APP_SECRET']}")


def test_incomplete_secret_names_missing_fields(settings) -> None:
    with pytest.raises(SettingsError, match="internal_webhook_secret"):
        load_app_secrets(settings, fetch=lambda name: {"app_key": "k", "app_secret": "s", "oauth_state_secret": "o"})


def test_tiktok_qps_share_is_validated(globals_env) -> None:
    assert load_settings(globals_env).tiktok_qps_per_container == 50
    assert load_settings({**globals_env, "TIKTOK_QPS_PER_CONTAINER": "10"}).tiktok_qps_per_container == 10
    with pytest.raises(SettingsError, match="TIKTOK_QPS_PER_CONTAINER"):
        load_settings({**globals_env, "TIKTOK_QPS_PER_CONTAINER": "80"})


# --- one model per function's environment -------------------------------------------------------------
def test_every_function_environment_validates_against_its_model(stack, template) -> None:
    from tiktok_vtex.settings import FUNCTION_SETTINGS, Settings, load_settings

    prefix = stack.resolve({"Ref": "FunctionPrefix"}, "FunctionPrefix")
    checked = set()
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        env = {**stack.function_environment(logical_id)}
        name = str(stack.resolve(resource["Properties"]["FunctionName"], logical_id))
        env["AWS_LAMBDA_FUNCTION_NAME"] = name
        loaded = load_settings(env)
        expected = FUNCTION_SETTINGS.get(name.removeprefix(prefix), Settings)
        assert type(loaded) is expected, logical_id
        checked.add(expected)
    # Every specific model is used by at least one function of the template (none is dead).
    assert set(FUNCTION_SETTINGS.values()) <= checked


def test_a_missing_function_variable_fails_at_load_naming_it(stack) -> None:
    env = {**stack.function_environment("WebhookProcessorFunction")}
    env["AWS_LAMBDA_FUNCTION_NAME"] = env["FUNCTION_PREFIX"] + "WEBHOOK-processor"
    secret_looking = env.pop("SHIPPING_QUEUE_URL")
    with pytest.raises(SettingsError, match="SHIPPING_QUEUE_URL") as caught:
        load_settings(env)
    assert secret_looking not in str(caught.value)
    assert env["ORDERS_QUEUE_URL"] not in str(caught.value)


def test_get_settings_keeps_the_shared_fields_for_existing_callers(settings) -> None:
    from tiktok_vtex.settings import Settings, get_settings

    get_settings.cache_clear()
    loaded = get_settings()
    assert isinstance(loaded, Settings)
    assert loaded.tables.orders == settings.tables.orders
    assert loaded.require("ORDERS_TABLE") == settings.tables.orders


# --- defect 9: blank secrets are refused at load ---------------------------------------------------------
@pytest.mark.parametrize("field", ["app_key", "app_secret", "internal_webhook_secret", "oauth_state_secret"])
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_app_secrets_are_refused_naming_the_field(settings, field: str, blank: str) -> None:
    document = {"app_key": "k" * 12, "app_secret": "s" * 24, "internal_webhook_secret": "i" * 24,
                "oauth_state_secret": "o" * 24, field: blank}
    with pytest.raises(SettingsError, match=rf"{field} \(empty\)"):
        load_app_secrets(settings, fetch=lambda name: document)


def _rule_assertions(template, environment: str, **values: str) -> list[tuple[bool, str]]:
    from local.template import Resolver, resolve_parameters

    parameters = resolve_parameters(template, {"Environment": environment, **values})
    resolver = Resolver(template, parameters, region="us-east-1")
    outcomes = []
    for name, rule in template["Rules"].items():
        if "RuleCondition" in rule and not resolver.resolve(rule["RuleCondition"], f"Rules.{name}"):
            continue
        outcomes += [(bool(resolver.resolve(a["Assert"], f"Rules.{name}")), a["AssertDescription"])
                     for a in rule["Assertions"]]
    return outcomes


def test_template_rules_refuse_empty_secrets_outside_local(template) -> None:
    filled = {"TikTokAppKey": "key", "TikTokAppSecret": "secret", "InternalWebhookSecret": "internal",
              "OAuthStateSecret": "state"}
    assert all(ok for ok, _ in _rule_assertions(template, "prod", **filled))
    for parameter in ("TikTokAppSecret", "InternalWebhookSecret", "OAuthStateSecret", "TikTokAppKey"):
        failed = [why for ok, why in _rule_assertions(template, "prod", **{**filled, parameter: ""}) if not ok]
        assert failed == [f"{parameter} must not be empty outside the local environment"], parameter
    # The local stack provisions with its own sandbox secrets and may leave the others empty.
    assert _rule_assertions(template, "local") == []
